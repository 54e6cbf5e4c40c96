//! What the mapped data says is wrong before it becomes a simulation: each
//! anomaly with its explanation, and its fix accepted with one click (it
//! travels in the mapping and applies at the next check and the commit).

use crate::intel::anomalies::Anomaly;
use crate::model::import::Mapping;
use leptos::prelude::*;

#[component]
pub fn ImportAnomalies(
    anomalies: Vec<Anomaly>,
    total: usize,
    mapping: RwSignal<Mapping>,
) -> impl IntoView {
    let shown = anomalies.len();
    view! {
        <section class="card" data-testid="import-anomalies">
            <h3>"Anomalies"</h3>
            <p>
                {format!("{total} value(s) look wrong.")}
                {(shown < total).then(|| format!(" The {shown} most severe are listed."))}
                " A fix you accept applies at the next check."
            </p>
            <div class="table-scroll">
                <table class="data-table">
                    <thead><tr><th>"Severity"</th><th>"Kind"</th><th>"Line"</th><th>"What"</th><th>"Fix"</th></tr></thead>
                    <tbody>
                        {anomalies.into_iter().map(|a| {
                            let fix = a.fix.clone().map(|fix| {
                                let edit = fix.edit.clone();
                                let accepted = {
                                    let edit = edit.clone();
                                    move || mapping.with(|m| m.fixes.contains(&edit))
                                };
                                let disabled = accepted.clone();
                                view! {
                                    <button type="button" class="button" data-testid="accept-fix" disabled=disabled
                                        on:click=move |_| mapping.update(|m| m.fixes.push(edit.clone()))>
                                        {move || if accepted() { "Accepted".to_owned() } else { fix.label.clone() }}
                                    </button>
                                }
                            });
                            view! {
                                <tr data-testid="import-anomaly" data-line=a.id.clone().unwrap_or_default()>
                                    <td>{a.severity.label()}</td>
                                    <td>{format!("{:?}", a.kind).to_lowercase()}</td>
                                    <td>{a.id.clone()}</td>
                                    <td>{a.explanation.clone()}</td>
                                    <td>{fix}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
