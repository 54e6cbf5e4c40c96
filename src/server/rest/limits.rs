//! The API's rate limits: a short-term rate per token (in memory: a burst
//! from one integration must not starve the others) and the plan's daily
//! call quota per tenant (in PostgreSQL, so every server counts the same
//! calls). Both answer 429 with `Retry-After`.

use super::problem::Problem;
use crate::model::api_token::ApiTokenId;
use crate::model::error::AppError;
use crate::server::auth::Caller;
use crate::server::db::api_tokens;
use axum::http::StatusCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::PgConnection;
use std::num::NonZeroU32;

pub struct ApiLimits {
    per_token: DefaultKeyedRateLimiter<ApiTokenId>,
    per_second: NonZeroU32,
}

impl ApiLimits {
    /// `per_second` calls a second per token, with bursts of `burst`.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> ApiLimits {
        ApiLimits {
            per_token: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            per_second,
        }
    }

    /// Forgets tokens whose rate has fully recovered (memory stays bounded
    /// by the tokens in use).
    pub fn prune(&self) {
        self.per_token.retain_recent();
        self.per_token.shrink_to_fit();
    }

    /// Counts one call of `token` against its rate.
    pub fn check_token(&self, token: ApiTokenId) -> Result<(), Problem> {
        self.per_token.check_key(&token).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Problem::rate_limited(
                "token-rate-limited",
                format!(
                    "This token may make {} calls a second. Wait before the next one.",
                    self.per_second
                ),
                wait.as_secs_f64().ceil() as u64,
            )
        })?;
        Ok(())
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
