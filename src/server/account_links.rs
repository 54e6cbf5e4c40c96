//! The single-use links an account receives by mail: confirming its address
//! after sign-up, and resetting a lost password. Asking for one answers the
//! same whether or not the address has an account; the mail goes out only
//! when it does, and at most a few an hour to one address.

use crate::model::account::{TenantId, UserId, normalise_email};
use crate::model::error::{AppError, FieldErrors};
use crate::server::accounts::{new_token, token_hash};
use crate::server::audit;
use crate::server::auth::{self, passwords, throttle};
use crate::server::db::account_tokens::{self, Purpose};
use crate::server::db::outbound_emails::{self, Email};
use crate::server::db::users::UserRow;
use crate::server::db::{api_tokens, scope, tenants, users};
use crate::server::http::ClientInfo;
use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tower_sessions::Session;

/// A confirmation link works this long.
pub const CONFIRM_DAYS: i64 = 7;
/// A reset link works this long.
pub const RESET_MINUTES: i64 = 60;

fn field(name: &str, message: &str) -> AppError {
    AppError::Validation(FieldErrors::single(name, message))
}

fn link(base_url: &str, path: &str, token: &str) -> String {
    format!("{}/{path}/{token}", base_url.trim_end_matches('/'))
}

/// Whether another mail may go to `email` this hour.
async fn may_mail(pool: &PgPool, email: &str) -> Result<bool, AppError> {
    match throttle::attempt(pool, &throttle::account_mail_keys(email)).await {
        Ok(_) => Ok(true),
        Err(AppError::LoginThrottled { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Queues the link that confirms a new account's address, inside the
/// transaction that creates the account.
pub async fn send_confirmation(
    tx: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    email: &str,
    base_url: &str,
) -> Result<(), AppError> {
    let token = new_token();
    let expires = Utc::now() + Duration::days(CONFIRM_DAYS);
    account_tokens::issue(tx, user, Purpose::VerifyEmail, &token_hash(&token), expires).await?;
    let body = format!(
        "Welcome to Prudentia.\n\nConfirm your e-mail address to open your organisation:\n{}\n\n\
         The link works once and expires in {CONFIRM_DAYS} days. If you did not sign up, ignore \
         this mail: nothing happens without the link.\n",
        link(base_url, "verify-email", &token)
    );
    outbound_emails::enqueue(
        tx,
        tenant,
        &Email {
            recipient: email,
            subject: "Confirm your e-mail address for Prudentia",
            body_text: &body,
            report: None,
            sender: None,
        },
    )
    .await?;
    Ok(())
}

/// The first organisation of an account, where its mail is queued.
async fn home_tenant(pool: &PgPool, user: UserId) -> Result<Option<TenantId>, AppError> {
    let memberships = tenants::memberships_of(&mut *pool.acquire().await?, user).await?;
    Ok(memberships.first().map(|m| m.tenant_id))
}

async fn mail(pool: &PgPool, tenant: TenantId, email: &Email<'_>) -> Result<(), AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    outbound_emails::enqueue(&mut tx, tenant, email).await?;
    tx.commit().await?;
    Ok(())
}

/// A sign-up with an address that has an account: its owner is told, and
/// shown the way back in.
pub async fn tell_account_exists(
    pool: &PgPool,
    user: &UserRow,
    base_url: &str,
) -> Result<(), AppError> {
    let Some(tenant) = home_tenant(pool, UserId(user.user_id)).await? else {
        return Ok(());
    };
    if !may_mail(pool, &user.email).await? {
        return Ok(());
    }
    let base = base_url.trim_end_matches('/');
    let body = format!(
        "Someone, maybe you, tried to create a Prudentia organisation with this address, which \
         already has an account.\n\nLog in: {base}/login\nForgot your password? {base}/forgot-password\n\n\
         To join another organisation, ask its admin for an invitation.\n"
    );
    mail(
        pool,
        tenant,
        &Email {
            recipient: &user.email,
            subject: "You already have a Prudentia account",
            body_text: &body,
            report: None,
            sender: None,
        },
    )
    .await
}

/// Follows a confirmation link: the address is confirmed and the account
/// logged in to its organisation.
pub async fn confirm(pool: &PgPool, session: &Session, token: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let user = account_tokens::take(&mut tx, Purpose::VerifyEmail, &token_hash(token))
        .await?
        .ok_or_else(|| {
            field(
                "token",
                "This confirmation link does not work any more: it was used, or it expired. \
                 Log in with your password, or use “Forgot your password?” to get a new link.",
            )
        })?;
    users::mark_verified(&mut tx, user).await?;
    let row = users::by_id(&mut tx, user)
        .await?
        .ok_or(AppError::NotFound)?;
    let memberships = tenants::memberships_of(&mut tx, user).await?;
    tx.commit().await?;
    let Some(first) = memberships.first() else {
        return Err(field(
            "token",
            "Your address is confirmed, but this account belongs to no organisation any more.",
        ));
    };
    let mut tx = scope::begin(pool, first.tenant_id).await?;
    audit::record_as(
        &mut tx,
        first.tenant_id,
        Some(user),
        None,
        "account.email_verified",
        &format!("account {}", row.email),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    auth::start(session, user, first.tenant_id, row.session_epoch).await
}

/// "Forgot your password?": the same answer for every address; a link
/// valid one hour goes to an address that has an account.
pub async fn request_reset(
    pool: &PgPool,
    client: &ClientInfo,
    email: &str,
    base_url: &str,
) -> Result<(), AppError> {
    let email = normalise_email(email);
    throttle::attempt(pool, &throttle::reset_request_keys(client.ip)).await?;
    let Some(user) = users::by_email(&mut *pool.acquire().await?, &email).await? else {
        return Ok(());
    };
    let account = UserId(user.user_id);
    let Some(tenant) = home_tenant(pool, account).await? else {
        return Ok(());
    };
    if !may_mail(pool, &email).await? {
        return Ok(());
    }
    let token = new_token();
    let expires = Utc::now() + Duration::minutes(RESET_MINUTES);
    let body = format!(
        "A new password was asked for your Prudentia account.\n\nChoose it here:\n{}\n\n\
         The link works once, for {RESET_MINUTES} minutes. If you did not ask, ignore this \
         mail: your password stays as it is.\n",
        link(base_url, "reset-password", &token)
    );
    let mut tx = scope::begin(pool, tenant).await?;
    account_tokens::issue(
        &mut tx,
        account,
        Purpose::ResetPassword,
        &token_hash(&token),
        expires,
    )
    .await?;
    outbound_emails::enqueue(
        &mut tx,
        tenant,
        &Email {
            recipient: &email,
            subject: "Reset your Prudentia password",
            body_text: &body,
            report: None,
            sender: None,
        },
    )
    .await?;
    audit::record_as(
        &mut tx,
        tenant,
        Some(account),
        Some(&email),
        "account.password_reset_requested",
        &format!("account {email}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Follows a reset link with the new password: it is set, the address
/// confirmed, every session of the account ended and, when asked, its API
/// tokens revoked in every organisation. The link is spent only by a
/// password that passes the rules.
pub async fn reset(
    pool: &PgPool,
    token: &str,
    new_password: String,
    revoke_tokens: bool,
) -> Result<(), AppError> {
    let hashed = token_hash(token);
    let invalid = || {
        field(
            "token",
            "This reset link does not work any more: it was used, replaced by a newer one, or \
             its hour is over. Ask for a new one.",
        )
    };
    let user = account_tokens::peek(&mut *pool.acquire().await?, Purpose::ResetPassword, &hashed)
        .await?
        .ok_or_else(invalid)?;
    let row = users::by_id(&mut *pool.acquire().await?, user)
        .await?
        .ok_or_else(invalid)?;
    passwords::check_new("new_password", &new_password, &row.email)?;
    let hash = passwords::hash(new_password).await?;
    let mut tx = pool.begin().await?;
    if account_tokens::take(&mut tx, Purpose::ResetPassword, &hashed).await? != Some(user) {
        return Err(invalid());
    }
    users::set_password(&mut tx, user, &hash).await?;
    users::mark_verified(&mut tx, user).await?;
    let memberships = tenants::memberships_of(&mut tx, user).await?;
    tx.commit().await?;
    for membership in memberships {
        let mut tx = scope::begin(pool, membership.tenant_id).await?;
        if revoke_tokens {
            api_tokens::revoke_all_of(&mut tx, user).await?;
        }
        audit::record_as(
            &mut tx,
            membership.tenant_id,
            Some(user),
            None,
            "account.password_reset",
            &format!("account {}", row.email),
            json!({ "api_tokens_revoked": revoke_tokens }),
        )
        .await?;
        tx.commit().await?;
    }
    tracing::info!(%user, "password reset by mail link");
    Ok(())
}
