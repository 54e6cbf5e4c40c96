//! Server functions of reports, templates and branding.

use crate::model::error::AppError;
use crate::model::report::{Branding, ReportSummary, ReportTemplate};
use leptos::prelude::*;

/// `version`, `scenario` and `template` may be empty (latest version, no
/// scenario, the standard template); `format` is `pdf` or `xlsx`.
#[server(prefix = "/api", endpoint = "generate-report")]
pub async fn generate_report(
    simulation: String,
    version: String,
    scenario: String,
    template: String,
    format: String,
) -> Result<String, AppError> {
    use crate::model::error::FieldErrors;
    use crate::server::reports::service::{self, Request};
    use crate::server::{auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let version = match version.trim() {
            "" => None,
            v => Some(v.parse::<i32>().map_err(|_| {
                AppError::Validation(FieldErrors::single("version", "Choose a version."))
            })?),
        };
        let request = Request {
            simulation: simulation.parse()?,
            version,
            scenario: (!scenario.trim().is_empty())
                .then(|| scenario.parse())
                .transpose()?,
            template: (!template.trim().is_empty())
                .then(|| template.parse())
                .transpose()?,
            format: format.parse()?,
        };
        Ok(service::generate(&state.pool, caller, request)
            .await?
            .to_string())
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "reports")]
pub async fn list_reports() -> Result<Vec<ReportSummary>, AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        service::list(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "delete-report")]
pub async fn delete_report(id: String) -> Result<(), AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        service::delete(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

/// Queues the report for each recipient; returns how many.
#[server(prefix = "/api", endpoint = "send-report")]
pub async fn send_report(
    id: String,
    recipients: String,
    message: String,
    attach: Option<String>,
) -> Result<usize, AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let base = state.public_url();
        service::send(
            &state.pool,
            caller,
            id.parse()?,
            &recipients,
            &message,
            attach.is_some(),
            &base,
        )
        .await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "report-templates")]
pub async fn report_templates() -> Result<Vec<ReportTemplate>, AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        service::templates(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "save-report-template")]
pub async fn save_report_template(
    name: String,
    title: String,
    sections: Option<Vec<String>>,
    footer: String,
) -> Result<String, AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let template =
            ReportTemplate::parse(&name, &title, &sections.unwrap_or_default(), &footer)?;
        Ok(service::save_template(&state.pool, caller, template)
            .await?
            .to_string())
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "delete-report-template")]
pub async fn delete_report_template(id: String) -> Result<(), AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        service::delete_template(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "branding")]
pub async fn load_branding() -> Result<Branding, AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        service::branding(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "set-branding-colours")]
pub async fn set_branding_colours(primary: String, accent: String) -> Result<(), AppError> {
    use crate::server::{auth, reports::service, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        service::set_colours(&state.pool, caller, &primary, &accent).await
    }
    .await;
    super::reply(result)
}
