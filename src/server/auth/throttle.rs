//! Log-in throttling: from the fifth failure in an hour for an account or
//! from an address, the next attempt must wait a delay that doubles with
//! each failure (30 s, 1 min, 2 min, … up to 15 minutes). Kept in PostgreSQL
//! so every server instance agrees.

use crate::model::error::AppError;
use sqlx::PgPool;
use std::net::IpAddr;

/// The failure that starts the delay.
pub const FREE_FAILURES: i32 = 5;
const FIRST_DELAY_SECS: f64 = 30.0;
const MAX_DELAY_SECS: i64 = 15 * 60;

/// The keys one log-in attempt counts against.
pub fn keys(email: &str, ip: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("account:{email}")];
    if let Some(ip) = ip {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

/// Refuses the attempt while any key is blocked, saying how long to wait.
pub async fn check(pool: &PgPool, keys: &[String]) -> Result<(), AppError> {
    let wait: Option<f64> = sqlx::query_scalar(
        "SELECT max(EXTRACT(EPOCH FROM blocked_until - now()))::float8
           FROM login_throttle
          WHERE throttle_key = ANY($1) AND blocked_until > now()",
    )
    .bind(keys)
    .fetch_one(pool)
    .await?;
    match wait {
        Some(secs) => Err(AppError::LoginThrottled {
            retry_after_secs: secs.ceil().max(1.0) as u64,
        }),
        None => Ok(()),
    }
}

/// Counts a failure against every key; from the fifth on, blocks the key
/// for a doubling delay. Returns the longest delay now in force.
pub async fn record_failure(pool: &PgPool, keys: &[String]) -> Result<Option<u64>, sqlx::Error> {
    let mut longest = None;
    for key in keys {
        let blocked: Option<f64> = sqlx::query_scalar(
            "INSERT INTO login_throttle (throttle_key, failures, last_failure)
                  VALUES ($1, 1, now())
             ON CONFLICT (throttle_key) DO UPDATE
                     SET failures = CASE WHEN login_throttle.last_failure < now() - interval '1 hour'
                                         THEN 1 ELSE login_throttle.failures + 1 END,
                         last_failure = now()
             RETURNING CASE WHEN failures >= $2
                            THEN least($4 * power(2, failures - $2)::float8, $3::float8) END",
        )
        .bind(key)
        .bind(FREE_FAILURES)
        .bind(MAX_DELAY_SECS as f64)
        .bind(FIRST_DELAY_SECS)
        .fetch_one(pool)
        .await?;
        if let Some(secs) = blocked {
            sqlx::query(
                "UPDATE login_throttle SET blocked_until = now() + make_interval(secs => $2)
                  WHERE throttle_key = $1",
            )
            .bind(key)
            .bind(secs)
            .execute(pool)
            .await?;
            longest = longest.max(Some(secs as u64));
        }
    }
    Ok(longest)
}

/// A successful log-in clears the account's count (not the address's: one
/// good password must not unlock guessing at other accounts).
pub async fn record_success(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
        .bind(format!("account:{email}"))
        .execute(pool)
        .await?;
    Ok(())
}
