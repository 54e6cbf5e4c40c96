//! The organisation's rule profiles: the list with a form that derives a
//! new one from a regulatory profile, and one profile's editor.

use crate::api::rule_profiles::{CreateRuleProfile, list_rule_profiles};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission};
use leptos::prelude::*;
use leptos_meta::Title;

mod buffers;
mod editor;
mod parameter;

pub use buffers::ManagementBuffers;
pub use editor::RuleProfilePage;

#[component]
pub fn RulesPage() -> impl IntoView {
    view! {
        <Title text="Rule profiles" />
        <Workspace page=|me| view! { <RuleProfiles me /> } />
    }
}

#[component]
fn RuleProfiles(me: Me) -> impl IntoView {
    let admin = me.can(Permission::ManageTenant);
    let create = ServerAction::<CreateRuleProfile>::new();
    let value = create.value();
    let name_error = field_error(value, "name");
    let base_error = field_error(value, "base");
    let alert = form_error(value);
    Effect::new(move |_| {
        if let Some(Ok(id)) = value.get() {
            let _ = window().location().set_href(&format!("/app/rules/{id}"));
        }
    });
    let profiles = Resource::new(|| (), |_| list_rule_profiles());
    view! {
        <h1>"Rule profiles"</h1>
        <p class="lead">"The organisation's own rules: risk weights, conversion factors, haircuts, liquidity factors, buffer rates and management buffers, derived from Basel 3.1 or CRR3. Every change is a new version; a simulation records the version it was computed with."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profiles.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No rule profile yet: simulations use the regulatory profiles."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data-table" data-testid="rule-profiles">
                            <thead><tr><th>"Profile"</th><th>"Derived from"</th><th>"Latest version"</th><th>"Changed"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|p| view! {
                                    <tr>
                                        <td><a href=format!("/app/rules/{}", p.profile_id)>{p.name}</a></td>
                                        <td>{p.base}</td>
                                        <td>{p.latest_version}</td>
                                        <td>{p.updated_at.to_string()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        {admin.then(|| view! {
            <h2>"New rule profile"</h2>
            <ActionForm action=create attr:class="stack-form" attr:novalidate=true attr:data-testid="new-rule-profile">
                <FormField label="Name" id="rule-profile-name" error=name_error>
                    <input id="rule-profile-name" name="name" type="text" maxlength="80" required />
                </FormField>
                <FormField label="Derived from" id="rule-profile-base" error=base_error>
                    <select id="rule-profile-base" name="base">
                        <option value="basel31">"Basel 3.1 (basel31)"</option>
                        <option value="crr3">"CRR3 (crr3)"</option>
                    </select>
                </FormField>
                <FormAlert error=alert />
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>"Create the profile"</button>
            </ActionForm>
        })}
    }
}
