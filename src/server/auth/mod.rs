//! Who is calling: the session (server-side, in PostgreSQL), the tenant it
//! is scoped to, and the role checked on every server function. The role is
//! read from the database on each call, so a changed role or a removal
//! takes effect at once.

pub mod passwords;
pub mod throttle;
pub mod tokens;

use crate::model::account::{Permission, Role, TenantId, UserId};
use crate::model::error::AppError;
use crate::server::db::{scope, tenants};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;

const SESSION_KEY: &str = "auth";
/// A session unused this long expires (tower-sessions' inactivity expiry).
pub const IDLE_HOURS: i64 = 8;
/// A session expires this long after log-in, however active.
pub const ABSOLUTE_HOURS: i64 = 24;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionAuth {
    user_id: UserId,
    tenant_id: TenantId,
    /// Unix seconds of the log-in, for the absolute expiry.
    since: i64,
    /// The account's session epoch at log-in: a password change moves it,
    /// which ends every session started before.
    #[serde(default)]
    epoch: i32,
}

/// The authenticated caller of a request, scoped to one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub role: Role,
    /// A read-only API token: whatever the role, nothing but reading.
    pub read_only: bool,
}

impl Caller {
    /// Whether the role and the token's scope allow `permission`.
    pub fn may(self, permission: Permission) -> bool {
        self.role.allows(permission) && (!self.read_only || permission == Permission::Read)
    }

    pub fn require(self, permission: Permission) -> Result<Caller, AppError> {
        if self.may(permission) {
            Ok(self)
        } else {
            tracing::warn!(user = %self.user_id, tenant = %self.tenant_id, ?permission, "permission refused");
            Err(AppError::Forbidden)
        }
    }
}

/// Anonymous credential checks (log-in, sign-up, accepting an invitation)
/// take at most this share of the connection pool, so a flood of them
/// leaves the rest to signed-in users and the health check.
static CREDENTIAL_TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
const CREDENTIAL_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Sizes the credential gate from the pool: half its connections.
pub fn set_credential_turns(pool_size: u32) {
    let _ = CREDENTIAL_TURNS.set(tokio::sync::Semaphore::new((pool_size / 2).max(1) as usize));
}

/// A turn at checking credentials, or `Busy` after a short wait.
pub async fn credential_turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    let turns = CREDENTIAL_TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(
            (crate::server::config::PoolSettings::default().max_connections / 2) as usize,
        )
    });
    match tokio::time::timeout(CREDENTIAL_WAIT, turns.acquire()).await {
        Ok(Ok(turn)) => Ok(turn),
        Ok(Err(_)) => Err(AppError::Internal),
        Err(_) => {
            tracing::warn!("credential checks at capacity: request turned away");
            Err(AppError::Busy {
                retry_after_secs: 1,
            })
        }
    }
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::Internal
}

/// The session of the current server-function request.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "no session layer around server functions");
        AppError::Internal
    })
}

/// Starts an authenticated session: a new session id (no fixation), then
/// the user, the tenant and the account's session epoch.
pub async fn start(
    session: &Session,
    user: UserId,
    tenant: TenantId,
    epoch: i32,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(
            SESSION_KEY,
            SessionAuth {
                user_id: user,
                tenant_id: tenant,
                since: chrono::Utc::now().timestamp(),
                epoch,
            },
        )
        .await
        .map_err(session_error)
}

/// Moves the session to another tenant of the same user (already checked).
pub async fn switch(session: &Session, tenant: TenantId) -> Result<(), AppError> {
    let mut auth: SessionAuth = session
        .get(SESSION_KEY)
        .await
        .map_err(session_error)?
        .ok_or(AppError::Unauthenticated)?;
    auth.tenant_id = tenant;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_KEY, auth)
        .await
        .map_err(session_error)
}

pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// The caller, or `Unauthenticated` (no session, expired, started before
/// the account's last password change, or no longer a member of the
/// session's tenant).
pub async fn caller(pool: &PgPool, session: &Session) -> Result<Caller, AppError> {
    let auth: SessionAuth = session
        .get(SESSION_KEY)
        .await
        .map_err(session_error)?
        .ok_or(AppError::Unauthenticated)?;
    if chrono::Utc::now().timestamp() - auth.since > ABSOLUTE_HOURS * 3600 {
        end(session).await?;
        return Err(AppError::Unauthenticated);
    }
    let mut tx = scope::begin(pool, auth.tenant_id).await?;
    let standing = tenants::standing_of(&mut tx, auth.user_id).await?;
    tx.commit().await?;
    match standing {
        Some((role, epoch)) if epoch == auth.epoch => Ok(Caller {
            user_id: auth.user_id,
            tenant_id: auth.tenant_id,
            role,
            read_only: false,
        }),
        _ => {
            end(session).await?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// The signed-in caller of the current server-function request: what every
/// server function starts from, as the REST API starts from `ApiCaller`.
pub async fn signed_in(pool: &PgPool) -> Result<Caller, AppError> {
    caller(pool, &session().await?).await
}

/// The caller of the current request, if it may do `permission`.
pub async fn require(pool: &PgPool, permission: Permission) -> Result<Caller, AppError> {
    signed_in(pool).await?.require(permission)
}
