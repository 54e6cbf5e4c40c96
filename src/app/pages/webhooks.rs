//! Webhooks (admins): the endpoints other systems listen on, with their
//! signing keys and health; a form to add one; for each, a test event,
//! a key rotation, turning it off or on, and its delivery log with replays.

use crate::api::webhooks::{
    CreateWebhook, DeleteWebhook, ReplayWebhook, RotateWebhookSecret, SendTestWebhook,
    SetWebhookEnabled, list_webhooks, webhook_deliveries,
};
use crate::app::components::form::{field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission};
use crate::model::webhooks::{Delivery, Endpoint, EventType};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <Title text="Webhooks" />
        <Workspace page=|me| view! { <Webhooks me /> } />
    }
}

/// The actions of every endpoint card: any of them reloads the list.
#[derive(Clone, Copy)]
struct Actions {
    enable: ServerAction<SetWebhookEnabled>,
    rotate: ServerAction<RotateWebhookSecret>,
    test: ServerAction<SendTestWebhook>,
    delete: ServerAction<DeleteWebhook>,
    replay: ServerAction<ReplayWebhook>,
}

impl Actions {
    fn version(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.enable.version().get(),
            self.rotate.version().get(),
            self.test.version().get(),
            self.delete.version().get(),
            self.replay.version().get(),
        )
    }

    /// The last refusal of any of them.
    fn alert(&self) -> Option<String> {
        let err = |r: Option<Result<(), crate::model::error::AppError>>| r.and_then(Result::err);
        self.enable
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| self.rotate.value().get().and_then(Result::err))
            .or_else(|| err(self.test.value().get()))
            .or_else(|| err(self.delete.value().get()))
            .or_else(|| err(self.replay.value().get()))
            .map(|e| e.to_string())
    }
}

#[component]
fn Webhooks(me: Me) -> impl IntoView {
    if !me.can(Permission::ManageTenant) {
        return view! {
            <h1>"Webhooks"</h1>
            <p class="muted">"Only the organisation's admins manage webhooks."</p>
        }
        .into_any();
    }
    let create = ServerAction::<CreateWebhook>::new();
    let actions = Actions {
        enable: ServerAction::new(),
        rotate: ServerAction::new(),
        test: ServerAction::new(),
        delete: ServerAction::new(),
        replay: ServerAction::new(),
    };
    let endpoints = Resource::new(
        move || (create.version().get(), actions.version()),
        |_| list_webhooks(),
    );
    view! {
        <h1>"Webhooks"</h1>
        <p class="muted">
            "Prudentia tells your other systems what happens here: it POSTs a JSON event to each endpoint that wants it, signed per the Standard Webhooks specification (headers webhook-id, webhook-timestamp and webhook-signature), and tries again on the specification's schedule for three days. Events carry ids and a summary, never a bank's lines. The same is at /api/v1/webhooks."
        </p>
        <NewEndpointForm create />
        {move || actions.alert().map(|e| view! { <p class="form-alert" role="alert">{e}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                endpoints.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted" data-testid="no-webhooks">"No endpoint yet."</p> }.into_any();
                    }
                    list.into_iter().map(|e| view! { <EndpointCard endpoint=e actions /> }).collect_view().into_any()
                })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn NewEndpointForm(create: ServerAction<CreateWebhook>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<EventType>::new());
    let value = create.value();
    let (url_error, events_error) = (field_error(value, "url"), field_error(value, "events"));
    let other = form_error(value);
    let send = move |_| {
        create.dispatch(CreateWebhook {
            url: url.get_untracked(),
            description: description.get_untracked(),
            events: chosen.get_untracked(),
        });
    };
    let boxes = EventType::SUBSCRIBABLE.map(|event| {
        let checked = move || chosen.with(|c| c.contains(&event));
        let toggle = move |_| {
            chosen.update(|c| {
                if let Some(at) = c.iter().position(|e| *e == event) {
                    c.remove(at);
                } else {
                    c.push(event);
                }
            })
        };
        view! {
            <label class="check">
                <input type="checkbox" prop:checked=checked on:change=toggle />
                {event.label()} " " <code>{event.as_str()}</code>
            </label>
        }
    });
    view! {
        <section class="card form-card" data-testid="new-webhook">
            <h2>"Add an endpoint"</h2>
            <label>"Address (https://…)"
                <input type="url" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
            </label>
            {move || url_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <label>"Description"
                <input type="text" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev)) />
            </label>
            <fieldset>
                <legend>"Events"</legend>
                {boxes.into_iter().collect_view()}
            </fieldset>
            {move || events_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || other().map(|e| view! { <p class="form-alert" role="alert">{e}</p> })}
            <button type="button" class="button button-primary" on:click=send prop:disabled=move || create.pending().get()>"Add the endpoint"</button>
        </section>
    }
}

#[component]
fn EndpointCard(endpoint: Endpoint, actions: Actions) -> impl IntoView {
    let id = endpoint.endpoint_id.to_string();
    let health = match (
        &endpoint.disabled_reason,
        endpoint.enabled,
        &endpoint.failing_since,
    ) {
        (Some(reason), false, _) => format!("Turned off: {reason}."),
        (_, false, _) => "Turned off.".to_owned(),
        (_, true, Some(since)) => format!("Failing since {since}."),
        _ => "Healthy.".to_owned(),
    };
    let events = endpoint
        .events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (on, enabled) = (id.clone(), endpoint.enabled);
    let (rotate_id, test_id, delete_id) = (id.clone(), id.clone(), id.clone());
    view! {
        <section class="card webhook" data-testid="webhook" data-url=endpoint.url.clone()>
            <h2><code>{endpoint.url.clone()}</code></h2>
            <p class="muted">{endpoint.description.clone()}</p>
            <p data-testid="webhook-health">{health}</p>
            <p>"Events: " {events}</p>
            <details>
                <summary>"Signing key"</summary>
                <pre class="token-text"><code data-testid="webhook-secret">{endpoint.secret.clone()}</code></pre>
            </details>
            <div class="inline-form">
                <button type="button" class="button" prop:disabled=!enabled
                    on:click=move |_| { actions.test.dispatch(SendTestWebhook { id: test_id.clone() }); }>"Send a test event"</button>
                <button type="button" class="button"
                    on:click=move |_| { actions.rotate.dispatch(RotateWebhookSecret { id: rotate_id.clone() }); }>"Rotate the key"</button>
                <button type="button" class="button"
                    on:click=move |_| { actions.enable.dispatch(SetWebhookEnabled { id: on.clone(), enabled: !enabled }); }>
                    {if enabled { "Turn off" } else { "Turn on" }}
                </button>
                <button type="button" class="button button-danger"
                    on:click=move |_| { actions.delete.dispatch(DeleteWebhook { id: delete_id.clone() }); }>"Delete"</button>
            </div>
            <DeliveryLog id actions />
        </section>
    }
}

/// The log, read when an admin opens it (in the browser only: the page
/// hydrates without it).
#[component]
fn DeliveryLog(id: String, actions: Actions) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div data-testid="webhook-log">
            <button type="button" class="button" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "Hide the deliveries" } else { "Show the deliveries" }}
            </button>
            {move || open.get().then(|| view! { <DeliveryTable id=id.clone() actions /> })}
        </div>
    }
}

#[component]
fn DeliveryTable(id: String, actions: Actions) -> impl IntoView {
    let log = {
        let id = id.clone();
        LocalResource::new(move || {
            actions.version();
            webhook_deliveries(id.clone())
        })
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let id = id.clone();
                Suspend::new(async move {
                    log.await.map(|list| view! {
                        <table class="data-table">
                            <thead><tr><th>"Event"</th><th>"Status"</th><th>"Attempts"</th><th>"Last answer"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|d| view! { <DeliveryRow delivery=d endpoint=id.clone() actions /> }).collect_view()}
                            </tbody>
                        </table>
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
fn DeliveryRow(delivery: Delivery, endpoint: String, actions: Actions) -> impl IntoView {
    let last = delivery.attempts.last().map(|a| {
        let code = a
            .status_code
            .map_or_else(|| "no answer".to_owned(), |c| c.to_string());
        let said = a
            .error
            .clone()
            .unwrap_or_else(|| a.response_excerpt.clone());
        format!("{code} in {} ms: {said}", a.latency_ms)
    });
    let status = match delivery.next_attempt_at {
        Some(next) => format!("{} (next {next})", delivery.status.as_str()),
        None => delivery.status.as_str().to_owned(),
    };
    let id = delivery.delivery_id.to_string();
    view! {
        <tr data-testid="webhook-delivery">
            <td><code>{delivery.event_type.as_str()}</code><br /><span class="muted">{delivery.created_at.to_string()}</span></td>
            <td>{status}</td>
            <td>{delivery.attempts.len()}</td>
            <td>{last.unwrap_or_default()}</td>
            <td><button type="button" class="button"
                on:click=move |_| { actions.replay.dispatch(ReplayWebhook { id: endpoint.clone(), delivery: id.clone() }); }>"Replay"</button></td>
        </tr>
    }
}
