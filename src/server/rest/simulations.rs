//! `/simulations`: simulations, their versions, scenarios and results,
//! through the same services as the dashboard.

use super::extract::{ApiCaller, Idempotent, Json, Query};
use super::problem::Problem;
use super::{PREFIX, SimulationCreated, created, simulation_created};
use crate::engine::dataset::{DataSet, InputError};
use crate::engine::profile::Profile;
use crate::engine::results::Results;
use crate::engine::scenario::Edit;
use crate::intel::anomalies::Anomaly;
use crate::model::error::AppError;
use crate::model::simulation::{
    LINES_PER_PAGE, LinePage, LineSort, ScenarioId, ScenarioSummary, Sharing, SimulationId,
    SimulationSummary, VersionSummary, parse_name, parse_note,
};
use crate::model::workflow::Review;
use crate::server::anomalies;
use crate::server::simulations::{self, LineSource};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const PAGE_MAX: usize = 200;
const PAGE_DEFAULT: usize = 50;

fn id_of(text: &str) -> Result<SimulationId, Problem> {
    text.parse().map_err(Problem::from)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many simulations per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only simulations whose name contains this text (any case).
    name: Option<String>,
    /// Only the caller's own simulations.
    mine: Option<bool>,
    /// Only simulations with this reporting date (YYYY-MM-DD).
    reporting_date: Option<String>,
}

/// A page of simulations, newest first.
#[derive(Serialize, ToSchema)]
pub struct SimulationPage {
    pub items: Vec<SimulationSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The simulations the token's owner may see, newest first.
#[utoipa::path(get, operation_id = "list_simulations", path = "/simulations", tag = "simulations", params(ListQuery),
    responses((status = 200, description = "A page of simulations", body = SimulationPage)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<SimulationPage>, Problem> {
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
            format!("Give a limit from 1 to {PAGE_MAX}."),
        ));
    }
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(cursor.parse::<SimulationId>().map_err(|_| {
            Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "cursor",
                "This cursor is not one this API gave.",
            )
        })?),
    };
    let reporting_date = match query
        .reporting_date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(date) => Some(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "reporting_date",
                    "Give a date as YYYY-MM-DD.",
                )
            })?,
        ),
    };
    let filter = simulations::ListFilter {
        name: query
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        mine: query.mine.unwrap_or(false),
        reporting_date,
    };
    let (items, more) = simulations::page(&state.pool, caller, &filter, after, limit).await?;
    let next_cursor = more
        .then(|| items.last().map(|s| s.simulation_id.to_string()))
        .flatten();
    Ok(axum::Json(SimulationPage { items, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSimulation {
    #[schema(example = "Q4 2026 plan")]
    pub name: String,
    /// The data set (dataset.md): becomes version 1.
    pub data: DataSet,
}

/// Creates a simulation from a data set, computed and stored as version 1.
#[utoipa::path(post, operation_id = "create_simulation", path = "/simulations", tag = "simulations", request_body = NewSimulation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the simulation the first request created")),
    responses((status = 201, description = "Created (or made earlier with the same idempotency key)", body = SimulationCreated),
              (status = 409, description = "The organisation's simulation quota is reached", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Idempotent(key, body): Idempotent<NewSimulation>,
) -> Result<Response, Problem> {
    let name = parse_name("name", &body.name)?;
    let (data, _) = check_data_set(body.data, None)?;
    let created = simulations::create_once(&state.pool, caller, name, data, key.as_ref()).await?;
    Ok(simulation_created(created))
}

/// The data set's own problems, each as a field of the request, then its
/// rule profile (`profile` names another one instead of the data set's).
pub fn check_data_set(data: DataSet, profile: Option<&str>) -> Result<(DataSet, Profile), Problem> {
    let problems = data.validate();
    check_problems(data, profile, &problems)
}

/// [`check_data_set`] with the data set's `problems` already found.
pub fn check_problems(
    data: DataSet,
    profile: Option<&str>,
    problems: &[InputError],
) -> Result<(DataSet, Profile), Problem> {
    if problems.is_empty() {
        let field = if profile.is_some() {
            "profile"
        } else {
            "data.profile"
        };
        let profile = crate::engine::resolve_profile(&data, profile)
            .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, e.to_string()))?;
        return Ok((data, profile));
    }
    let mut errors = crate::model::error::FieldErrors::default();
    for problem in problems {
        // `exposures[3] (id "L-9").drawn`: the path is the field, the id
        // goes to the message, where a person looks for it.
        let (field, message) = match problem.location.split_once(" (id ") {
            Some((head, rest)) => match rest.split_once(')') {
                Some((id, tail)) => (
                    format!("{head}{tail}"),
                    format!("exposure {id}: {}", problem.message),
                ),
                None => (problem.location.clone(), problem.message.clone()),
            },
            None => (problem.location.clone(), problem.message.clone()),
        };
        errors.push(format!("data.{field}"), message);
    }
    Err(AppError::Validation(errors).into())
}

/// A simulation with its versions and scenarios.
#[derive(Serialize, ToSchema)]
pub struct SimulationDetail {
    #[serde(flatten)]
    pub summary: SimulationSummary,
    pub sharing: Sharing,
    /// The review of the latest version.
    pub review: Review,
    pub versions: Vec<VersionSummary>,
    pub scenarios: Vec<SavedScenario>,
}

/// A saved scenario: its edits (dataset.md) and the version it applies to.
#[derive(Serialize, ToSchema)]
pub struct SavedScenario {
    pub scenario_id: ScenarioId,
    pub name: String,
    pub edits: Vec<Edit>,
    pub version_no: i32,
    pub updated_at: crate::model::time::Timestamp,
}

fn saved(scenarios: Vec<ScenarioSummary>) -> Result<Vec<SavedScenario>, Problem> {
    scenarios.into_iter().map(SavedScenario::try_from).collect()
}

impl TryFrom<ScenarioSummary> for SavedScenario {
    type Error = Problem;
    fn try_from(s: ScenarioSummary) -> Result<SavedScenario, Problem> {
        let edits = serde_json::from_str(&s.edits_json).map_err(|error| {
            tracing::error!(%error, scenario = %s.scenario_id.0, "stored edits do not read back");
            Problem::from(AppError::Internal)
        })?;
        Ok(SavedScenario {
            scenario_id: s.scenario_id,
            name: s.name,
            edits,
            version_no: s.version_no,
            updated_at: s.updated_at,
        })
    }
}

#[utoipa::path(get, operation_id = "get_simulation", path = "/simulations/{id}", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 200, description = "The simulation", body = SimulationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<SimulationDetail>, Problem> {
    let view = simulations::open(&state.pool, caller, id_of(&id)?, None).await?;
    Ok(axum::Json(SimulationDetail {
        summary: view.summary,
        sharing: view.sharing,
        review: view.review,
        versions: view.versions,
        scenarios: saved(view.scenarios)?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationChange {
    /// A new name.
    pub name: Option<String>,
    /// Who reads it besides its author and the admins: `"private"`,
    /// `"tenant"` or `{"team": "<team id>"}`.
    pub sharing: Option<Sharing>,
}

/// Renames a simulation or changes who it is shared with.
#[utoipa::path(patch, operation_id = "update_simulation", path = "/simulations/{id}", tag = "simulations", request_body = SimulationChange,
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 204, description = "Changed")))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(change): Json<SimulationChange>,
) -> Result<StatusCode, Problem> {
    let id = id_of(&id)?;
    let name = change
        .name
        .as_deref()
        .map(|n| parse_name("name", n))
        .transpose()?;
    if name.is_none() && change.sharing.is_none() {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "Give a `name`, a `sharing`, or both.",
        ));
    }
    // Sharing first: it asks more (the author or an admin), so a refused
    // change leaves the name as it was.
    if let Some(sharing) = change.sharing {
        simulations::set_sharing(&state.pool, caller, id, sharing).await?;
    }
    if let Some(name) = name {
        simulations::rename(&state.pool, caller, id, name).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a simulation (an admin can restore it from the application).
#[utoipa::path(delete, operation_id = "delete_simulation", path = "/simulations/{id}", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    simulations::delete(&state.pool, caller, id_of(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every version, oldest first, with its baseline ratios and review status.
#[utoipa::path(get, operation_id = "list_versions", path = "/simulations/{id}/versions", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 200, description = "The versions", body = Vec<VersionSummary>)))]
pub async fn versions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<VersionSummary>>, Problem> {
    Ok(axum::Json(
        simulations::versions(&state.pool, caller, id_of(&id)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    /// Edits applied to the latest version (dataset.md's scenario edits).
    pub edits: Vec<Edit>,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionCreated {
    pub version_no: i32,
    pub href: String,
}

/// Stores the latest version with edits applied as a new version.
#[utoipa::path(post, operation_id = "add_version", path = "/simulations/{id}/versions", tag = "simulations", request_body = NewVersion,
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 201, description = "The new version", body = VersionCreated),
              (status = 409, description = "The latest version is submitted or approved", body = Problem, content_type = "application/problem+json")))]
pub async fn add_version(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(body): Json<NewVersion>,
) -> Result<Response, Problem> {
    let id = id_of(&id)?;
    let note = parse_note("note", &body.note)?;
    let edits = edits_json(&body.edits)?;
    let version =
        simulations::save_version(&state.pool, &state.public_url(), caller, id, &edits, note)
            .await?;
    let href = format!("{PREFIX}/simulations/{id}/versions/{version}/results");
    Ok(created(
        href.clone(),
        &VersionCreated {
            version_no: version,
            href,
        },
        false,
    ))
}

fn edits_json(edits: &[Edit]) -> Result<String, Problem> {
    serde_json::to_string(edits).map_err(|_| {
        Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "edits",
            "The edits are not valid.",
        )
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Add one page of per-line results, each with the rule that set its
    /// risk weight.
    lines: Option<bool>,
    /// The page of lines, from 0 (50 lines a page).
    page: Option<usize>,
    /// `rwa` (default), `exposure`, `risk_weight` or `id`.
    sort: Option<String>,
    /// Only lines of this class (a `by_class` key, or `defaulted`).
    class: Option<String>,
    /// Only lines whose id contains this text.
    search: Option<String>,
}

/// Results, and a page of lines when asked.
#[derive(Serialize, ToSchema)]
pub struct ResultsPage {
    pub results: Results,
    /// The key metrics with the status the dashboard and the reports show.
    pub metrics: Vec<MetricStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<LinePage>,
    /// Lines per page.
    pub lines_per_page: usize,
}

async fn with_lines(
    state: &AppState,
    caller: crate::server::auth::Caller,
    id: SimulationId,
    source: LineSource,
    results: Results,
    query: ResultsQuery,
) -> Result<ResultsPage, Problem> {
    let lines = if query.lines.unwrap_or(false) {
        let sort: LineSort = query.sort.as_deref().unwrap_or("").parse()?;
        let non_empty =
            |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let page = query.page.unwrap_or(0).min(u32::MAX as usize);
        Some(
            simulations::lines(
                &state.pool,
                caller,
                id,
                source,
                non_empty(query.class),
                non_empty(query.search),
                sort,
                page,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(ResultsPage {
        metrics: crate::model::status::metrics(&results)
            .iter()
            .map(MetricStatus::from)
            .collect(),
        results,
        lines,
        lines_per_page: LINES_PER_PAGE,
    })
}

/// A key metric against its requirement (a ceiling for `large_exposure`,
/// a floor for the others), by the one status rule of the application.
#[derive(Serialize, ToSchema)]
pub struct MetricStatus {
    #[schema(example = "cet1")]
    pub key: &'static str,
    pub label: &'static str,
    /// A fraction; null when it cannot be computed.
    pub value: Option<f64>,
    pub requirement: f64,
    /// Ratio points to the requirement, positive when met.
    pub headroom: Option<f64>,
    /// The same in the reporting currency.
    pub headroom_amount: Option<f64>,
    /// Null when the value is.
    pub status: Option<crate::model::status::Status>,
}

impl From<&crate::model::status::Metric> for MetricStatus {
    fn from(m: &crate::model::status::Metric) -> Self {
        MetricStatus {
            key: m.key,
            label: m.label,
            value: m.value,
            requirement: m.requirement,
            headroom: m.headroom(),
            headroom_amount: m.headroom_amount,
            status: m.status,
        }
    }
}

/// The baseline results of a version.
#[utoipa::path(get, operation_id = "version_results", path = "/simulations/{id}/versions/{version}/results", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id"), ("version" = i32, Path, description = "The version number"), ResultsQuery),
    responses((status = 200, description = "The version's results", body = ResultsPage)))]
pub async fn version_results(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, String)>,
    Query(query): Query<ResultsQuery>,
) -> Result<axum::Json<ResultsPage>, Problem> {
    let id = id_of(&id)?;
    let version: i32 = version.parse().map_err(|_| Problem::not_found())?;
    let baseline = simulations::baseline(&state.pool, caller, id, version).await?;
    let page = with_lines(
        &state,
        caller,
        id,
        LineSource::Version(Some(version)),
        baseline,
        query,
    )
    .await?;
    Ok(axum::Json(page))
}

/// What the version's numbers say is wrong, with the jumps since the
/// version before it (as `prudentia anomalies --previous` prints them).
#[derive(Serialize, ToSchema)]
pub struct AnomalyList {
    pub anomalies: Vec<Anomaly>,
}

/// The anomalies of a version.
#[utoipa::path(get, operation_id = "version_anomalies", path = "/simulations/{id}/versions/{version}/anomalies", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id"), ("version" = i32, Path, description = "The version number")),
    responses((status = 200, description = "The version's anomalies, the most severe first", body = AnomalyList)))]
pub async fn version_anomalies(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, String)>,
) -> Result<axum::Json<AnomalyList>, Problem> {
    let id = id_of(&id)?;
    let version: i32 = version.parse().map_err(|_| Problem::not_found())?;
    let anomalies = anomalies::of_version(&state.pool, caller, id, version).await?;
    Ok(axum::Json(AnomalyList { anomalies }))
}

/// The simulation's saved scenarios.
#[utoipa::path(get, operation_id = "list_scenarios", path = "/simulations/{id}/scenarios", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 200, description = "The scenarios", body = Vec<SavedScenario>)))]
pub async fn scenarios(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<SavedScenario>>, Problem> {
    let scenarios = simulations::scenarios(&state.pool, caller, id_of(&id)?).await?;
    Ok(axum::Json(saved(scenarios)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScenario {
    /// A scenario of the same name is replaced.
    pub name: String,
    pub edits: Vec<Edit>,
}

/// Saves a scenario on the latest version, computed by the server.
#[utoipa::path(post, operation_id = "save_scenario", path = "/simulations/{id}/scenarios", tag = "simulations", request_body = NewScenario,
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 201, description = "The saved scenario", body = SavedScenario)))]
pub async fn save_scenario(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(body): Json<NewScenario>,
) -> Result<Response, Problem> {
    let id = id_of(&id)?;
    let name = parse_name("name", &body.name)?;
    let edits = edits_json(&body.edits)?;
    let (scenario_id, _) =
        simulations::save_scenario(&state.pool, caller, id, name, &edits).await?;
    let (saved, _) = simulations::scenario(&state.pool, caller, id, scenario_id).await?;
    let scenario = SavedScenario::try_from(saved)?;
    let href = format!(
        "{PREFIX}/simulations/{id}/scenarios/{}/results",
        scenario.scenario_id.0
    );
    Ok(created(href, &scenario, false))
}

/// A scenario's results as computed when it was saved.
#[derive(Serialize, ToSchema)]
pub struct ScenarioResults {
    pub scenario: SavedScenario,
    #[serde(flatten)]
    pub page: ResultsPage,
}

/// A scenario's results, and a page of its lines when asked.
#[utoipa::path(get, operation_id = "scenario_results", path = "/simulations/{id}/scenarios/{scenario_id}/results", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id"), ("scenario_id" = String, Path, description = "The scenario's id"), ResultsQuery),
    responses((status = 200, description = "The scenario's results", body = ScenarioResults)))]
pub async fn scenario_results(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, scenario)): Path<(String, String)>,
    Query(query): Query<ResultsQuery>,
) -> Result<impl IntoResponse, Problem> {
    let id = id_of(&id)?;
    let scenario_id: ScenarioId = scenario.parse()?;
    let (summary, results) = simulations::scenario(&state.pool, caller, id, scenario_id).await?;
    let page = with_lines(
        &state,
        caller,
        id,
        LineSource::Scenario(scenario_id),
        results,
        query,
    )
    .await?;
    Ok(axum::Json(ScenarioResults {
        scenario: SavedScenario::try_from(summary)?,
        page,
    }))
}
