//! The state every request handler and server function shares.

use super::contact::ContactLimiter;
use crate::model::error::AppError;
use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// The REST API's token keys and rate limiter.
    pub api: Arc<super::rest::ApiState>,
    pub contact_limiter: Arc<ContactLimiter>,
    pub trust_proxy: bool,
    /// Send the session cookie only over HTTPS.
    pub secure_cookies: bool,
    /// The address users reach us at, for links in e-mails.
    pub public_url: Option<String>,
}

impl AppState {
    /// `public_url`, else the scheme and Host of the request (fine behind
    /// no proxy; set PRUDENTIA_PUBLIC_URL in production).
    pub fn public_url(&self, request: Option<&http::request::Parts>) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_owned();
        }
        let host = request
            .and_then(|p| p.headers.get(http::header::HOST))
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1:3000");
        let scheme = if self.secure_cookies { "https" } else { "http" };
        format!("{scheme}://{host}")
    }
}

/// leptos_axum finds its options in the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function (leptos_axum provides it as context).
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}
