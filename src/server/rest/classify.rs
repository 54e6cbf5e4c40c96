//! `/classify` (a class proposed for each line, nothing stored) and
//! `/classification/model` (the card of the model that proposes them).

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use crate::intel::classify::{self, Card, Prediction};
use axum::http::StatusCode;
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

/// Proposes the regulatory class of each exposure line, with its
/// calibrated confidence, the runner-up classes and the features behind
/// it. Nothing is stored.
#[utoipa::path(post, operation_id = "classify", path = "/classify", tag = "classification", request_body = ClassifyRequest,
    responses((status = 200, description = "A prediction per line", body = ClassifyResponse)))]
pub async fn classify(
    ApiCaller(caller): ApiCaller,
    Json(request): Json<ClassifyRequest>,
) -> Result<axum::Json<ClassifyResponse>, Problem> {
    let predictions =
        crate::server::heavy::run(Some(caller.tenant_id), "api classify", move || {
            let lines = classify::unlabelled(request.exposures)
                .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "exposures", e))?;
            let model = classify::base();
            Ok::<_, Problem>(lines.iter().map(|l| model.predict(l)).collect())
        })
        .await??;
    Ok(axum::Json(ClassifyResponse { predictions }))
}

/// The card of the model in force: training size, hold-out scores,
/// calibration, confusion matrix and the confidence under which an import
/// asks a person.
#[utoipa::path(get, operation_id = "classification_model", path = "/classification/model", tag = "classification",
    responses((status = 200, description = "The model card", body = Card)))]
pub async fn model(ApiCaller(caller): ApiCaller) -> Result<axum::Json<Card>, Problem> {
    let card = crate::server::heavy::run(Some(caller.tenant_id), "model card", || {
        classify::base().card().clone()
    })
    .await?;
    Ok(axum::Json(card))
}
