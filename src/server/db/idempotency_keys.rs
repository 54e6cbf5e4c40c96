//! Idempotency keys of creates and import commits. Every function runs
//! inside a tenant scope (`scope::begin`).

use crate::model::account::{TenantId, UserId};
use sqlx::PgConnection;
use uuid::Uuid;

/// A key already used: the request it came with and what it created.
pub struct Used {
    pub fingerprint: String,
    pub resource: Uuid,
}

pub async fn find(
    conn: &mut PgConnection,
    user: UserId,
    key: &str,
) -> Result<Option<Used>, sqlx::Error> {
    let row: Option<(String, Uuid)> = sqlx::query_as(
        "SELECT fingerprint, resource_id FROM idempotency_keys
          WHERE tenant_id = app_tenant() AND user_id = $1 AND idempotency_key = $2
            AND created_at > now() - interval '1 day'",
    )
    .bind(user.0)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(fingerprint, resource)| Used {
        fingerprint,
        resource,
    }))
}

/// Holds the key until the transaction ends: a second request with the
/// same key waits here for the first to commit or fail.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("idempotency:{tenant}:{user}:{key}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the key with the resource made, under the key's lock
/// ([`lock`]): an expired use of the same key gives way.
pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    key: &str,
    fingerprint: &str,
    resource: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM idempotency_keys
          WHERE tenant_id = app_tenant() AND user_id = $1 AND idempotency_key = $2
            AND created_at <= now() - interval '1 day'",
    )
    .bind(user.0)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO idempotency_keys (tenant_id, user_id, idempotency_key, fingerprint, resource_id)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(user.0)
    .bind(key)
    .bind(fingerprint)
    .bind(resource)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keys older than a day, whatever their tenant (an owner function).
pub async fn expire(pool: &sqlx::PgPool) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT app_expire_idempotency_keys()")
        .fetch_one(pool)
        .await
}
