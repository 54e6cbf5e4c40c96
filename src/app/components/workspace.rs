//! The signed-in frame: loads the current user once per page, sends a
//! visitor to the log-in page, and shows the workspace navigation (which
//! hides what the role cannot do; the server refuses it anyway).

use crate::api::accounts::{LogOut, SwitchTenant, current_user};
use crate::model::account::{Me, Permission};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Renders `page` with the signed-in user, or redirects to `/login`.
#[component]
pub fn Workspace<F, V>(page: F) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| view! { <p class="container">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => {
                            view! {
                                <div class="container workspace">
                                    {view! { <WorkspaceNav me=me.clone() /> }.into_any()}
                                    <div class="workspace-page">{page(me).into_any()}</div>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(e) => {
                            view! { <p class="container form-alert" role="alert">{e.to_string()}</p> }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn WorkspaceNav(me: Me) -> impl IntoView {
    let logout = ServerAction::<LogOut>::new();
    let switch = ServerAction::<SwitchTenant>::new();
    let admin = me.can(Permission::ManageMembers);
    let editor = me.can(Permission::EditData);
    // The unread count is fetched by the browser once the page is live.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let others: Vec<_> = me
        .tenants
        .iter()
        .filter(|t| t.tenant_id != me.tenant.tenant_id)
        .cloned()
        .collect();
    view! {
        <aside class="workspace-nav" aria-label="Workspace">
            <p class="tenant-name" data-testid="tenant-name">{me.tenant.tenant_name.clone()}</p>
            <p class="muted">
                {me.display_name.clone()} " · "
                <span data-testid="role">{me.tenant.role.label()}</span>
            </p>
            <nav>
                <a href="/app">"Overview"</a>
                <a href="/app/simulations">"Simulations"</a>
                <a href="/app/imports">"Import"</a>
                <a href="/app/reports">"Reports"</a>
                <a href="/app/members">"Members"</a>
                <a href="/app/teams">"Teams"</a>
                <a href="/app/organisation">"Organisation"</a>
                <a href="/app/rules">"Rule profiles"</a>
                {editor.then(|| view! { <a href="/app/classification">"Classification model"</a> })}
                {admin.then(|| view! { <a href="/app/audit">"Audit trail"</a> })}
                {admin.then(|| view! { <a href="/app/webhooks">"Webhooks"</a> })}
                {admin.then(|| view! { <a href="/app/connections">"Connections"</a> })}
                <a href="/app/notifications">"Notifications" {move || live.get().then(|| view! { <UnreadBadge /> })}</a>
                <a href="/app/tokens">"API tokens"</a>
                <a href="/app/account">"My account"</a>
            </nav>
            {(!others.is_empty())
                .then(|| {
                    view! {
                        <ActionForm action=switch attr:class="switch-tenant">
                            <label for="switch-tenant">"Switch organisation"</label>
                            <select id="switch-tenant" name="tenant_id">
                                {others
                                    .into_iter()
                                    .map(|t| {
                                        view! {
                                            <option value=t.tenant_id.to_string()>{t.tenant_name}</option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                            <button type="submit" class="button">"Switch"</button>
                        </ActionForm>
                    }
                })}
            {admin.then(|| view! { <p class="badge">"Admin"</p> })}
            <ActionForm action=logout>
                <button type="submit" class="button" data-testid="logout">"Log out"</button>
            </ActionForm>
        </aside>
    }
}

/// The unread notifications, asked again every minute.
#[component]
fn UnreadBadge() -> impl IntoView {
    let inbox = LocalResource::new(crate::api::workflow::notifications);
    let _poll =
        set_interval_with_handle(move || inbox.refetch(), std::time::Duration::from_secs(60));
    move || {
        inbox
            .get()
            .and_then(Result::ok)
            .filter(|i| i.unread > 0)
            .map(|i| view! { " " <span class="badge" data-testid="unread">{i.unread}</span> })
    }
}
