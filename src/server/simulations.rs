//! Simulations and scenarios: create (from the demo bank or a dataset.md
//! JSON file), open, rename, delete and restore, and save a scenario with
//! the results the server's engine computes for it.

use crate::engine::dataset::{DataSet, Exposure};
use crate::engine::profile::Profile;
use crate::engine::results::Results;
use crate::engine::scenario::Scenario;
use crate::engine::{ComputeOptions, compute, resolve_profile};
use crate::intel::anomalies::Severity;
use crate::model::account::{Permission, Role, TenantId, UserId};
use crate::model::error::{AppError, FieldErrors};
use crate::model::rule_profile::{RuleProfileId, RulesRef, diff};
use crate::model::simulation::{
    LINES_PER_PAGE, LinePage, LineSort, ScenarioId, ScenarioSummary, Sharing, SimulationId,
    SimulationSummary, SimulationView, VersionSummary,
};
use crate::model::webhooks::EventType;
use crate::model::workflow::NotificationKind;
use crate::server::auth::Caller;
use crate::server::db::simulations::StoredDataSet;
use crate::server::db::{rule_profiles, scope, simulations, teams, tenants};
use crate::server::idempotency::{self, Created, IdempotencyKey};
use crate::server::{anomalies, audit, heavy, live, quotas, webhooks, workflow};
use serde_json::json;
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

/// What the API's simulation list filters on.
pub struct ListFilter {
    pub name: Option<String>,
    pub mine: bool,
    pub reporting_date: Option<chrono::NaiveDate>,
}

/// A page of live visible simulations, newest first, after the cursor
/// `after`; whether more follow.
pub async fn page(
    pool: &PgPool,
    caller: Caller,
    filter: &ListFilter,
    after: Option<SimulationId>,
    limit: usize,
) -> Result<(Vec<SimulationSummary>, bool), AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let mut items = simulations::page(
        &mut tx,
        caller.user_id,
        is_admin(caller),
        &simulations::PageFilter {
            name: filter.name.as_deref(),
            mine: filter.mine,
            reporting_date: filter.reporting_date,
            after,
            limit: limit as i64 + 1,
        },
    )
    .await?;
    tx.commit().await?;
    let more = items.len() > limit;
    items.truncate(limit);
    Ok((items, more))
}

/// Stores a new simulation with `data` as version 1, within the quota.
pub async fn create(
    pool: &PgPool,
    caller: Caller,
    name: String,
    data: DataSet,
) -> Result<SimulationId, AppError> {
    create_once(pool, caller, name, data, None)
        .await
        .map(Created::value)
}

/// [`create`], made once per idempotency key: a retry gets the simulation
/// the first request created.
pub async fn create_once(
    pool: &PgPool,
    caller: Caller,
    name: String,
    data: DataSet,
    key: Option<&IdempotencyKey>,
) -> Result<Created<SimulationId>, AppError> {
    let caller = caller.require(Permission::EditData)?;
    if let Some(key) = key
        && let Some(earlier) = idempotency::earlier(pool, caller, key).await?
    {
        return Ok(Created::Replayed(SimulationId(earlier)));
    }
    let version = prepare(caller.tenant_id, data).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if let Some(key) = key
        && let Some(earlier) = idempotency::claim(&mut tx, caller, key).await?
    {
        return Ok(Created::Replayed(SimulationId(earlier)));
    }
    let id = insert_new(&mut tx, caller, &name, &version).await?;
    if let Some(key) = key {
        idempotency::record(&mut tx, caller, key, id.0).await?;
    }
    tx.commit().await?;
    Ok(Created::New(id))
}

/// A new simulation inside the caller's transaction (an import commits it
/// with its own rows), within the quota.
pub(crate) async fn insert_new(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    name: &str,
    version: &Prepared,
) -> Result<SimulationId, AppError> {
    let caller = caller.require(Permission::EditData)?;
    room_for_one_more(tx).await?;
    let id = simulations::create(tx, caller.tenant_id, caller.user_id, name).await?;
    simulations::add_version(
        tx,
        caller.tenant_id,
        id,
        caller.user_id,
        &simulations::NewVersion {
            data: &version.data,
            results: &version.results,
            packed: &version.packed,
            note: "",
            rules: None,
        },
    )
    .await?;
    tenants::within_storage(tx).await?;
    quotas::watch(tx, caller.tenant_id).await?;
    audit::record(
        tx,
        caller,
        "simulation.created",
        &format!("simulation “{name}”"),
        json!({ "lines": version.data.exposures.len() }),
    )
    .await?;
    let summary = json!({
        "simulation_id": id,
        "simulation": name,
        "lines": version.data.exposures.len(),
        "ratios": version.results.ratios,
    });
    webhooks::emit(tx, caller.tenant_id, EventType::SimulationCreated, summary).await?;
    tracing::info!(tenant = %caller.tenant_id, simulation = %id, lines = version.data.exposures.len(), "simulation created");
    Ok(id)
}

/// A simulation the caller may see, else "not found" (whether it exists in
/// another tenant, was deleted or is not shared with them).
pub(crate) async fn visible(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: SimulationId,
) -> Result<SimulationSummary, AppError> {
    simulations::get(tx, caller.user_id, is_admin(caller), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A visible simulation and the data set of one of its versions (the
/// latest when `version` is `None`).
pub(crate) async fn at_version(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: SimulationId,
    version: Option<i32>,
) -> Result<(SimulationSummary, StoredDataSet), AppError> {
    let summary = visible(tx, caller, id).await?;
    let data = simulations::load(tx, id, version.unwrap_or(summary.latest_version))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((summary, data))
}

async fn latest(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: SimulationId,
) -> Result<(SimulationSummary, StoredDataSet), AppError> {
    at_version(tx, caller, id, None).await
}

/// What a new version stores besides its data: the baseline results its
/// own profile gives and the lines packed.
pub(crate) struct Prepared {
    pub data: DataSet,
    pub results: Results,
    packed: Vec<u8>,
}

pub(crate) async fn prepare(tenant: TenantId, data: DataSet) -> Result<Prepared, AppError> {
    let profile = resolve_profile(&data, None).map_err(|e| field("data", e.to_string()))?;
    heavy::run(Some(tenant), "baseline", move || {
        // Both only read the lines, so packing runs on a second core beside
        // the computation.
        let (packed, results) = rayon::join(
            || pack_lines(&data.exposures),
            || compute(&data, &profile, &ComputeOptions::default()),
        );
        Ok(Prepared {
            data,
            results,
            packed: packed?,
        })
    })
    .await?
}

/// Exposure lines as a version stores them and the browser downloads them:
/// MessagePack (see `encode_lines`), gzip-compressed once so no request
/// pays for it.
pub fn pack_lines(lines: &[Exposure]) -> Result<Vec<u8>, AppError> {
    use std::io::Write;
    let encoded = crate::model::simulation::encode_lines(lines).map_err(|error| {
        tracing::error!(%error, "exposure lines do not encode");
        AppError::Internal
    })?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&encoded)
        .and_then(|()| gz.finish())
        .map_err(|error| {
            tracing::error!(%error, "exposure lines do not compress");
            AppError::Internal
        })
}

/// Packed lines without their gzip, for a client that takes none.
pub fn unpack_lines(packed: &[u8]) -> Result<Vec<u8>, AppError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(packed)
        .read_to_end(&mut out)
        .map_err(|error| {
            tracing::error!(%error, "stored lines do not decompress");
            AppError::Internal
        })?;
    Ok(out)
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
    tenants::within_storage(&mut tx).await?;
    audit::record(
        &mut tx,
        caller,
        "simulation.cloned",
        &format!("simulation “{name}”"),
        json!({ "from": source.name, "version": source.latest_version }),
    )
    .await?;
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
    if crate::model::error::json_holds_nul(text.as_bytes()) {
        return Err(field(
            "data",
            "Text may not hold a NUL character (\\u0000).",
        ));
    }
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

/// The dashboard's view of a version (the latest unless `version` says):
/// its header and stored baseline, every version's ratios, the scenarios and
/// who the simulation is shared with. No exposure line is read, except once
/// for a version stored before results were kept.
pub async fn open(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    version: Option<i32>,
) -> Result<SimulationView, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = visible(&mut tx, caller, id).await?;
    let version_no = version.unwrap_or(summary.latest_version);
    let (header, baseline) = header_and_baseline(&mut tx, id, version_no).await?;
    let versions = simulations::versions(&mut tx, id).await?;
    let review = workflow::review(&mut tx, caller, id, version_no).await?;
    let scenarios = simulations::scenarios(&mut tx, id).await?;
    let (author, sharing) = simulations::sharing(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_share =
        caller.may(Permission::EditData) && (author == caller.user_id || is_admin(caller));
    let teams = if can_share {
        teams::list(&mut tx)
            .await?
            .into_iter()
            .map(|t| (t.team_id, t.name))
            .collect()
    } else {
        Vec::new()
    };
    let can_edit = caller.may(Permission::EditData) && version_no == summary.latest_version;
    let rule_profiles = if can_edit {
        rule_profiles::list(&mut tx).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(SimulationView {
        can_edit,
        rule_profiles,
        summary,
        version_no,
        versions,
        review,
        can_share,
        sharing,
        teams,
        header,
        baseline,
        scenarios,
    })
}

/// A version's header and its baseline results: stored, or computed once
/// and kept for a version stored before results were.
async fn header_and_baseline(
    tx: &mut sqlx::PgConnection,
    id: SimulationId,
    version_no: i32,
) -> Result<(DataSet, Results), AppError> {
    let (header, stored) = simulations::header(tx, id, version_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let baseline = match stored {
        Some(results) => results,
        None => {
            let data = simulations::load(tx, id, version_no)
                .await?
                .ok_or(AppError::NotFound)?;
            let results = heavy::run(None, "baseline", move || {
                let data = data.decode()?;
                let profile =
                    resolve_profile(&data, None).map_err(|e| field("data", e.to_string()))?;
                Ok::<_, AppError>(compute(&data, &profile, &ComputeOptions::default()))
            })
            .await??;
            simulations::store_results(tx, id, version_no, &results).await?;
            results
        }
    };
    Ok((header, baseline))
}

/// The baseline results of a visible simulation's version.
pub async fn baseline(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    version_no: i32,
) -> Result<Results, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    let (_, baseline) = header_and_baseline(&mut tx, id, version_no).await?;
    tx.commit().await?;
    Ok(baseline)
}

/// Every version of a visible simulation, oldest first.
pub async fn versions(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
) -> Result<Vec<VersionSummary>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    let versions = simulations::versions(&mut tx, id).await?;
    tx.commit().await?;
    Ok(versions)
}

/// The saved scenarios of a visible simulation.
pub async fn scenarios(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
) -> Result<Vec<ScenarioSummary>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    let scenarios = simulations::scenarios(&mut tx, id).await?;
    tx.commit().await?;
    Ok(scenarios)
}

/// Stores the scenario `edits_json` applied to the latest version as a new
/// version (recomputed by the server), with a note; returns its number.
/// The new version keeps the rule profile the latest was computed with.
pub async fn save_version(
    pool: &PgPool,
    base: &str,
    caller: Caller,
    id: SimulationId,
    edits_json: &str,
    note: String,
) -> Result<i32, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (summary, data) = latest(&mut tx, caller, id).await?;
    workflow::may_add_version(&mut tx, caller.tenant_id, id, summary.latest_version).await?;
    let rules = rule_profiles::of_simulation_version(&mut tx, id.0, summary.latest_version).await?;
    tx.commit().await?;
    let edits_json = edits_json.to_owned();
    let (changed, previous, edits) =
        heavy::run(Some(caller.tenant_id), "scenario commit", move || {
            let scenario = parse_edits(&edits_json)?;
            let data = data.decode()?;
            let profile =
                resolve_profile(&data, None).map_err(|e| field("edits", e.to_string()))?;
            let changed = scenario
                .commit(&data, &profile)
                .map_err(|e| field("edits", e.to_string()))?;
            Ok::<_, AppError>((changed, data, to_json(&scenario.edits)?))
        })
        .await??;
    let new = NextVersion {
        summary: &summary,
        previous,
        base,
        note: &note,
        rules: rules.as_ref(),
        details: json!({ "from_version": summary.latest_version, "edits": edits, "note": note }),
        event: None,
    };
    add_computed_version(pool, caller, changed, new).await
}

/// Recomputes the latest version with one of the organisation's rule
/// profile versions as a new version: its rules replace the data set's
/// profile and overrides, and the version records which one it was.
pub async fn apply_rules(
    pool: &PgPool,
    base_url: &str,
    caller: Caller,
    id: SimulationId,
    profile_id: RuleProfileId,
    profile_version: i32,
) -> Result<i32, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (summary, data) = latest(&mut tx, caller, id).await?;
    workflow::may_add_version(&mut tx, caller.tenant_id, id, summary.latest_version).await?;
    let profile = rule_profiles::summary(&mut tx, profile_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let parameters = rule_profiles::parameters(&mut tx, profile_id, profile_version)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let rules = RulesRef {
        profile_id,
        version_no: profile_version,
        name: profile.name,
    };
    let base = profile.base;
    let (changed, previous) = heavy::run(Some(caller.tenant_id), "rules applied", move || {
        let previous = data.decode()?;
        let regulatory = Profile::named(&base).map_err(|e| field("rules", e.to_string()))?;
        let changed = DataSet {
            overrides: diff(&regulatory.parameters, &parameters)
                .into_iter()
                .map(|c| (c.key, c.to))
                .collect(),
            profile: Some(base),
            ..previous.clone()
        };
        Ok::<_, AppError>((changed, previous))
    })
    .await??;
    let note = format!("Computed with the rule profile {}", rules.label());
    let new = NextVersion {
        summary: &summary,
        previous,
        base: base_url,
        note: &note,
        rules: Some(&rules),
        details: json!({ "from_version": summary.latest_version, "rules": rules.label() }),
        event: None,
    };
    add_computed_version(pool, caller, changed, new).await
}

/// The file a scheduled import made a version from.
pub struct Imported<'a> {
    pub file_name: &'a str,
    pub warnings: usize,
}

/// `data`, read from a file by a scheduled import, as the next version of
/// the simulation: a draft, like any saved version, with its anomalies
/// looked for against the latest one.
pub async fn add_imported_version(
    pool: &PgPool,
    base: &str,
    caller: Caller,
    id: SimulationId,
    data: DataSet,
    imported: Imported<'_>,
) -> Result<i32, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (summary, latest_data) = latest(&mut tx, caller, id).await?;
    workflow::may_add_version(&mut tx, caller.tenant_id, id, summary.latest_version).await?;
    tx.commit().await?;
    let previous = heavy::run(Some(caller.tenant_id), "scheduled import", move || {
        latest_data.decode()
    })
    .await??;
    let lines = data.exposures.len();
    let note = format!("Scheduled import of {}", imported.file_name);
    let new = NextVersion {
        summary: &summary,
        previous,
        base,
        note: &note,
        rules: None,
        details: json!({
            "from_version": summary.latest_version,
            "file": imported.file_name,
            "lines": lines,
            "warnings": imported.warnings,
        }),
        event: Some((
            EventType::ImportCommitted,
            json!({
                "simulation_id": id,
                "file": imported.file_name,
                "lines": lines,
                "warnings": imported.warnings,
                "scheduled": true,
            }),
        )),
    };
    add_computed_version(pool, caller, data, new).await
}

/// Who reads a simulation: everyone in the organisation, a team and the
/// admins, or its author and the admins.
async fn readers(tx: &mut sqlx::PgConnection, id: SimulationId) -> Result<Vec<UserId>, AppError> {
    let (author, sharing) = simulations::sharing(tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let team: Vec<UserId> = match sharing {
        Sharing::Team(team) => teams::list(tx)
            .await?
            .into_iter()
            .find(|t| t.team_id == team)
            .map(|t| t.members)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(tenants::members(tx)
        .await?
        .into_iter()
        .filter(|m| match sharing {
            Sharing::Tenant => true,
            _ => m.role == Role::Admin || m.user_id == author || team.contains(&m.user_id),
        })
        .map(|m| m.user_id)
        .collect())
}

/// What a version computed from the latest one records besides its data.
struct NextVersion<'a> {
    summary: &'a SimulationSummary,
    /// The latest version's data, which anomalies are looked for against.
    previous: DataSet,
    /// The public address, for the links of notifications.
    base: &'a str,
    note: &'a str,
    rules: Option<&'a RulesRef>,
    /// The audit entry's details.
    details: serde_json::Value,
    /// A webhook event written with the version.
    event: Option<(EventType, serde_json::Value)>,
}

/// Computes and stores `changed` as the version after the one it was
/// derived from, refused when another version landed meanwhile.
async fn add_computed_version(
    pool: &PgPool,
    caller: Caller,
    changed: DataSet,
    new: NextVersion<'_>,
) -> Result<i32, AppError> {
    let summary = new.summary;
    let id = summary.simulation_id;
    let previous = new.previous;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (t, dismissed) =
        anomalies::context(&mut tx, caller.tenant_id, id, summary.latest_version).await?;
    tx.commit().await?;
    let (changed, severe) = heavy::run(Some(caller.tenant_id), "anomalies", move || {
        let severe = anomalies::judged(&changed, Some(&previous), &t, &dismissed)
            .iter()
            .filter(|a| a.severity == Severity::High && a.dismissed.is_none())
            .count();
        (changed, severe)
    })
    .await?;
    let prepared = prepare(caller.tenant_id, changed).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    // Locked, then checked: the version was computed on what was the
    // latest; a save that landed meanwhile makes this one stale.
    let now = simulations::lock(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if now != summary.latest_version {
        return Err(AppError::Conflict(format!(
            "Version {now} was saved while this one was being computed; reload to build on it."
        )));
    }
    workflow::may_add_version(&mut tx, caller.tenant_id, id, summary.latest_version).await?;
    let version = simulations::add_version(
        &mut tx,
        caller.tenant_id,
        id,
        caller.user_id,
        &simulations::NewVersion {
            data: &prepared.data,
            results: &prepared.results,
            packed: &prepared.packed,
            note: new.note,
            rules: new.rules,
        },
    )
    .await?;
    tenants::within_storage(&mut tx).await?;
    quotas::watch(&mut tx, caller.tenant_id).await?;
    if severe > 0 {
        let readers: Vec<_> = readers(&mut tx, id)
            .await?
            .into_iter()
            .filter(|u| *u != caller.user_id)
            .collect();
        let message = format!(
            "Version {version} of “{}” has {severe} high-severity anomalies: look before you approve it.",
            summary.name
        );
        let link = workflow::link(id, version);
        let kind = NotificationKind::Anomalies;
        workflow::notify(&mut tx, new.base, caller, &readers, kind, &message, &link).await?;
        let found = json!({
            "simulation_id": id,
            "simulation": summary.name,
            "version": version,
            "high_severity": severe,
        });
        webhooks::emit(
            &mut tx,
            caller.tenant_id,
            EventType::HighSeverityAnomalies,
            found,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        caller,
        "version.created",
        &format!("simulation “{}” version {version}", summary.name),
        new.details,
    )
    .await?;
    if let Some((event, mut data)) = new.event {
        data["version"] = json!(version);
        webhooks::emit(&mut tx, caller.tenant_id, event, data).await?;
    }
    let saved =
        json!({ "version": version, "by": author(&mut tx, caller).await?, "note": new.note });
    live::publish(&mut tx, caller.tenant_id, id, live::Kind::Version, saved).await?;
    tx.commit().await?;
    tracing::info!(tenant = %caller.tenant_id, simulation = %id, version, "version saved");
    Ok(version)
}

/// The caller's name, as others see it.
pub async fn author(conn: &mut sqlx::PgConnection, caller: Caller) -> Result<String, AppError> {
    Ok(crate::server::db::users::by_id(conn, caller.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

/// Changes who reads the simulation: its author or an admin only.
pub async fn set_sharing(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    sharing: Sharing,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = visible(&mut tx, caller, id).await?;
    let (author, before) = simulations::sharing(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if author != caller.user_id && !is_admin(caller) {
        return Err(AppError::Forbidden);
    }
    if let Sharing::Team(team) = sharing
        && !teams::exists(&mut tx, team).await?
    {
        return Err(field("sharing", "That team does not exist any more."));
    }
    simulations::set_sharing(&mut tx, id, sharing).await?;
    audit::record(
        &mut tx,
        caller,
        "simulation.sharing_changed",
        &format!("simulation “{}”", summary.name),
        audit::changed("sharing", before.form_value(), sharing.form_value()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A scenario's edits as stored and sent: dataset.md's `edits` array.
pub(crate) fn parse_edits(edits_json: &str) -> Result<Scenario, AppError> {
    Scenario::from_json_str(&format!("{{\"edits\": {edits_json}}}"))
        .map_err(|e| field("edits", e.to_string()))
}

/// The exposure lines of a version as stored ([`pack_lines`]); a version
/// stored before lines were packed moves to that form now.
pub async fn packed_lines(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    version: Option<i32>,
) -> Result<Vec<u8>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = visible(&mut tx, caller, id).await?;
    let version = version.unwrap_or(summary.latest_version);
    let packed = match simulations::packed_lines(&mut tx, id, version).await? {
        None => return Err(AppError::NotFound),
        Some(Some(packed)) => packed,
        Some(None) => {
            let data = simulations::load(&mut tx, id, version)
                .await?
                .ok_or(AppError::NotFound)?;
            let packed = heavy::run(Some(caller.tenant_id), "packing lines", move || {
                pack_lines(&data.decode()?.exposures)
            })
            .await??;
            simulations::store_packed_lines(&mut tx, id, version, &packed).await?;
            packed
        }
    };
    tx.commit().await?;
    Ok(packed)
}

pub async fn rename(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    name: String,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = visible(&mut tx, caller, id).await?;
    simulations::rename(&mut tx, id, &name).await?;
    audit::record(
        &mut tx,
        caller,
        "simulation.renamed",
        &format!("simulation “{name}”"),
        audit::changed("name", &before.name, &name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Soft delete; an admin can restore it from the deleted list.
pub async fn delete(pool: &PgPool, caller: Caller, id: SimulationId) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = visible(&mut tx, caller, id).await?;
    simulations::set_deleted(&mut tx, id, true).await?;
    audit::record(
        &mut tx,
        caller,
        "simulation.deleted",
        &format!("simulation “{}”", summary.name),
        json!({}),
    )
    .await?;
    let deleted = json!({ "simulation_id": id, "simulation": summary.name });
    webhooks::emit(
        &mut tx,
        caller.tenant_id,
        EventType::SimulationDeleted,
        deleted,
    )
    .await?;
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
    audit::record(
        &mut tx,
        caller,
        "simulation.restored",
        &format!("simulation {id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves (or replaces) a named scenario after recomputing it on the server
/// with the same engine as the browser; returns its id and the stored
/// results' CET1.
pub async fn save_scenario(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    name: String,
    edits_json: &str,
) -> Result<(ScenarioId, Option<f64>), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (summary, data) = latest(&mut tx, caller, id).await?;
    tx.commit().await?;
    // Reading, computing and writing out a scenario of 60,000 ids are all
    // the worker's: a request thread only hands the values to PostgreSQL.
    let edits_json = edits_json.to_owned();
    let saved = heavy::run(Some(caller.tenant_id), "scenario", move || {
        let scenario = parse_edits(&edits_json)?;
        let data = data.decode()?;
        let profile = resolve_profile(&data, None).map_err(|e| field("edits", e.to_string()))?;
        let (changed, changed_profile) = scenario
            .apply(&data, &profile)
            .map_err(|e| field("edits", e.to_string()))?;
        let results = compute(&changed, &changed_profile, &ComputeOptions::default());
        let edits = to_json(&scenario.edits)?;
        Ok::<_, AppError>(SavedScenario {
            cet1: results.ratios.cet1,
            audit: json!({ "edits": edits.clone(), "cet1": results.ratios.cet1 }),
            edits,
            results: to_json(&results)?,
            profile: to_json(&changed_profile)?,
        })
    })
    .await??;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let scenario_id = simulations::save_scenario(
        &mut tx,
        caller.tenant_id,
        id,
        caller.user_id,
        &name,
        &saved.edits,
        summary.latest_version,
        &saved.results,
        &saved.profile,
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        "scenario.saved",
        &format!("simulation “{}” scenario “{name}”", summary.name),
        saved.audit,
    )
    .await?;
    let by = author(&mut tx, caller).await?;
    let scenario = json!({ "scenario_id": scenario_id, "name": name, "by": by });
    live::publish(
        &mut tx,
        caller.tenant_id,
        id,
        live::Kind::Scenario,
        scenario,
    )
    .await?;
    tx.commit().await?;
    Ok((ScenarioId(scenario_id), saved.cet1))
}

/// A scenario computed and written out for storage.
struct SavedScenario {
    cet1: Option<f64>,
    edits: serde_json::Value,
    results: serde_json::Value,
    profile: serde_json::Value,
    audit: serde_json::Value,
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(value).map_err(|error| {
        tracing::error!(%error, "a value does not serialise");
        AppError::Internal
    })
}

/// A scenario of a visible simulation with the results stored when it was
/// saved.
pub async fn scenario(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    scenario: ScenarioId,
) -> Result<(ScenarioSummary, Results), AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    visible(&mut tx, caller, id).await?;
    let found = simulations::scenario(&mut tx, id, scenario)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(found)
}

/// Whose lines [`lines`] lists: a version's baseline, or a scenario
/// applied to the version it was saved on.
#[derive(Clone, Copy, Debug)]
pub enum LineSource {
    Version(Option<i32>),
    Scenario(ScenarioId),
}

/// The per-line results behind a figure: filtered by class (the
/// `by_class` key, `defaulted` included) and id prefix, sorted, paged on
/// the server, each with the rule that set its risk weight.
#[allow(clippy::too_many_arguments)]
pub async fn lines(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    source: LineSource,
    class: Option<String>,
    search: Option<String>,
    sort: LineSort,
    page: usize,
) -> Result<LinePage, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (data, edits) = match source {
        LineSource::Version(version) => (at_version(&mut tx, caller, id, version).await?.1, None),
        LineSource::Scenario(scenario) => {
            visible(&mut tx, caller, id).await?;
            let (summary, _) = simulations::scenario(&mut tx, id, scenario)
                .await?
                .ok_or(AppError::NotFound)?;
            let data = simulations::load(&mut tx, id, summary.version_no)
                .await?
                .ok_or(AppError::NotFound)?;
            (data, Some(parse_edits(&summary.edits_json)?))
        }
    };
    tx.commit().await?;
    heavy::run(Some(caller.tenant_id), "line listing", move || {
        let data = data.decode()?;
        let profile = resolve_profile(&data, None).map_err(|e| field("data", e.to_string()))?;
        let (data, profile) = match edits {
            None => (data, profile),
            Some(scenario) => scenario
                .apply(&data, &profile)
                .map_err(|e| field("edits", e.to_string()))?,
        };
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
        Ok(LinePage { total, page, lines })
    })
    .await?
}
