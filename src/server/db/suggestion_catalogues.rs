//! An organisation's changes to the catalogue of suggestion actions. Every
//! query runs in the tenant's scope, where row-level security hides other
//! tenants' rows, and names the tenant.

use crate::intel::suggest::catalogue::Override;
use crate::model::account::{TenantId, UserId};
use sqlx::PgConnection;
use sqlx::types::Json;

pub async fn get(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Override>, sqlx::Error> {
    let row: Option<Json<Vec<Override>>> =
        sqlx::query_scalar("SELECT overrides FROM suggestion_catalogues WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|Json(o)| o).unwrap_or_default())
}

/// The changes, with the organisation's catalogue locked until the
/// transaction ends, so two admins' changes never overwrite each other.
pub async fn locked(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<Override>, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('suggestion_catalogues'), hashtext($1))")
        .bind(tenant.0.to_string())
        .execute(&mut *conn)
        .await?;
    get(conn, tenant).await
}

pub async fn put(
    conn: &mut PgConnection,
    tenant: TenantId,
    overrides: &[Override],
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO suggestion_catalogues (tenant_id, overrides, updated_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE
            SET overrides = $2, updated_by = $3, updated_at = now()",
    )
    .bind(tenant.0)
    .bind(Json(overrides))
    .bind(user.0)
    .execute(conn)
    .await
    .map(|_| ())
}
