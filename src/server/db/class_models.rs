//! The classification models an organisation trained. Every query runs in
//! the tenant's scope, where row-level security hides other tenants' rows,
//! and names the tenant.

use crate::intel::classify::Card;
use crate::model::account::{TenantId, UserId};
use crate::model::time::Timestamp;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::types::Json;

/// A trained model as its organisation's page lists it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModelVersion {
    pub version: i32,
    /// Lines of the organisation's own simulations among those trained on.
    pub own_lines: i32,
    pub card: Card,
    pub created_at: Timestamp,
    pub in_force: bool,
}

/// The version of the model in force, if the tenant has one.
pub async fn in_force(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT version_no FROM class_models WHERE tenant_id = $1 AND in_force")
        .bind(tenant.0)
        .fetch_optional(conn)
        .await
}

/// The stored bytes of a model version.
pub async fn bytes(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i32,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT model FROM class_models WHERE tenant_id = $1 AND version_no = $2")
        .bind(tenant.0)
        .bind(version)
        .fetch_optional(conn)
        .await
}

/// Stores a new model and puts it in force; its version.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Option<UserId>,
    own_lines: usize,
    card: &Card,
    model: &[u8],
) -> Result<i32, sqlx::Error> {
    // Serialises concurrent trainings of one tenant on its versions.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('class_models'), hashtext($1))")
        .bind(tenant.0.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE class_models SET in_force = false WHERE tenant_id = $1 AND in_force")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO class_models (tenant_id, version_no, own_lines, card, model, created_by, in_force)
         SELECT $1, coalesce(max(version_no), 0) + 1, $2, $3, $4, $5, true
           FROM class_models WHERE tenant_id = $1
         RETURNING version_no",
    )
    .bind(tenant.0)
    .bind(i32::try_from(own_lines).unwrap_or(i32::MAX))
    .bind(Json(card))
    .bind(model)
    .bind(user.map(|u| u.0))
    .fetch_one(conn)
    .await
}

type VersionRow = (i32, i32, Json<Card>, DateTime<Utc>, bool);

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<ModelVersion>, sqlx::Error> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT version_no, own_lines, card, created_at, in_force FROM class_models
          WHERE tenant_id = $1 ORDER BY version_no DESC",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(version, own_lines, Json(card), created, in_force)| ModelVersion {
                version,
                own_lines,
                card,
                created_at: Timestamp::from_utc(created),
                in_force,
            },
        )
        .collect())
}

/// Puts `version` in force instead of the current one; false when the
/// tenant has no such version.
pub async fn put_in_force(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i32,
) -> Result<bool, sqlx::Error> {
    let exists: Option<i32> = sqlx::query_scalar(
        "SELECT version_no FROM class_models WHERE tenant_id = $1 AND version_no = $2",
    )
    .bind(tenant.0)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Ok(false);
    }
    // Two statements: the unique index allows one model in force at every row.
    sqlx::query("UPDATE class_models SET in_force = false WHERE tenant_id = $1 AND in_force")
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE class_models SET in_force = true WHERE tenant_id = $1 AND version_no = $2")
        .bind(tenant.0)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(true)
}
