//! Invitations to join a tenant: single use, expiring, stored by the hash
//! of their token.

use crate::model::account::{InvitationId, PendingInvitation, Role, TenantId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
    role: Role,
    token_hash: &[u8],
    invited_by: UserId,
    expires_at: DateTime<Utc>,
) -> Result<InvitationId, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO invitations (tenant_id, invitation_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(email)
    .bind(role.as_str())
    .bind(token_hash)
    .bind(invited_by.0)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(InvitationId(id))
}

/// An invitation found by its token, before any tenant is in scope.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ByToken {
    pub tenant_id: Uuid,
    pub invitation_id: Uuid,
    pub tenant_name: String,
    pub email: String,
    pub role: String,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn by_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<ByToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tenant_id, invitation_id, tenant_name, email::text AS email, role, expires_at,
                accepted_at, revoked_at
           FROM app_invitation_by_token($1)",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// Marks it accepted, once: `false` if someone else used it first.
pub async fn mark_accepted(
    conn: &mut PgConnection,
    invitation: InvitationId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2
          WHERE invitation_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
            AND expires_at > now()",
    )
    .bind(invitation.0)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn pending(conn: &mut PgConnection) -> Result<Vec<PendingInvitation>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT invitation_id, email::text, role, expires_at FROM invitations
          WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          ORDER BY created_at DESC",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, role, expires)| PendingInvitation {
            invitation_id: InvitationId(id),
            email,
            role: role.parse().unwrap_or(Role::Viewer),
            expires_at: expires.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect())
}

pub async fn has_pending_for(conn: &mut PgConnection, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM invitations WHERE email = $1 AND accepted_at IS NULL
                          AND revoked_at IS NULL AND expires_at > now())",
    )
    .bind(email)
    .fetch_one(conn)
    .await
}

pub async fn revoke(
    conn: &mut PgConnection,
    invitation: InvitationId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = now()
          WHERE invitation_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(invitation.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
