//! What suggested plans are asked for: an organisation's changes to the
//! catalogue of actions, and each simulation's targets. Every query runs
//! in the tenant's scope, where row-level security hides other tenants'
//! rows, and names the tenant.

use crate::intel::suggest::Targets;
use crate::intel::suggest::catalogue::Override;
use crate::model::account::{TenantId, UserId};
use crate::model::simulation::SimulationId;
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

/// The targets set for a simulation's plans, if any.
pub async fn targets(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
) -> Result<Option<Targets>, sqlx::Error> {
    let row: Option<Json<Targets>> = sqlx::query_scalar(
        "SELECT targets FROM simulation_targets WHERE tenant_id = $1 AND simulation_id = $2",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|Json(t)| t))
}

pub async fn put_targets(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    targets: &Targets,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO simulation_targets (tenant_id, simulation_id, targets, updated_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, simulation_id) DO UPDATE
            SET targets = $3, updated_by = $4, updated_at = now()",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(Json(targets))
    .bind(user.0)
    .execute(conn)
    .await
    .map(|_| ())
}
