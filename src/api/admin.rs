//! Server functions of tenant administration: members, invitations, teams
//! and quotas. Each checks the caller's permission on the server; the pages
//! only hide what a role cannot do.

use crate::model::account::{InvitationSent, Member, PendingInvitation, Quotas, Team};
use crate::model::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::Read).await?;
        accounts::members(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "invite")]
pub async fn invite_member(email: String, role: String) -> Result<InvitationSent, AppError> {
    use crate::model::account::{Permission, parse_invite};
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageMembers).await?;
        let invite = parse_invite(&email, &role)?;
        let base = state.public_url();
        accounts::invite(&state.pool, caller, invite, &base).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "invitations")]
pub async fn list_invitations() -> Result<Vec<PendingInvitation>, AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageMembers).await?;
        accounts::pending_invitations(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "revoke-invitation")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageMembers).await?;
        accounts::revoke_invitation(&state.pool, caller, invitation_id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "member-role")]
pub async fn change_member_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::model::account::{Permission, Role};
    use crate::model::error::FieldErrors;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageMembers).await?;
        let role: Role = role
            .parse()
            .map_err(|e: String| AppError::Validation(FieldErrors::single("role", e)))?;
        accounts::change_role(&state.pool, caller, user_id.parse()?, role).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "remove-member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageMembers).await?;
        accounts::remove_member(&state.pool, caller, user_id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "teams")]
pub async fn list_teams() -> Result<Vec<Team>, AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::Read).await?;
        accounts::teams(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "create-team")]
pub async fn create_team(name: String) -> Result<(), AppError> {
    use crate::model::account::{Permission, parse_team_name};
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageTeams).await?;
        accounts::create_team(&state.pool, caller, parse_team_name(&name)?)
            .await
            .map(|_| ())
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "delete-team")]
pub async fn delete_team(team_id: String) -> Result<(), AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageTeams).await?;
        accounts::delete_team(&state.pool, caller, team_id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "team-member")]
pub async fn set_team_member(
    team_id: String,
    user_id: String,
    member: bool,
) -> Result<(), AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageTeams).await?;
        accounts::set_team_member(
            &state.pool,
            caller,
            team_id.parse()?,
            user_id.parse()?,
            member,
        )
        .await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "quotas")]
pub async fn get_quotas() -> Result<Quotas, AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::Read).await?;
        accounts::quotas(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "set-quotas")]
pub async fn set_quotas(
    members: String,
    simulations: String,
    storage_mb: String,
    api_calls_per_day: String,
) -> Result<(), AppError> {
    use crate::model::account::Permission;
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::require(&state.pool, Permission::ManageTenant).await?;
        accounts::set_quotas(
            &state.pool,
            caller,
            &members,
            &simulations,
            &storage_mb,
            &api_calls_per_day,
        )
        .await
    }
    .await;
    super::reply(result)
}

/// Whom members may mail outside the organisation.
#[server(prefix = "/api", endpoint = "mail-policy")]
pub async fn mail_policy() -> Result<crate::model::mail::MailPolicy, AppError> {
    use crate::server::{auth, mail_limits, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        mail_limits::policy(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Sets whom members may mail outside the organisation (admins).
#[server(prefix = "/api", endpoint = "set-mail-policy")]
pub async fn set_mail_policy(outside: String, domains: String) -> Result<(), AppError> {
    use crate::model::mail::MailPolicy;
    use crate::server::{auth, mail_limits, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let policy = MailPolicy::parse(&outside, &domains)?;
        mail_limits::set_policy(&state.pool, caller, policy).await
    }
    .await;
    super::reply(result)
}
