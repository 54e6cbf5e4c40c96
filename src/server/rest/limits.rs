//! The API's rate limits: a short-term rate per token (a burst from one
//! integration must not starve the others) and the plan's daily call quota
//! per tenant, both in PostgreSQL so every server counts the same calls.
//! Both answer 429 with `Retry-After`.

use super::problem::Problem;
use crate::model::api_token::ApiTokenId;
use crate::model::error::AppError;
use crate::server::auth::Caller;
use crate::server::db::api_tokens;
use crate::server::db::rate_limits::{self, Rate};
use axum::http::StatusCode;
use sqlx::{PgConnection, PgPool};
use std::num::NonZeroU32;
use std::time::Duration;

pub struct ApiLimits {
    per_token: Rate,
    per_second: NonZeroU32,
}

impl ApiLimits {
    /// `per_second` calls a second per token, with bursts of `burst`.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> ApiLimits {
        ApiLimits {
            per_token: Rate {
                interval: Duration::from_secs(1) / per_second.get(),
                burst: burst.get(),
            },
            per_second,
        }
    }

    /// Counts one call of `token` against its rate.
    pub async fn check_token(&self, pool: &PgPool, token: ApiTokenId) -> Result<(), Problem> {
        let key = format!("token:{}", token.0);
        match rate_limits::take(pool, &key, self.per_token)
            .await
            .map_err(AppError::from)?
        {
            None => Ok(()),
            Some(wait) => Err(Problem::rate_limited(
                "token-rate-limited",
                format!(
                    "This token may make {} calls a second. Wait before the next one.",
                    self.per_second
                ),
                wait.as_secs_f64().ceil() as u64,
            )),
        }
    }
}

/// Counts one call against the tenant's daily quota (its plan's, unless an
/// admin set another).
/// Runs in the caller's tenant-scoped transaction.
pub async fn count_daily_call(tx: &mut PgConnection, caller: Caller) -> Result<(), Problem> {
    let limit = api_tokens::daily_limit(tx).await.map_err(AppError::from)?;
    let calls = match limit {
        Some(0) => None,
        _ => api_tokens::count_call(tx, caller.tenant_id, limit)
            .await
            .map_err(AppError::from)?,
    };
    match (limit, calls) {
        (_, Some(_)) | (None, None) => Ok(()),
        (Some(0), None) => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "plan-excludes-api",
            "API not included",
            "Your organisation's plan does not include the API. An admin can change the plan or the API quota.",
        )),
        (Some(limit), None) => {
            let now = chrono::Utc::now();
            let midnight = (now.date_naive() + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc());
            let wait = midnight.map_or(3600, |m| (m - now).num_seconds().max(1) as u64);
            Err(Problem::rate_limited(
                "daily-quota-exceeded",
                format!(
                    "Your organisation has used its {limit} API calls for today (UTC). The count starts again at midnight UTC."
                ),
                wait,
            ))
        }
    }
}
