//! Server functions of the connections page (admins): the same services
//! as `/api/v1/connections`, and the webhooks' health beside them.

use crate::model::connections::{Connection, Probe, Run, WebhookHealth};
use crate::model::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "connections")]
pub async fn list_connections() -> Result<Vec<Connection>, AppError> {
    use crate::server::{auth, connections, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        connections::list(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "webhook-health")]
pub async fn webhooks_health() -> Result<Vec<WebhookHealth>, AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::health(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Adds a connection (`id` empty) or changes one; `connection` is a
/// `NewConnection` as JSON.
#[server(prefix = "/api", endpoint = "save-connection")]
pub async fn save_connection(
    #[server(default)] id: String,
    connection: String,
) -> Result<Connection, AppError> {
    use crate::model::connections::NewConnection;
    use crate::model::error::FieldErrors;
    use crate::server::{auth, connections, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let new: NewConnection = serde_json::from_str(&connection).map_err(|e| {
            AppError::Validation(FieldErrors::single(
                "connection",
                format!("The connection is not readable: {e}"),
            ))
        })?;
        let settings = &state.connections;
        if id.trim().is_empty() {
            connections::create(&state.pool, settings, caller, new).await
        } else {
            connections::update(&state.pool, settings, caller, id.parse()?, new).await
        }
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "delete-connection")]
pub async fn delete_connection(id: String) -> Result<(), AppError> {
    use crate::server::{auth, connections, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        connections::delete(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "test-connection")]
pub async fn test_connection(id: String) -> Result<Probe, AppError> {
    use crate::server::{auth, connections, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        connections::probe(&state.pool, &state.connections, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "run-connection")]
pub async fn run_connection(id: String) -> Result<Run, AppError> {
    use crate::server::{auth, connections, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        connections::run_now(&state.pool, &state.connections, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "connection-runs")]
pub async fn connection_runs(id: String) -> Result<Vec<Run>, AppError> {
    use crate::server::{auth, connections, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        connections::runs(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}
