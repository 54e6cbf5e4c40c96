//! Limits on the mail members send through Prudentia (reports, invitations):
//! at most `PRUDENTIA_MAIL_PER_MEMBER_HOUR` per member and
//! `PRUDENTIA_MAIL_PER_ORGANISATION_HOUR` per organisation in any hour, and
//! outside addresses only as the organisation's admin allows. Checked in the
//! transaction that queues the mail, under the tenant's lock, so concurrent
//! sends cannot pass the limit together.

use crate::model::account::Permission;
use crate::model::error::{AppError, FieldErrors};
use crate::model::mail::MailPolicy;
use crate::server::audit;
use crate::server::auth::Caller;
use crate::server::db::{outbound_emails, scope, tenants};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug)]
struct Limits {
    per_member: i64,
    per_organisation: i64,
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

pub const DEFAULT_PER_MEMBER: u32 = 50;
pub const DEFAULT_PER_ORGANISATION: u32 = 300;

/// Sets the hourly limits; once, at start-up.
pub fn configure(per_member: u32, per_organisation: u32) {
    let _ = LIMITS.set(Limits {
        per_member: per_member.into(),
        per_organisation: per_organisation.into(),
    });
}

fn limits() -> Limits {
    *LIMITS.get_or_init(|| Limits {
        per_member: DEFAULT_PER_MEMBER.into(),
        per_organisation: DEFAULT_PER_ORGANISATION.into(),
    })
}

/// Refuses `count` more mails from `caller` when they would pass the
/// member's or the organisation's hourly limit. Takes the tenant's lock.
pub async fn admit(tx: &mut PgConnection, caller: Caller, count: usize) -> Result<(), AppError> {
    tenants::lock(tx).await?;
    let (mine, all) = outbound_emails::sent_last_hour(tx, caller.user_id).await?;
    let count = count as i64;
    let limits = limits();
    let refused = if mine + count > limits.per_member {
        Some(format!(
            "You have sent {mine} mails in the last hour; a member may send {} an hour.",
            limits.per_member
        ))
    } else if all + count > limits.per_organisation {
        Some(format!(
            "Your organisation has sent {all} mails in the last hour, its limit is {}.",
            limits.per_organisation
        ))
    } else {
        None
    };
    match refused {
        Some(why) => {
            tracing::warn!(tenant = %caller.tenant_id, user = %caller.user_id, %why, "mail refused");
            Err(AppError::Validation(FieldErrors::single(
                "recipients",
                format!("{why} Try again later."),
            )))
        }
        None => Ok(()),
    }
}

/// Refuses the recipients who are not members of the organisation and
/// whom its mail policy does not allow, naming them.
pub async fn check_recipients(
    tx: &mut PgConnection,
    recipients: &[String],
) -> Result<(), AppError> {
    let policy = tenants::mail_policy(tx).await?;
    let members = tenants::members(tx).await?;
    let outside: Vec<&str> = recipients
        .iter()
        .map(String::as_str)
        .filter(|r| !members.iter().any(|m| m.email.eq_ignore_ascii_case(r)))
        .filter(|r| !policy.allows_outside(r))
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    let allowed = match policy.outside {
        crate::model::mail::OutsideRecipients::Domains => {
            format!("members and addresses at {}", policy.domains.join(", "))
        }
        _ => "members of the organisation only".to_owned(),
    };
    Err(AppError::Validation(FieldErrors::single(
        "recipients",
        format!(
            "{} may not receive reports: your admin allows {allowed} (Organisation page).",
            outside.join(", ")
        ),
    )))
}

pub async fn policy(pool: &PgPool, caller: Caller) -> Result<MailPolicy, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let policy = tenants::mail_policy(&mut tx).await?;
    tx.commit().await?;
    Ok(policy)
}

pub async fn set_policy(pool: &PgPool, caller: Caller, policy: MailPolicy) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = tenants::mail_policy(&mut tx).await?;
    tenants::set_mail_policy(&mut tx, &policy).await?;
    audit::record(
        &mut tx,
        caller,
        "tenant.mail_policy_changed",
        "organisation mail policy",
        json!({
            "outside": { "before": before.outside.key(), "after": policy.outside.key() },
            "domains": { "before": before.domains, "after": policy.domains },
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
