//! Contact requests sent from the landing page (visitors, not tenants: no `tenant_id`).

use crate::model::contact::ContactRequest;
use sqlx::PgPool;
use sqlx::types::ipnetwork::IpNetwork;
use std::net::IpAddr;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredContactRequest {
    pub contact_request_id: Uuid,
    pub name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub message: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn insert(
    pool: &PgPool,
    request: &ContactRequest,
    client_ip: Option<IpAddr>,
    user_agent: Option<&str>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO contact_requests
             (contact_request_id, name, email, organisation, message, client_ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(request.name())
    .bind(request.email())
    .bind(request.organisation())
    .bind(request.message())
    .bind(client_ip.map(IpNetwork::from))
    .bind(user_agent)
    .execute(pool)
    .await?;
    Ok(id)
}

/// Newest first; what the sales team reads.
pub async fn list_recent(
    pool: &PgPool,
    limit: i64,
) -> Result<Vec<StoredContactRequest>, sqlx::Error> {
    sqlx::query_as(
        "SELECT contact_request_id, name, email::text AS email, organisation, message, created_at
           FROM contact_requests
          ORDER BY created_at DESC
          LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
