//! The audit trail: who changed which data, rights or settings, every
//! log-in (and failed one), from where. Events are written in the same
//! transaction as the change they describe, through the database function
//! that keeps each tenant's hash chain; nothing can update or delete them.

use crate::model::account::{Permission, TenantId, UserId};
use crate::model::error::{AppError, FieldErrors};
use crate::model::workflow::{AuditFilter, AuditPage, ChainCheck};
use crate::server::auth::Caller;
use crate::server::db::audit::{self, NewEvent};
use crate::server::db::{scope, users};
use crate::server::http::ClientInfo;
use chrono::NaiveDate;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

/// How many events the audit page lists at once.
pub const PAGE_EVENTS: i64 = 200;
/// The CSV export's ceiling.
pub const CSV_EVENTS: i64 = 100_000;

/// Appends one event for `tenant`, by `actor` (a user of ours, else
/// `actor_label` alone), with the request's address and browser.
pub async fn record_as(
    conn: &mut PgConnection,
    tenant: TenantId,
    actor: Option<UserId>,
    actor_label: Option<&str>,
    action: &str,
    target: &str,
    diff: Value,
) -> Result<(), AppError> {
    let client = ClientInfo::current();
    let label = match (actor_label, actor) {
        (Some(label), _) => label.to_owned(),
        (None, Some(user)) => users::by_id(conn, user).await?.map_or_else(
            || user.to_string(),
            |u| format!("{} <{}>", u.display_name, u.email),
        ),
        (None, None) => "system".to_owned(),
    };
    let ip = client.ip.map(|ip| ip.to_string());
    audit::append(
        conn,
        &NewEvent {
            tenant,
            actor_id: actor,
            actor: &label,
            action,
            target,
            diff: &diff,
            ip: ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
        },
    )
    .await?;
    Ok(())
}

/// Appends one event to the platform's chain (a failed log-in for an
/// address no account has), through the one function that may.
pub async fn record_platform(
    conn: &mut PgConnection,
    actor_label: &str,
    action: &str,
    target: &str,
    diff: Value,
) -> Result<(), AppError> {
    let client = ClientInfo::current();
    let ip = client.ip.map(|ip| ip.to_string());
    audit::append_platform(
        conn,
        &NewEvent {
            tenant: audit::PLATFORM,
            actor_id: None,
            actor: actor_label,
            action,
            target,
            diff: &diff,
            ip: ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
        },
    )
    .await?;
    Ok(())
}

/// [`record_as`] for a signed-in caller in their tenant.
pub async fn record(
    conn: &mut PgConnection,
    caller: Caller,
    action: &str,
    target: &str,
    diff: Value,
) -> Result<(), AppError> {
    record_as(
        conn,
        caller.tenant_id,
        Some(caller.user_id),
        None,
        action,
        target,
        diff,
    )
    .await
}

/// `{"field": {"before": …, "after": …}}`.
pub fn changed(field: &str, before: impl serde::Serialize, after: impl serde::Serialize) -> Value {
    json!({ field: { "before": before, "after": after } })
}

fn date(field: &str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.push(field, "Give a date as YYYY-MM-DD.");
    }
    parsed
}

fn dates(filter: &AuditFilter) -> Result<(Option<NaiveDate>, Option<NaiveDate>), AppError> {
    let mut errors = FieldErrors::default();
    let from = date("from", &filter.from, &mut errors);
    let to = date("to", &filter.to, &mut errors);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push("to", "The end of the period comes before its start.");
    }
    errors.into_result((from, to))
}

/// The audit page: the latest matching events, the activity charts' counts
/// and the check of the tenant's chain (admins only).
pub async fn page(
    pool: &PgPool,
    caller: Caller,
    filter: AuditFilter,
) -> Result<AuditPage, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let (from, to) = dates(&filter)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (events, total) = audit::search(&mut tx, &filter, from, to, PAGE_EVENTS).await?;
    let activity = audit::activity(&mut tx, &filter, from, to).await?;
    let chain = check(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    Ok(AuditPage {
        events,
        total,
        activity,
        chain,
    })
}

async fn check(conn: &mut PgConnection, tenant: TenantId) -> Result<ChainCheck, AppError> {
    Ok(audit::verify(conn, Some(tenant))
        .await?
        .into_iter()
        .next()
        .map(|(_, chain)| chain)
        .unwrap_or(ChainCheck {
            events: 0,
            broken: Vec::new(),
        }))
}

/// The matching events as CSV (RFC 4180), oldest first.
pub async fn csv(pool: &PgPool, caller: Caller, filter: AuditFilter) -> Result<String, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let (from, to) = dates(&filter)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (mut events, _) = audit::search(&mut tx, &filter, from, to, CSV_EVENTS).await?;
    record(
        &mut tx,
        caller,
        "audit.exported",
        "audit trail",
        json!({ "events": events.len() }),
    )
    .await?;
    tx.commit().await?;
    events.reverse();
    let quote = |s: &str| {
        // A leading formula character is neutralised for spreadsheets.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut out = String::from("seq,occurred_at,actor,action,target,diff,ip,user_agent\r\n");
    for e in events {
        let fields = [
            e.seq.to_string(),
            e.occurred_at,
            e.actor,
            e.action,
            e.target,
            e.diff,
            e.ip.unwrap_or_default(),
            e.user_agent.unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// Every tenant's chain (or one), for `prudentia audit verify`; run with
/// the owner's connection, which sees every tenant.
pub async fn verify_all(
    conn: &mut PgConnection,
    tenant: Option<TenantId>,
) -> Result<Vec<(TenantId, ChainCheck)>, sqlx::Error> {
    audit::verify(conn, tenant).await
}
