//! The contact-request service: validation, spam defences, storage.

use super::db::contact_requests;
use super::http::ClientInfo;
use crate::model::contact::{ContactAck, ContactForm};
use crate::model::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::PgPool;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Accepted contact requests per client IP: `per_hour` at once, then one more
/// each `3600 / per_hour` seconds.
pub struct ContactLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl ContactLimiter {
    pub fn per_hour(per_hour: NonZeroU32) -> Self {
        let period = Duration::from_secs(3600) / per_hour.get();
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_hour(per_hour))
            .allow_burst(per_hour);
        Self {
            limiter: RateLimiter::keyed(quota),
        }
    }

    fn check(&self, ip: IpAddr) -> Result<(), AppError> {
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }

    /// Forgets addresses whose quota is full again, so memory stays bounded.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

/// Validates, applies the spam defences, stores. Validation errors do not
/// count against the rate limit: a person fixing a typo is not a spammer.
pub async fn submit(
    pool: &PgPool,
    limiter: &ContactLimiter,
    client: &ClientInfo,
    form: ContactForm,
) -> Result<ContactAck, AppError> {
    let request = form.parse()?;
    if let Some(ip) = client.ip {
        limiter.check(ip)?;
    }
    if form.is_spam_trap_filled() {
        // Answer like a success so the bot learns nothing; store nothing.
        tracing::warn!(ip = ?client.ip, "contact form honeypot filled; request dropped");
        return Ok(acknowledgement(uuid::Uuid::now_v7()));
    }
    let id =
        contact_requests::insert(pool, &request, client.ip, client.user_agent.as_deref()).await?;
    tracing::info!(contact_request_id = %id, "contact request stored");
    Ok(acknowledgement(id))
}

fn acknowledgement(id: uuid::Uuid) -> ContactAck {
    let simple = id.simple().to_string();
    ContactAck {
        reference: format!("CR-{}", &simple[simple.len() - 8..]).to_uppercase(),
        message: "Thank you — your message has reached our team. We answer within one \
                  business day."
            .to_owned(),
    }
}
