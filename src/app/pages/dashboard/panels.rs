//! The panels under the cockpit: baseline against scenario with the saved
//! scenarios, and the versions with their review.

use super::whatif::Levers;
use crate::api::simulations::{SaveScenario, SaveVersion};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::key_strip::points;
use crate::app::components::review::VersionReview;
use crate::engine::results::Results;
use crate::intel::anomalies::Anomaly;
use crate::model::money::percent;
use crate::model::simulation::VersionSummary;
use crate::model::status::metrics;
use crate::model::workflow::Review;
use leptos::prelude::*;

/// Every metric of the baseline against the scenario, the scenarios saved
/// so far and the form that saves the levers as one.
#[component]
pub(super) fn ScenarioPanel(
    simulation_id: String,
    baseline: Results,
    scenario: RwSignal<Results>,
    levers: RwSignal<Levers>,
    /// The levers as last saved, which leaving the page compares with.
    saved_levers: RwSignal<Levers>,
    /// The names of the scenarios saved before.
    scenarios: Vec<String>,
    can_edit: bool,
) -> impl IntoView {
    let baseline_metrics = metrics(&baseline);
    let save = ServerAction::<SaveScenario>::new();
    let save_value = save.value();
    let name_error = field_error(save_value, "name");
    let edits_error = field_error(save_value, "edits");
    let save_alert = form_error(save_value);
    let saved_names = RwSignal::new(scenarios);
    let last_saved_name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(_)) = save_value.get() {
            saved_levers.set(levers.get_untracked());
            let name = last_saved_name.get_untracked();
            saved_names.update(|names| {
                if !names.contains(&name) {
                    names.push(name);
                }
            });
        }
    });
    let edits_json = move || levers.with(Levers::edits_json);

    let comparison = move || {
        scenario.with(|s| {
            baseline_metrics
                .iter()
                .zip(metrics(s))
                .map(|(b, m)| {
                    let delta = b.value.zip(m.value).map(|(x, y)| y - x);
                    view! {
                        <tr>
                            <td>{b.label}</td>
                            <td>{percent(b.value)}</td>
                            <td>{percent(m.value)}</td>
                            <td data-testid=format!("delta-{}", b.key)>{points(delta)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="comparison panel" aria-label="Baseline and scenario">
            <h2>"Baseline and scenario"</h2>
            <table class="data-table" data-testid="comparison">
                <thead><tr><th>"Metric"</th><th>"Baseline"</th><th>"Scenario"</th><th>"Change"</th></tr></thead>
                <tbody>{comparison}</tbody>
            </table>
            <h2>"Saved scenarios"</h2>
            <ul data-testid="saved-scenarios">
                {move || saved_names.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
            {if can_edit {
                let simulation_id = simulation_id.clone();
                view! {
                    <ActionForm action=save attr:class="stack-form" attr:novalidate=true>
                        <input type="hidden" name="id" value=simulation_id />
                        <input type="hidden" name="edits" prop:value=edits_json />
                        <FormField label="Scenario name" id="scenario-name" error=name_error>
                            <input id="scenario-name" name="name" type="text" required
                                on:input=move |ev| last_saved_name.set(event_target_value(&ev).trim().to_owned()) />
                        </FormField>
                        {move || edits_error().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
                        <FormAlert error=save_alert />
                        {move || save_value.get().and_then(Result::ok).map(|cet1| view! {
                            <p class="notice" role="status" data-testid="saved">
                                "Saved. The server recomputed it: CET1 " {percent(cet1)} "."
                            </p>
                        })}
                        <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Save scenario"</button>
                    </ActionForm>
                }.into_any()
            } else {
                view! { <p class="notice" data-testid="read-only">"You can try levers; saving needs the analyst or admin role."</p> }.into_any()
            }}
        </section>
    }
}

/// The simulation's versions, the review of the one shown, and the form
/// that saves the levers as a new version.
#[component]
pub(super) fn VersionsPanel(
    simulation_id: String,
    version_no: i32,
    latest_version: i32,
    versions: Vec<VersionSummary>,
    review: Review,
    can_edit: bool,
    levers: RwSignal<Levers>,
    saved_levers: RwSignal<Levers>,
    ready: RwSignal<bool>,
    anomalies: Signal<Vec<Anomaly>>,
) -> impl IntoView {
    let save_version = ServerAction::<SaveVersion>::new();
    let version_value = save_version.value();
    let note_error = field_error(version_value, "note");
    let version_edits_error = field_error(version_value, "edits");
    let version_alert = form_error(version_value);
    let edits_json = move || levers.with(Levers::edits_json);
    {
        let dashboard = format!("/app/simulations/{simulation_id}");
        Effect::new(move |_| {
            if let Some(Ok(_)) = version_value.get() {
                // The new version is the new baseline: open it afresh, the
                // levers saved with it.
                saved_levers.set(levers.get_untracked());
                let _ = window().location().set_href(&dashboard);
            }
        });
    }
    view! {
        <section class="versions panel" aria-label="Versions">
            <h2>"Versions"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Versions">
                <table class="data-table" data-testid="versions">
                    <thead><tr>
                        <th>"Version"</th><th>"Status"</th><th>"Saved"</th><th>"By"</th><th>"Note"</th><th>"Rules"</th><th>"Lines"</th>
                        <th>"CET1"</th><th>"Tier 1"</th><th>"Total capital"</th><th>"Leverage"</th><th>"LCR"</th><th>"NSFR"</th>
                    </tr></thead>
                    <tbody>
                        {let simulation_id = simulation_id.clone(); versions.into_iter().rev().map(move |v| {
                            let href = format!("/app/simulations/{simulation_id}?version={}", v.version_no);
                            let shown = v.version_no == version_no;
                            view! {
                                <tr class:current-row=shown>
                                    <td>{if shown { view! { <strong>{v.version_no}</strong> }.into_any() } else { view! { <a href=href>{v.version_no}</a> }.into_any() }}</td>
                                    <td>{v.status.label()}</td>
                                    <td>{v.created_at.to_string()}</td>
                                    <td>{v.author}</td>
                                    <td>{v.note}</td>
                                    <td>{v.rules.unwrap_or_else(|| "Data set's own".to_owned())}</td>
                                    <td>{v.line_count}</td>
                                    <td>{percent(v.ratios.cet1)}</td>
                                    <td>{percent(v.ratios.tier1)}</td>
                                    <td>{percent(v.ratios.total_capital)}</td>
                                    <td>{percent(v.ratios.leverage)}</td>
                                    <td>{percent(v.ratios.lcr)}</td>
                                    <td>{percent(v.ratios.nsfr)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <VersionReview simulation_id=simulation_id.clone() version=version_no review anomalies />
            {let simulation_id = simulation_id.clone(); can_edit.then(move || view! {
                <ActionForm action=save_version attr:class="stack-form" attr:novalidate=true attr:data-testid="version-form">
                    <input type="hidden" name="id" value=simulation_id.clone() />
                    <input type="hidden" name="edits" prop:value=edits_json />
                    <p class="muted">"A new version keeps the data with the levers' changes applied; versions never change once saved."</p>
                    <FormField label="Why this version (optional)" id="version-note" error=note_error>
                        <input id="version-note" name="note" type="text" maxlength="500" />
                    </FormField>
                    {move || version_edits_error().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
                    <FormAlert error=version_alert />
                    <button type="submit" class="button" disabled=move || save_version.pending().get() || !ready.get()>
                        {format!("Save the levers as version {}", latest_version + 1)}
                    </button>
                </ActionForm>
            })}
        </section>
    }
}
