//! Server functions of accounts: sign-up, log-in and out, the current user,
//! tenant switch, password change, invitations seen by their recipient.

use crate::model::account::{InvitationView, Me};
use crate::model::error::AppError;
use leptos::prelude::*;

/// Answers the same whether or not the address has an account: the next
/// step is in the mail.
#[server(prefix = "/api", endpoint = "signup")]
pub async fn sign_up(
    organisation: String,
    name: String,
    email: String,
    password: String,
    plan: Option<String>,
) -> Result<(), AppError> {
    use crate::model::account::SignUpForm;
    use crate::server::{accounts, http::ClientInfo, state::app_state};
    let result = async {
        let state = app_state()?;
        let client = ClientInfo::current();
        let form = SignUpForm {
            organisation,
            name,
            email,
            password,
        }
        .parse()?;
        let plan = plan.filter(|p| !p.trim().is_empty());
        accounts::sign_up(
            &state.pool,
            &client,
            form,
            plan.as_deref().unwrap_or(accounts::DEFAULT_PLAN),
            &state.public_url(),
        )
        .await
    }
    .await;
    super::reply(result)
}

/// Follows the link that confirms a new account's address; logs it in.
#[server(prefix = "/api", endpoint = "verify-email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::server::{account_links, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        account_links::confirm(&state.pool, &auth::session().await?, &token).await?;
        leptos_axum::redirect("/app");
        Ok(())
    }
    .await;
    super::reply(result)
}

/// "Forgot your password?": the same answer for every address.
#[server(prefix = "/api", endpoint = "forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::server::{account_links, http::ClientInfo, state::app_state};
    let result = async {
        let state = app_state()?;
        let client = ClientInfo::current();
        account_links::request_reset(&state.pool, &client, &email, &state.public_url()).await
    }
    .await;
    super::reply(result)
}

/// A new password through a reset link; every session of the account ends.
#[server(prefix = "/api", endpoint = "reset-password")]
pub async fn reset_password(
    token: String,
    new_password: String,
    revoke_tokens: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{account_links, state::app_state};
    let result = async {
        let state = app_state()?;
        let revoke = revoke_tokens.is_some_and(|v| !v.is_empty());
        account_links::reset(&state.pool, &token, new_password, revoke).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{accounts, auth, http::ClientInfo, state::app_state};
    let result = async {
        let state = app_state()?;
        let client = ClientInfo::current();
        let session = auth::session().await?;
        accounts::log_in(&state.pool, &session, &client, &email, password).await?;
        leptos_axum::redirect("/app");
        Ok(())
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        accounts::log_out(&state.pool, &auth::session().await?).await?;
        leptos_axum::redirect("/login");
        Ok(())
    }
    .await;
    super::reply(result)
}

/// The signed-in user, `None` for a visitor.
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        match auth::signed_in(&state.pool).await {
            Ok(caller) => accounts::me(&state.pool, caller).await.map(Some),
            Err(AppError::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "switch-tenant")]
pub async fn switch_tenant(tenant_id: String) -> Result<(), AppError> {
    use crate::server::{accounts, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let session = auth::session().await?;
        let caller = auth::caller(&state.pool, &session).await?;
        let tenant: crate::model::account::TenantId = tenant_id.parse()?;
        accounts::switch_tenant(&state.pool, &session, caller, tenant).await?;
        leptos_axum::redirect("/app");
        Ok(())
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    revoke_tokens: Option<String>,
) -> Result<(), AppError> {
    use crate::server::accounts::{self, PasswordChange};
    use crate::server::{auth, http::ClientInfo, state::app_state};
    let result = async {
        let state = app_state()?;
        let client = ClientInfo::current();
        let session = auth::session().await?;
        let caller = auth::caller(&state.pool, &session).await?;
        let change = PasswordChange {
            current: current_password,
            new: new_password,
            revoke_tokens: revoke_tokens.is_some_and(|v| !v.is_empty()),
        };
        accounts::change_password(&state.pool, &session, &client, caller, change).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "invitation")]
pub async fn view_invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::server::{accounts, state::app_state};
    let result = async { accounts::view_invitation(&app_state()?.pool, &token).await }.await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "accept-invitation")]
pub async fn accept_invitation(
    token: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{accounts, auth, http::ClientInfo, state::app_state};
    let result = async {
        let state = app_state()?;
        let client = ClientInfo::current();
        let session = auth::session().await?;
        accounts::accept_invitation(&state.pool, &session, &client, &token, &name, password)
            .await?;
        leptos_axum::redirect("/app");
        Ok(())
    }
    .await;
    super::reply(result)
}
