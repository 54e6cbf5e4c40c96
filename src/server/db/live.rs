//! The events of simulations as their viewers see them live, and who is
//! looking. Every query runs in the tenant's scope and names the tenant.

use crate::model::account::{TenantId, UserId};
use crate::model::simulation::SimulationId;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

/// How long an open stream counts as there without a heartbeat.
const PRESENT_SECONDS: f64 = 60.0;

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    kind: &str,
    payload: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO live_events (tenant_id, simulation_id, kind, payload) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(kind)
    .bind(payload)
    .execute(conn)
    .await?;
    Ok(())
}

/// The id of the simulation's latest event, 0 when none.
pub async fn latest(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(max(event_id), 0) FROM live_events WHERE tenant_id = $1 AND simulation_id = $2",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .fetch_one(conn)
    .await
}

pub struct Row {
    pub event_id: i64,
    pub kind: String,
    pub payload: Value,
}

/// The simulation's events after `last`, and those written in the last
/// `late` (which may have committed after later-numbered ones), oldest
/// first; a day's worth at most: older ones are not replayed.
pub async fn after(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    last: i64,
    late: std::time::Duration,
) -> Result<Vec<Row>, sqlx::Error> {
    let rows: Vec<(i64, String, Value)> = sqlx::query_as(
        "SELECT event_id, kind, payload FROM live_events
          WHERE tenant_id = $1 AND simulation_id = $2
            AND (event_id > $3 OR created_at > now() - make_interval(secs => $4))
            AND created_at > now() - interval '1 day'
          ORDER BY event_id LIMIT 500",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(last)
    .bind(late.as_secs_f64())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(event_id, kind, payload)| Row {
            event_id,
            kind,
            payload,
        })
        .collect())
}

pub async fn join(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    connection: Uuid,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO live_presence (tenant_id, connection_id, simulation_id, user_id)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant.0)
    .bind(connection)
    .bind(simulation.0)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn seen(
    conn: &mut PgConnection,
    tenant: TenantId,
    connection: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE live_presence SET seen_at = now() WHERE tenant_id = $1 AND connection_id = $2",
    )
    .bind(tenant.0)
    .bind(connection)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn leave(
    conn: &mut PgConnection,
    tenant: TenantId,
    connection: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM live_presence WHERE tenant_id = $1 AND connection_id = $2")
        .bind(tenant.0)
        .bind(connection)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who has the simulation open now: each member once, by name.
pub async fn present(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
) -> Result<Vec<Value>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT DISTINCT u.user_id, u.display_name FROM live_presence p
           JOIN users u ON u.user_id = p.user_id
          WHERE p.tenant_id = $1 AND p.simulation_id = $2
            AND p.seen_at > now() - make_interval(secs => $3)
          ORDER BY u.display_name",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(PRESENT_SECONDS)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| json!({ "user_id": id, "name": name }))
        .collect())
}

/// Removes events past replay and stale presence, in every tenant (owner
/// function); returns how many events went.
pub async fn expire(conn: &mut PgConnection) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT app_expire_live_events()")
        .fetch_one(conn)
        .await
}
