//! The delivery worker: sends what is due, signed, one attempt per due
//! delivery, several at once; records what the receiver said; reschedules
//! on the specification's schedule (or `Retry-After`); turns an endpoint
//! off on `410 Gone` or after a day of failures, and tells the admins.

use super::address;
use super::schedule;
use super::signer::{Secret, signature_header};
use crate::model::account::{Role, TenantId};
use crate::model::webhooks::{DeliveryId, DeliveryStatus, EndpointId};
use crate::model::workflow::NotificationKind;
use crate::server::db::webhooks::{self, Outcome, Outgoing};
use crate::server::db::{notifications, scope, tenants};
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Deliveries taken per pass.
const BATCH: i32 = 200;
/// Attempts in flight at once.
const PARALLEL: usize = 16;
/// The receiver's time to answer.
const TIMEOUT: Duration = Duration::from_secs(15);
/// How much of an answer's body the log keeps.
const EXCERPT: usize = 500;

/// What the receiver answered.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    excerpt: String,
}

#[derive(Clone)]
pub struct Deliverer {
    allow_private: bool,
}

impl Deliverer {
    /// `allow_private`: the operator lets webhooks reach loopback and
    /// private addresses over plain http (tests, an internal receiver).
    pub fn new(allow_private: bool) -> Deliverer {
        Deliverer { allow_private }
    }

    /// Makes one attempt at every delivery due now; returns how many were
    /// attempted.
    pub async fn deliver_due(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let due = {
            let mut conn = pool.acquire().await?;
            webhooks::due(&mut conn, BATCH).await?
        };
        let mut attempted = 0;
        for chunk in due.chunks(PARALLEL) {
            let mut tasks = tokio::task::JoinSet::new();
            for (tenant, id) in chunk.iter().copied() {
                let (me, pool) = (self.clone(), pool.clone());
                tasks.spawn(async move { me.deliver_one(&pool, tenant, id).await });
            }
            while let Some(done) = tasks.join_next().await {
                match done {
                    Ok(Ok(true)) => attempted += 1,
                    Ok(Ok(false)) => {}
                    Ok(Err(error)) => return Err(error),
                    Err(error) => tracing::error!(%error, "webhook delivery task failed"),
                }
            }
        }
        Ok(attempted)
    }

    async fn deliver_one(
        &self,
        pool: &PgPool,
        tenant: TenantId,
        id: DeliveryId,
    ) -> Result<bool, sqlx::Error> {
        let outgoing = {
            let mut tx = scope::begin(pool, tenant).await?;
            let claimed = webhooks::claim(&mut tx, tenant, id).await?;
            tx.commit().await?;
            match claimed {
                Some(outgoing) => outgoing,
                None => return Ok(false),
            }
        };
        let started = Instant::now();
        let answer = if outgoing.enabled {
            self.send(&outgoing).await
        } else {
            Err("the endpoint is turned off".to_owned())
        };
        let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let mut tx = scope::begin(pool, tenant).await?;
        settle(&mut tx, tenant, id, &outgoing, answer, latency_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn send(&self, outgoing: &Outgoing) -> Result<Answer, String> {
        let target = address::resolve(&outgoing.url, self.allow_private)
            .await
            .map_err(|e| e.to_string())?;
        // Pinned to the address just checked, no redirects followed: the
        // request goes where the check said, nowhere else.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .resolve(&target.host, target.addr)
            .user_agent("Prudentia-Webhooks/1")
            .build()
            .map_err(|e| e.to_string())?;
        let id = webhooks::message_id(outgoing.message);
        let timestamp = chrono::Utc::now().timestamp();
        let keys: Vec<Secret> = outgoing
            .secrets
            .iter()
            .filter_map(|s| Secret::parse(s))
            .collect();
        let mut response = client
            .post(target.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature_header(&keys, &id, timestamp, &outgoing.body),
            )
            .body(outgoing.body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| schedule::retry_after(v, chrono::Utc::now()));
        // Only the start of the body: a receiver cannot fill our log.
        let mut body = Vec::new();
        while body.len() < EXCERPT * 4
            && let Ok(Some(chunk)) = response.chunk().await
        {
            body.extend_from_slice(&chunk);
        }
        let excerpt: String = String::from_utf8_lossy(&body)
            .chars()
            .take(EXCERPT)
            .collect();
        Ok(Answer {
            status,
            retry_after,
            excerpt,
        })
    }

    /// Delivers every `every` until the task is aborted.
    pub fn spawn(self, pool: PgPool, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = Arc::new(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // A full batch means more are due: no pause until it drains.
                loop {
                    match me.deliver_due(&pool).await {
                        Ok(attempted) if attempted >= BATCH as usize => continue,
                        Ok(_) => break,
                        Err(error) => {
                            tracing::error!(%error, "webhook queue unavailable");
                            break;
                        }
                    }
                }
            }
        })
    }
}

/// Records the attempt and what follows from it.
async fn settle(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: DeliveryId,
    outgoing: &Outgoing,
    answer: Result<Answer, String>,
    latency_ms: i32,
) -> Result<(), sqlx::Error> {
    let (code, retry_after, excerpt, error) = match &answer {
        Ok(a) => (Some(a.status), a.retry_after, a.excerpt.as_str(), None),
        Err(e) => (None, None, "", Some(e.as_str())),
    };
    let outcome = Outcome {
        status_code: code.map(i32::from),
        latency_ms,
        excerpt,
        error,
    };
    let endpoint = outgoing.endpoint;
    let delivered = code.is_some_and(|c| (200..300).contains(&c));
    crate::server::metrics::webhook_attempt(if delivered { "delivered" } else { "failed" });
    if delivered {
        webhooks::record(conn, tenant, id, &outcome, DeliveryStatus::Succeeded, None).await?;
        webhooks::note_health(conn, tenant, endpoint, true).await?;
        return Ok(());
    }
    if code == Some(410) {
        webhooks::record(conn, tenant, id, &outcome, DeliveryStatus::Failed, None).await?;
        let reason = "the receiver answered 410 Gone";
        webhooks::disable(conn, tenant, endpoint, reason).await?;
        return tell_admins(conn, tenant, endpoint, &outgoing.url, reason).await;
    }
    let attempts = usize::try_from(outgoing.attempts).unwrap_or(0) + 1;
    let next = schedule::next(attempts, retry_after);
    let status = if next.is_some() {
        DeliveryStatus::Pending
    } else {
        DeliveryStatus::Failed
    };
    tracing::warn!(tenant = %tenant, delivery = %id, attempts, code, error, "webhook delivery failed");
    webhooks::record(conn, tenant, id, &outcome, status, next).await?;
    let since = webhooks::note_health(conn, tenant, endpoint, false).await?;
    if outgoing.enabled
        && since.is_some_and(|s| chrono::Utc::now() - s >= chrono::Duration::days(1))
    {
        let reason = "every delivery failed for a day";
        webhooks::disable(conn, tenant, endpoint, reason).await?;
        tell_admins(conn, tenant, endpoint, &outgoing.url, reason).await?;
    }
    Ok(())
}

async fn tell_admins(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: EndpointId,
    url: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    tracing::warn!(tenant = %tenant, endpoint = %endpoint, reason, "webhook endpoint turned off");
    let message = format!("The webhook endpoint {url} was turned off: {reason}.");
    for member in tenants::members(&mut *conn).await? {
        if member.role == Role::Admin {
            let kind = NotificationKind::Integrations;
            notifications::insert(
                &mut *conn,
                tenant,
                member.user_id,
                kind,
                &message,
                "/app/webhooks",
            )
            .await?;
        }
    }
    Ok(())
}
