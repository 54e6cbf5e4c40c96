//! Accounts and tenant administration: sign-up, log-in, password change,
//! invitations, members, teams and quotas. Server functions call these after
//! reading the caller from the session; every tenant read or write runs in
//! the caller's tenant scope.

use crate::model::account::{
    InvitationId, InvitationSent, InvitationView, Invite, Me, Member, NewAccount,
    PendingInvitation, Permission, Quotas, Role, SignUp, Team, TeamId, TenantId, UserId,
    normalise_email,
};
use crate::model::error::{AppError, FieldErrors};
use crate::server::auth::{self, Caller, passwords, throttle};
use crate::server::db::outbound_emails::{self, Email};
use crate::server::db::{invitations, plans, scope, teams, tenants, users};
use crate::server::http::ClientInfo;
use crate::server::{account_links, audit, mail_limits, metrics};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

/// The plan a new organisation starts on.
pub const DEFAULT_PLAN: &str = "starter";
pub const INVITATION_DAYS: i64 = 7;
/// A new organisation tries its plan this long before paying.
pub const TRIAL_DAYS: i32 = 14;
const WRONG_CREDENTIALS: &str = "The e-mail address or the password is not correct.";

fn field(name: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(FieldErrors::single(name, message))
}

/// Sign-up answers the same whether or not the address has an account, so
/// it tells nobody which addresses do: a new address gets its organisation
/// (a 14-day trial of a public plan) and a link to confirm the address; a
/// known one gets a mail saying so. Nobody is logged in here: the link
/// does that. Throttled per address.
pub async fn sign_up(
    pool: &PgPool,
    client: &ClientInfo,
    form: SignUp,
    plan: &str,
    base_url: &str,
) -> Result<(), AppError> {
    passwords::check_new("password", &form.password, &form.email)?;
    let _turn = auth::credential_turn().await?;
    throttle::attempt(pool, &throttle::sign_up_keys(client.ip)).await?;
    if !plans::is_public(&mut *pool.acquire().await?, plan).await? {
        return Err(field(
            "plan",
            format!("There is no plan called \"{plan}\" to sign up for."),
        ));
    }
    // Hashed either way: a known address takes as long as a new one.
    let hash = passwords::hash(form.password.clone()).await?;
    match users::by_email(&mut *pool.acquire().await?, &form.email).await? {
        Some(user) => account_links::tell_account_exists(pool, &user, base_url).await,
        None => create_organisation(pool, &form, plan, &hash, base_url).await,
    }
}

async fn create_organisation(
    pool: &PgPool,
    form: &SignUp,
    plan: &str,
    hash: &str,
    base_url: &str,
) -> Result<(), AppError> {
    let tenant = TenantId(Uuid::now_v7());
    let mut tx = scope::begin(pool, tenant).await?;
    let Some(user) = users::insert(&mut tx, &form.email, &form.name, hash, false).await? else {
        // Created a moment ago by another request: the same answer.
        return Ok(());
    };
    let trial_ends =
        tenants::insert(&mut tx, tenant, &form.organisation, plan, Some(TRIAL_DAYS)).await?;
    tenants::add_member(&mut tx, tenant, user, Role::Admin).await?;
    audit::record_as(
        &mut tx,
        tenant,
        Some(user),
        None,
        "organisation.created",
        &format!("organisation “{}”", form.organisation),
        json!({ "plan": plan, "trial_ends_at": trial_ends }),
    )
    .await?;
    account_links::send_confirmation(&mut tx, tenant, user, &form.email, base_url).await?;
    tx.commit().await?;
    tracing::info!(%user, %tenant, "organisation signed up");
    Ok(())
}

pub async fn log_in(
    pool: &PgPool,
    session: &Session,
    client: &ClientInfo,
    email: &str,
    password: String,
) -> Result<(), AppError> {
    let _turn = auth::credential_turn().await?;
    let email = normalise_email(email);
    let (user, keys) = {
        let mut conn = pool.acquire().await?;
        let user = users::by_email(&mut conn, &email).await?;
        (
            user,
            throttle::login_keys(&mut conn, &email, client.ip).await?,
        )
    };
    let admitted = throttle::attempt(pool, &keys).await.inspect_err(|_| {
        metrics::login("throttled");
        tracing::warn!(%email, ip = ?client.ip, "log-in refused while throttled");
    })?;
    let known = user.as_ref().map(|u| UserId(u.user_id));
    let epoch = user.as_ref().map_or(0, |u| u.session_epoch);
    let stored = user.map(|u| u.password_hash);
    if !checked_password(pool, &keys, password, stored).await? {
        metrics::login("failed");
        tracing::warn!(%email, ip = ?client.ip, delay = ?admitted.delay_secs, "log-in failed");
        login_failure(pool, known, &email, &admitted).await?;
        return Err(match admitted.delay_secs {
            Some(secs) => AppError::LoginThrottled {
                retry_after_secs: secs,
            },
            None => field("password", WRONG_CREDENTIALS),
        });
    }
    let user = known.ok_or(AppError::Internal)?;
    throttle::record_success(pool, &keys, user, client.ip).await?;
    let memberships = tenants::memberships_of(&mut *pool.acquire().await?, user).await?;
    let Some(first) = memberships.first() else {
        return Err(field(
            "email",
            "This account no longer belongs to any organisation. Ask an admin for an invitation.",
        ));
    };
    metrics::login("succeeded");
    tracing::info!(%user, tenant = %first.tenant_id, ip = ?client.ip, "logged in");
    let mut tx = scope::begin(pool, first.tenant_id).await?;
    audit::record_as(
        &mut tx,
        first.tenant_id,
        Some(user),
        None,
        "session.login",
        &format!("account {email}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    auth::start(session, user, first.tenant_id, epoch).await
}

/// Checks a password after its attempt was counted; when the server is too
/// busy to check it, the attempt is given back and the caller told to retry.
async fn checked_password(
    pool: &PgPool,
    keys: &[throttle::Key],
    password: String,
    stored: Option<String>,
) -> Result<bool, AppError> {
    match passwords::verify(password, stored).await {
        Err(busy @ AppError::Busy { .. }) => {
            throttle::forgive(pool, keys).await?;
            Err(busy)
        }
        other => other,
    }
}

/// A wrong password goes to the trail of every organisation the account
/// belongs to, or to the platform's when the address is unknown: one event
/// per admitted attempt (refused ones are only counted), and the attempt
/// that starts a delay says so with the counts.
async fn login_failure(
    pool: &PgPool,
    user: Option<UserId>,
    email: &str,
    admitted: &throttle::Admitted,
) -> Result<(), AppError> {
    let blocked: Vec<_> = admitted
        .newly_blocked
        .iter()
        .map(|(key, failures, refused)| {
            json!({ "key": key, "failures": failures, "refused_during_last_delay": refused })
        })
        .collect();
    let diff = json!({ "throttled_for_secs": admitted.delay_secs, "blocked": blocked });
    let target = format!("account {email}");
    let Some(user) = user else {
        let mut conn = pool.acquire().await?;
        return audit::record_platform(&mut conn, email, "session.login_failed", &target, diff)
            .await;
    };
    let tenants = tenants::memberships_of(&mut *pool.acquire().await?, user).await?;
    for membership in tenants {
        let mut tx = scope::begin(pool, membership.tenant_id).await?;
        audit::record_as(
            &mut tx,
            membership.tenant_id,
            Some(user),
            Some(email),
            "session.login_failed",
            &target,
            diff.clone(),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn log_out(pool: &PgPool, session: &Session) -> Result<(), AppError> {
    if let Ok(caller) = auth::caller(pool, session).await {
        let mut tx = scope::begin(pool, caller.tenant_id).await?;
        audit::record(&mut tx, caller, "session.logout", "session", json!({})).await?;
        tx.commit().await?;
    }
    auth::end(session).await
}

pub async fn me(pool: &PgPool, caller: Caller) -> Result<Me, AppError> {
    let mut conn = pool.acquire().await?;
    let user = users::by_id(&mut conn, caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let tenants = tenants::memberships_of(&mut conn, caller.user_id).await?;
    let tenant = tenants
        .iter()
        .find(|m| m.tenant_id == caller.tenant_id)
        .cloned()
        .ok_or(AppError::Unauthenticated)?;
    Ok(Me {
        user_id: caller.user_id,
        email: user.email,
        display_name: user.display_name,
        tenant,
        tenants,
    })
}

/// Only to a tenant the user belongs to; any other id is "not found".
pub async fn switch_tenant(
    pool: &PgPool,
    session: &Session,
    caller: Caller,
    tenant: TenantId,
) -> Result<(), AppError> {
    let memberships = tenants::memberships_of(&mut *pool.acquire().await?, caller.user_id).await?;
    if !memberships.iter().any(|m| m.tenant_id == tenant) {
        return Err(AppError::NotFound);
    }
    let mut tx = scope::begin(pool, tenant).await?;
    audit::record_as(
        &mut tx,
        tenant,
        Some(caller.user_id),
        None,
        "session.switched_in",
        "session",
        json!({ "from": caller.tenant_id }),
    )
    .await?;
    tx.commit().await?;
    auth::switch(session, tenant).await
}

/// Checks the current password (throttled like a log-in), sets the new
/// one, ends every other session of the account and, when asked, revokes
/// its API tokens in every organisation; this session carries on.
pub async fn change_password(
    pool: &PgPool,
    session: &Session,
    client: &ClientInfo,
    caller: Caller,
    change: PasswordChange,
) -> Result<(), AppError> {
    let user = users::by_id(&mut *pool.acquire().await?, caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let keys = throttle::login_keys(&mut *pool.acquire().await?, &user.email, client.ip).await?;
    throttle::attempt(pool, &keys).await?;
    if !checked_password(pool, &keys, change.current, Some(user.password_hash)).await? {
        return Err(field(
            "current_password",
            "This is not your current password.",
        ));
    }
    throttle::record_success(pool, &keys, caller.user_id, client.ip).await?;
    passwords::check_new("new_password", &change.new, &user.email)?;
    let hash = passwords::hash(change.new).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let epoch = users::set_password(&mut tx, caller.user_id, &hash).await?;
    audit::record(
        &mut tx,
        caller,
        "account.password_changed",
        &format!("account {}", user.email),
        json!({ "api_tokens_revoked": change.revoke_tokens }),
    )
    .await?;
    tx.commit().await?;
    if change.revoke_tokens {
        revoke_tokens_everywhere(pool, caller.user_id).await?;
    }
    auth::start(session, caller.user_id, caller.tenant_id, epoch).await?;
    tracing::info!(user = %caller.user_id, "password changed");
    Ok(())
}

/// What the password form sends.
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub revoke_tokens: bool,
}

/// Every API token of `user`, in every organisation it belongs to.
async fn revoke_tokens_everywhere(pool: &PgPool, user: UserId) -> Result<(), AppError> {
    let memberships = tenants::memberships_of(&mut *pool.acquire().await?, user).await?;
    for membership in memberships {
        let mut tx = scope::begin(pool, membership.tenant_id).await?;
        crate::server::db::api_tokens::revoke_all_of(&mut tx, user).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// What a link's token is stored as: its SHA-256 (a leaked table holds
/// no usable link).
pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new random token for a link (256 bits, URL-safe).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The member limit counts members and open invitations alike.
fn seats_left(quotas: &Quotas) -> bool {
    quotas
        .members
        .limit
        .is_none_or(|limit| quotas.members.used < limit)
}

pub async fn invite(
    pool: &PgPool,
    caller: Caller,
    invite: Invite,
    base_url: &str,
) -> Result<InvitationSent, AppError> {
    let caller = caller.require(Permission::ManageMembers)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    tenants::lock(&mut tx).await?;
    let quotas = tenants::quotas(&mut tx).await?.ok_or(AppError::NotFound)?;
    if !seats_left(&quotas) {
        return Err(AppError::QuotaExceeded(format!(
            "Your plan allows {} members (open invitations included). Remove a member, \
             revoke an invitation or raise the quota.",
            quotas.members.limit.unwrap_or_default()
        )));
    }
    let members = tenants::members(&mut tx).await?;
    if members.iter().any(|m| m.email == invite.email) {
        return Err(field("email", "This person is already a member."));
    }
    if invitations::has_pending_for(&mut tx, &invite.email).await? {
        return Err(field(
            "email",
            "An invitation to this address is already pending; revoke it to send a new one.",
        ));
    }
    let token = new_token();
    let expires = chrono::Utc::now() + chrono::Duration::days(INVITATION_DAYS);
    invitations::insert(
        &mut tx,
        caller.tenant_id,
        &invite.email,
        invite.role,
        &token_hash(&token),
        caller.user_id,
        expires,
    )
    .await?;
    let link = format!("{}/invitations/{token}", base_url.trim_end_matches('/'));
    let inviter = users::by_id(&mut tx, caller.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let tenant_name = tenants::memberships_of(&mut tx, caller.user_id)
        .await?
        .into_iter()
        .find(|m| m.tenant_id == caller.tenant_id)
        .map(|m| m.tenant_name)
        .unwrap_or_default();
    let body = format!(
        "{inviter} invites you to join {tenant_name} on Prudentia as {role}.\n\n\
         Accept the invitation: {link}\n\n\
         The link works once and expires in {INVITATION_DAYS} days.\n",
        role = invite.role.label().to_lowercase()
    );
    mail_limits::admit(&mut tx, caller, 1).await?;
    outbound_emails::enqueue(
        &mut tx,
        caller.tenant_id,
        &Email {
            recipient: &invite.email,
            subject: &format!("Join {tenant_name} on Prudentia"),
            body_text: &body,
            report: None,
            sender: Some(caller.user_id),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        "member.invited",
        &format!("invitation of {}", invite.email),
        json!({ "role": invite.role.as_str() }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, by = %caller.user_id, role = invite.role.as_str(), "invitation sent");
    Ok(InvitationSent {
        email: invite.email,
        link,
    })
}

/// The invitation behind a token, if it can still be accepted.
async fn open_invitation(pool: &PgPool, token: &str) -> Result<invitations::ByToken, AppError> {
    let mut conn = pool.acquire().await?;
    let found = invitations::by_token(&mut conn, &token_hash(token))
        .await?
        .ok_or_else(|| {
            field(
                "token",
                "This invitation link is not valid. Check that you copied all of it.",
            )
        })?;
    if found.accepted_at.is_some() {
        return Err(field(
            "token",
            "This invitation has already been used. Log in instead.",
        ));
    }
    if found.revoked_at.is_some() {
        return Err(field(
            "token",
            "This invitation was withdrawn. Ask your admin for a new one.",
        ));
    }
    if found.expires_at <= chrono::Utc::now() {
        return Err(field(
            "token",
            "This invitation has expired. Ask your admin for a new one.",
        ));
    }
    Ok(found)
}

pub async fn view_invitation(pool: &PgPool, token: &str) -> Result<InvitationView, AppError> {
    let found = open_invitation(pool, token).await?;
    let mut conn = pool.acquire().await?;
    let existing = users::by_email(&mut conn, &found.email).await?.is_some();
    Ok(InvitationView {
        tenant_name: found.tenant_name,
        email: found.email,
        role: found.role.parse().unwrap_or(Role::Viewer),
        existing_account: existing,
    })
}

/// Who accepts an invitation: an account of the address, or a new one.
enum Joining {
    Existing(UserId, i32),
    New { name: String, hash: String },
}

/// Accepts as a new account (name and password) or, when the address has
/// one, with that account's password; then logs in to the tenant.
pub async fn accept_invitation(
    pool: &PgPool,
    session: &Session,
    client: &ClientInfo,
    token: &str,
    name: &str,
    password: String,
) -> Result<(), AppError> {
    let _turn = auth::credential_turn().await?;
    let found = open_invitation(pool, token).await?;
    let tenant = TenantId(found.tenant_id);
    let existing = users::by_email(&mut *pool.acquire().await?, &found.email).await?;
    let joining = match existing {
        Some(user) if !user.email_verified => {
            return Err(field(
                "token",
                "The account of this address has not confirmed it yet. Use “Forgot your \
                 password?” on the log-in page: the link it mails confirms the address too.",
            ));
        }
        Some(user) => {
            let keys =
                throttle::login_keys(&mut *pool.acquire().await?, &found.email, client.ip).await?;
            throttle::attempt(pool, &keys).await?;
            if !checked_password(pool, &keys, password, Some(user.password_hash)).await? {
                return Err(field(
                    "password",
                    "This is not the password of your existing account.",
                ));
            }
            throttle::record_success(pool, &keys, UserId(user.user_id), client.ip).await?;
            Joining::Existing(UserId(user.user_id), user.session_epoch)
        }
        None => {
            let NewAccount { name, password } =
                crate::model::account::parse_new_account(name, password)?;
            passwords::check_new("password", &password, &found.email)?;
            Joining::New {
                name,
                hash: passwords::hash(password).await?,
            }
        }
    };
    let mut tx = scope::begin(pool, tenant).await?;
    let (user, epoch) = match joining {
        Joining::Existing(user, epoch) => (user, epoch),
        Joining::New { name, hash } => (
            users::insert(&mut tx, &found.email, &name, &hash, true)
                .await?
                .ok_or_else(|| {
                    field(
                        "token",
                        "An account was just created for this address; reload the page.",
                    )
                })?,
            0,
        ),
    };
    tenants::lock(&mut tx).await?;
    if !invitations::mark_accepted(&mut tx, InvitationId(found.invitation_id), user).await? {
        return Err(field(
            "token",
            "This invitation has just been used or withdrawn.",
        ));
    }
    let role = found.role.parse().unwrap_or(Role::Viewer);
    if !tenants::add_member(&mut tx, tenant, user, role).await? {
        return Err(field(
            "token",
            "You are already a member of this organisation. Log in instead.",
        ));
    }
    audit::record_as(
        &mut tx,
        tenant,
        Some(user),
        None,
        "member.joined",
        &format!("invitation of {}", found.email),
        json!({ "role": role.as_str() }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%user, %tenant, role = role.as_str(), "invitation accepted");
    auth::start(session, user, tenant, epoch).await
}

pub async fn members(pool: &PgPool, caller: Caller) -> Result<Vec<Member>, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let members = tenants::members(&mut tx).await?;
    tx.commit().await?;
    Ok(members)
}

pub async fn pending_invitations(
    pool: &PgPool,
    caller: Caller,
) -> Result<Vec<PendingInvitation>, AppError> {
    let caller = caller.require(Permission::ManageMembers)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let pending = invitations::pending(&mut tx).await?;
    tx.commit().await?;
    Ok(pending)
}

pub async fn revoke_invitation(
    pool: &PgPool,
    caller: Caller,
    invitation: InvitationId,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageMembers)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if !invitations::revoke(&mut tx, invitation).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        caller,
        "invitation.revoked",
        &format!("invitation {invitation}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Role change or removal must leave the tenant at least one admin.
async fn keeps_an_admin(
    tx: &mut sqlx::PgConnection,
    user: UserId,
    new_role: Option<Role>,
) -> Result<(), AppError> {
    let current = tenants::role_of(tx, user)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == Role::Admin
        && new_role != Some(Role::Admin)
        && tenants::count_role(tx, Role::Admin).await? <= 1
    {
        return Err(field(
            "role",
            "An organisation needs at least one admin: make someone else admin first.",
        ));
    }
    Ok(())
}

pub async fn change_role(
    pool: &PgPool,
    caller: Caller,
    user: UserId,
    role: Role,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageMembers)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    tenants::lock(&mut tx).await?;
    keeps_an_admin(&mut tx, user, Some(role)).await?;
    let before = tenants::role_of(&mut tx, user).await?;
    if !tenants::set_role(&mut tx, user, role).await? {
        return Err(AppError::NotFound);
    }
    let target = member_label(&mut tx, user).await?;
    audit::record(
        &mut tx,
        caller,
        "member.role_changed",
        &target,
        audit::changed("role", before.map(Role::as_str), role.as_str()),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, by = %caller.user_id, %user, role = role.as_str(), "role changed");
    Ok(())
}

pub async fn remove_member(pool: &PgPool, caller: Caller, user: UserId) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageMembers)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    tenants::lock(&mut tx).await?;
    keeps_an_admin(&mut tx, user, None).await?;
    let before = tenants::role_of(&mut tx, user).await?;
    let target = member_label(&mut tx, user).await?;
    if !tenants::remove_member(&mut tx, user).await? {
        return Err(AppError::NotFound);
    }
    // Re-invited later, the member must not find old tokens alive again.
    crate::server::db::api_tokens::revoke_all_of(&mut tx, user).await?;
    audit::record(
        &mut tx,
        caller,
        "member.removed",
        &target,
        audit::changed("role", before.map(Role::as_str), None::<&str>),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, by = %caller.user_id, %user, "member removed");
    Ok(())
}

/// "Name <email>" of a user, for the trail.
async fn member_label(conn: &mut sqlx::PgConnection, user: UserId) -> Result<String, AppError> {
    Ok(users::by_id(conn, user).await?.map_or_else(
        || user.to_string(),
        |u| format!("{} <{}>", u.display_name, u.email),
    ))
}

pub async fn teams(pool: &PgPool, caller: Caller) -> Result<Vec<Team>, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let list = teams::list(&mut tx).await?;
    tx.commit().await?;
    Ok(list)
}

pub async fn create_team(pool: &PgPool, caller: Caller, name: String) -> Result<TeamId, AppError> {
    let caller = caller.require(Permission::ManageTeams)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let id = teams::create(&mut tx, caller.tenant_id, &name)
        .await?
        .ok_or_else(|| field("name", "A team of that name already exists."))?;
    audit::record(
        &mut tx,
        caller,
        "team.created",
        &format!("team “{name}”"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_team(pool: &PgPool, caller: Caller, team: TeamId) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTeams)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if !teams::delete(&mut tx, team).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        caller,
        "team.deleted",
        &format!("team {team}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_team_member(
    pool: &PgPool,
    caller: Caller,
    team: TeamId,
    user: UserId,
    member: bool,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTeams)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    // Both must be this tenant's: under RLS another tenant's team or user
    // simply does not exist here.
    if !teams::exists(&mut tx, team).await? || tenants::role_of(&mut tx, user).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if member {
        teams::add_member(&mut tx, caller.tenant_id, team, user).await?;
    } else {
        teams::remove_member(&mut tx, team, user).await?;
    }
    let target = member_label(&mut tx, user).await?;
    audit::record(
        &mut tx,
        caller,
        if member {
            "team.member_added"
        } else {
            "team.member_removed"
        },
        &target,
        json!({ "team": team }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn quotas(pool: &PgPool, caller: Caller) -> Result<Quotas, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let quotas = tenants::quotas(&mut tx).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(quotas)
}

/// Empty text = the plan's limit; otherwise a positive whole number.
pub fn parse_limit(field_name: &str, text: &str, errors: &mut FieldErrors) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace([' ', '_'], "").parse::<i64>() {
        Ok(n) if n > 0 && n <= i64::from(i32::MAX) => Some(n),
        _ => {
            errors.push(
                field_name,
                "Enter a whole number above 0, or leave empty for the plan's limit.",
            );
            None
        }
    }
}

/// An admin may lower a quota below the plan's limit, never raise it above:
/// the plan is the platform's, bought, not chosen in a form.
fn within_plan(
    quotas: &Quotas,
    members: Option<i64>,
    simulations: Option<i64>,
    storage_mb: Option<i64>,
    api_calls_per_day: Option<i64>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let wanted = [
        ("members", members, &quotas.members),
        ("simulations", simulations, &quotas.simulations),
        ("storage_mb", storage_mb, &quotas.storage_mb),
        (
            "api_calls_per_day",
            api_calls_per_day,
            &quotas.api_calls_per_day,
        ),
    ];
    for (name, value, usage) in wanted {
        if let (Some(value), Some(plan)) = (value, usage.plan_limit)
            && value > plan
        {
            errors.push(
                name,
                format!(
                    "Your plan ({}) allows at most {plan}; a quota can only be lowered. \
                     Change plan to raise it.",
                    quotas.plan_name
                ),
            );
        }
    }
    errors.into_result(())
}

pub async fn set_quotas(
    pool: &PgPool,
    caller: Caller,
    members: &str,
    simulations: &str,
    storage_mb: &str,
    api_calls_per_day: &str,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut errors = FieldErrors::default();
    let m = parse_limit("members", members, &mut errors);
    let s = parse_limit("simulations", simulations, &mut errors);
    let st = parse_limit("storage_mb", storage_mb, &mut errors);
    let a = parse_limit("api_calls_per_day", api_calls_per_day, &mut errors);
    errors.into_result(())?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = tenants::quotas(&mut tx).await?.ok_or(AppError::NotFound)?;
    within_plan(&before, m, s, st, a)?;
    tenants::set_quotas(&mut tx, m, s, st, a).await?;
    let after = tenants::quotas(&mut tx).await?;
    audit::record(
        &mut tx,
        caller,
        "tenant.quotas_changed",
        "organisation quotas",
        audit::changed("quotas", Some(before), after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
