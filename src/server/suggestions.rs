//! What suggested plans are asked for: the organisation's catalogue of
//! actions (every member sees it, admins change it) and each simulation's
//! targets (analysts set them); both audited.

use crate::engine::{ComputeOptions, compute, resolve_profile};
use crate::intel::suggest::catalogue::{self, Action, Override};
use crate::intel::suggest::{Plan, SuggestError, Targets, suggest};
use crate::model::account::{Permission, TenantId};
use crate::model::error::{AppError, FieldErrors};
use crate::model::simulation::SimulationId;
use crate::server::auth::Caller;
use crate::server::db::{scope, suggestions as db};
use crate::server::simulations;
use crate::server::{audit, heavy};
use serde_json::json;
use sqlx::PgPool;

/// The organisation's changes to the shipped catalogue.
pub async fn overrides(pool: &PgPool, caller: Caller) -> Result<Vec<Override>, AppError> {
    let caller = caller.require(Permission::Read)?;
    of_tenant(pool, caller.tenant_id).await
}

pub(crate) async fn of_tenant(pool: &PgPool, tenant: TenantId) -> Result<Vec<Override>, AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    let overrides = db::get(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(overrides)
}

fn check(o: &Override) -> Result<(), AppError> {
    match catalogue::out_of_range(o.max, o.cost) {
        Some((field, message)) => Err(AppError::Validation(FieldErrors::single(
            field,
            format!("{}: {message}.", o.kind.key()),
        ))),
        None => Ok(()),
    }
}

/// Replaces the organisation's changes (admins); each is checked first.
pub async fn set(
    pool: &PgPool,
    caller: Caller,
    overrides: Vec<Override>,
) -> Result<Vec<Override>, AppError> {
    overrides.iter().try_for_each(check)?;
    change(pool, caller, |all| *all = overrides).await
}

/// Changes one action, keeping the others.
pub async fn set_one(
    pool: &PgPool,
    caller: Caller,
    one: Override,
) -> Result<Vec<Override>, AppError> {
    check(&one)?;
    change(pool, caller, |all| {
        all.retain(|o| o.kind != one.kind);
        all.push(one);
    })
    .await
}

/// Reads, edits and writes the changes in one transaction, audited.
async fn change(
    pool: &PgPool,
    caller: Caller,
    edit: impl FnOnce(&mut Vec<Override>),
) -> Result<Vec<Override>, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = db::locked(&mut tx, caller.tenant_id).await?;
    let mut after = before.clone();
    edit(&mut after);
    db::put(&mut tx, caller.tenant_id, &after, caller.user_id).await?;
    audit::record(
        &mut tx,
        caller,
        "suggestions.catalogue_changed",
        "suggestion actions",
        json!({ "before": before, "after": after }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The targets set for a visible simulation's plans; none where each
/// ratio takes its requirement plus the management buffer.
pub async fn targets(pool: &PgPool, caller: Caller, id: SimulationId) -> Result<Targets, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    simulations::visible(&mut tx, caller, id).await?;
    let targets = db::targets(&mut tx, caller.tenant_id, id).await?;
    tx.commit().await?;
    Ok(targets.unwrap_or_default())
}

/// Sets a simulation's targets (analysts and admins), audited.
pub async fn set_targets(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    targets: Targets,
) -> Result<Targets, AppError> {
    let caller = caller.require(Permission::EditData)?;
    targets.check().map_err(|(ratio, message)| {
        AppError::Validation(FieldErrors::single(
            ratio.key(),
            format!("{}: {message}.", ratio.label()),
        ))
    })?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = simulations::visible(&mut tx, caller, id).await?;
    let before = db::targets(&mut tx, caller.tenant_id, id).await?;
    db::put_targets(&mut tx, caller.tenant_id, id, &targets, caller.user_id).await?;
    audit::record(
        &mut tx,
        caller,
        "suggestions.targets_set",
        &format!("simulation “{}”", summary.name),
        json!({ "before": before, "after": targets }),
    )
    .await?;
    tx.commit().await?;
    Ok(targets)
}

/// The plan for a visible simulation's version: with the simulation's
/// targets and the organisation's catalogue, unless the request gives its
/// own. A target or action that makes no sense is a validation error.
pub async fn plan_for_version(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    version: i32,
    targets: Option<Targets>,
    actions: Option<Vec<Action>>,
) -> Result<Plan, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (_, stored) = simulations::at_version(&mut tx, caller, id, Some(version)).await?;
    let saved = db::targets(&mut tx, caller.tenant_id, id).await?;
    let overrides = db::get(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    heavy::run(Some(caller.tenant_id), "suggest", move || {
        let data = stored.decode()?;
        let invalid = |field: &str, message: String| {
            AppError::Validation(FieldErrors::single(field, message))
        };
        let profile = resolve_profile(&data, None).map_err(|e| invalid("data", e.to_string()))?;
        let base = compute(&data, &profile, &ComputeOptions::default());
        let targets = targets
            .or(saved)
            .unwrap_or_default()
            .with_defaults(&Targets::defaults(&base));
        let actions = actions.unwrap_or_else(|| {
            catalogue::with_overrides(catalogue::defaults(&data, base.rwa.total), &overrides)
        });
        suggest(&data, &profile, &targets, &actions).map_err(|e| match e {
            SuggestError::Action(..) => invalid("catalogue", e.to_string()),
            SuggestError::Target(..) => invalid("targets", e.to_string()),
        })
    })
    .await?
}
