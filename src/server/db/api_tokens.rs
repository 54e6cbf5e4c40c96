//! API tokens, the keys that sign them and the daily call count. Token and
//! usage functions run inside a tenant scope (`scope::begin`); the signing
//! keys belong to the whole service.

use crate::model::account::{TenantId, UserId};
use crate::model::api_token::{ApiToken, ApiTokenId, TokenScope};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub struct SigningKey {
    pub key_id: String,
    pub secret: Vec<u8>,
}

/// The keys that still verify, newest first (the first one signs).
pub async fn active_keys(pool: &PgPool) -> Result<Vec<SigningKey>, sqlx::Error> {
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT key_id, secret FROM api_signing_keys
          WHERE retired_at IS NULL ORDER BY created_at DESC, key_id DESC",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key_id, secret)| SigningKey { key_id, secret })
        .collect())
}

pub async fn insert_key(pool: &PgPool, key_id: &str, secret: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_signing_keys (key_id, secret) VALUES ($1, $2)")
        .bind(key_id)
        .bind(secret)
        .execute(pool)
        .await?;
    Ok(())
}

/// Retires a key: the tokens it signed stop working. False if unknown.
pub async fn retire_key(pool: &PgPool, key_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_signing_keys SET retired_at = now() WHERE key_id = $1 AND retired_at IS NULL",
    )
    .bind(key_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct NewToken<'a> {
    pub token_id: ApiTokenId,
    pub user: UserId,
    pub name: &'a str,
    pub scope: TokenScope,
    pub key_id: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    token: &NewToken<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_tokens (tenant_id, token_id, user_id, name, scope, key_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant.0)
    .bind(token.token_id.0)
    .bind(token.user.0)
    .bind(token.name)
    .bind(token.scope.as_str())
    .bind(token.key_id)
    .bind(token.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

type TokenRow = (
    Uuid,
    String,
    String,
    Uuid,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The tenant's tokens (only `owner`'s when given), newest first.
pub async fn list(
    conn: &mut PgConnection,
    viewer: UserId,
    owner: Option<UserId>,
) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT t.token_id, t.name, t.scope, t.user_id, u.display_name, t.created_at, t.expires_at,
                t.last_used_at, t.revoked_at
           FROM api_tokens t JOIN users u USING (user_id)
          WHERE t.tenant_id = app_tenant() AND ($1::uuid IS NULL OR t.user_id = $1)
          ORDER BY t.created_at DESC",
    )
    .bind(owner.map(|o| o.0))
    .fetch_all(conn)
    .await?;
    let when = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scope, user, owner, created, expires, used, revoked)| ApiToken {
                token_id: ApiTokenId(id),
                name,
                scope: scope.parse().unwrap_or(TokenScope::Read),
                owner,
                mine: user == viewer.0,
                created_at: when(created),
                expires_at: when(expires),
                last_used_at: used.map(when),
                revoked: revoked.is_some(),
                expired: expires <= now,
            },
        )
        .collect())
}

/// Revokes a token (only `owner`'s when given); the token's name, or None
/// when there is no such live token.
pub async fn revoke(
    conn: &mut PgConnection,
    id: ApiTokenId,
    owner: Option<UserId>,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = now()
          WHERE tenant_id = app_tenant() AND token_id = $1 AND revoked_at IS NULL
            AND ($2::uuid IS NULL OR user_id = $2)
         RETURNING name",
    )
    .bind(id.0)
    .bind(owner.map(|o| o.0))
    .fetch_optional(conn)
    .await
}

/// What a presented token is checked against.
pub struct Standing {
    pub user: UserId,
    pub scope: TokenScope,
    pub key_id: String,
    pub live: bool,
}

/// A token's standing (live: not revoked, not expired), marking it used
/// at most once a minute.
pub async fn standing(
    conn: &mut PgConnection,
    id: ApiTokenId,
) -> Result<Option<Standing>, sqlx::Error> {
    let row: Option<(Uuid, String, String, bool)> = sqlx::query_as(
        "UPDATE api_tokens
            SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < now() - interval '1 minute'
                                    THEN now() ELSE last_used_at END
          WHERE tenant_id = app_tenant() AND token_id = $1
         RETURNING user_id, scope, key_id, revoked_at IS NULL AND expires_at > now()",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(user, scope, key_id, live)| Standing {
        user: UserId(user),
        scope: scope.parse().unwrap_or(TokenScope::Read),
        key_id,
        live,
    }))
}

/// Counts one call against the tenant's day (UTC); the day's total.
pub async fn count_call(conn: &mut PgConnection, tenant: TenantId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_usage (tenant_id, day, calls) VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 1)
         ON CONFLICT (tenant_id, day) DO UPDATE SET calls = api_usage.calls + 1
         RETURNING calls",
    )
    .bind(tenant.0)
    .fetch_one(conn)
    .await
}

pub async fn calls_today(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let calls: Option<i64> = sqlx::query_scalar(
        "SELECT calls FROM api_usage
          WHERE tenant_id = app_tenant() AND day = (now() AT TIME ZONE 'UTC')::date",
    )
    .fetch_optional(conn)
    .await?;
    Ok(calls.unwrap_or(0))
}

/// The tenant's daily API call limit: its own quota, else its plan's
/// (`None`: unlimited).
pub async fn daily_limit(conn: &mut PgConnection) -> Result<Option<i64>, sqlx::Error> {
    let limit: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT coalesce(t.max_api_calls_per_day, p.max_api_calls_per_day)
           FROM tenants t JOIN plans p USING (plan_code)
          WHERE t.tenant_id = app_tenant()",
    )
    .fetch_optional(conn)
    .await?;
    Ok(limit.flatten())
}
