//! Personal API tokens: JWTs (HS256) naming the user, the tenant, the
//! token's id and its scope, signed with a key identified by `kid`.
//!
//! A signature alone is not enough: every call also finds the token's row
//! (revoked or expired tokens stop at once) and reads the user's current
//! role, exactly as a browser session does. Keys rotate without breaking
//! tokens: the newest key signs, every active key verifies, and a retired
//! key takes its tokens with it.

use super::Caller;
use crate::model::account::{Permission, TenantId, UserId};
use crate::model::api_token::{ApiToken, ApiTokenId, CreatedToken, TokenScope};
use crate::model::error::AppError;
use crate::server::audit;
use crate::server::db::{api_tokens, scope, tenants};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const ISSUER: &str = "prudentia";
const AUDIENCE: &str = "prudentia-api";
/// Keys are read again this often, so a rotation or a retirement made by
/// another process (`prudentia api-keys`) reaches this one.
const REFRESH: Duration = Duration::from_secs(60);
/// An unknown `kid` reloads the keys at most this often.
const UNKNOWN_KID_RELOAD: Duration = Duration::from_secs(5);

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    /// The user the token acts as.
    sub: UserId,
    tid: TenantId,
    jti: ApiTokenId,
    scope: TokenScope,
    iat: i64,
    exp: i64,
}

struct Keys {
    signing: Option<(String, EncodingKey)>,
    verifying: HashMap<String, DecodingKey>,
    loaded: Instant,
}

/// The signing keys, cached from the database.
pub struct KeyRing {
    keys: RwLock<Keys>,
}

fn random_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn new_key_id() -> String {
    use rand::Rng;
    format!(
        "k{}-{:06x}",
        chrono::Utc::now().format("%Y%m%d"),
        rand::rng().random_range(0..0x100_0000)
    )
}

impl KeyRing {
    /// Loads the active keys, creating the first one on a new database.
    pub async fn load(pool: &PgPool) -> Result<KeyRing, sqlx::Error> {
        let ring = KeyRing {
            keys: RwLock::new(Keys {
                signing: None,
                verifying: HashMap::new(),
                loaded: Instant::now(),
            }),
        };
        ring.reload(pool).await?;
        if ring
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .signing
            .is_none()
        {
            rotate(pool).await?;
            ring.reload(pool).await?;
        }
        Ok(ring)
    }

    async fn reload(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let active = api_tokens::active_keys(pool).await?;
        let signing = active
            .first()
            .map(|k| (k.key_id.clone(), EncodingKey::from_secret(&k.secret)));
        let verifying = active
            .iter()
            .map(|k| (k.key_id.clone(), DecodingKey::from_secret(&k.secret)))
            .collect();
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        *keys = Keys {
            signing,
            verifying,
            loaded: Instant::now(),
        };
        Ok(())
    }

    async fn reload_if_older(&self, pool: &PgPool, age: Duration) -> Result<(), AppError> {
        let stale = self
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .loaded
            .elapsed()
            >= age;
        if stale {
            self.reload(pool).await?;
        }
        Ok(())
    }

    fn sign(&self, claims: &Claims) -> Result<(String, String), AppError> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let Some((kid, key)) = &keys.signing else {
            tracing::error!("no active API signing key");
            return Err(AppError::Internal);
        };
        let header = Header {
            kid: Some(kid.clone()),
            ..Header::new(Algorithm::HS256)
        };
        let token = jsonwebtoken::encode(&header, claims, key).map_err(|error| {
            tracing::error!(%error, "API token does not sign");
            AppError::Internal
        })?;
        Ok((kid.clone(), token))
    }

    /// The claims of a well-signed, unexpired token of ours, with its key.
    async fn verify(&self, pool: &PgPool, token: &str) -> Result<Verified, AppError> {
        self.reload_if_older(pool, REFRESH).await?;
        let header = jsonwebtoken::decode_header(token).map_err(|_| AppError::Unauthenticated)?;
        let kid = header.kid.ok_or(AppError::Unauthenticated)?;
        let known = |ring: &KeyRing| {
            ring.keys
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .verifying
                .get(&kid)
                .cloned()
        };
        let key = match known(self) {
            Some(key) => key,
            None => {
                self.reload_if_older(pool, UNKNOWN_KID_RELOAD).await?;
                known(self).ok_or(AppError::Unauthenticated)?
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map(|data| Verified {
                claims: data.claims,
                key_id: kid,
            })
            .map_err(|_| AppError::Unauthenticated)
    }
}

/// Adds a new signing key; tokens signed by older keys stay valid. Returns
/// the new key's id.
pub async fn rotate(pool: &PgPool) -> Result<String, sqlx::Error> {
    let key_id = new_key_id();
    api_tokens::insert_key(pool, &key_id, &random_secret()).await?;
    tracing::info!(key = %key_id, "API signing key added");
    Ok(key_id)
}

/// A token whose signature, issuer, audience and expiry check out; not
/// yet checked against its row.
pub struct Verified {
    claims: Claims,
    key_id: String,
}

impl Verified {
    pub fn token_id(&self) -> ApiTokenId {
        self.claims.jti
    }

    pub fn tenant_id(&self) -> TenantId {
        self.claims.tid
    }
}

/// Checks a bearer token's signature and claims, with no database work
/// beyond an occasional key reload (rate limits apply before any).
pub async fn verify(pool: &PgPool, ring: &KeyRing, token: &str) -> Result<Verified, AppError> {
    ring.verify(pool, token).await
}

/// The caller a verified token stands for, read in a transaction scoped
/// to the token's tenant ([`Verified::tenant_id`]): the token must be live,
/// signed by the key its row names, and its user still a member of its
/// tenant, with the role read now.
pub async fn caller(tx: &mut sqlx::PgConnection, token: &Verified) -> Result<Caller, AppError> {
    let claims = &token.claims;
    let standing = api_tokens::standing(tx, claims.jti).await?;
    let role = tenants::role_of(tx, claims.sub).await?;
    match (standing, role) {
        (Some(s), Some(role))
            if s.live
                && s.user == claims.sub
                && s.scope == claims.scope
                && s.key_id == token.key_id =>
        {
            Ok(Caller {
                user_id: claims.sub,
                tenant_id: claims.tid,
                role,
                read_only: s.scope == TokenScope::Read,
            })
        }
        _ => Err(AppError::Unauthenticated),
    }
}

/// Creates a token for the caller; its text is returned once.
pub async fn create(
    pool: &PgPool,
    ring: &KeyRing,
    caller: Caller,
    name: String,
    scope: TokenScope,
    days: i64,
    base_url: &str,
) -> Result<CreatedToken, AppError> {
    let caller = caller.require(Permission::Read)?;
    if caller.read_only {
        return Err(AppError::Forbidden);
    }
    if scope == TokenScope::ReadWrite && !caller.role.allows(Permission::EditData) {
        return Err(AppError::Validation(
            crate::model::error::FieldErrors::single(
                "scope",
                "Your role reads only: choose a read-only token.",
            ),
        ));
    }
    // Creation is rare: sign with the newest active key, never one retired
    // by another process since the last reload.
    ring.reload(pool).await?;
    let now = chrono::Utc::now();
    let expires = now + chrono::Duration::days(days);
    let token_id = ApiTokenId(uuid::Uuid::now_v7());
    let claims = Claims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: caller.user_id,
        tid: caller.tenant_id,
        jti: token_id,
        scope,
        iat: now.timestamp(),
        exp: expires.timestamp(),
    };
    let (key_id, token) = ring.sign(&claims)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    api_tokens::insert(
        &mut tx,
        caller.tenant_id,
        &api_tokens::NewToken {
            token_id,
            user: caller.user_id,
            name: &name,
            scope,
            key_id: &key_id,
            expires_at: expires,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        "api_token.created",
        &format!("API token “{name}”"),
        json!({ "scope": scope.as_str(), "expires_at": expires.to_rfc3339(), "key": key_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken {
        token_id,
        token,
        expires_at: expires.format("%Y-%m-%d %H:%M UTC").to_string(),
        api_url: format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            crate::server::rest::PREFIX
        ),
    })
}

/// The caller's tokens; an admin sees every token of the tenant.
pub async fn list(pool: &PgPool, caller: Caller) -> Result<Vec<ApiToken>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let owner = (!caller.role.allows(Permission::ManageMembers)).then_some(caller.user_id);
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let tokens = api_tokens::list(&mut tx, owner).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Revokes one of the caller's tokens, or any token of the tenant for an
/// admin. It stops working at the next call.
pub async fn revoke(pool: &PgPool, caller: Caller, id: ApiTokenId) -> Result<(), AppError> {
    let caller = caller.require(Permission::Read)?;
    if caller.read_only {
        return Err(AppError::Forbidden);
    }
    let owner = (!caller.role.allows(Permission::ManageMembers)).then_some(caller.user_id);
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let name = api_tokens::revoke(&mut tx, id, owner)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        caller,
        "api_token.revoked",
        &format!("API token “{name}”"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
