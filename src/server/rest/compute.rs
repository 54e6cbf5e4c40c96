//! `/compute` (the engine on a data set, nothing stored) and `/me` (whom
//! the token stands for).

use super::extract::{ApiCaller, JsonBytes, parse};
use super::problem::Problem;
use super::simulations::check_problems;
use crate::engine::dataset::DataSet;
use crate::engine::portfolio::Portfolio;
use crate::engine::results::Results;
use crate::engine::scenario::{Comparison, Scenario, compare};
use crate::engine::{ComputeOptions, compute as run, compute_compiled};
use crate::model::account::Role;
use crate::model::api_token::TokenScope;
use crate::server::compute::{checked_and_compiled, fast_checked_and_compiled};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeRequest {
    /// The data set (dataset.md).
    pub data: DataSet,
    /// `basel31` or `crr3`, instead of the data set's own profile.
    pub profile: Option<String>,
    /// A scenario to apply: the answer is then baseline, scenario and delta.
    pub scenario: Option<Scenario>,
    /// Add the per-line results, each with the rule that set its risk weight.
    #[serde(default)]
    pub lines: bool,
}

/// The results (dataset.md), or with a scenario its comparison.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ComputeResponse {
    Results(Box<Results>),
    Comparison(Box<Comparison>),
}

/// Computes the results of a data set, optionally under a scenario, with
/// the engine the application uses. Nothing is stored.
#[utoipa::path(post, operation_id = "compute", path = "/compute", tag = "compute", request_body = ComputeRequest,
    responses((status = 200, description = "The results, or baseline, scenario and delta", body = ComputeResponse)))]
pub async fn compute(
    ApiCaller(caller): ApiCaller,
    JsonBytes(body): JsonBytes,
) -> Result<Response, Problem> {
    let response = crate::server::heavy::run(Some(caller.tenant_id), "api compute", move || {
        let (request, portfolio, problems) = match figures_only(&body) {
            Some((request, portfolio)) => (request, portfolio, Vec::new()),
            None => {
                let request: ComputeRequest = parse(&body)?;
                let (problems, portfolio) = checked_and_compiled(&request.data);
                (request, portfolio, problems)
            }
        };
        drop(body);
        let (data, profile) = check_problems(request.data, request.profile.as_deref(), &problems)?;
        let options = ComputeOptions {
            lines: request.lines,
            explain: request.lines,
        };
        let baseline = compute_compiled(&data, &portfolio, &profile, &options);
        Ok::<_, Problem>(match &request.scenario {
            None => ComputeResponse::Results(Box::new(baseline)),
            Some(scenario) => {
                let (changed, changed_profile) = scenario.apply(&data, &profile).map_err(|e| {
                    Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "scenario", e.to_string())
                })?;
                let after = run(&changed, &changed_profile, &options);
                ComputeResponse::Comparison(Box::new(compare(&baseline, &after)))
            }
        })
    })
    .await??;
    Ok(axum::Json(response).into_response())
}

/// A request for the figures alone (no lines, no scenario, which need
/// every line kept), read the fast way: its data set without lines, and
/// the lines compiled. None sends the body to the full read, which also
/// explains any problem.
fn figures_only(body: &[u8]) -> Option<(ComputeRequest, Portfolio)> {
    // A cheap look first: a request naming either key would be read twice.
    let names = |key: &[u8]| memchr::memmem::find(body, key).is_some();
    if names(b"\"scenario\"") || names(b"\"lines\"") {
        return None;
    }
    if crate::model::error::json_holds_nul(body) {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let (request, portfolio) =
        fast_checked_and_compiled::<ComputeRequest>(text, |request| &mut request.data)?;
    (!request.lines && request.scenario.is_none()).then_some((request, portfolio))
}

/// Whom the token stands for.
#[derive(Serialize, ToSchema)]
pub struct TokenOwner {
    pub user_id: crate::model::account::UserId,
    pub email: String,
    pub display_name: String,
    pub tenant_id: crate::model::account::TenantId,
    pub tenant_name: String,
    /// The owner's role now: a changed role applies at once.
    pub role: Role,
    pub scope: TokenScope,
}

#[utoipa::path(get, operation_id = "get_me", path = "/me", tag = "tokens",
    responses((status = 200, description = "The token's owner, organisation, role and scope", body = TokenOwner)))]
pub async fn me(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<TokenOwner>, Problem> {
    let me = crate::server::accounts::me(&state.pool, caller).await?;
    Ok(axum::Json(TokenOwner {
        user_id: me.user_id,
        email: me.email,
        display_name: me.display_name,
        tenant_id: me.tenant.tenant_id,
        tenant_name: me.tenant.tenant_name,
        role: me.tenant.role,
        scope: if caller.read_only {
            TokenScope::Read
        } else {
            TokenScope::ReadWrite
        },
    }))
}
