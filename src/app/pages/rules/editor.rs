//! One rule profile: its versions, what changed between two of them, and
//! the parameters grouped as ratios.md groups them, each with its meaning
//! and regulatory value, edited into a new version.

use super::parameter::{Edits, ParameterRow};
use crate::api::rule_profiles::{CompareRuleProfile, SaveRuleProfile, open_rule_profile};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::engine::parameters::{SECTIONS, meaning, parse, section, shown, unit};
use crate::engine::profile::Profile;
use crate::model::rule_profile::{RuleProfileView, RuleVersionSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

#[component]
pub fn RuleProfilePage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id"))
        .unwrap_or_default();
    let query = use_query_map();
    view! {
        <Title text="Rule profile" />
        <Workspace page=move |_| {
            let id = id.clone();
            let version = move || query.with(|q| q.get("version")).and_then(|v| v.parse::<i32>().ok());
            let profile = Resource::new(move || (id.clone(), version()), |(id, version)| open_rule_profile(id, version));
            view! {
                <Suspense fallback=|| view! { <p>"Loading the rule profile…"</p> }>
                    {move || Suspend::new(async move {
                        match profile.await {
                            Ok(view) => view! { <Editor view /> }.into_any(),
                            Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

#[component]
fn Editor(view: RuleProfileView) -> impl IntoView {
    let id = view.summary.profile_id.to_string();
    let latest = view.summary.latest_version;
    let editable = view.can_edit && view.version_no == latest;
    let regulatory = Profile::named(&view.summary.base)
        .map(|p| p.parameters)
        .unwrap_or_default();
    let edits: Edits = RwSignal::new(BTreeMap::new());
    let filter = RwSignal::new(String::new());
    view! {
        <h1>{view.summary.name.clone()}</h1>
        <p class="muted" data-testid="rule-profile-line">
            "Version " {view.version_no} " of " {latest} " · derived from " {view.summary.base.clone()}
        </p>
        {(view.version_no != latest).then(|| view! {
            <p class="notice" role="status">"Versions never change once saved. "
                <a href=format!("/app/rules/{id}")>"Open the latest version"</a> " to change the rules."</p>
        })}
        <Versions id=id.clone() shown=view.version_no versions=view.versions.clone() />
        <Compare id=id.clone() latest />
        {editable.then(|| view! { <SaveForm id=id.clone() latest edits /> })}
        <div class="field">
            <label for="param-filter">"Find a parameter"</label>
            <input id="param-filter" type="search" placeholder="risk weight corporate, lcr.outflow…"
                on:input=move |ev| filter.set(event_target_value(&ev).to_lowercase()) />
        </div>
        {SECTIONS.iter().map(|(name, _)| {
            let rows: Vec<(String, f64, f64)> = view.parameters.iter()
                .filter(|(key, _)| section(key) == *name)
                .map(|(key, value)| (key.clone(), *value, regulatory.get(key).copied().unwrap_or(*value)))
                .collect();
            view! { <Section name rows editable edits filter /> }
        }).collect_view()}
    }
}

#[component]
fn Section(
    name: &'static str,
    rows: Vec<(String, f64, f64)>,
    editable: bool,
    edits: Edits,
    filter: RwSignal<String>,
) -> impl IntoView {
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|(k, _, _)| (k.clone(), meaning(k).to_lowercase()))
        .collect();
    let matches = move |key: &str| {
        filter.with(|f| {
            f.is_empty()
                || keys
                    .iter()
                    .any(|(k, m)| k == key && (k.contains(f.as_str()) || m.contains(f.as_str())))
        })
    };
    let hidden = {
        let rows: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let matches = matches.clone();
        move || !rows.iter().any(|k| matches(k))
    };
    view! {
        <section class="card param-section" class:hidden=hidden aria-label=name>
            <h2>{name}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=name>
                <table class="data-table param-table">
                    <thead><tr><th>"Parameter"</th><th>"Regulatory value"</th><th>"This profile"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(key, value, regulatory)| {
                            let shown = {
                                let (key, matches) = (key.clone(), matches.clone());
                                move || !matches(&key)
                            };
                            view! { <ParameterRow key value regulatory editable edits hidden=shown /> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Versions(id: String, shown: i32, versions: Vec<RuleVersionSummary>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Versions">
            <table class="data-table" data-testid="rule-versions">
                <thead><tr><th>"Version"</th><th>"Saved"</th><th>"By"</th><th>"Note"</th></tr></thead>
                <tbody>
                    {versions.into_iter().map(|v| {
                        let href = format!("/app/rules/{id}?version={}", v.version_no);
                        view! {
                            <tr class:current-row=v.version_no == shown>
                                <td><a href=href>{v.version_no}</a></td>
                                <td>{v.created_at.to_string()}</td>
                                <td>{v.author}</td>
                                <td>{v.note}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// What changed between two versions.
#[component]
fn Compare(id: String, latest: i32) -> impl IntoView {
    let compare = ServerAction::<CompareRuleProfile>::new();
    let value = compare.value();
    let options = move |selected: i32| {
        (1..=latest)
            .rev()
            .map(|v| view! { <option value=v.to_string() selected=v == selected>{format!("version {v}")}</option> })
            .collect_view()
    };
    (latest > 1).then(|| view! {
        <ActionForm action=compare attr:class="inline-form" attr:data-testid="compare-form">
            <input type="hidden" name="id" value=id />
            <label for="compare-from">"Compare "</label>
            <select id="compare-from" name="from">{options(latest - 1)}</select>
            <label for="compare-to">" with "</label>
            <select id="compare-to" name="to">{options(latest)}</select>
            <button type="submit" class="button">"Show the changes"</button>
        </ActionForm>
        {move || value.get().map(|result| match result {
            Ok(changes) if changes.is_empty() => view! { <p class="muted">"The two versions have the same rules."</p> }.into_any(),
            Ok(changes) => view! {
                <table class="data-table" data-testid="rule-diff">
                    <thead><tr><th>"Parameter"</th><th>"From"</th><th>"To"</th></tr></thead>
                    <tbody>
                        {changes.into_iter().map(|c| view! {
                            <tr><td>{meaning(&c.key)} " " <code>{c.key.clone()}</code></td>
                                <td class="num">{shown(&c.key, c.from)} " " {unit(&c.key)}</td>
                                <td class="num">{shown(&c.key, c.to)} " " {unit(&c.key)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
            Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
        })}
    })
}

/// Posts the parameters changed in the tables as the next version.
#[component]
fn SaveForm(id: String, latest: i32, edits: Edits) -> impl IntoView {
    let save = ServerAction::<SaveRuleProfile>::new();
    let value = save.value();
    let note_error = field_error(value, "note");
    let changes_error = field_error(value, "changes");
    let alert = form_error(value);
    {
        let page = format!("/app/rules/{id}");
        Effect::new(move |_| {
            if let Some(Ok(_)) = value.get() {
                let _ = window().location().set_href(&page);
            }
        });
    }
    // The typed values in the engine's units; the first problem blocks.
    let changes = move || {
        edits.with(|e| {
            e.iter()
                .map(|(k, t)| parse(k, t).map(|v| (k.clone(), v)))
                .collect::<Result<BTreeMap<String, f64>, String>>()
        })
    };
    let changes_json = move || {
        changes()
            .ok()
            .and_then(|c| serde_json::to_string(&c).ok())
            .unwrap_or_default()
    };
    let count = move || edits.with(BTreeMap::len);
    view! {
        <ActionForm action=save attr:class="stack-form card" attr:novalidate=true attr:data-testid="rule-save-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="changes" prop:value=changes_json />
            <p>{move || match count() {
                0 => "Change a value in the tables below, then save it as a new version.".to_owned(),
                1 => "1 parameter changed.".to_owned(),
                n => format!("{n} parameters changed."),
            }}</p>
            <FormField label="Why this version" id="rule-note" error=note_error>
                <input id="rule-note" name="note" type="text" maxlength="500" />
            </FormField>
            {move || changes_error().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
            <FormAlert error=alert />
            <button type="submit" class="button button-primary"
                disabled=move || save.pending().get() || count() == 0 || changes().is_err()>
                {format!("Save as version {}", latest + 1)}
            </button>
        </ActionForm>
    }
}
