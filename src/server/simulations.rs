//! Simulations and scenarios: create (from the demo bank or a dataset.md
//! JSON file), open, rename, delete and restore, and save a scenario with
//! the results the server's engine computes for it.

use crate::engine::dataset::DataSet;
use crate::engine::scenario::Scenario;
use crate::engine::{ComputeOptions, compute, resolve_profile};
use crate::model::account::Permission;
use crate::model::error::{AppError, FieldErrors};
use crate::model::simulation::{
    LINES_PER_PAGE, LinePage, LineSort, SimulationId, SimulationSummary, SimulationView,
};
use crate::server::auth::Caller;
use crate::server::db::{scope, simulations, tenants};
use sqlx::PgPool;

fn field(name: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(FieldErrors::single(name, message))
}

fn is_admin(caller: Caller) -> bool {
    caller.role.allows(Permission::ManageTenant)
}

pub async fn list(
    pool: &PgPool,
    caller: Caller,
    deleted: bool,
) -> Result<Vec<SimulationSummary>, AppError> {
    let caller = if deleted {
        caller.require(Permission::ManageTenant)?
    } else {
        caller.require(Permission::Read)?
    };
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let list = simulations::list(&mut tx, caller.user_id, is_admin(caller), deleted).await?;
    tx.commit().await?;
    Ok(list)
}

/// Stores a new simulation with `data` as version 1, within the quota.
pub async fn create(
    pool: &PgPool,
    caller: Caller,
    name: String,
    data: DataSet,
) -> Result<SimulationId, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    room_for_one_more(&mut tx).await?;
    let id = simulations::create(&mut tx, caller.tenant_id, caller.user_id, &name).await?;
    simulations::add_version(&mut tx, caller.tenant_id, id, caller.user_id, &data).await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, simulation = %id, lines = data.exposures.len(), "simulation created");
    Ok(id)
}

/// A simulation the caller may see, else "not found" (whether it exists in
/// another tenant, was deleted or is not shared with them).
async fn visible(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: SimulationId,
) -> Result<SimulationSummary, AppError> {
    simulations::get(tx, caller.user_id, is_admin(caller), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A visible simulation and the data set of its latest version.
async fn latest(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: SimulationId,
) -> Result<(SimulationSummary, DataSet), AppError> {
    let summary = visible(tx, caller, id).await?;
    let data = simulations::load(tx, id, summary.latest_version)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((summary, data))
}

/// Refuses a new simulation beyond the tenant's quota (the tenant row is
/// locked, so two creations cannot both take the last place).
async fn room_for_one_more(tx: &mut sqlx::PgConnection) -> Result<(), AppError> {
    tenants::lock(tx).await?;
    let quotas = tenants::quotas(tx).await?.ok_or(AppError::NotFound)?;
    if let Some(limit) = quotas.simulations.limit
        && simulations::count_live(tx).await? >= limit
    {
        return Err(AppError::QuotaExceeded(format!(
            "Your plan allows {limit} simulations. Delete one or ask an admin to raise the quota."
        )));
    }
    Ok(())
}

/// A new simulation holding a copy of `id`'s latest version (lines
/// included, scenarios not), within the quota.
pub async fn clone(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    name: String,
) -> Result<SimulationId, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let source = visible(&mut tx, caller, id).await?;
    room_for_one_more(&mut tx).await?;
    let copy = simulations::create(&mut tx, caller.tenant_id, caller.user_id, &name).await?;
    simulations::copy_version(&mut tx, id, source.latest_version, copy, caller.user_id).await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, from = %id, simulation = %copy, "simulation cloned");
    Ok(copy)
}

/// The most lines a synthetic portfolio may have.
pub const SYNTHETIC_MAX_LINES: usize = 200_000;

pub fn parse_synthetic_lines(text: &str) -> Result<usize, AppError> {
    match text.trim().replace([' ', '_', ','], "").parse::<usize>() {
        Ok(n) if (1..=SYNTHETIC_MAX_LINES).contains(&n) => Ok(n),
        _ => Err(field(
            "lines",
            format!("Give a number of lines from 1 to {SYNTHETIC_MAX_LINES}."),
        )),
    }
}

/// A dataset.md JSON text, parsed and validated: every problem listed.
pub fn parse_data_set(text: &str) -> Result<DataSet, AppError> {
    let data = DataSet::from_json_str(text).map_err(|e| field("data", e.to_string()))?;
    let problems = data.validate();
    if !problems.is_empty() {
        let mut errors = FieldErrors::default();
        let shown: Vec<String> = problems.iter().take(20).map(ToString::to_string).collect();
        let more = problems.len().saturating_sub(shown.len());
        let mut message = shown.join("; ");
        if more > 0 {
            message.push_str(&format!("; and {more} more"));
        }
        errors.push("data", message);
        return Err(AppError::Validation(errors));
    }
    resolve_profile(&data, None).map_err(|e| field("data", e.to_string()))?;
    Ok(data)
}

pub async fn open(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
) -> Result<SimulationView, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (summary, data) = latest(&mut tx, caller, id).await?;
    let scenarios = simulations::scenarios(&mut tx, id).await?;
    tx.commit().await?;
    let profile = resolve_profile(&data, None).map_err(|e| field("data", e.to_string()))?;
    let (header, baseline) = tokio::task::spawn_blocking(move || {
        let baseline = compute(&data, &profile, &ComputeOptions::default());
        let header = DataSet {
            exposures: Vec::new(),
            ..data
        };
        (header, baseline)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "baseline computation task failed");
        AppError::Internal
    })?;
    Ok(SimulationView {
        summary,
        header,
        baseline,
        scenarios,
        can_edit: caller.role.allows(Permission::EditData),
    })
}

/// The exposure lines of the latest version, encoded for the browser.
pub async fn lines_binary(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
) -> Result<Vec<u8>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (_, data) = latest(&mut tx, caller, id).await?;
    tx.commit().await?;
    crate::model::simulation::encode_lines(&data.exposures).map_err(|error| {
        tracing::error!(%error, "exposure lines do not encode");
        AppError::Internal
    })
}

pub async fn rename(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    name: String,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    simulations::rename(&mut tx, id, &name).await?;
    tx.commit().await?;
    Ok(())
}

/// Soft delete; an admin can restore it from the deleted list.
pub async fn delete(pool: &PgPool, caller: Caller, id: SimulationId) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    simulations::set_deleted(&mut tx, id, true).await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, by = %caller.user_id, simulation = %id, "simulation deleted");
    Ok(())
}

pub async fn restore(pool: &PgPool, caller: Caller, id: SimulationId) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if !simulations::set_deleted(&mut tx, id, false).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Saves (or replaces) a named scenario after recomputing it on the server
/// with the same engine as the browser; returns the stored results' CET1.
pub async fn save_scenario(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    name: String,
    edits_json: &str,
) -> Result<Option<f64>, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let scenario: Scenario = Scenario::from_json_str(&format!("{{\"edits\": {edits_json}}}"))
        .map_err(|e| field("edits", e.to_string()))?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (summary, data) = latest(&mut tx, caller, id).await?;
    let profile = resolve_profile(&data, None).map_err(|e| field("edits", e.to_string()))?;
    let (changed, changed_profile) = scenario
        .apply(&data, &profile)
        .map_err(|e| field("edits", e.to_string()))?;
    let results = tokio::task::spawn_blocking(move || {
        let results = compute(&changed, &changed_profile, &ComputeOptions::default());
        (results, changed_profile)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "scenario computation task failed");
        AppError::Internal
    })?;
    let (results, profile) = results;
    let cet1 = results.ratios.cet1;
    let json = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|error| {
            tracing::error!(%error, "results do not serialise");
            AppError::Internal
        })
    };
    simulations::save_scenario(
        &mut tx,
        caller.tenant_id,
        id,
        caller.user_id,
        &name,
        &json(serde_json::to_value(&scenario.edits))?,
        summary.latest_version,
        &json(serde_json::to_value(&results))?,
        &json(serde_json::to_value(&profile))?,
    )
    .await?;
    tx.commit().await?;
    Ok(cet1)
}

/// The baseline's per-line results behind a figure: filtered by class
/// (the `by_class` key, `defaulted` included) and id prefix, sorted, paged
/// on the server, each with the rule that set its risk weight.
pub async fn lines(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    class: Option<String>,
    search: Option<String>,
    sort: LineSort,
    page: usize,
) -> Result<LinePage, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (_, data) = latest(&mut tx, caller, id).await?;
    tx.commit().await?;
    let profile = resolve_profile(&data, None).map_err(|e| field("data", e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let options = ComputeOptions {
            lines: true,
            explain: true,
        };
        let results = compute(&data, &profile, &options);
        let mut lines: Vec<_> = results
            .lines
            .unwrap_or_default()
            .into_iter()
            .zip(&data.exposures)
            .filter(|(_, e)| {
                class.as_deref().is_none_or(|c| {
                    if c == "defaulted" {
                        e.defaulted
                    } else {
                        !e.defaulted && e.class.key() == c
                    }
                })
            })
            .filter(|(l, _)| search.as_deref().is_none_or(|q| l.id.contains(q)))
            .map(|(l, _)| l)
            .collect();
        match sort {
            LineSort::Rwa => lines.sort_by(|a, b| b.rwa.total_cmp(&a.rwa).then(a.id.cmp(&b.id))),
            LineSort::Exposure => {
                lines.sort_by(|a, b| b.exposure.total_cmp(&a.exposure).then(a.id.cmp(&b.id)))
            }
            LineSort::RiskWeight => lines.sort_by(|a, b| {
                b.risk_weight
                    .total_cmp(&a.risk_weight)
                    .then(a.id.cmp(&b.id))
            }),
            LineSort::Id => lines.sort_by(|a, b| a.id.cmp(&b.id)),
        }
        let total = lines.len();
        let lines = lines
            .into_iter()
            .skip(page * LINES_PER_PAGE)
            .take(LINES_PER_PAGE)
            .collect();
        LinePage { total, page, lines }
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "line listing task failed");
        AppError::Internal
    })
}
