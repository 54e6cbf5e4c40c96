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
/// the user and tenant.
pub async fn start(session: &Session, user: UserId, tenant: TenantId) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(
            SESSION_KEY,
            SessionAuth {
                user_id: user,
                tenant_id: tenant,
                since: chrono::Utc::now().timestamp(),
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

/// The caller, or `Unauthenticated` (no session, expired, or no longer a
/// member of the session's tenant).
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
    let role = tenants::role_of(&mut tx, auth.user_id).await?;
    tx.commit().await?;
    match role {
        Some(role) => Ok(Caller {
            user_id: auth.user_id,
            tenant_id: auth.tenant_id,
            role,
            read_only: false,
        }),
        None => {
            end(session).await?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// The caller of the current request, if it may do `permission`.
pub async fn require(pool: &PgPool, permission: Permission) -> Result<Caller, AppError> {
    caller(pool, &session().await?).await?.require(permission)
}
