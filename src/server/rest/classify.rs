//! `/classify` (a class proposed for each line, nothing stored) and
//! `/classification/…` (the organisation's models: the card of the one in
//! force, every version, a training on demand, an older one put back).

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use crate::intel::classify::{self, Card, Prediction};
use crate::server::classification::{self, ModelVersion};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    /// Exposure lines as in dataset.md; `class` may be missing and is
    /// never read.
    #[schema(value_type = Vec<Object>)]
    pub exposures: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ClassifyResponse {
    /// One per line, in the request's order.
    pub predictions: Vec<Prediction>,
}

/// Proposes the regulatory class of each exposure line with the
/// organisation's model in force, with its calibrated confidence, the
/// runner-up classes and the features behind it. Nothing is stored.
#[utoipa::path(post, operation_id = "classify", path = "/classify", tag = "classification", request_body = ClassifyRequest,
    responses((status = 200, description = "A prediction per line", body = ClassifyResponse)))]
pub async fn classify(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(request): Json<ClassifyRequest>,
) -> Result<axum::Json<ClassifyResponse>, Problem> {
    let model = classification::in_force(&state.pool, caller.tenant_id).await?;
    let predictions =
        crate::server::heavy::run(Some(caller.tenant_id), "api classify", move || {
            let lines = classify::unlabelled(request.exposures)
                .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "exposures", e))?;
            let model = model.model();
            Ok::<_, Problem>(lines.iter().map(|l| model.predict(l)).collect())
        })
        .await??;
    Ok(axum::Json(ClassifyResponse { predictions }))
}

/// The model in force and its card.
#[derive(Serialize, ToSchema)]
pub struct ModelInForce {
    /// The organisation's model version; none for the built-in model.
    pub version: Option<i32>,
    /// Training size, hold-out scores, calibration, confusion matrix and
    /// the confidence under which an import asks a person.
    pub card: Card,
}

/// The card of the model that proposes this organisation's classes.
#[utoipa::path(get, operation_id = "classification_model", path = "/classification/model", tag = "classification",
    responses((status = 200, description = "The model in force", body = ModelInForce)))]
pub async fn model(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<ModelInForce>, Problem> {
    let in_force = classification::in_force(&state.pool, caller.tenant_id).await?;
    let version = in_force.version();
    let card = crate::server::heavy::run(Some(caller.tenant_id), "model card", move || {
        in_force.model().card().clone()
    })
    .await?;
    Ok(axum::Json(ModelInForce { version, card }))
}

/// Every model the organisation trained, newest first (analysts and admins).
#[utoipa::path(get, operation_id = "classification_models", path = "/classification/models", tag = "classification",
    responses((status = 200, description = "The organisation's models", body = Vec<ModelVersion>)))]
pub async fn models(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<Vec<ModelVersion>>, Problem> {
    Ok(axum::Json(classification::list(&state.pool, caller).await?))
}

/// Trains a model now on the organisation's labelled lines (the latest
/// version of each simulation) and puts it in force (analysts and admins).
#[utoipa::path(post, operation_id = "train_classification_model", path = "/classification/models", tag = "classification",
    responses((status = 201, description = "The new model in force", body = ModelVersion)))]
pub async fn train(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, Problem> {
    let caller = caller.require(crate::model::account::Permission::EditData)?;
    match classification::retrain(&state.pool, caller.tenant_id, Some(caller)).await? {
        Some(model) => Ok((StatusCode::CREATED, axum::Json(model)).into_response()),
        None => Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "simulations",
            "The organisation has no labelled line yet: import or create a simulation first.",
        )),
    }
}

/// Puts an earlier model back in force (admins).
#[utoipa::path(post, operation_id = "put_classification_model_in_force", path = "/classification/models/{version}/in-force", tag = "classification",
    params(("version" = i32, Path, description = "The model version")),
    responses((status = 204, description = "The model is in force")))]
pub async fn put_in_force(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(version): Path<String>,
) -> Result<StatusCode, Problem> {
    let version: i32 = version.parse().map_err(|_| Problem::not_found())?;
    classification::put_back(&state.pool, caller, version).await?;
    Ok(StatusCode::NO_CONTENT)
}
