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
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    bool,
);

/// The tenant's tokens (only `owner`'s when given), newest first.
pub async fn list(
    conn: &mut PgConnection,
    owner: Option<UserId>,
) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT t.token_id, t.name, t.scope, u.display_name, t.created_at, t.expires_at,
                t.last_used_at, t.revoked_at IS NOT NULL OR k.retired_at IS NOT NULL
           FROM api_tokens t JOIN users u USING (user_id) JOIN api_signing_keys k USING (key_id)
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
            |(id, name, scope, owner, created, expires, used, revoked)| ApiToken {
                token_id: ApiTokenId(id),
                name,
                scope: scope.parse().unwrap_or(TokenScope::Read),
                owner,
                created_at: when(created),
                expires_at: when(expires),
                last_used_at: used.map(when),
                revoked,
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

/// Revokes every live token of a member (removed from the organisation).
pub async fn revoke_all_of(conn: &mut PgConnection, user: UserId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now()
          WHERE tenant_id = app_tenant() AND user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// What a presented token is checked against.
pub struct Standing {
    pub user: UserId,
    pub scope: TokenScope,
    pub key_id: String,
    pub live: bool,
}

/// A token's standing (live: not revoked, not expired, its key not
/// retired), marking a live token used at most once a minute.
pub async fn standing(
    conn: &mut PgConnection,
    id: ApiTokenId,
) -> Result<Option<Standing>, sqlx::Error> {
    let row: Option<(Uuid, String, String, bool, bool)> = sqlx::query_as(
        "SELECT t.user_id, t.scope, t.key_id,
                t.revoked_at IS NULL AND t.expires_at > now() AND k.retired_at IS NULL,
                t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'
           FROM api_tokens t JOIN api_signing_keys k USING (key_id)
          WHERE t.tenant_id = app_tenant() AND t.token_id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user, scope, key_id, live, stale)) = row else {
        return Ok(None);
    };
    if live && stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE tenant_id = app_tenant() AND token_id = $1")
            .bind(id.0)
            .execute(conn)
            .await?;
    }
    Ok(Some(Standing {
        user: UserId(user),
        scope: scope.parse().unwrap_or(TokenScope::Read),
        key_id,
        live,
    }))
}

/// Counts one call against the tenant's day (UTC) if the day is under
/// `limit`; the day's total, or None when the limit is reached (a refused
/// call is not counted).
pub async fn count_call(
    conn: &mut PgConnection,
    tenant: TenantId,
    limit: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_usage (tenant_id, day, calls)
         SELECT $1, (now() AT TIME ZONE 'UTC')::date, 1 WHERE coalesce($2, 1) > 0
         ON CONFLICT (tenant_id, day) DO UPDATE SET calls = api_usage.calls + 1
          WHERE $2::int8 IS NULL OR api_usage.calls < $2
         RETURNING calls",
    )
    .bind(tenant.0)
    .bind(limit)
    .fetch_optional(conn)
    .await
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
