//! Mail waiting for delivery; the mail issue's sender drains it.

use crate::model::account::TenantId;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Email<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

pub async fn enqueue(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &Email<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbound_emails (tenant_id, outbound_email_id, recipient, subject, body_text)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(Uuid::now_v7())
    .bind(email.recipient)
    .bind(email.subject)
    .bind(email.body_text)
    .execute(conn)
    .await?;
    Ok(())
}
