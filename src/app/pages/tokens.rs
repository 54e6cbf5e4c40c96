use crate::api::tokens::{CreateApiToken, RevokeApiToken, list_api_tokens};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission};
use crate::model::api_token::{DEFAULT_DAYS, TokenScope};
use leptos::prelude::*;
use leptos_meta::Title;

/// Personal API tokens: create one (shown once), see them, revoke them.
#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Title text="API tokens" />
        <Workspace page=|me| view! { <Tokens me /> } />
    }
}

#[component]
fn Tokens(me: Me) -> impl IntoView {
    let can_write = me.can(Permission::EditData);
    let admin = me.can(Permission::ManageMembers);
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let value = create.value();
    let name_error = field_error(value, "name");
    let scope_error = field_error(value, "scope");
    let days_error = field_error(value, "days");
    let alert = form_error(value);
    let revoke_alert = move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let created = move || value.get().and_then(Result::ok);
    view! {
        <h1>"API tokens"</h1>
        <p class="muted">
            "A token lets another system use the "
            <a href="/api/v1/docs/">"Prudentia API"</a>
            " as you, with your role. It is shown once: keep it in your system's secret store."
        </p>
        {move || created().map(|t| {
            let curl = format!("curl -H 'Authorization: Bearer {}' {}/me", t.token, t.api_url);
            view! {
                <section class="card token-created" data-testid="new-token">
                    <h2>"Your new token"</h2>
                    <p>"Copy it now: it will not be shown again. It expires on " {t.expires_at.clone()} "."</p>
                    <pre class="token-text"><code data-testid="token-text">{t.token.clone()}</code></pre>
                    <p class="muted">"Try it:"</p>
                    <pre class="token-text"><code>{curl}</code></pre>
                </section>
            }
        })}
        {move || revoke_alert().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                tokens.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted">"No token yet."</p> }.into_any();
                    }
                    view! {
                        <table class="data-table" data-testid="tokens">
                            <thead>
                                <tr>
                                    <th>"Name"</th>
                                    {admin.then(|| view! { <th>"Owner"</th> })}
                                    <th>"Scope"</th>
                                    <th>"Created"</th>
                                    <th>"Expires"</th>
                                    <th>"Last used"</th>
                                    <th>"Status"</th>
                                    <th aria-label="Actions"></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|t| {
                                    let status = if t.revoked { "Revoked" } else if t.expired { "Expired" } else { "Active" };
                                    let live = !t.revoked && !t.expired;
                                    let id = t.token_id.to_string();
                                    view! {
                                        <tr data-token=t.name.clone()>
                                            <td>{t.name.clone()}</td>
                                            {admin.then(|| view! { <td>{t.owner.clone()}</td> })}
                                            <td>{t.scope.label()}</td>
                                            <td>{t.created_at.clone()}</td>
                                            <td>{t.expires_at.clone()}</td>
                                            <td>{t.last_used_at.clone().unwrap_or_else(|| "Never".into())}</td>
                                            <td data-testid="token-status">{status}</td>
                                            <td>
                                                {live.then(|| view! {
                                                    <ActionForm action=revoke attr:class="inline-form">
                                                        <input type="hidden" name="token_id" value=id />
                                                        <button type="submit" class="button button-danger">"Revoke"</button>
                                                    </ActionForm>
                                                })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            })}
        </Transition>
        <h2>"New token"</h2>
        <ActionForm action=create attr:class="stack-form" attr:novalidate=true>
            <FormField label="Name" id="token-name" error=name_error>
                <input id="token-name" name="name" type="text" required placeholder="Data platform (nightly load)" />
            </FormField>
            <FormField label="Scope" id="token-scope" error=scope_error>
                <select id="token-scope" name="scope">
                    <option value=TokenScope::Read.as_str()>{TokenScope::Read.label()}</option>
                    {can_write.then(|| view! {
                        <option value=TokenScope::ReadWrite.as_str() selected=true>{TokenScope::ReadWrite.label()}</option>
                    })}
                </select>
            </FormField>
            <FormField label="Expires after" id="token-days" error=days_error>
                <select id="token-days" name="days">
                    {[7i64, 30, DEFAULT_DAYS, 180, 365].into_iter().map(|d| view! {
                        <option value=d.to_string() selected=d == DEFAULT_DAYS>{format!("{d} days")}</option>
                    }).collect_view()}
                </select>
            </FormField>
            <FormAlert error=alert />
            <button type="submit" class="button button-primary">"Create token"</button>
        </ActionForm>
    }
}
