//! Short-term rates counted in PostgreSQL, so every application server
//! agrees (migration 0019): the generic cell rate algorithm, one row per
//! key. Keys name what they count (`token:…`, `contact:…`), not a tenant.

use sqlx::PgPool;
use std::time::Duration;

/// `burst` events at once, then one each `interval`.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub interval: Duration,
    pub burst: u32,
}

/// Takes one event for `key`: `None` when admitted, else how long until
/// the next one would be.
pub async fn take(pool: &PgPool, key: &str, rate: Rate) -> Result<Option<Duration>, sqlx::Error> {
    let interval = rate.interval.as_secs_f64();
    let tolerance = interval * f64::from(rate.burst.max(1));
    // One statement: the row's lock orders concurrent calls for a key.
    let admitted = sqlx::query(
        "INSERT INTO rate_limits AS r (rate_key, tat)
         VALUES ($1, now() + $2 * interval '1 second')
         ON CONFLICT (rate_key) DO UPDATE
            SET tat = greatest(r.tat, now()) + $2 * interval '1 second'
          WHERE greatest(r.tat, now()) + $2 * interval '1 second'
                <= now() + $3 * interval '1 second'",
    )
    .bind(key)
    .bind(interval)
    .bind(tolerance)
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    if admitted {
        return Ok(None);
    }
    let wait: Option<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM greatest(tat, now()) - now())::float8
                + $2 - $3
           FROM rate_limits WHERE rate_key = $1",
    )
    .bind(key)
    .bind(interval)
    .bind(tolerance)
    .fetch_optional(pool)
    .await?;
    Ok(Some(Duration::from_secs_f64(
        wait.unwrap_or(interval).max(0.001),
    )))
}

/// Forgets keys whose allowance is whole again.
pub async fn expire(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE tat < now()")
        .execute(pool)
        .await?
        .rows_affected())
}
