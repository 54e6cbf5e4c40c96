//! The contact-request service: validation, spam defences, storage.

use super::db::contact_requests;
use super::db::rate_limits::{self, Rate};
use super::http::ClientInfo;
use crate::model::contact::{ContactAck, ContactForm};
use crate::model::error::AppError;
use sqlx::PgPool;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Accepted contact requests per client IP: `per_hour` at once, then one more
/// each `3600 / per_hour` seconds, counted in PostgreSQL across servers.
pub struct ContactLimiter {
    rate: Rate,
}

impl ContactLimiter {
    pub fn per_hour(per_hour: NonZeroU32) -> Self {
        Self {
            rate: Rate {
                interval: Duration::from_secs(3600) / per_hour.get(),
                burst: per_hour.get(),
            },
        }
    }

    async fn check(&self, pool: &PgPool, ip: IpAddr) -> Result<(), AppError> {
        match rate_limits::take(pool, &format!("contact:{ip}"), self.rate).await? {
            None => Ok(()),
            Some(wait) => Err(AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }),
        }
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
        limiter.check(pool, ip).await?;
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
