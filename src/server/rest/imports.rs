//! `/imports`: a spreadsheet uploaded, its proposed mapping and validation
//! report, a preview with another mapping, and the commit that creates the
//! simulation, through the import page's own services.

use super::extract::{ApiCaller, Idempotent, Json};
use super::problem::Problem;
use super::{SimulationCreated, created, simulation_created};
use crate::model::import::{ImportId, ImportPreview, ImportProposal, Mapping};
use crate::model::simulation::parse_name;
use crate::server::import;
use crate::server::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An upload's proposed mapping and what importing with it would give.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub proposal: ImportProposal,
    /// Problems (with sheet, row and column), counts, totals and the ratios
    /// the proposed mapping gives.
    pub preview: ImportPreview,
}

/// The multipart form of an upload, for the document only: the handler
/// reads the form itself.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Upload {
    /// The spreadsheet: xlsx, xlsm, xls, xlsb, ods or CSV, up to 64 MiB.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// Uploads a spreadsheet; answers with the proposed mapping and its
/// validation report. The file is kept a day for the commit.
#[utoipa::path(post, operation_id = "upload_import", path = "/imports", tag = "imports", request_body(content = Upload, content_type = "multipart/form-data"),
    responses((status = 201, description = "The upload, its mapping and validation report", body = ImportReport)))]
pub async fn upload(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, Problem> {
    let mut multipart = multipart.map_err(|rejection| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!(
                "Send the file as multipart/form-data in a field named `file`: {}",
                rejection.body_text()
            ),
        )
    })?;
    let (name, bytes) = crate::server::http::file_field(&mut multipart, "file")
        .await?
        .ok_or_else(|| {
            Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "file",
                "Send the spreadsheet in a form field named `file`.",
            )
        })?;
    let (proposal, preview) =
        import::upload_with_preview(&state.pool, caller, &name, bytes).await?;
    let id = proposal.import_id;
    let body = ImportReport { proposal, preview };
    Ok(created(
        format!("{}/imports/{id}", super::PREFIX),
        &body,
        false,
    ))
}

fn id_of(text: &str) -> Result<ImportId, Problem> {
    text.parse().map_err(Problem::from)
}

/// An upload's proposed mapping (saved corrections included) and its
/// validation report.
#[utoipa::path(get, operation_id = "get_import", path = "/imports/{id}", tag = "imports",
    params(("id" = String, Path, description = "The upload's id")),
    responses((status = 200, description = "The upload, its mapping and validation report", body = ImportReport)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<axum::Json<ImportReport>, Problem> {
    let (proposal, preview) = import::open_with_preview(&state.pool, caller, id_of(&id)?).await?;
    Ok(axum::Json(ImportReport { proposal, preview }))
}

/// What a corrected mapping would import: nothing is written.
#[utoipa::path(post, operation_id = "preview_import", path = "/imports/{id}/preview", tag = "imports", request_body = Mapping,
    params(("id" = String, Path, description = "The upload's id")),
    responses((status = 200, description = "Problems, counts, totals and ratios", body = ImportPreview)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Json(mapping): Json<Mapping>,
) -> Result<axum::Json<ImportPreview>, Problem> {
    Ok(axum::Json(
        import::preview(&state.pool, caller, id_of(&id)?, mapping).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportCommit {
    /// The new simulation's name.
    pub name: String,
    /// The mapping to import with; the proposed one when absent.
    pub mapping: Option<Mapping>,
}

/// Creates the simulation from the upload, saves the mapping for the next
/// file of this layout and removes the upload, in one transaction.
#[utoipa::path(post, operation_id = "commit_import", path = "/imports/{id}/commit", tag = "imports", request_body = ImportCommit,
    params(("id" = String, Path, description = "The upload's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the simulation the first commit created")),
    responses((status = 201, description = "The simulation created", body = SimulationCreated),
              (status = 409, description = "The simulation quota is reached, or the upload was committed by a request without the same key", body = Problem, content_type = "application/problem+json")))]
pub async fn commit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    Idempotent(key, body): Idempotent<ImportCommit>,
) -> Result<Response, Problem> {
    let id = id_of(&id)?;
    let name = parse_name("name", &body.name)?;
    let created =
        import::commit_once(&state.pool, caller, id, body.mapping, name, key.as_ref()).await?;
    Ok(simulation_created(created))
}
