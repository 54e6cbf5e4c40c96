//! The signed-in member's notifications (read, mark read) and which events
//! reach them in the app and by e-mail.

use crate::api::workflow::{
    MarkRead, SetNotificationPreference, notification_preferences, notifications,
};
use crate::app::components::form::{FormAlert, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::workflow::Preference;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications" />
        <Workspace page=|_| view! { <Notifications /> } />
    }
}

#[component]
fn Notifications() -> impl IntoView {
    let mark = ServerAction::<MarkRead>::new();
    let inbox = Resource::new(move || mark.version().get(), |_| notifications());
    let set = ServerAction::<SetNotificationPreference>::new();
    let set_alert = form_error(set.value());
    let preferences = Resource::new(|| (), |_| notification_preferences());
    view! {
        <h1>"Notifications"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                inbox.await.map(|inbox| view! {
                    <p data-testid="unread-count">{inbox.unread} " unread"</p>
                    {(inbox.unread > 0).then(|| view! {
                        <ActionForm action=mark attr:class="inline-form">
                            <button type="submit" class="button">"Mark all as read"</button>
                        </ActionForm>
                    })}
                    {if inbox.latest.is_empty() {
                        view! { <p class="muted">"Nothing yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="notifications" data-testid="notifications">
                                {inbox.latest.into_iter().map(|n| view! {
                                    <li class:unread=!n.read>
                                        <a href=n.link.clone()>{n.message.clone()}</a>
                                        <span class="muted">" · " {n.created_at.clone()}</span>
                                        {(!n.read).then(|| view! {
                                            <ActionForm action=mark attr:class="inline-form">
                                                <input type="hidden" name="notification_id" value=n.notification_id.to_string() />
                                                <button type="submit" class="button">"Mark read"</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                })
            })}
        </Transition>
        <h2>"What reaches me"</h2>
        <FormAlert error=set_alert />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                preferences.await.map(|list| view! {
                    <table class="data-table" data-testid="preferences">
                        <thead><tr><th>"Event"</th><th>"In the app"</th><th>"By e-mail"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|p| view! { <PreferenceRow preference=p set /> }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
    }
}

#[component]
fn PreferenceRow(
    preference: Preference,
    set: ServerAction<SetNotificationPreference>,
) -> impl IntoView {
    let in_app = RwSignal::new(preference.in_app);
    let email = RwSignal::new(preference.email);
    let kind = preference.kind;
    let save = move || {
        set.dispatch(SetNotificationPreference {
            kind: kind.as_str().to_owned(),
            in_app: in_app.get_untracked(),
            email: email.get_untracked(),
        });
    };
    view! {
        <tr>
            <td>{kind.label()}</td>
            <td><input type="checkbox" aria-label=format!("{} in the app", kind.label()) prop:checked=in_app
                on:change=move |ev| { in_app.set(event_target_checked(&ev)); save(); } /></td>
            <td><input type="checkbox" aria-label=format!("{} by e-mail", kind.label()) prop:checked=email
                on:change=move |ev| { email.set(event_target_checked(&ev)); save(); } /></td>
        </tr>
    }
}
