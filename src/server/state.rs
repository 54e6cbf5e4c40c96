//! The state every request handler and server function shares.

use super::config::PublicUrl;
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
    /// The address users reach us at: every link in mail and pages, and
    /// the only origin and hosts requests are accepted for.
    pub public_url: Arc<PublicUrl>,
    /// Webhooks may reach loopback and private addresses over plain http
    /// (the operator's choice; tests on loopback need it).
    pub allow_private_webhooks: bool,
    /// Wakes the live-update streams of this server (see `live`).
    pub live: super::live::LiveHub,
    /// Scheduled imports and exports: the secrets key, the folder root.
    pub connections: Arc<super::connections::Settings>,
    /// The bearer token `/metrics` answers to on this address; none, it
    /// answers 404 (served on its own address, or off).
    pub metrics_token: Option<Arc<str>>,
}

impl AppState {
    /// The public address, without a trailing slash, for links.
    pub fn public_url(&self) -> String {
        self.public_url.origin().to_owned()
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
