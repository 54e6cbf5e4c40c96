//! `/webhooks`: an organisation's webhook endpoints (admins), each with
//! its signing key, its delivery log, a test event and replays.

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use crate::model::webhooks::{Delivery, Endpoint, EventType, NewEndpoint};
use crate::server::state::AppState;
use crate::server::webhooks;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

/// The organisation's endpoints, with their keys and health.
#[utoipa::path(get, operation_id = "list_webhooks", path = "/webhooks", tag = "webhooks",
    responses((status = 200, description = "The endpoints", body = Vec<Endpoint>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<Vec<Endpoint>>, Problem> {
    Ok(axum::Json(webhooks::list(&state.pool, caller).await?))
}

/// Adds an endpoint: an `https` address on the public internet, a
/// description, and the events it wants. The answer holds its signing key.
#[utoipa::path(post, operation_id = "create_webhook", path = "/webhooks", tag = "webhooks",
    request_body = NewEndpoint,
    responses((status = 201, description = "The endpoint, with its key", body = Endpoint)))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(new): Json<NewEndpoint>,
) -> Result<Response, Problem> {
    let endpoint = webhooks::create(&state.pool, caller, new, state.allow_private_webhooks).await?;
    Ok((StatusCode::CREATED, axum::Json(endpoint)).into_response())
}

#[utoipa::path(get, operation_id = "get_webhook", path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint", body = Endpoint)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Endpoint>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(webhooks::get(&state.pool, caller, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEndpoint {
    pub url: String,
    #[serde(default)]
    pub description: String,
    #[schema(value_type = Vec<String>, example = json!(["version.approved"]))]
    pub events: Vec<EventType>,
    /// Off, nothing is sent; on again, its run of failures starts anew.
    pub enabled: bool,
}

/// Replaces the address, description, events, and turns it on or off.
#[utoipa::path(put, operation_id = "update_webhook", path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = UpdateEndpoint,
    responses((status = 200, description = "The endpoint", body = Endpoint)))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(request): Json<UpdateEndpoint>,
) -> Result<axum::Json<Endpoint>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let allow = state.allow_private_webhooks;
    let endpoint = NewEndpoint {
        url: request.url,
        description: request.description,
        events: request.events,
    };
    let endpoint =
        webhooks::update(&state.pool, caller, id, endpoint, request.enabled, allow).await?;
    Ok(axum::Json(endpoint))
}

#[utoipa::path(delete, operation_id = "delete_webhook", path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted, with its log")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    webhooks::delete(&state.pool, caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing key; the previous one keeps signing for a day (both
/// signatures in `webhook-signature`).
#[utoipa::path(post, operation_id = "rotate_webhook_secret", path = "/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint with its new key", body = Endpoint)))]
pub async fn rotate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Endpoint>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(webhooks::rotate(&state.pool, caller, id).await?))
}

/// Sends `webhook.test` to this endpoint now.
#[utoipa::path(post, operation_id = "test_webhook", path = "/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 202, description = "Queued: see the delivery log")))]
pub async fn test(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    webhooks::send_test(&state.pool, caller, id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The latest 50 deliveries, newest first, each with its attempts: status,
/// latency and the start of the receiver's answer.
#[utoipa::path(get, operation_id = "webhook_deliveries", path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The delivery log", body = Vec<Delivery>)))]
pub async fn deliveries(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<Delivery>>, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    Ok(axum::Json(
        webhooks::deliveries(&state.pool, caller, id).await?,
    ))
}

/// Sends a delivery again, from the start of the schedule.
#[utoipa::path(post, operation_id = "replay_webhook_delivery", path = "/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), ("delivery" = String, Path, description = "The delivery's id")),
    responses((status = 202, description = "Queued again")))]
pub async fn replay(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let delivery = delivery.parse().map_err(Problem::from)?;
    webhooks::replay(&state.pool, caller, id, delivery).await?;
    Ok(StatusCode::ACCEPTED)
}
