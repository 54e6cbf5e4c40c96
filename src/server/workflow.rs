//! The review of simulation versions (submit, approve with four eyes,
//! reject with a reason), comments with mentions, what changed between
//! versions, and the notifications all of it sends.

use crate::engine::dataset::DataSet;
use crate::model::account::{Member, Permission, Role, TenantId, UserId};
use crate::model::error::{AppError, FieldErrors};
use crate::model::simulation::SimulationId;
use crate::model::webhooks::EventType;
use crate::model::workflow::{
    self, Actor, Comment, Inbox, LineChanges, NotificationKind, Preference, Review, ReviewStatus,
    Transition, VersionChanges,
};
use crate::server::audit;
use crate::server::auth::Caller;
use crate::server::db::outbound_emails::{self, Email};
use crate::server::db::{notifications, reviews, scope, simulations, tenants, users};
use crate::server::simulations::visible;
use crate::server::{connections, live, webhooks};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, HashMap};

/// May `caller` approve in this tenant (admins, and analysts when the
/// tenant lets them)?
async fn can_approve(conn: &mut PgConnection, caller: Caller) -> Result<bool, AppError> {
    if caller.read_only {
        return Ok(false);
    }
    Ok(match caller.role {
        Role::Admin => true,
        Role::Analyst => reviews::approver_role(conn, caller.tenant_id).await? == "analyst",
        Role::Viewer => false,
    })
}

/// The caller as the state machine sees them for this review.
async fn actor(
    conn: &mut PgConnection,
    caller: Caller,
    stored: &reviews::StoredReview,
) -> Result<Actor, AppError> {
    Ok(Actor {
        can_edit: caller.may(Permission::EditData),
        can_approve: can_approve(conn, caller).await?,
        involved: stored.submitted_by == Some(caller.user_id)
            || stored.author == Some(caller.user_id),
    })
}

fn stamp(at: Option<chrono::DateTime<chrono::Utc>>) -> Option<crate::model::time::Timestamp> {
    at.map(crate::model::time::Timestamp::from_utc)
}

/// The review of a version as the caller sees it (with what they may do).
pub async fn review(
    conn: &mut PgConnection,
    caller: Caller,
    simulation: SimulationId,
    version: i32,
) -> Result<Review, AppError> {
    let stored = reviews::get(conn, caller.tenant_id, simulation, version, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = actor(conn, caller, &stored).await?;
    let may = |t| workflow::next(stored.status, t, actor).is_ok();
    Ok(Review {
        can_submit: may(Transition::Submit),
        can_decide: may(Transition::Approve),
        status: stored.status,
        submitted_by: stored.submitted_by_name,
        submitted_at: stamp(stored.submitted_at),
        decided_by: stored.decided_by_name,
        decided_at: stamp(stored.decided_at),
        rejection_reason: (stored.status == ReviewStatus::Draft)
            .then_some(stored.rejection_reason)
            .flatten(),
    })
}

pub(crate) fn link(simulation: SimulationId, version: i32) -> String {
    format!("/app/simulations/{simulation}?version={version}")
}

/// Moves a version through its review; returns the review after it.
/// `base` is the public address the mailed links start with
/// (`AppState::public_url`).
pub async fn transition(
    pool: &PgPool,
    base: &str,
    caller: Caller,
    simulation: SimulationId,
    version: i32,
    transition: Transition,
    reason: &str,
) -> Result<Review, AppError> {
    let caller = caller.require(Permission::Read)?;
    let reason = match transition {
        Transition::Reject => Some(workflow::parse_reason(reason)?),
        _ => None,
    };
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = visible(&mut tx, caller, simulation).await?;
    let stored = reviews::get(&mut tx, caller.tenant_id, simulation, version, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = actor(&mut tx, caller, &stored).await?;
    let after = workflow::next(stored.status, transition, actor).inspect_err(|e| {
        tracing::warn!(user = %caller.user_id, %simulation, version, ?transition, %e, "review transition refused");
    })?;
    let who = users::by_id(&mut tx, caller.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let name = &summary.name;
    let (recipients, kind, message) = match transition {
        Transition::Submit => {
            reviews::submit(
                &mut tx,
                caller.tenant_id,
                simulation,
                version,
                caller.user_id,
            )
            .await?;
            let approver_analysts =
                reviews::approver_role(&mut tx, caller.tenant_id).await? == "analyst";
            let approvers = tenants::members(&mut tx)
                .await?
                .into_iter()
                .filter(|m| m.role == Role::Admin || (approver_analysts && m.role == Role::Analyst))
                .map(|m| m.user_id)
                .filter(|u| *u != caller.user_id)
                .collect::<Vec<_>>();
            (
                approvers,
                NotificationKind::Submitted,
                format!("{who} submitted version {version} of “{name}” for approval."),
            )
        }
        Transition::Approve | Transition::Reject => {
            reviews::decide(
                &mut tx,
                caller.tenant_id,
                simulation,
                version,
                caller.user_id,
                reason.as_deref(),
            )
            .await?;
            let submitter: Vec<UserId> = stored.submitted_by.into_iter().collect();
            match &reason {
                None => (
                    submitter,
                    NotificationKind::Approved,
                    format!("{who} approved version {version} of “{name}”."),
                ),
                Some(reason) => (
                    submitter,
                    NotificationKind::Rejected,
                    format!("{who} sent back version {version} of “{name}”: {reason}"),
                ),
            }
        }
    };
    notify(
        &mut tx,
        base,
        caller,
        &recipients,
        kind,
        &message,
        &link(simulation, version),
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        &format!("version.{}", transition.past()),
        &format!("simulation “{name}” version {version}"),
        json!({
            "status": { "before": stored.status.as_str(), "after": after.as_str() },
            "reason": reason,
        }),
    )
    .await?;
    let event = match (transition, &reason) {
        (Transition::Submit, _) => EventType::VersionSubmitted,
        (_, None) => EventType::VersionApproved,
        (_, Some(_)) => EventType::VersionSentBack,
    };
    webhooks::emit(
        &mut tx,
        caller.tenant_id,
        event,
        json!({
            "simulation_id": simulation,
            "simulation": name,
            "version": version,
            "status": after.as_str(),
            "by": who,
            "reason": reason,
        }),
    )
    .await?;
    if event == EventType::VersionApproved {
        connections::approved(&mut tx, caller.tenant_id, simulation, version).await?;
    }
    let decided =
        json!({ "version": version, "status": after.as_str(), "by": who, "reason": reason });
    live::publish(
        &mut tx,
        caller.tenant_id,
        simulation,
        live::Kind::Review,
        decided,
    )
    .await?;
    let review = review(&mut tx, caller, simulation, version).await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, by = %caller.user_id, %simulation, version, ?transition, "review moved");
    Ok(review)
}

/// Refuses a new version while the latest awaits a decision: the reviewer
/// must decide on what they were shown.
pub async fn may_add_version(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    latest: i32,
) -> Result<(), AppError> {
    let status = reviews::get(conn, tenant, simulation, latest, false)
        .await?
        .map(|r| r.status);
    if status == Some(ReviewStatus::Submitted) {
        return Err(AppError::Conflict(format!(
            "Version {latest} awaits approval: a new version can be saved once it is approved \
             or sent back."
        )));
    }
    Ok(())
}

/// The members a comment mentions: `@` followed by their e-mail address or
/// their display name (case ignored).
pub fn mentioned(body: &str, members: &[Member]) -> Vec<UserId> {
    let text = body.to_lowercase();
    members
        .iter()
        .filter(|m| {
            [&m.email, &m.display_name]
                .iter()
                .any(|key| text.contains(&format!("@{}", key.to_lowercase())))
        })
        .map(|m| m.user_id)
        .collect()
}

pub async fn comments(
    pool: &PgPool,
    caller: Caller,
    simulation: SimulationId,
    version: i32,
) -> Result<Vec<Comment>, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, simulation).await?;
    let list = reviews::comments(&mut tx, caller.tenant_id, simulation, version).await?;
    tx.commit().await?;
    Ok(list)
}

/// Adds a comment (anyone who reads the simulation may discuss it) and
/// tells the version's author, its submitter and everyone mentioned.
/// `base` as for [`transition`].
pub async fn comment(
    pool: &PgPool,
    base: &str,
    caller: Caller,
    simulation: SimulationId,
    version: i32,
    body: &str,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::Read)?;
    let body = workflow::parse_comment(body)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = visible(&mut tx, caller, simulation).await?;
    let stored = reviews::get(&mut tx, caller.tenant_id, simulation, version, false)
        .await?
        .ok_or(AppError::NotFound)?;
    reviews::add_comment(
        &mut tx,
        caller.tenant_id,
        simulation,
        version,
        caller.user_id,
        &body,
    )
    .await?;
    let members = tenants::members(&mut tx).await?;
    let who = members
        .iter()
        .find(|m| m.user_id == caller.user_id)
        .map(|m| m.display_name.clone())
        .unwrap_or_default();
    let name = &summary.name;
    let mentions: Vec<UserId> = mentioned(&body, &members)
        .into_iter()
        .filter(|u| *u != caller.user_id)
        .collect();
    let mut involved: Vec<UserId> = reviews::author(&mut tx, caller.tenant_id, simulation, version)
        .await?
        .into_iter()
        .chain(stored.submitted_by)
        .filter(|u| *u != caller.user_id && !mentions.contains(u))
        .collect();
    involved.dedup();
    let target = link(simulation, version);
    let excerpt: String = body.chars().take(140).collect();
    notify(
        &mut tx,
        base,
        caller,
        &mentions,
        NotificationKind::Mentioned,
        &format!("{who} mentioned you on version {version} of “{name}”: {excerpt}"),
        &target,
    )
    .await?;
    notify(
        &mut tx,
        base,
        caller,
        &involved,
        NotificationKind::Commented,
        &format!("{who} commented on version {version} of “{name}”: {excerpt}"),
        &target,
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        "version.commented",
        &format!("simulation “{name}” version {version}"),
        json!({ "comment": body }),
    )
    .await?;
    let said = json!({ "version": version, "by": who, "excerpt": excerpt });
    live::publish(
        &mut tx,
        caller.tenant_id,
        simulation,
        live::Kind::Comment,
        said,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Tells each recipient in the app and by e-mail, as their preferences say.
pub(crate) async fn notify(
    conn: &mut PgConnection,
    base: &str,
    caller: Caller,
    recipients: &[UserId],
    kind: NotificationKind,
    message: &str,
    link: &str,
) -> Result<(), AppError> {
    for user in recipients {
        let preference = notifications::preferences(conn, *user)
            .await?
            .into_iter()
            .find(|p| p.kind == kind);
        let Some(preference) = preference else {
            continue;
        };
        if preference.in_app {
            notifications::insert(conn, caller.tenant_id, *user, kind, message, link).await?;
        }
        if preference.email
            && let Some(person) = users::by_id(conn, *user).await?
        {
            outbound_emails::enqueue(
                conn,
                caller.tenant_id,
                &Email {
                    recipient: &person.email,
                    subject: &format!("Prudentia: {}", kind.label().to_lowercase()),
                    body_text: &format!(
                        "{message}\n\nOpen it: {base}{link}\n\nChoose which notifications you \
                         receive: {base}/app/notifications\n"
                    ),
                    report: None,
                    sender: Some(caller.user_id),
                },
            )
            .await?;
        }
    }
    Ok(())
}

pub async fn inbox(pool: &PgPool, caller: Caller) -> Result<Inbox, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let inbox = notifications::inbox(&mut tx, caller.user_id).await?;
    tx.commit().await?;
    Ok(inbox)
}

pub async fn mark_read(
    pool: &PgPool,
    caller: Caller,
    notification: Option<uuid::Uuid>,
) -> Result<(), AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    notifications::mark_read(&mut tx, caller.user_id, notification).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn preferences(pool: &PgPool, caller: Caller) -> Result<Vec<Preference>, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let list = notifications::preferences(&mut tx, caller.user_id).await?;
    tx.commit().await?;
    Ok(list)
}

pub async fn set_preferences(
    pool: &PgPool,
    caller: Caller,
    preferences: &[Preference],
) -> Result<(), AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = notifications::preferences(&mut tx, caller.user_id).await?;
    for preference in preferences {
        notifications::set_preference(&mut tx, caller.tenant_id, caller.user_id, *preference)
            .await?;
    }
    audit::record(
        &mut tx,
        caller,
        "notifications.preferences_changed",
        "my notifications",
        audit::changed("preferences", &before, preferences),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who approves besides the admins: `admin` (nobody) or `analyst`.
pub async fn set_approver_role(pool: &PgPool, caller: Caller, role: &str) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    if !matches!(role, "admin" | "analyst") {
        return Err(AppError::Validation(FieldErrors::single(
            "approver_role",
            "Choose the admins only, or the admins and the analysts.",
        )));
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = reviews::approver_role(&mut tx, caller.tenant_id).await?;
    reviews::set_approver_role(&mut tx, caller.tenant_id, role).await?;
    audit::record(
        &mut tx,
        caller,
        "tenant.approvers_changed",
        "organisation settings",
        audit::changed("approver_role", before, role),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn approver_role(pool: &PgPool, caller: Caller) -> Result<String, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let role = reviews::approver_role(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    Ok(role)
}

/// What changed from the version before `version`: lines added, removed
/// and modified, capital items, rule parameters and requirements, and every
/// ratio. `None` for a first version.
pub async fn changes(
    pool: &PgPool,
    caller: Caller,
    simulation: SimulationId,
    version: i32,
) -> Result<Option<VersionChanges>, AppError> {
    if version <= 1 {
        return Ok(None);
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, simulation).await?;
    let load = async |tx: &mut PgConnection, v: i32| -> Result<_, AppError> {
        let data = simulations::load(tx, simulation, v)
            .await?
            .ok_or(AppError::NotFound)?;
        let (_, results) = simulations::header(tx, simulation, v)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((data, results))
    };
    let (before, before_results) = load(&mut tx, version - 1).await?;
    let (after, after_results) = load(&mut tx, version).await?;
    tx.commit().await?;
    let mut changes =
        crate::server::heavy::run(Some(caller.tenant_id), "version diff", move || {
            Ok::<_, AppError>(diff(&before.decode()?, &after.decode()?))
        })
        .await??;
    changes.from_version = version - 1;
    changes.ratios_before = before_results.map(|r| r.ratios).unwrap_or_default();
    changes.ratios_after = after_results.map(|r| r.ratios).unwrap_or_default();
    Ok(Some(changes))
}

/// The data differences between two data sets (lines by id).
pub fn diff(before: &DataSet, after: &DataSet) -> VersionChanges {
    let old: HashMap<&str, &crate::engine::dataset::Exposure> = before
        .exposures
        .iter()
        .map(|l| (l.id.as_str(), l))
        .collect();
    let new: HashMap<&str, &crate::engine::dataset::Exposure> =
        after.exposures.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut changes = VersionChanges::default();
    let (mut added, mut modified) = (Vec::new(), Vec::new());
    for line in &after.exposures {
        match old.get(line.id.as_str()) {
            None => added.push(line.id.clone()),
            Some(was) if *was != line => modified.push(line.id.clone()),
            Some(_) => {}
        }
    }
    changes.lines_added = LineChanges::of(added);
    changes.lines_modified = LineChanges::of(modified);
    changes.lines_removed = LineChanges::of(
        before
            .exposures
            .iter()
            .filter(|l| !new.contains_key(l.id.as_str()))
            .map(|l| l.id.clone())
            .collect(),
    );
    let capital = |d: &DataSet| {
        let mut m: BTreeMap<String, f64> = BTreeMap::new();
        for item in &d.capital {
            let tier = serde_json::to_value(item.tier)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *m.entry(format!("{} ({tier})", item.label)).or_default() += item.amount;
        }
        m
    };
    let (c0, c1) = (capital(before), capital(after));
    for key in c0
        .keys()
        .chain(c1.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (a, b) = (c0.get(key).copied(), c1.get(key).copied());
        if a != b {
            changes.capital.push((key.clone(), a, b));
        }
    }
    let settings = |d: &DataSet| {
        let mut m: BTreeMap<String, String> = d
            .overrides
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        if let Some(serde_json::Value::Object(req)) = d
            .requirements
            .as_ref()
            .and_then(|r| serde_json::to_value(r).ok())
        {
            for (k, v) in req {
                m.insert(format!("requirements.{k}"), v.to_string());
            }
        }
        if let Some(p) = &d.profile {
            m.insert("profile".to_owned(), p.clone());
        }
        m
    };
    let (s0, s1) = (settings(before), settings(after));
    for key in s0
        .keys()
        .chain(s1.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (a, b) = (s0.get(key).cloned(), s1.get(key).cloned());
        if a != b {
            changes.parameters.push((key.clone(), a, b));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::{CapitalItem, CapitalKind, Exposure, ExposureClass, Tier};
    use crate::model::account::{Member, Role, UserId};

    fn member(name: &str, email: &str) -> Member {
        Member {
            user_id: UserId(uuid::Uuid::now_v7()),
            display_name: name.to_owned(),
            email: email.to_owned(),
            role: Role::Analyst,
            teams: Vec::new(),
        }
    }

    #[test]
    fn a_mention_is_an_at_sign_before_a_members_name_or_address() {
        let ana = member("Ana Lyst", "ana@alpha.example");
        let bob = member("Bob", "bob@alpha.example");
        let members = [ana.clone(), bob.clone()];
        assert_eq!(
            mentioned("@ana lyst please check", &members),
            vec![ana.user_id]
        );
        assert_eq!(
            mentioned("cc @BOB@alpha.example", &members),
            vec![bob.user_id]
        );
        assert!(mentioned("Ana Lyst and bob@alpha.example, no at sign", &members).is_empty());
    }

    #[test]
    fn the_changes_between_versions_count_every_line_and_name_the_first() {
        let line = |id: &str, drawn: f64| Exposure::new(id, ExposureClass::Corporate, drawn);
        let cet1 = |label: &str, amount: f64| CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Item,
            label: label.to_owned(),
            amount,
        };
        let mut before = DataSet {
            exposures: (0..30).map(|i| line(&format!("L{i:02}"), 1.0)).collect(),
            capital: vec![cet1("Shares", 100.0)],
            ..DataSet::default()
        };
        before.overrides.insert("rw.corporate.cqs3".to_owned(), 1.0);
        let mut after = before.clone();
        after.exposures.retain(|l| l.id != "L05");
        after.exposures[0].drawn = Some(2.0);
        after
            .exposures
            .extend((0..25).map(|i| line(&format!("N{i:02}"), 1.0)));
        after.capital.push(cet1("Issuance", 50.0));
        after.overrides.clear();

        let changes = diff(&before, &after);
        assert_eq!(changes.lines_removed.count, 1);
        assert_eq!(changes.lines_removed.ids, ["L05"]);
        assert_eq!(changes.lines_modified.ids, ["L00"]);
        assert_eq!(changes.lines_added.count, 25);
        assert_eq!(changes.lines_added.ids.len(), workflow::CHANGED_IDS_SHOWN);
        assert_eq!(changes.lines_added.ids[0], "N00");
        assert_eq!(
            changes.capital,
            vec![("Issuance (cet1)".to_owned(), None, Some(50.0))]
        );
        assert_eq!(
            changes.parameters,
            vec![("rw.corporate.cqs3".to_owned(), Some("1".to_owned()), None)]
        );
    }
}
