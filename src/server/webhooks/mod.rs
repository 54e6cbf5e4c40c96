//! Outgoing webhooks (admins; also through `/api/v1/webhooks`): endpoints
//! with an address, the events they want and a signing key; events
//! written by `emit` in the transaction of the change they tell of (an
//! outbox); the `delivery` worker sends them, signed per the Standard
//! Webhooks specification, retried on its schedule.

pub mod address;
pub mod delivery;
pub mod schedule;
pub mod signer;

use crate::model::account::{Permission, TenantId};
use crate::model::error::{AppError, FieldErrors};
use crate::model::text::capitalised;
use crate::model::webhooks::{Delivery, DeliveryId, Endpoint, EndpointId, EventType, NewEndpoint};
use crate::server::audit;
use crate::server::auth::Caller;
use crate::server::db::{scope, webhooks};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// How many deliveries an endpoint's log shows.
const LOG: i64 = 50;

/// The endpoint, or "not found" (another organisation's looks the same).
async fn endpoint(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: EndpointId,
) -> Result<Endpoint, AppError> {
    webhooks::get(conn, tenant, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn event_names(events: &[EventType]) -> Vec<&'static str> {
    events.iter().map(|e| e.as_str()).collect()
}

/// Writes `event` for every endpoint that wants it, in the caller's
/// transaction: it is sent if and only if the change commits. `data`
/// carries ids and a summary, never a bank's lines.
pub async fn emit(
    conn: &mut PgConnection,
    tenant: TenantId,
    event: EventType,
    data: Value,
) -> Result<(), sqlx::Error> {
    let message = Uuid::now_v7();
    let body = json!({
        "type": event.as_str(),
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": data,
    })
    .to_string();
    webhooks::enqueue(conn, tenant, event, message, &body, None).await?;
    Ok(())
}

pub async fn list(pool: &PgPool, caller: Caller) -> Result<Vec<Endpoint>, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let list = webhooks::list(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    Ok(list)
}

/// Every endpoint's health from its attempts (the connections page).
pub async fn health(
    pool: &PgPool,
    caller: Caller,
) -> Result<Vec<crate::model::connections::WebhookHealth>, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let health = webhooks::health(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    Ok(health)
}

pub async fn get(pool: &PgPool, caller: Caller, id: EndpointId) -> Result<Endpoint, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    tx.commit().await?;
    Ok(endpoint)
}

/// The endpoint checked, its address included: scheme and where it
/// resolves (see `address`).
async fn checked(new: NewEndpoint, allow_private: bool) -> Result<NewEndpoint, AppError> {
    let new = new.checked()?;
    address::resolve(&new.url, allow_private)
        .await
        .map_err(|e| {
            AppError::Validation(FieldErrors::single(
                "url",
                capitalised(&e.to_string()) + ".",
            ))
        })?;
    Ok(new)
}

pub async fn create(
    pool: &PgPool,
    caller: Caller,
    new: NewEndpoint,
    allow_private: bool,
) -> Result<Endpoint, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let new = checked(new, allow_private).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let secret = signer::Secret::generate();
    let id = webhooks::create(&mut tx, caller.tenant_id, &new, &secret, caller.user_id).await?;
    audit::record(
        &mut tx,
        caller,
        "webhooks.endpoint_created",
        &new.url,
        json!({ "events": event_names(&new.events) }),
    )
    .await?;
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    tx.commit().await?;
    Ok(endpoint)
}

pub async fn update(
    pool: &PgPool,
    caller: Caller,
    id: EndpointId,
    new: NewEndpoint,
    enabled: bool,
    allow_private: bool,
) -> Result<Endpoint, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let new = checked(new, allow_private).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = endpoint(&mut tx, caller.tenant_id, id).await?;
    webhooks::update(&mut tx, caller.tenant_id, id, &new, enabled).await?;
    audit::record(
        &mut tx,
        caller,
        "webhooks.endpoint_changed",
        &new.url,
        json!({
            "url": { "before": before.url, "after": new.url },
            "events": event_names(&new.events),
            "enabled": { "before": before.enabled, "after": enabled },
        }),
    )
    .await?;
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    tx.commit().await?;
    Ok(endpoint)
}

pub async fn delete(pool: &PgPool, caller: Caller, id: EndpointId) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    webhooks::delete(&mut tx, caller.tenant_id, id).await?;
    audit::record(
        &mut tx,
        caller,
        "webhooks.endpoint_deleted",
        &endpoint.url,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new signing key; the old one signs too for a day, so receivers can
/// switch over without losing an event.
pub async fn rotate(pool: &PgPool, caller: Caller, id: EndpointId) -> Result<Endpoint, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if !webhooks::rotate(&mut tx, caller.tenant_id, id, &signer::Secret::generate()).await? {
        return Err(AppError::NotFound);
    }
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    audit::record(
        &mut tx,
        caller,
        "webhooks.secret_rotated",
        &endpoint.url,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(endpoint)
}

/// Sends `webhook.test` to this endpoint alone.
pub async fn send_test(pool: &PgPool, caller: Caller, id: EndpointId) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    if !endpoint.enabled {
        return Err(AppError::Validation(FieldErrors::single(
            "enabled",
            "The endpoint is turned off: turn it on to send it a test event.",
        )));
    }
    let body = json!({
        "type": EventType::Test.as_str(),
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": { "endpoint_id": id, "message": "A test event from Prudentia." },
    })
    .to_string();
    webhooks::enqueue(
        &mut tx,
        caller.tenant_id,
        EventType::Test,
        Uuid::now_v7(),
        &body,
        Some(id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn deliveries(
    pool: &PgPool,
    caller: Caller,
    id: EndpointId,
) -> Result<Vec<Delivery>, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    endpoint(&mut tx, caller.tenant_id, id).await?;
    let log = webhooks::deliveries(&mut tx, caller.tenant_id, id, LOG).await?;
    tx.commit().await?;
    Ok(log)
}

/// Sends one delivery again, from the first step of the schedule.
pub async fn replay(
    pool: &PgPool,
    caller: Caller,
    id: EndpointId,
    delivery: DeliveryId,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let endpoint = endpoint(&mut tx, caller.tenant_id, id).await?;
    if !webhooks::replay(&mut tx, caller.tenant_id, id, delivery).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        caller,
        "webhooks.delivery_replayed",
        &endpoint.url,
        json!({ "delivery": delivery }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
