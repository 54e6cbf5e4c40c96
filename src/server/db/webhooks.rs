//! Webhook endpoints, the outbox of events, deliveries and their attempts.
//! Every query runs in the tenant's scope (row-level security) and names
//! the tenant, but `due`, which serves the worker across tenants.

use crate::model::account::{TenantId, UserId};
use crate::model::connections::WebhookHealth;
use crate::model::time::Timestamp;
use crate::model::webhooks::{
    Attempt, Delivery, DeliveryId, DeliveryStatus, Endpoint, EndpointId, EventType, NewEndpoint,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

type EndpointRow = (
    Uuid,
    String,
    String,
    Vec<String>,
    bool,
    Option<String>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    String,
);

const ENDPOINT: &str = "SELECT endpoint_id, url, description, events, enabled, disabled_reason,
                               failing_since, created_at, secret
                          FROM webhook_endpoints WHERE tenant_id = $1";

fn endpoint(row: EndpointRow) -> Endpoint {
    let (id, url, description, events, enabled, disabled_reason, failing_since, created_at, secret) =
        row;
    Endpoint {
        endpoint_id: EndpointId(id),
        url,
        description,
        events: events.iter().filter_map(|e| EventType::parse(e)).collect(),
        enabled,
        disabled_reason,
        failing_since: failing_since.map(Timestamp::from_utc),
        created_at: Timestamp::from_utc(created_at),
        secret,
    }
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Endpoint>, sqlx::Error> {
    let rows: Vec<EndpointRow> = sqlx::query_as(&format!("{ENDPOINT} ORDER BY created_at"))
        .bind(tenant.0)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(endpoint).collect())
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: EndpointId,
) -> Result<Option<Endpoint>, sqlx::Error> {
    let row: Option<EndpointRow> = sqlx::query_as(&format!("{ENDPOINT} AND endpoint_id = $2"))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(endpoint))
}

fn names(events: &[EventType]) -> Vec<String> {
    events.iter().map(|e| e.as_str().to_owned()).collect()
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: &NewEndpoint,
    secret: &str,
    by: UserId,
) -> Result<EndpointId, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO webhook_endpoints (tenant_id, endpoint_id, url, description, events, secret, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(&new.url)
    .bind(&new.description)
    .bind(names(&new.events))
    .bind(secret)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(EndpointId(id))
}

/// Changes the address, description and events, and turns the endpoint on
/// or off; turned on, its run of failures starts again.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: EndpointId,
    new: &NewEndpoint,
    enabled: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints
            SET url = $3, description = $4, events = $5, enabled = $6,
                disabled_reason = CASE WHEN $6 THEN NULL ELSE 'turned off by an admin' END,
                failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END
          WHERE tenant_id = $1 AND endpoint_id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(&new.url)
    .bind(&new.description)
    .bind(names(&new.events))
    .bind(enabled)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: EndpointId,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND endpoint_id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A new key; the one it replaces keeps signing for a day.
pub async fn rotate(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: EndpointId,
    secret: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints
            SET previous_secret = secret, previous_secret_until = now() + interval '1 day',
                secret = $3
          WHERE tenant_id = $1 AND endpoint_id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(secret)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes an event and one delivery to each enabled endpoint that wants
/// it, in the caller's transaction; nothing when none does. `only`: to
/// that endpoint alone, whatever it subscribes to (the test event).
pub async fn enqueue(
    conn: &mut PgConnection,
    tenant: TenantId,
    event: EventType,
    message: Uuid,
    body: &str,
    only: Option<EndpointId>,
) -> Result<u64, sqlx::Error> {
    let targets: Vec<Uuid> = sqlx::query_scalar(
        "SELECT endpoint_id FROM webhook_endpoints
          WHERE tenant_id = $1 AND enabled
            AND (($3::uuid IS NULL AND $2 = ANY (events)) OR endpoint_id = $3)",
    )
    .bind(tenant.0)
    .bind(event.as_str())
    .bind(only.map(|e| e.0))
    .fetch_all(&mut *conn)
    .await?;
    if targets.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "INSERT INTO webhook_messages (tenant_id, message_id, event_type, body) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant.0)
    .bind(message)
    .bind(event.as_str())
    .bind(body)
    .execute(&mut *conn)
    .await?;
    let deliveries: Vec<Uuid> = targets.iter().map(|_| Uuid::now_v7()).collect();
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (tenant_id, delivery_id, endpoint_id, message_id)
         SELECT $1, d, e, $4 FROM unnest($2::uuid[], $3::uuid[]) AS t (d, e)",
    )
    .bind(tenant.0)
    .bind(&deliveries)
    .bind(&targets)
    .bind(message)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deliveries due now in any tenant (owner function), oldest first.
pub async fn due(
    conn: &mut PgConnection,
    limit: i32,
) -> Result<Vec<(TenantId, DeliveryId)>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT tenant_id, delivery_id FROM app_due_webhooks($1)")
            .bind(limit)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(t, d)| (TenantId(t), DeliveryId(d)))
        .collect())
}

/// What an attempt sends.
pub struct Outgoing {
    pub endpoint: EndpointId,
    pub url: String,
    pub enabled: bool,
    /// The keys to sign with: the current one, and the previous one while
    /// a rotation lasts.
    pub secrets: Vec<String>,
    pub message: Uuid,
    pub body: String,
    pub attempts: i32,
}

/// Takes a due delivery for one attempt: its next attempt moves a minute
/// on, so no other worker takes it while this one waits for the receiver.
pub async fn claim(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: DeliveryId,
) -> Result<Option<Outgoing>, sqlx::Error> {
    type Row = (
        Uuid,
        String,
        bool,
        String,
        Option<String>,
        Uuid,
        String,
        i32,
    );
    let row: Option<Row> = sqlx::query_as(
        "UPDATE webhook_deliveries d
            SET next_attempt_at = now() + interval '1 minute'
           FROM webhook_endpoints e, webhook_messages m
          WHERE d.tenant_id = $1 AND d.delivery_id = $2
            AND d.status = 'pending' AND d.next_attempt_at <= now()
            AND e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id
            AND m.tenant_id = d.tenant_id AND m.message_id = d.message_id
         RETURNING e.endpoint_id, e.url, e.enabled, e.secret,
                   CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END,
                   m.message_id, m.body, d.attempts",
    )
    .bind(tenant.0)
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(endpoint, url, enabled, secret, previous, message, body, attempts)| Outgoing {
            endpoint: EndpointId(endpoint),
            url,
            enabled,
            secrets: std::iter::once(secret).chain(previous).collect(),
            message,
            body,
            attempts,
        },
    ))
}

/// What the receiver said.
pub struct Outcome<'a> {
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub excerpt: &'a str,
    pub error: Option<&'a str>,
}

/// Records an attempt and where the delivery goes next: `next` none ends
/// it, as `succeeded` or `failed`.
pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: DeliveryId,
    outcome: &Outcome<'_>,
    status: DeliveryStatus,
    next: Option<std::time::Duration>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt_no, status_code, latency_ms,
                                       response_excerpt, error)
         SELECT $1, $2, coalesce(max(attempt_no), 0) + 1, $3, $4, $5, $6 FROM webhook_attempts
          WHERE tenant_id = $1 AND delivery_id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(outcome.status_code)
    .bind(outcome.latency_ms)
    .bind(outcome.excerpt)
    .bind(outcome.error)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries
            SET attempts = attempts + 1, status = $3,
                next_attempt_at = now() + make_interval(secs => $4)
          WHERE tenant_id = $1 AND delivery_id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(status.as_str())
    .bind(next.map_or(0.0, |d| d.as_secs_f64()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes an endpoint's success or failure; returns when its run of
/// failures started (none after a success).
pub async fn note_health(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: EndpointId,
    succeeded: bool,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE webhook_endpoints
            SET failing_since = CASE WHEN $3 THEN NULL ELSE coalesce(failing_since, now()) END
          WHERE tenant_id = $1 AND endpoint_id = $2
         RETURNING failing_since",
    )
    .bind(tenant.0)
    .bind(endpoint.0)
    .bind(succeeded)
    .fetch_one(conn)
    .await
}

/// Turns an endpoint off and fails what it still had to deliver.
pub async fn disable(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: EndpointId,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_endpoints SET enabled = false, disabled_reason = $3
          WHERE tenant_id = $1 AND endpoint_id = $2",
    )
    .bind(tenant.0)
    .bind(endpoint.0)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'failed'
          WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending'",
    )
    .bind(tenant.0)
    .bind(endpoint.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest deliveries to an endpoint, newest first, with their attempts.
pub async fn deliveries(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: EndpointId,
    limit: i64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    type Row = (Uuid, Uuid, String, String, DateTime<Utc>, DateTime<Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.delivery_id, d.message_id, m.event_type, d.status, m.created_at, d.next_attempt_at
           FROM webhook_deliveries d
           JOIN webhook_messages m ON m.tenant_id = d.tenant_id AND m.message_id = d.message_id
          WHERE d.tenant_id = $1 AND d.endpoint_id = $2
          ORDER BY d.delivery_id DESC LIMIT $3",
    )
    .bind(tenant.0)
    .bind(endpoint.0)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    type AttemptRow = (
        Uuid,
        i32,
        DateTime<Utc>,
        Option<i32>,
        i32,
        String,
        Option<String>,
    );
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "SELECT delivery_id, attempt_no, attempted_at, status_code, latency_ms, response_excerpt, error
           FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = ANY ($2)
          ORDER BY attempt_no",
    )
    .bind(tenant.0)
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, message, event, status, created_at, next)| {
            let status = DeliveryStatus::parse(&status);
            Delivery {
                delivery_id: DeliveryId(id),
                message_id: message_id(message),
                event_type: EventType::parse(&event).unwrap_or(EventType::Test),
                status,
                created_at: Timestamp::from_utc(created_at),
                next_attempt_at: (status == DeliveryStatus::Pending)
                    .then(|| Timestamp::from_utc(next)),
                attempts: attempts
                    .iter()
                    .filter(|a| a.0 == id)
                    .map(|(_, no, at, code, latency, excerpt, error)| Attempt {
                        attempt_no: *no,
                        attempted_at: Timestamp::from_utc(*at),
                        status_code: *code,
                        latency_ms: *latency,
                        response_excerpt: excerpt.clone(),
                        error: error.clone(),
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Sends a finished delivery again: pending, due now, its schedule anew.
pub async fn replay(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: EndpointId,
    id: DeliveryId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
          WHERE tenant_id = $1 AND endpoint_id = $2 AND delivery_id = $3",
    )
    .bind(tenant.0)
    .bind(endpoint.0)
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `webhook-id` for an event: stable across attempts, so receivers can
/// drop a duplicate.
pub fn message_id(id: Uuid) -> String {
    format!("msg_{}", id.simple())
}

/// Removes events older than a month with nothing left to deliver, in
/// every tenant (owner function); returns how many went.
pub async fn expire(conn: &mut PgConnection) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT app_expire_webhook_messages()")
        .fetch_one(conn)
        .await
}

#[derive(sqlx::FromRow)]
struct HealthRow {
    endpoint_id: Uuid,
    url: String,
    #[sqlx(flatten)]
    columns: super::connections::StatusColumns,
}

/// Every endpoint's health from its attempts, as the connections page
/// shows it: an attempt succeeded when the receiver answered 2xx.
pub async fn health(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<WebhookHealth>, sqlx::Error> {
    let rows: Vec<HealthRow> = sqlx::query_as(
        "WITH tried AS (
             SELECT d.endpoint_id, a.attempted_at, a.latency_ms,
                    coalesce(a.status_code BETWEEN 200 AND 299, false) AS ok,
                    coalesce(a.error, 'answered ' || a.status_code) AS said
               FROM webhook_attempts a
               JOIN webhook_deliveries d ON d.tenant_id = a.tenant_id
                                        AND d.delivery_id = a.delivery_id
              WHERE a.tenant_id = $1)
         SELECT e.endpoint_id, e.url, e.enabled,
                last.attempted_at AS last_run_at,
                good.attempted_at AS last_success_at,
                (SELECT count(*) FROM tried t WHERE t.endpoint_id = e.endpoint_id AND NOT t.ok
                    AND t.attempted_at > coalesce(good.attempted_at, '-infinity'))
                    AS consecutive_failures,
                (SELECT avg(latency_ms)::float8 FROM tried t WHERE t.endpoint_id = e.endpoint_id
                    AND t.attempted_at > now() - interval '30 days') AS average_ms,
                CASE WHEN NOT last.ok THEN last.said END AS last_error,
                (SELECT jsonb_agg(jsonb_build_array(day, good, bad) ORDER BY day)
                   FROM (SELECT d.day::date::text AS day,
                                count(t.*) FILTER (WHERE t.ok) AS good,
                                count(t.*) FILTER (WHERE NOT t.ok) AS bad
                           FROM generate_series((current_date - 29)::timestamptz,
                                                current_date::timestamptz, interval '1 day') d(day)
                           LEFT JOIN tried t ON t.endpoint_id = e.endpoint_id
                            AND t.attempted_at >= d.day AND t.attempted_at < d.day + interval '1 day'
                          GROUP BY d.day) per_day) AS days
           FROM webhook_endpoints e
           LEFT JOIN LATERAL (SELECT attempted_at, ok, said FROM tried t
                               WHERE t.endpoint_id = e.endpoint_id
                               ORDER BY attempted_at DESC LIMIT 1) last ON true
           LEFT JOIN LATERAL (SELECT attempted_at FROM tried t
                               WHERE t.endpoint_id = e.endpoint_id AND t.ok
                               ORDER BY attempted_at DESC LIMIT 1) good ON true
          WHERE e.tenant_id = $1
          ORDER BY e.created_at",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WebhookHealth {
            endpoint_id: r.endpoint_id.to_string(),
            url: r.url,
            status: r.columns.status(),
        })
        .collect())
}
