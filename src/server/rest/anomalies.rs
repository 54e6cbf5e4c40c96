//! `/simulations/{id}/versions/{version}/anomalies/dismissals` (a finding
//! judged not an error) and `/anomalies/thresholds` (what the
//! organisation's detection runs with: seen by all, set or reset by admins).

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use crate::intel::anomalies::{Anomaly, Kind, Section};
use crate::model::anomalies::{Finding, ThresholdsView};
use crate::server::anomalies;
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// The exposure line's id, as the anomaly names it; null for items
    /// that are not lines.
    pub id: Option<String>,
    pub section: Section,
    pub field: String,
    pub kind: Kind,
    /// Why it is not an error (1–500 characters), kept in the audit trail.
    pub reason: String,
}

/// Records that a finding of the version is not an error. The same
/// finding on the same value stays dismissed in later versions; a
/// dismissed outlier may raise the organisation's outlier threshold.
#[utoipa::path(post, operation_id = "dismiss_anomaly", path = "/simulations/{id}/versions/{version}/anomalies/dismissals", tag = "simulations",
    params(("id" = String, Path, description = "The simulation's id"), ("version" = i32, Path, description = "The version number")),
    request_body = DismissRequest,
    responses((status = 201, description = "The anomaly, dismissed", body = Anomaly)))]
pub async fn dismiss(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((id, version)): Path<(String, String)>,
    Json(request): Json<DismissRequest>,
) -> Result<Response, Problem> {
    let id = id.parse().map_err(Problem::from)?;
    let version: i32 = version.parse().map_err(|_| Problem::not_found())?;
    let finding = Finding {
        id: request.id,
        section: request.section,
        field: request.field,
        kind: request.kind,
    };
    let anomaly =
        anomalies::dismiss(&state.pool, caller, id, version, finding, &request.reason).await?;
    Ok((StatusCode::CREATED, axum::Json(anomaly)).into_response())
}

/// The thresholds the organisation's anomaly detection runs with.
#[utoipa::path(get, operation_id = "anomaly_thresholds", path = "/anomalies/thresholds", tag = "simulations",
    responses((status = 200, description = "The thresholds and where they come from", body = ThresholdsView)))]
pub async fn thresholds(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<ThresholdsView>, Problem> {
    Ok(axum::Json(anomalies::view(&state.pool, caller).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetThresholds {
    /// Modified z-score beyond which an amount is an outlier (1–10).
    pub outlier_z: f64,
    /// The share of lines outlier alerts may take (above 0, at most 0.2).
    pub alert_budget: f64,
}

/// Sets the thresholds (admins); dismissals stop moving them.
#[utoipa::path(put, operation_id = "set_anomaly_thresholds", path = "/anomalies/thresholds", tag = "simulations",
    request_body = SetThresholds,
    responses((status = 200, description = "The thresholds now", body = ThresholdsView)))]
pub async fn set_thresholds(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(request): Json<SetThresholds>,
) -> Result<axum::Json<ThresholdsView>, Problem> {
    let view = anomalies::set(&state.pool, caller, request.outlier_z, request.alert_budget).await?;
    Ok(axum::Json(view))
}

/// Puts the default thresholds back (admins); dismissals teach again.
#[utoipa::path(delete, operation_id = "reset_anomaly_thresholds", path = "/anomalies/thresholds", tag = "simulations",
    responses((status = 200, description = "The thresholds now", body = ThresholdsView)))]
pub async fn reset_thresholds(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<ThresholdsView>, Problem> {
    Ok(axum::Json(anomalies::reset(&state.pool, caller).await?))
}
