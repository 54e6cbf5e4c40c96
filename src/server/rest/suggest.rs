//! `/suggest`: the cheapest plan back to the targets for a data set, as
//! `prudentia suggest` prints it (nothing is stored); and
//! `/suggestions/catalogue`, the organisation's changes to the shipped
//! actions (admins change them); and `/simulations/{id}/targets`, the
//! targets of a simulation's plans.

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use super::simulations::check_data_set;
use crate::engine::dataset::DataSet;
use crate::engine::{ComputeOptions, compute};
use crate::intel::suggest::catalogue::{self, Action, Override};
use crate::intel::suggest::{self, Plan, Targets};
use crate::server::state::AppState;
use crate::server::suggestions;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestRequest {
    /// The data set (dataset.md).
    pub data: DataSet,
    /// `basel31` or `crr3`, instead of the data set's own profile.
    pub profile: Option<String>,
    /// The floor of each ratio; without, each requirement plus the
    /// profile's management buffer.
    pub targets: Option<Targets>,
    /// The actions allowed, `[{"action": "issue_cet1" | "issue_at1" |
    /// "issue_t2" | "retain_earnings" | "reduce_class:CLASS" |
    /// "add_collateral:CLASS" | "buy_level1_hqla" | "lengthen_funding" |
    /// "swap_level2b_for_level1" | "cancel_commitments" |
    /// "sell_large_exposure" | "guarantee_large_exposure", "max": euros,
    /// "cost": per euro a year}]`; without, the shipped catalogue with the
    /// organisation's changes.
    #[schema(value_type = Option<Vec<Object>>)]
    pub catalogue: Option<Vec<Action>>,
}

/// The cheapest plan of actions that brings every ratio to its target,
/// checked by the engine, with the ratios after it, the binding targets,
/// the price of one more basis point and why each action works. Targets
/// out of reach answer `feasible: false` with the shortfall.
#[utoipa::path(post, operation_id = "suggest", path = "/suggest", tag = "compute", request_body = SuggestRequest,
    responses((status = 200, description = "The plan", body = Plan)))]
pub async fn suggest(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(request): Json<SuggestRequest>,
) -> Result<axum::Json<Plan>, Problem> {
    let overrides = suggestions::overrides(&state.pool, caller).await?;
    let plan = crate::server::heavy::run(Some(caller.tenant_id), "api suggest", move || {
        let (data, profile) = check_data_set(request.data, request.profile.as_deref())?;
        let base = compute(&data, &profile, &ComputeOptions::default());
        let targets = request.targets.unwrap_or_else(|| Targets::defaults(&base));
        let actions = request.catalogue.unwrap_or_else(|| {
            catalogue::with_overrides(catalogue::defaults(&data, base.rwa.total), &overrides)
        });
        suggest::suggest(&data, &profile, &targets, &actions).map_err(|e| {
            let field = match e {
                suggest::SuggestError::Action(..) => "catalogue",
                suggest::SuggestError::Target(..) => "targets",
            };
            Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, e.to_string())
        })
    })
    .await??;
    Ok(axum::Json(plan))
}

/// The organisation's changes to the shipped catalogue of actions.
#[utoipa::path(get, operation_id = "suggestion_catalogue", path = "/suggestions/catalogue", tag = "compute",
    responses((status = 200, description = "The changes: actions left out, own bounds and costs", body = Vec<Override>)))]
pub async fn catalogue_get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<Vec<Override>>, Problem> {
    Ok(axum::Json(
        suggestions::overrides(&state.pool, caller).await?,
    ))
}

/// Replaces the organisation's changes to the shipped catalogue (admins):
/// `[{"action", "enabled", "max", "cost"}]`, `max` in euros and `cost` per
/// euro a year, each optional.
#[utoipa::path(put, operation_id = "set_suggestion_catalogue", path = "/suggestions/catalogue", tag = "compute",
    request_body = Vec<Override>,
    responses((status = 200, description = "The changes now", body = Vec<Override>)))]
pub async fn catalogue_put(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(overrides): Json<Vec<Override>>,
) -> Result<axum::Json<Vec<Override>>, Problem> {
    Ok(axum::Json(
        suggestions::set(&state.pool, caller, overrides).await?,
    ))
}

/// The targets set for a simulation's plans; a ratio left out takes its
/// requirement plus the management buffer.
#[utoipa::path(get, operation_id = "simulation_targets", path = "/simulations/{id}/targets", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id")),
    responses((status = 200, description = "The targets", body = Targets)))]
pub async fn targets_get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Targets>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(
        suggestions::targets(&state.pool, caller, id).await?,
    ))
}

/// Sets a simulation's targets (fractions: 0.115 for 11.5 %).
#[utoipa::path(put, operation_id = "set_simulation_targets", path = "/simulations/{id}/targets", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id")),
    request_body = Targets,
    responses((status = 200, description = "The targets now", body = Targets)))]
pub async fn targets_put(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(targets): Json<Targets>,
) -> Result<axum::Json<Targets>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(
        suggestions::set_targets(&state.pool, caller, id, targets).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionSuggestRequest {
    /// Instead of the simulation's targets.
    pub targets: Option<Targets>,
    /// Instead of the organisation's catalogue (same shape as `/suggest`).
    #[schema(value_type = Option<Vec<Object>>)]
    pub catalogue: Option<Vec<Action>>,
}

/// The plan for a stored version, with the simulation's targets (each
/// ratio left out: requirement plus management buffer) and the
/// organisation's catalogue, unless the body gives its own (`{}` for none).
#[utoipa::path(post, operation_id = "version_suggestions", path = "/simulations/{id}/versions/{version}/suggestions", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id"), ("version" = i32, Path, description = "The version number")),
    request_body = VersionSuggestRequest,
    responses((status = 200, description = "The plan", body = Plan)))]
pub async fn version_suggest(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, String)>,
    Json(request): Json<VersionSuggestRequest>,
) -> Result<axum::Json<Plan>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let version: i32 = version.parse().map_err(|_| Problem::not_found())?;
    let plan = suggestions::plan_for_version(
        &state.pool,
        caller,
        id,
        version,
        request.targets,
        request.catalogue,
    )
    .await?;
    Ok(axum::Json(plan))
}
