//! Server functions of the webhooks page (admins): the same services as
//! `/api/v1/webhooks`.

use crate::model::error::AppError;
use crate::model::webhooks::{Delivery, Endpoint, EventType};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "webhooks")]
pub async fn list_webhooks() -> Result<Vec<Endpoint>, AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::list(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "create-webhook")]
pub async fn create_webhook(
    url: String,
    #[server(default)] description: String,
    #[server(default)] events: Vec<EventType>,
) -> Result<Endpoint, AppError> {
    use crate::model::webhooks::NewEndpoint;
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let new = NewEndpoint {
            url,
            description,
            events,
        };
        webhooks::create(&state.pool, caller, new, state.allow_private_webhooks).await
    }
    .await;
    super::reply(result)
}

/// Turns an endpoint on or off, keeping its address and events.
#[server(prefix = "/api", endpoint = "set-webhook-enabled")]
pub async fn set_webhook_enabled(id: String, enabled: bool) -> Result<Endpoint, AppError> {
    use crate::model::webhooks::NewEndpoint;
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let id = id.parse()?;
        let now = webhooks::get(&state.pool, caller, id).await?;
        let same = NewEndpoint {
            url: now.url,
            description: now.description,
            events: now.events,
        };
        webhooks::update(
            &state.pool,
            caller,
            id,
            same,
            enabled,
            state.allow_private_webhooks,
        )
        .await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "rotate-webhook-secret")]
pub async fn rotate_webhook_secret(id: String) -> Result<Endpoint, AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::rotate(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "send-test-webhook")]
pub async fn send_test_webhook(id: String) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::send_test(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "delete-webhook")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::delete(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "webhook-deliveries")]
pub async fn webhook_deliveries(id: String) -> Result<Vec<Delivery>, AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::deliveries(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "replay-webhook")]
pub async fn replay_webhook(id: String, delivery: String) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state, webhooks};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        webhooks::replay(&state.pool, caller, id.parse()?, delivery.parse()?).await
    }
    .await;
    super::reply(result)
}
