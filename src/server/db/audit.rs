//! The audit trail: appended through `audit_append` (the database keeps the
//! hash chain), read with filters, and checked link by link.

use crate::model::account::{TenantId, UserId};
use crate::model::workflow::{Activity, AuditEvent, AuditFilter, BrokenEvent, ChainCheck};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// The chain of events that belong to no tenant (a failed log-in for an
/// unknown address).
pub const PLATFORM: TenantId = TenantId(Uuid::nil());

pub struct NewEvent<'a> {
    pub tenant: TenantId,
    pub actor_id: Option<UserId>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub diff: &'a Value,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn append(conn: &mut PgConnection, event: &NewEvent<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(event.tenant.0)
        .bind(event.actor_id.map(|u| u.0))
        .bind(event.actor)
        .bind(event.action)
        .bind(event.target)
        .bind(event.diff)
        .bind(event.ip)
        .bind(event.user_agent)
        .fetch_one(conn)
        .await
}

/// The platform chain's own door: `audit_append` writes only to the
/// current tenant's chain.
pub async fn append_platform(
    conn: &mut PgConnection,
    event: &NewEvent<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT audit_append_platform($1, $2, $3, $4, $5, $6)")
        .bind(event.actor)
        .bind(event.action)
        .bind(event.target)
        .bind(event.diff)
        .bind(event.ip)
        .bind(event.user_agent)
        .fetch_one(conn)
        .await
}

/// The WHERE clause of a filter over `audit_events e`, parameters $1–$5.
const MATCHES: &str = "($1 = '' OR e.actor ILIKE '%' || $1 || '%')
   AND ($2 = '' OR e.action ILIKE $2 || '%')
   AND ($3 = '' OR e.target ILIKE '%' || $3 || '%')
   AND ($4::date IS NULL OR e.occurred_at >= $4::date)
   AND ($5::date IS NULL OR e.occurred_at < $5::date + 1)";

fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    filter: &'q AuditFilter,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(filter.actor.trim())
        .bind(filter.action.trim())
        .bind(filter.target.trim())
        .bind(from)
        .bind(to)
}

/// Matching events, newest first (at most `limit`), and how many match.
pub async fn search(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    limit: i64,
) -> Result<(Vec<AuditEvent>, i64), sqlx::Error> {
    type Row = (
        i64,
        DateTime<Utc>,
        String,
        String,
        String,
        Value,
        Option<String>,
        Option<String>,
    );
    let sql = format!(
        "SELECT e.seq, e.occurred_at, e.actor, e.action, e.target, e.diff, e.ip, e.user_agent
           FROM audit_events e WHERE {MATCHES} ORDER BY e.seq DESC LIMIT $6"
    );
    let rows: Vec<Row> = bind_filter(sqlx::query_as(&sql), filter, from, to)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let count_sql = format!("SELECT count(*) FROM audit_events e WHERE {MATCHES}");
    let (total,): (i64,) = bind_filter(sqlx::query_as(&count_sql), filter, from, to)
        .fetch_one(conn)
        .await?;
    let events = rows
        .into_iter()
        .map(
            |(seq, at, actor, action, target, diff, ip, user_agent)| AuditEvent {
                seq,
                occurred_at: at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor,
                action,
                target,
                diff: diff.to_string(),
                ip,
                user_agent,
            },
        )
        .collect();
    Ok((events, total))
}

/// Matching events per day (last 30 days with events), per actor and per
/// action.
pub async fn activity(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<Activity, sqlx::Error> {
    let mut counts = Vec::new();
    for (key, order, limit) in [
        (
            "to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            "1 DESC",
            30,
        ),
        ("e.actor", "2 DESC, 1", 12),
        ("e.action", "2 DESC, 1", 12),
    ] {
        let sql = format!(
            "SELECT {key}, count(*) FROM audit_events e WHERE {MATCHES}
              GROUP BY 1 ORDER BY {order} LIMIT {limit}"
        );
        let rows: Vec<(String, i64)> = bind_filter(sqlx::query_as(&sql), filter, from, to)
            .fetch_all(&mut *conn)
            .await?;
        counts.push(rows);
    }
    let mut per_day = counts.remove(0);
    per_day.reverse();
    Ok(Activity {
        per_day,
        per_actor: counts.remove(0),
        per_action: counts.remove(0),
    })
}

/// Checks the chains of the events this connection sees (one tenant under
/// the application role; every tenant as the owner): each event's hash
/// against its content, each link against the previous event's hash, and
/// the numbering for missing events.
pub async fn verify(
    conn: &mut PgConnection,
    tenant: Option<TenantId>,
) -> Result<Vec<(TenantId, ChainCheck)>, sqlx::Error> {
    type Row = (Uuid, i64, bool, Option<bool>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.tenant_id, e.seq, e.hash = audit_event_hash(e),
                e.prev_hash = lag(e.hash) OVER w, lag(e.seq) OVER w
           FROM audit_events e
          WHERE $1::uuid IS NULL OR e.tenant_id = $1
         WINDOW w AS (PARTITION BY e.tenant_id ORDER BY e.seq)
          ORDER BY e.tenant_id, e.seq",
    )
    .bind(tenant.map(|t| t.0))
    .fetch_all(conn)
    .await?;
    let mut chains: Vec<(TenantId, ChainCheck)> = Vec::new();
    for (tenant, seq, hash_ok, link_ok, previous) in rows {
        if chains.last().is_none_or(|(t, _)| t.0 != tenant) {
            chains.push((
                TenantId(tenant),
                ChainCheck {
                    events: 0,
                    broken: Vec::new(),
                },
            ));
        }
        let Some((_, chain)) = chains.last_mut() else {
            continue;
        };
        chain.events += 1;
        let expected_previous = seq - 1;
        let problem = if !hash_ok {
            Some("its content does not match its hash (altered)".to_owned())
        } else if previous.unwrap_or(0) != expected_previous {
            Some(format!(
                "the events before it are missing (previous kept: #{})",
                previous.unwrap_or(0)
            ))
        } else if link_ok == Some(false) {
            Some("it does not link to the event before it (chain broken)".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            chain.broken.push(BrokenEvent { seq, problem });
        }
    }
    Ok(chains)
}
