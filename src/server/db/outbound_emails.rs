//! Mail waiting for delivery; the mail issue's sender drains it.

use crate::model::account::{TenantId, UserId};
use crate::model::report::ReportId;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Email<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    /// A report to attach.
    pub report: Option<ReportId>,
    /// The member who caused it (counted against the hourly limits); `None`
    /// for the platform's own mail about an account.
    pub sender: Option<UserId>,
}

pub async fn enqueue(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &Email<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbound_emails (tenant_id, outbound_email_id, recipient, subject, body_text,
                                      report_id, sender_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant.0)
    .bind(Uuid::now_v7())
    .bind(email.recipient)
    .bind(email.subject)
    .bind(email.body_text)
    .bind(email.report.map(|r| r.0))
    .bind(email.sender.map(|u| u.0))
    .execute(conn)
    .await?;
    Ok(())
}

/// Mail due for delivery in any tenant (owner function), oldest first.
pub async fn due(
    conn: &mut PgConnection,
    limit: i32,
    max_attempts: i32,
) -> Result<Vec<(TenantId, Uuid)>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT tenant_id, outbound_email_id FROM app_due_emails($1, $2)")
            .bind(limit)
            .bind(max_attempts)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(t, id)| (TenantId(t), id)).collect())
}

pub struct Pending {
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub report: Option<ReportId>,
    pub attempts: i32,
}

/// Takes one unsent mail for delivery; `None` when another sender has it
/// or it was sent meanwhile. The row stays locked until the transaction ends.
pub async fn claim(conn: &mut PgConnection, id: Uuid) -> Result<Option<Pending>, sqlx::Error> {
    let row: Option<(String, String, String, Option<Uuid>, i32)> = sqlx::query_as(
        "SELECT recipient::text, subject, body_text, report_id, attempts FROM outbound_emails
          WHERE tenant_id = app_tenant() AND outbound_email_id = $1 AND sent_at IS NULL
          FOR UPDATE SKIP LOCKED",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(recipient, subject, body_text, report, attempts)| Pending {
            recipient,
            subject,
            body_text,
            report: report.map(ReportId),
            attempts,
        },
    ))
}

pub async fn mark_sent(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbound_emails SET sent_at = now(), attempts = attempts + 1, last_error = NULL
          WHERE tenant_id = app_tenant() AND outbound_email_id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt; the next one waits `retry_in_seconds`.
pub async fn mark_failed(
    conn: &mut PgConnection,
    id: Uuid,
    error: &str,
    retry_in_seconds: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbound_emails
            SET attempts = attempts + 1, last_error = $2,
                next_attempt_at = now() + make_interval(secs => $3)
          WHERE tenant_id = app_tenant() AND outbound_email_id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_in_seconds as f64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Mail queued in the last hour in the scope's tenant: by `sender`, and in
/// all.
pub async fn sent_last_hour(
    conn: &mut PgConnection,
    sender: UserId,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE sender_id = $1), count(*) FROM outbound_emails
          WHERE tenant_id = app_tenant() AND created_at > now() - interval '1 hour'",
    )
    .bind(sender.0)
    .fetch_one(conn)
    .await
}
