//! An organisation's rule profiles: created from a regulatory profile by
//! an admin, changed only by adding a version (validated, audited with
//! what changed), read by every member, applied to simulations by those
//! who edit data (`simulations::apply_rules`).

use crate::engine::profile::{MANAGEMENT_BUFFERS, Profile};
use crate::model::account::Permission;
use crate::model::error::{AppError, FieldErrors};
use crate::model::rule_profile::{
    ParameterChange, ProfileBuffers, RuleProfileId, RuleProfileSummary, RuleProfileView,
    apply_changes, diff,
};
use crate::model::simulation::parse_note;
use crate::server::audit;
use crate::server::auth::Caller;
use crate::server::db::{rule_profiles, scope};
use serde_json::json;
use sqlx::PgPool;

pub async fn list(pool: &PgPool, caller: Caller) -> Result<Vec<RuleProfileSummary>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let list = rule_profiles::list(&mut tx).await?;
    tx.commit().await?;
    Ok(list)
}

/// The management buffers of each profile's latest version: the default
/// suggestion targets and the traffic lights of what it computes.
pub async fn buffers(pool: &PgPool, caller: Caller) -> Result<Vec<ProfileBuffers>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let mut all = Vec::new();
    for summary in rule_profiles::list(&mut tx).await? {
        let parameters =
            rule_profiles::parameters(&mut tx, summary.profile_id, summary.latest_version)
                .await?
                .unwrap_or_default();
        let buffers = MANAGEMENT_BUFFERS
            .iter()
            .map(|key| {
                let value = parameters.get(&format!("mgmt_buffer.{key}")).copied();
                ((*key).to_owned(), value.unwrap_or(0.0))
            })
            .collect();
        all.push(ProfileBuffers { summary, buffers });
    }
    tx.commit().await?;
    Ok(all)
}

/// A profile with the parameters of `version` (the latest when `None`).
pub async fn view(
    pool: &PgPool,
    caller: Caller,
    id: RuleProfileId,
    version: Option<i32>,
) -> Result<RuleProfileView, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = rule_profiles::summary(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version_no = version.unwrap_or(summary.latest_version);
    let parameters = rule_profiles::parameters(&mut tx, id, version_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = rule_profiles::versions(&mut tx, id).await?;
    tx.commit().await?;
    Ok(RuleProfileView {
        summary,
        versions,
        version_no,
        parameters,
        can_edit: caller.may(Permission::ManageTenant),
    })
}

/// A new profile whose version 1 is the regulatory profile `base`.
pub async fn create(
    pool: &PgPool,
    caller: Caller,
    name: String,
    base: Profile,
) -> Result<RuleProfileId, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let id = rule_profiles::create(&mut tx, caller.tenant_id, caller.user_id, &name, &base.name)
        .await?
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "name",
                "A rule profile of that name already exists.",
            ))
        })?;
    let note = format!("Derived from {}", base.name);
    rule_profiles::add_version(
        &mut tx,
        caller.tenant_id,
        caller.user_id,
        id,
        1,
        &base.parameters,
        &note,
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        "rule_profile.created",
        &format!("rule profile “{name}”"),
        json!({ "base": base.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds the latest version with `changes_json` (key → value) applied as a
/// new version; returns its number.
pub async fn save_version(
    pool: &PgPool,
    caller: Caller,
    id: RuleProfileId,
    changes_json: &str,
    note: &str,
) -> Result<i32, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let note = parse_note("note", note)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let latest = rule_profiles::lock(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = rule_profiles::summary(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = Profile {
        name: summary.base.clone(),
        parameters: rule_profiles::parameters(&mut tx, id, latest)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let changed = apply_changes(&current, changes_json)?;
    let version = latest + 1;
    rule_profiles::add_version(
        &mut tx,
        caller.tenant_id,
        caller.user_id,
        id,
        version,
        &changed.parameters,
        &note,
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        "rule_profile.version_created",
        &format!("rule profile “{}” version {version}", summary.name),
        json!({ "changes": diff(&current.parameters, &changed.parameters), "note": note }),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// What changed from version `from` to version `to`.
pub async fn compare(
    pool: &PgPool,
    caller: Caller,
    id: RuleProfileId,
    from: i32,
    to: i32,
) -> Result<Vec<ParameterChange>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = rule_profiles::parameters(&mut tx, id, from).await?;
    let after = rule_profiles::parameters(&mut tx, id, to).await?;
    tx.commit().await?;
    match (before, after) {
        (Some(before), Some(after)) => Ok(diff(&before, &after)),
        _ => Err(AppError::NotFound),
    }
}
