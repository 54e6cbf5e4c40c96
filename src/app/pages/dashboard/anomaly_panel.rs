//! The version's anomalies beside the levers: what looks wrong, why, and
//! the fixes that become lever edits (so their effect shows before anyone
//! saves them as a version).

use super::lever_rail::History;
use crate::api::simulations::version_anomalies;
use crate::intel::anomalies::{Anomaly, Severity};
use leptos::prelude::*;

/// How many anomalies the panel lists; the count says how many there are.
const SHOWN: usize = 50;

#[component]
pub(super) fn AnomalyPanel(
    simulation_id: String,
    version: i32,
    history: History,
    /// Where the charts read the anomalies found.
    shared: RwSignal<Vec<Anomaly>>,
) -> impl IntoView {
    let found = Resource::new(
        move || (simulation_id.clone(), version),
        |(id, v)| version_anomalies(id, v),
    );
    view! {
        <section class="anomalies panel" aria-label="Anomalies" data-testid="anomalies">
            <h2>"Anomalies"</h2>
            <Suspense fallback=|| view! { <p>"Looking for anomalies…"</p> }>
                {move || Suspend::new(async move {
                    let found = found.await;
                    if let Ok(list) = &found {
                        shared.set(list.clone());
                    }
                    match found {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing in this version's numbers looks wrong."</p> }.into_any(),
                        Ok(list) => view! { <AnomalyTable list history /> }.into_any(),
                        Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AnomalyTable(list: Vec<Anomaly>, history: History) -> impl IntoView {
    let levers = history.levers;
    let high = list.iter().filter(|a| a.severity == Severity::High).count();
    let summary = format!(
        "{} anomalies, {high} of high severity{}.",
        list.len(),
        if list.len() > SHOWN {
            format!("; the {SHOWN} most severe below")
        } else {
            String::new()
        }
    );
    let rows = list
        .into_iter()
        .take(SHOWN)
        .map(|a| {
            let fix = a.fix.clone().map(|fix| {
                let edit = fix.edit.clone();
                let applied = {
                    let edit = edit.clone();
                    Memo::new(move |_| levers.with(|l| l.fixes.contains(&edit)))
                };
                view! {
                    <button type="button" class="button" prop:disabled=applied
                        on:click=move |_| {
                            levers.update(|l| l.fixes.push(edit.clone()));
                            history.commit();
                        }>
                        {move || if applied.get() { "Applied".to_owned() } else { fix.label.clone() }}
                    </button>
                }
            });
            view! {
                <tr class=format!("severity-{}", a.severity.label().to_lowercase())>
                    <td>{a.severity.label()}</td>
                    <td>{format!("{:?}", a.kind).to_lowercase()}</td>
                    <td><code>{a.id.clone().unwrap_or_default()}</code></td>
                    <td>{a.field.clone()}</td>
                    <td>{a.explanation.clone()}</td>
                    <td>{fix}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="anomaly-summary">{summary}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Anomalies">
            <table class="data-table">
                <thead><tr><th>"Severity"</th><th>"Kind"</th><th>"Line"</th><th>"Field"</th><th>"Why"</th><th>"Fix"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
