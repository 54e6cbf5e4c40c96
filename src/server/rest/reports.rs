//! `/reports`: generate a PDF or Excel report of a version (and scenario),
//! list the history, describe and download a report.

use super::extract::{ApiCaller, Json};
use super::problem::Problem;
use super::{PREFIX, created};
use crate::model::report::{ReportFormat, ReportId, ReportSummary, TemplateId};
use crate::model::simulation::{ScenarioId, SimulationId};
use crate::server::reports::service;
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub simulation_id: SimulationId,
    /// The version; the latest when absent.
    pub version: Option<i32>,
    /// A saved scenario to compare with the baseline.
    pub scenario_id: Option<ScenarioId>,
    /// A template of the organisation; the standard one when absent.
    pub template_id: Option<TemplateId>,
    pub format: ReportFormat,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCreated {
    pub report: ReportSummary,
    /// Where to download the file.
    pub download: String,
}

fn id_of(text: &str) -> Result<ReportId, Problem> {
    text.parse().map_err(Problem::from)
}

/// Generates a report and keeps it in the history.
#[utoipa::path(post, operation_id = "generate_report", path = "/reports", tag = "reports", request_body = NewReport,
    responses((status = 201, description = "The report, ready to download", body = ReportCreated)))]
pub async fn generate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Json(body): Json<NewReport>,
) -> Result<Response, Problem> {
    let request = service::Request {
        simulation: body.simulation_id,
        version: body.version,
        scenario: body.scenario_id,
        template: body.template_id,
        format: body.format,
    };
    let id = service::generate(&state.pool, caller, request).await?;
    let report = service::get(&state.pool, caller, id).await?;
    let download = format!("{PREFIX}/reports/{id}/download");
    Ok(created(
        format!("{PREFIX}/reports/{id}"),
        &ReportCreated { report, download },
        false,
    ))
}

/// The latest 200 reports of the simulations the token's owner can see.
#[utoipa::path(get, operation_id = "list_reports", path = "/reports", tag = "reports",
    responses((status = 200, description = "The report history, newest first", body = Vec<ReportSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<axum::Json<Vec<ReportSummary>>, Problem> {
    Ok(axum::Json(service::list(&state.pool, caller).await?))
}

#[utoipa::path(get, operation_id = "get_report", path = "/reports/{id}", tag = "reports",
    params(("id" = String, Path, description = "The report's id")),
    responses((status = 200, description = "The report", body = ReportSummary)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<ReportSummary>, Problem> {
    Ok(axum::Json(
        service::get(&state.pool, caller, id_of(&id)?).await?,
    ))
}

/// The report's file.
#[utoipa::path(get, operation_id = "download_report", path = "/reports/{id}/download", tag = "reports",
    params(("id" = String, Path, description = "The report's id")),
    responses((status = 200, description = "The PDF or Excel file", content(
        (String = "application/pdf"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub async fn download(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (report, bytes) = service::download(&state.pool, caller, id_of(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, report.format.mime().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", report.file_name()),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
