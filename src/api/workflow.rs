//! Server functions of version reviews, comments, notifications and the
//! audit trail.

use crate::model::error::AppError;
use crate::model::workflow::{AuditPage, Comment, Inbox, Preference, Review, VersionChanges};
use leptos::prelude::*;

/// Submits, approves or rejects (with `reason`) a version.
#[server(prefix = "/api", endpoint = "review-version")]
pub async fn review_version(
    id: String,
    version: i32,
    transition: String,
    reason: Option<String>,
) -> Result<Review, AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::transition(
            &state.pool,
            &state.public_url(),
            caller,
            id.parse()?,
            version,
            transition.parse()?,
            reason.as_deref().unwrap_or(""),
        )
        .await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "version-comments")]
pub async fn version_comments(id: String, version: i32) -> Result<Vec<Comment>, AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::comments(&state.pool, caller, id.parse()?, version).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "add-comment")]
pub async fn add_comment(id: String, version: i32, body: String) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::comment(
            &state.pool,
            &state.public_url(),
            caller,
            id.parse()?,
            version,
            &body,
        )
        .await
    }
    .await;
    super::reply(result)
}

/// What changed from the previous version (`None` for version 1).
#[server(prefix = "/api", endpoint = "version-changes")]
pub async fn changes_from_previous(
    id: String,
    version: i32,
) -> Result<Option<VersionChanges>, AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::changes(&state.pool, caller, id.parse()?, version).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "notifications")]
pub async fn notifications() -> Result<Inbox, AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::inbox(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Marks one notification read, or all of them without an id.
#[server(prefix = "/api", endpoint = "mark-read")]
pub async fn mark_read(notification_id: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let id = notification_id
            .filter(|s| !s.trim().is_empty())
            .map(|s| uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::NotFound))
            .transpose()?;
        workflow::mark_read(&state.pool, caller, id).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "notification-preferences")]
pub async fn notification_preferences() -> Result<Vec<Preference>, AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::preferences(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "set-notification-preference")]
pub async fn set_notification_preference(
    kind: String,
    in_app: bool,
    email: bool,
) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let preference = Preference {
            kind: kind.parse()?,
            in_app,
            email,
        };
        workflow::set_preferences(&state.pool, caller, &[preference]).await
    }
    .await;
    super::reply(result)
}

/// Who approves besides the admins: `admin` (nobody else) or `analyst`.
#[server(prefix = "/api", endpoint = "approver-role")]
pub async fn approver_role() -> Result<String, AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::approver_role(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "set-approver-role")]
pub async fn set_approver_role(approver_role: String) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, workflow};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        workflow::set_approver_role(&state.pool, caller, approver_role.trim()).await
    }
    .await;
    super::reply(result)
}

/// The audit page (admins): latest events, activity and the chain check.
#[server(prefix = "/api", endpoint = "audit")]
pub async fn load_audit(
    actor: String,
    action: String,
    target: String,
    from: String,
    to: String,
) -> Result<AuditPage, AppError> {
    use crate::model::workflow::AuditFilter;
    use crate::server::{audit, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let filter = AuditFilter {
            actor,
            action,
            target,
            from,
            to,
        };
        audit::page(&state.pool, caller, filter).await
    }
    .await;
    super::reply(result)
}
