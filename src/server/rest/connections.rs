//! `/connections`: scheduled import sources and export targets (admins),
//! each with "test connection", a run on demand and its run history.

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use crate::model::connections::{Connection, NewConnection, Probe, Run};
use crate::server::connections;
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The organisation's sources and targets, with their health.
#[utoipa::path(get, operation_id = "list_connections", path = "/connections", tag = "connections",
    responses((status = 200, description = "The connections", body = Vec<Connection>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<Vec<Connection>>, Problem> {
    Ok(axum::Json(connections::list(&state.pool, caller).await?))
}

/// Adds a source (`direction: import`) or a target (`export`). Its secret
/// is sealed and never shown again.
#[utoipa::path(post, operation_id = "create_connection", path = "/connections", tag = "connections",
    request_body = NewConnection,
    responses((status = 201, description = "The connection", body = Connection)))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(new): Json<NewConnection>,
) -> Result<Response, Problem> {
    let made = connections::create(&state.pool, &state.connections, caller, new).await?;
    Ok((StatusCode::CREATED, axum::Json(made)).into_response())
}

#[utoipa::path(get, operation_id = "get_connection", path = "/connections/{id}", tag = "connections",
    params(("id" = String, Path, description = "The connection's id")),
    responses((status = 200, description = "The connection", body = Connection)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Connection>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(connections::get(&state.pool, caller, id).await?))
}

/// Replaces its settings; without `secret` the stored one is kept.
#[utoipa::path(put, operation_id = "update_connection", path = "/connections/{id}", tag = "connections",
    params(("id" = String, Path, description = "The connection's id")),
    request_body = NewConnection,
    responses((status = 200, description = "The connection", body = Connection)))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(new): Json<NewConnection>,
) -> Result<axum::Json<Connection>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let changed = connections::update(&state.pool, &state.connections, caller, id, new).await?;
    Ok(axum::Json(changed))
}

#[utoipa::path(delete, operation_id = "delete_connection", path = "/connections/{id}", tag = "connections",
    params(("id" = String, Path, description = "The connection's id")),
    responses((status = 204, description = "Deleted, with its runs")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    connections::delete(&state.pool, caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reaches the place and lists the matching files; nothing is imported or
/// sent. A place that cannot be reached answers 409 with the reason.
#[utoipa::path(post, operation_id = "test_connection", path = "/connections/{id}/test", tag = "connections",
    params(("id" = String, Path, description = "The connection's id")),
    responses((status = 200, description = "What was found", body = Probe)))]
pub async fn test(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Probe>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let found = connections::probe(&state.pool, &state.connections, caller, id).await?;
    Ok(axum::Json(found))
}

/// Runs it now, whatever its schedule, and answers with the run (a failed
/// run is a run: its outcome says so, with the reason).
#[utoipa::path(post, operation_id = "run_connection", path = "/connections/{id}/run", tag = "connections",
    params(("id" = String, Path, description = "The connection's id")),
    responses((status = 200, description = "The run", body = Run)))]
pub async fn run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Run>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let run = connections::run_now(&state.pool, &state.connections, caller, id).await?;
    Ok(axum::Json(run))
}

/// The latest 50 runs, newest first, each with its outcome and reason.
#[utoipa::path(get, operation_id = "connection_runs", path = "/connections/{id}/runs", tag = "connections",
    params(("id" = String, Path, description = "The connection's id")),
    responses((status = 200, description = "The run history", body = Vec<Run>)))]
pub async fn runs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<Run>>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(
        connections::runs(&state.pool, caller, id).await?,
    ))
}
