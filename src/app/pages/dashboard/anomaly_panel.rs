//! The version's anomalies beside the levers: what looks wrong, why, the
//! fixes that become lever edits (so their effect shows before anyone
//! saves them as a version), and a dismissal, with its reason, for what a
//! person judges not an error.

use super::lever_rail::History;
use crate::api::anomalies::DismissAnomaly;
use crate::api::simulations::version_anomalies;
use crate::intel::anomalies::{Anomaly, Severity};
use crate::model::anomalies::Finding;
use leptos::prelude::*;

/// How many anomalies the panel lists; the count says how many there are.
const SHOWN: usize = 50;

#[component]
pub(super) fn AnomalyPanel(
    simulation_id: String,
    version: i32,
    history: History,
    can_edit: bool,
    /// Where the charts read the anomalies found.
    shared: RwSignal<Vec<Anomaly>>,
) -> impl IntoView {
    let found = Resource::new(
        {
            let id = simulation_id.clone();
            move || (id.clone(), version)
        },
        |(id, v)| version_anomalies(id, v),
    );
    let target = Target {
        simulation_id,
        version,
        can_edit,
    };
    view! {
        <section class="anomalies panel" aria-label="Anomalies" data-testid="anomalies">
            <h2>"Anomalies"</h2>
            <Suspense fallback=|| view! { <p>"Looking for anomalies…"</p> }>
                {move || {
                    let target = target.clone();
                    Suspend::new(async move {
                        match found.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing in this version's numbers looks wrong."</p> }.into_any(),
                            Ok(list) => {
                                shared.set(list);
                                view! { <AnomalyTables shared history target /> }.into_any()
                            }
                            Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// The version the anomalies belong to, and whether the reader may
/// dismiss them.
#[derive(Clone)]
struct Target {
    simulation_id: String,
    version: i32,
    can_edit: bool,
}

#[component]
fn AnomalyTables(
    shared: RwSignal<Vec<Anomaly>>,
    history: History,
    target: Target,
) -> impl IntoView {
    let summary = move || {
        shared.with(|list| {
            let open: Vec<&Anomaly> = list.iter().filter(|a| a.dismissed.is_none()).collect();
            let high = open.iter().filter(|a| a.severity == Severity::High).count();
            let dismissed = list.len() - open.len();
            format!(
                "{} anomalies, {high} of high severity{}{}.",
                open.len(),
                if open.len() > SHOWN {
                    format!("; the {SHOWN} most severe below")
                } else {
                    String::new()
                },
                if dismissed > 0 {
                    format!("; {dismissed} dismissed")
                } else {
                    String::new()
                }
            )
        })
    };
    let open = move || {
        shared.with(|list| {
            list.iter()
                .filter(|a| a.dismissed.is_none())
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let dismissed = move || {
        shared.with(|list| {
            list.iter()
                .filter(|a| a.dismissed.is_some())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let row_target = target.clone();
    view! {
        <p data-testid="anomaly-summary">{summary}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Anomalies">
            <table class="data-table">
                <thead><tr><th>"Severity"</th><th>"Kind"</th><th>"Line"</th><th>"Field"</th><th>"Why"</th><th>"Fix"</th></tr></thead>
                <tbody>
                    {move || open().into_iter().map(|a| view! { <AnomalyRow anomaly=a history shared target=row_target.clone() /> }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || {
            let dismissed = dismissed();
            (!dismissed.is_empty()).then(|| view! { <DismissedList dismissed /> })
        }}
    }
}

#[component]
fn AnomalyRow(
    anomaly: Anomaly,
    history: History,
    shared: RwSignal<Vec<Anomaly>>,
    target: Target,
) -> impl IntoView {
    let levers = history.levers;
    let fix = anomaly.fix.clone().map(|fix| {
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
    let dismiss = target
        .can_edit
        .then(|| view! { <DismissForm anomaly=anomaly.clone() shared target /> });
    view! {
        <tr class=format!("severity-{}", anomaly.severity.label().to_lowercase())>
            <td>{anomaly.severity.label()}</td>
            <td>{anomaly.kind.key()}</td>
            <td><code>{anomaly.id.clone().unwrap_or_default()}</code></td>
            <td>{anomaly.field.clone()}</td>
            <td>{anomaly.explanation.clone()}</td>
            <td class="button-row">{fix}{dismiss}</td>
        </tr>
    }
}

/// "Not an error": asks why, then records it; the row moves to the
/// dismissed list.
#[component]
fn DismissForm(anomaly: Anomaly, shared: RwSignal<Vec<Anomaly>>, target: Target) -> impl IntoView {
    let dismiss = ServerAction::<DismissAnomaly>::new();
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(done)) = dismiss.value().get() {
            shared.update(|list| {
                for a in list
                    .iter_mut()
                    .filter(|a| Finding::of(a) == Finding::of(&done))
                {
                    a.dismissed = done.dismissed.clone();
                }
            });
        }
    });
    let error = move || {
        dismiss.value().with(|v| match v {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    };
    let finding = Finding::of(&anomaly);
    let send = move || {
        dismiss.dispatch(DismissAnomaly {
            simulation_id: target.simulation_id.clone(),
            version: target.version,
            finding: finding.clone(),
            reason: reason.get_untracked(),
        });
    };
    view! {
        <Show when=move || asking.get() fallback=move || view! {
            <button type="button" class="button secondary" data-testid="dismiss-anomaly" on:click=move |_| asking.set(true)>"Not an error"</button>
        }>
            <form class="inline-form" data-testid="dismiss-form" on:submit={
                let send = send.clone();
                move |ev| { ev.prevent_default(); send(); }
            }>
                <label>"Why is it not an error? "
                    <input type="text" maxlength="500" required data-testid="dismiss-reason"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button" disabled=move || dismiss.pending().get()>"Dismiss"</button>
                <button type="button" class="button secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                {move || error().map(|e| view! { <p class="form-alert" role="alert">{e}</p> })}
            </form>
        </Show>
    }
}

#[component]
fn DismissedList(dismissed: Vec<Anomaly>) -> impl IntoView {
    view! {
        <details class="dismissed" data-testid="dismissed-anomalies">
            <summary>{format!("{} dismissed", dismissed.len())}</summary>
            <ul>
                {dismissed.into_iter().map(|a| {
                    let by = a.dismissed.clone().map(|d| format!("{} on {}: {}", d.by, d.at, d.reason)).unwrap_or_default();
                    view! {
                        <li>
                            <code>{a.id.clone().unwrap_or_default()}</code> " " {a.field.clone()} " (" {a.kind.key()} "): "
                            {a.explanation.clone()} <span class="muted">" Dismissed by " {by}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}
