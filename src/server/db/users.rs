//! User accounts: global (one person, several tenants), never listed
//! outside a tenant's membership.

use crate::model::account::UserId;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub session_epoch: i32,
    /// The address was confirmed (a link followed, or an invitation).
    pub email_verified: bool,
}

pub async fn by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, email::text AS email, display_name, password_hash, session_epoch,
                email_verified_at IS NOT NULL AS email_verified
           FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(conn)
    .await
}

pub async fn by_id(conn: &mut PgConnection, user: UserId) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, email::text AS email, display_name, password_hash, session_epoch,
                email_verified_at IS NOT NULL AS email_verified
           FROM users WHERE user_id = $1",
    )
    .bind(user.0)
    .fetch_optional(conn)
    .await
}

/// `None` when the e-mail address already has an account. `verified`: the
/// address is already proven (an invitation link reached it).
pub async fn insert(
    conn: &mut PgConnection,
    email: &str,
    display_name: &str,
    password_hash: &str,
    verified: bool,
) -> Result<Option<UserId>, sqlx::Error> {
    let id = Uuid::now_v7();
    let inserted = sqlx::query(
        "INSERT INTO users (user_id, email, display_name, password_hash, email_verified_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) ON CONFLICT (email) DO NOTHING",
    )
    .bind(id)
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .bind(verified)
    .execute(conn)
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(UserId(id)))
}

/// Sets the password and moves the session epoch, which ends every
/// session started before; returns the new epoch.
pub async fn set_password(
    conn: &mut PgConnection,
    user: UserId,
    password_hash: &str,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1
          WHERE user_id = $1 RETURNING session_epoch",
    )
    .bind(user.0)
    .bind(password_hash)
    .fetch_one(conn)
    .await
}

pub async fn mark_verified(conn: &mut PgConnection, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE user_id = $1",
    )
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}
