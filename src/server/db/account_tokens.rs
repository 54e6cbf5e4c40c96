//! Single-use links of an account (confirm the address, reset the
//! password): stored as a hash, taken once, within their validity. Global
//! like the accounts themselves.

use crate::model::account::UserId;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// What a link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// Stores a new link; earlier unused links of the same purpose stop working.
pub async fn issue(
    conn: &mut PgConnection,
    user: UserId,
    purpose: Purpose,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE account_tokens SET used_at = now()
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user.0)
    .bind(purpose.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user.0)
    .bind(purpose.as_str())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a link: its account when it was unused and still valid (it is
/// used from now on), `None` otherwise.
pub async fn take(
    conn: &mut PgConnection,
    purpose: Purpose,
    token_hash: &[u8],
) -> Result<Option<UserId>, sqlx::Error> {
    let user: Option<uuid::Uuid> = sqlx::query_scalar(
        "UPDATE account_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(user.map(UserId))
}

/// The account of a link that would still work, without taking it.
pub async fn peek(
    conn: &mut PgConnection,
    purpose: Purpose,
    token_hash: &[u8],
) -> Result<Option<UserId>, sqlx::Error> {
    let user: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM account_tokens
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(user.map(UserId))
}
