//! Server functions, grouped by domain. Each one stays thin: read the state,
//! call a server-side service, return a typed result.

pub mod accounts;
pub mod admin;
pub mod anomalies;
pub mod classification;
pub mod connections;
pub mod contact;
pub mod imports;
pub mod plans;
pub mod reports;
pub mod rule_profiles;
pub mod simulations;
pub mod suggestions;
pub mod tokens;
pub mod webhooks;
pub mod workflow;

/// Gives a failed server-function call the HTTP status of its error. A plain
/// HTML form post (no JavaScript) keeps Leptos's redirect back to the page.
#[cfg(feature = "ssr")]
fn reply<T>(
    result: Result<T, crate::model::error::AppError>,
) -> Result<T, crate::model::error::AppError> {
    use leptos::prelude::use_context;
    if let Err(error) = &result {
        let plain_form_post = use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::ACCEPT).cloned())
            .and_then(|accept| accept.to_str().map(|a| a.contains("text/html")).ok())
            .unwrap_or(false);
        if !plain_form_post
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = http::StatusCode::from_u16(error.status_code())
        {
            response.set_status(status);
        }
    }
    result
}
