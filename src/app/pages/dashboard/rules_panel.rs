//! Which rules the version shown was computed with, and recomputing the
//! latest version with one of the organisation's rule profile versions.

use crate::api::rule_profiles::ApplyRules;
use crate::app::components::form::{FormAlert, form_error};
use crate::model::rule_profile::RuleProfileSummary;
use leptos::prelude::*;

#[component]
pub(super) fn RulesPanel(
    simulation_id: String,
    /// "Name vN" of the organisation's profile, or none for the data set's
    /// own profile and overrides.
    rules: Option<String>,
    /// The data set's regulatory profile.
    base: String,
    /// The profiles the caller may apply (none when they cannot edit).
    profiles: Vec<RuleProfileSummary>,
    can_edit: bool,
) -> impl IntoView {
    let apply = ServerAction::<ApplyRules>::new();
    let value = apply.value();
    {
        let dashboard = format!("/app/simulations/{simulation_id}");
        Effect::new(move |_| {
            if let Some(Ok(_)) = value.get() {
                let _ = window().location().set_href(&dashboard);
            }
        });
    }
    let current = match &rules {
        Some(label) => format!("the organisation's rule profile {label} (derived from {base})"),
        None => format!("the regulatory profile {base} with the data set's own overrides"),
    };
    view! {
        <section class="rules panel" aria-label="Rules">
            <h2>"Rules"</h2>
            <p data-testid="rules-in-use">"This version is computed with " {current} "."</p>
            <p class="muted"><a href="/app/rules">"The organisation's rule profiles"</a></p>
            {(can_edit && profiles.is_empty()).then(|| view! {
                <p class="muted">"The organisation has no rule profile of its own yet."</p>
            })}
            {(can_edit && !profiles.is_empty()).then(move || view! { <ApplyForm simulation_id profiles apply /> })}
        </section>
    }
}

#[component]
fn ApplyForm(
    simulation_id: String,
    profiles: Vec<RuleProfileSummary>,
    apply: ServerAction<ApplyRules>,
) -> impl IntoView {
    let alert = form_error(apply.value());
    let chosen = RwSignal::new(profiles[0].profile_id.to_string());
    let latest: Vec<(String, i32)> = profiles
        .iter()
        .map(|p| (p.profile_id.to_string(), p.latest_version))
        .collect();
    // Every version of the chosen profile, the latest first.
    let versions = move || {
        let latest = chosen.with(|c| latest.iter().find(|(id, _)| id == c).map_or(1, |(_, v)| *v));
        (1..=latest)
            .rev()
            .map(|v| {
                let label = if v == latest {
                    format!("{v} (latest)")
                } else {
                    v.to_string()
                };
                view! { <option value=v.to_string()>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <ActionForm action=apply attr:class="inline-form" attr:data-testid="apply-rules-form">
            <input type="hidden" name="simulation" value=simulation_id />
            <label for="rules-profile">"Recompute with "</label>
            <select id="rules-profile" name="profile" on:change=move |ev| chosen.set(event_target_value(&ev))>
                {profiles.iter().map(|p| view! { <option value=p.profile_id.to_string()>{p.name.clone()}</option> }).collect_view()}
            </select>
            <label for="rules-version">" version "</label>
            <select id="rules-version" name="version">{versions}</select>
            <button type="submit" class="button" disabled=move || apply.pending().get()>"Save as a new version"</button>
            <FormAlert error=alert />
        </ActionForm>
    }
}
