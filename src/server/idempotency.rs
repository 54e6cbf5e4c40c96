//! Idempotency keys (the `Idempotency-Key` header of the REST API): a
//! create retried with the same key and the same request returns what the
//! first one made instead of making it twice. The key is recorded in the
//! transaction that creates the resource, so either both exist or neither.

use crate::model::error::{AppError, FieldErrors};
use crate::server::auth::Caller;
use crate::server::db::{idempotency_keys, scope};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub const KEY_MAX: usize = 255;

/// A key and the fingerprint of the request it came with.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// What a create returns: made now, or made by an earlier request with the
/// same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created<T> {
    New(T),
    Replayed(T),
}

impl<T> Created<T> {
    pub fn value(self) -> T {
        match self {
            Created::New(v) | Created::Replayed(v) => v,
        }
    }
}

impl IdempotencyKey {
    /// A key as sent: 1 to 255 visible ASCII characters.
    pub fn parse(key: &str, fingerprint: String) -> Result<IdempotencyKey, AppError> {
        let valid =
            !key.is_empty() && key.len() <= KEY_MAX && key.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(AppError::Validation(FieldErrors::single(
                "Idempotency-Key",
                format!(
                    "An idempotency key is 1 to {KEY_MAX} visible ASCII characters, such as a UUID."
                ),
            )));
        }
        Ok(IdempotencyKey {
            key: key.to_owned(),
            fingerprint,
        })
    }

    fn check(&self, used: idempotency_keys::Used) -> Result<Uuid, AppError> {
        if used.fingerprint == self.fingerprint {
            Ok(used.resource)
        } else {
            Err(AppError::Validation(FieldErrors::single(
                "Idempotency-Key",
                "This idempotency key was used for a different request. Use a new key for a new request.",
            )))
        }
    }
}

/// The resource an earlier request with this key made, if any: checked
/// before doing the work again.
pub async fn earlier(
    pool: &PgPool,
    caller: Caller,
    key: &IdempotencyKey,
) -> Result<Option<Uuid>, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let earlier = earlier_in(&mut tx, caller, key).await?;
    tx.commit().await?;
    Ok(earlier)
}

/// [`earlier`], inside the caller's transaction.
pub async fn earlier_in(
    tx: &mut PgConnection,
    caller: Caller,
    key: &IdempotencyKey,
) -> Result<Option<Uuid>, AppError> {
    let used = idempotency_keys::find(tx, caller.user_id, &key.key).await?;
    used.map(|u| key.check(u)).transpose()
}

/// Takes the key at the start of the creating transaction, before any
/// other lock (the quota's): a concurrent request with the same key waits
/// for this one, then finds its resource here.
pub async fn claim(
    tx: &mut PgConnection,
    caller: Caller,
    key: &IdempotencyKey,
) -> Result<Option<Uuid>, AppError> {
    idempotency_keys::lock(tx, caller.tenant_id, caller.user_id, &key.key).await?;
    earlier_in(tx, caller, key).await
}

/// Records the key for `resource` inside the transaction that [`claim`]ed
/// it.
pub async fn record(
    tx: &mut PgConnection,
    caller: Caller,
    key: &IdempotencyKey,
    resource: Uuid,
) -> Result<(), AppError> {
    idempotency_keys::record(
        tx,
        caller.tenant_id,
        caller.user_id,
        &key.key,
        &key.fingerprint,
        resource,
    )
    .await?;
    Ok(())
}
