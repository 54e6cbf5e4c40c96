//! What the operator watches across tenants, read through one narrow
//! function: counts, never rows.

use sqlx::PgConnection;

/// `(name, queue, value)`: a queue's depth, oldest age and failures, and
/// the business gauges (no queue).
pub async fn stats(
    conn: &mut PgConnection,
) -> Result<Vec<(String, Option<String>, f64)>, sqlx::Error> {
    sqlx::query_as("SELECT name, queue, value FROM app_operational_stats()")
        .fetch_all(conn)
        .await
}
