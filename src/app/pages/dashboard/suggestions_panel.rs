//! Suggestions: the cheapest plan from the levers' scenario back to every
//! target, computed in the browser by the code `prudentia suggest` runs;
//! the simulation's targets are set here; Apply adds the plan's edits to
//! the levers (Undo takes them back), Save as scenario stores them.

use super::lever_rail::History;
use super::now_ms;
use super::whatif::{Levers, LiveEngine};
use crate::api::simulations::SaveScenario;
use crate::api::suggestions::{SetSimulationTargets, simulation_targets, suggestion_catalogue};
use crate::engine::results::Results;
use crate::engine::scenario::Edit;
use crate::intel::suggest::catalogue::{self, Override};
use crate::intel::suggest::{self, Plan, Ratio, Targets};
use leptos::prelude::*;

/// What a plan is asked for: the simulation's targets (a ratio left out
/// takes its requirement plus management buffer) and the organisation's
/// changes to the shipped catalogue.
struct Asked {
    targets: Targets,
    overrides: Vec<Override>,
}

/// The plan for the data set as the levers leave it, measured on the
/// what-if engine itself (which the plan leaves as it found it).
fn plan_for(live: &mut LiveEngine, levers: &Levers, asked: &Asked) -> Result<Plan, String> {
    let base = live.move_to(levers)?;
    let engine = &mut live.whatif.engine;
    let targets = asked.targets.with_defaults(&Targets::defaults(&base));
    let actions = catalogue::with_overrides(
        catalogue::defaults(engine.data(), base.rwa.total),
        &asked.overrides,
    );
    suggest::suggest_on(engine, &targets, &actions).map_err(|e| e.to_string())
}

fn millions(euros: f64) -> String {
    format!("€{:.1} m", euros / 1e6)
}

#[component]
pub(super) fn SuggestionsPanel(
    simulation_id: String,
    engine: StoredValue<Option<LiveEngine>>,
    levers: RwSignal<Levers>,
    history: History,
    ready: RwSignal<bool>,
    can_edit: bool,
) -> impl IntoView {
    let plan = RwSignal::new(None::<Result<Plan, String>>);
    let elapsed = RwSignal::new(None::<f64>);
    let set_targets = ServerAction::<SetSimulationTargets>::new();
    // The organisation's catalogue (browser-side: only a plan reads it),
    // and the targets again whenever they are saved.
    let overrides = LocalResource::new(suggestion_catalogue);
    let targets = {
        let id = simulation_id.clone();
        Resource::new(
            move || (id.clone(), set_targets.version().get()),
            |(id, _)| simulation_targets(id),
        )
    };
    let run = move |_| {
        let started = now_ms();
        let at = levers.get_untracked();
        let asked = match (overrides.get(), targets.get()) {
            (Some(Ok(overrides)), Some(Ok(targets))) => Asked { targets, overrides },
            (Some(Err(e)), _) | (_, Some(Err(e))) => return plan.set(Some(Err(e.to_string()))),
            _ => {
                return plan.set(Some(Err(
                    "The targets are still loading; try again.".to_owned()
                )));
            }
        };
        let outcome = engine
            .try_update_value(|e| e.as_mut().map(|live| plan_for(live, &at, &asked)))
            .flatten()
            .unwrap_or_else(|| Err("the engine is not loaded".to_owned()));
        plan.set(Some(outcome));
        elapsed.set(now_ms().zip(started).map(|(end, start)| end - start));
    };
    // A plan is for the levers it was computed from: moving one clears it.
    Effect::new(move |previous: Option<()>| {
        levers.track();
        if previous.is_some() {
            plan.set(None);
        }
    });
    let (form_id, save_id) = (simulation_id.clone(), simulation_id);
    let apply = move |edits: Vec<Edit>| {
        levers.update(|l| l.fixes.extend(edits));
        history.commit();
    };
    view! {
        <section class="panel suggestions" aria-label="Suggestions" data-testid="suggestions">
            <h2>"Suggestions"</h2>
            <p class="muted">"The cheapest actions that bring every ratio to its target, from the levers as they are. A target left empty is the requirement plus the management buffer."</p>
            <Transition fallback=|| ()>
                {move || {
                    let id = form_id.clone();
                    Suspend::new(async move {
                        targets.await.map(|saved| view! { <TargetsForm id saved set_targets can_edit /> })
                    })
                }}
            </Transition>
            <button type="button" class="button" data-testid="suggest-plan" prop:disabled=move || !ready.get() on:click=run>"Suggest a plan"</button>
            {move || elapsed.get().map(|ms| view! { <p class="muted" data-testid="suggest-time">{format!("Planned in the browser in {ms:.0} ms.")}</p> })}
            {move || plan.get().map(|outcome| match outcome {
                Ok(plan) => {
                    let edits = plan.edits();
                    let saving = (can_edit && plan.feasible && !edits.is_empty())
                        .then(|| view! { <SaveAsScenario id=save_id.clone() levers edits /> });
                    view! { <PlanView plan apply /> {saving} }.into_any()
                }
                Err(e) => view! { <p class="form-alert" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn PlanView(plan: Plan, apply: impl Fn(Vec<Edit>) + Copy + Send + Sync + 'static) -> impl IntoView {
    if !plan.feasible || plan.actions.is_empty() {
        return view! {
            <p data-testid="plan-summary">{plan.explanation.first().cloned().unwrap_or_default()}</p>
        }
        .into_any();
    }
    let edits = plan.edits();
    let prices = plan
        .shadow_prices
        .iter()
        .filter_map(|p| {
            p.per_basis_point.map(|cost| {
                let more = if p.ratio == Ratio::LargeExposure {
                    "One basis point of Tier 1 less on the largest large exposure"
                } else {
                    "One more basis point of "
                };
                let of = if p.ratio == Ratio::LargeExposure {
                    ""
                } else {
                    p.ratio.label()
                };
                format!("{more}{of} costs {} a year.", millions(cost))
            })
        })
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <p data-testid="plan-summary">{format!("{} action(s) for {} a year.", plan.actions.len(), millions(plan.cost))}</p>
        <table class="data-table" data-testid="plan-actions">
            <thead><tr><th>"Action"</th><th>"Amount"</th><th>"Cost a year"</th></tr></thead>
            <tbody>
                {plan.actions.iter().map(|s| view! {
                    <tr><td>{s.action.clone()}</td><td>{millions(s.amount)}</td><td>{millions(s.cost)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <AfterPlan results=plan.results_after.clone() targets=plan.targets.clone() />
        <p data-testid="plan-prices">{prices}</p>
        <Ranking ranking=plan.ranking.clone() />
        <ul class="plan-explanation">
            {plan.explanation.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
        </ul>
        <button type="button" class="button button-primary" data-testid="apply-plan"
            on:click=move |_| apply(edits.clone())>"Apply to the levers"</button>
    }
    .into_any()
}

/// Each targeted ratio after the plan against its target.
#[component]
fn AfterPlan(results: Results, targets: Targets) -> impl IntoView {
    let rows = Ratio::ALL
        .into_iter()
        .filter_map(|r| {
            let (target, value) = (targets.get(r)?, r.value(&results)?);
            Some(view! {
                <tr data-ratio=r.key()>
                    <td>{r.title()}</td><td>{format!("{:.2} %", value * 100.0)}</td>
                    <td>{format!("{}{:.2} %", if r == Ratio::LargeExposure { "at most " } else { "" }, target * 100.0)}</td>
                </tr>
            })
        })
        .collect_view();
    view! {
        <table class="data-table" data-testid="plan-ratios">
            <thead><tr><th>"Ratio"</th><th>"After the plan"</th><th>"Target"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Single actions by what each does for the ratio the plan is about.
#[component]
fn Ranking(ranking: Vec<suggest::Ranked>) -> impl IntoView {
    let ratio = ranking.first().map(|r| r.ratio.label()).unwrap_or_default();
    (!ranking.is_empty()).then(|| {
        view! {
            <details data-testid="plan-ranking">
                <summary>{format!("Single actions for {ratio}, the most effective first")}</summary>
                <ol>
                    {ranking.into_iter().take(8).map(|r| view! {
                        <li>{format!(
                            "{}: {:.2} bp per €1 m{}",
                            r.action,
                            r.bp_per_million,
                            r.bp_per_euro_of_cost.map(|bp| format!(", {:.1} bp per €1 m of yearly cost", bp * 1e6)).unwrap_or_default()
                        )}</li>
                    }).collect_view()}
                </ol>
            </details>
        }
    })
}

/// The simulation's targets in percent; an empty field is the requirement
/// plus the management buffer.
#[component]
fn TargetsForm(
    id: String,
    saved: Targets,
    set_targets: ServerAction<SetSimulationTargets>,
    can_edit: bool,
) -> impl IntoView {
    let value = set_targets.value();
    let error = move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    };
    let fields = Ratio::ALL.map(|r| {
        let shown = saved.get(r).map(|t| format!("{:.2}", t * 100.0)).unwrap_or_default();
        view! {
            <label class="target-field">{format!("{} (%{})", r.title(), if r == Ratio::LargeExposure { " of Tier 1, at most" } else { "" })}
                <input type="text" inputmode="decimal" name=format!("targets[{}]", r.key()) value=shown placeholder="default" readonly=!can_edit />
            </label>
        }
    });
    view! {
        <ActionForm action=set_targets attr:class="inline-form targets-form" attr:data-testid="plan-targets">
            <input type="hidden" name="id" value=id />
            {fields.into_iter().collect_view()}
            {can_edit.then(|| view! { <button type="submit" class="button">"Save targets"</button> })}
            {move || error().map(|e| view! { <p class="form-alert" role="alert">{e}</p> })}
        </ActionForm>
    }
}

/// Stores the levers with the plan as a named scenario of the simulation.
#[component]
fn SaveAsScenario(id: String, levers: RwSignal<Levers>, edits: Vec<Edit>) -> impl IntoView {
    let save = ServerAction::<SaveScenario>::new();
    let name = RwSignal::new("Suggested plan".to_owned());
    let value = save.value();
    let said = move || {
        value.with(|v| match v {
            Some(Ok(_)) => {
                Some(view! { <span class="notice" role="status">"Saved."</span> }.into_any())
            }
            Some(Err(e)) => Some(
                view! { <span class="form-alert" role="alert">{e.to_string()}</span> }.into_any(),
            ),
            None => None,
        })
    };
    let send = move |_| {
        let mut all = levers.with_untracked(Levers::edits);
        all.extend(edits.iter().cloned());
        save.dispatch(SaveScenario {
            id: id.clone(),
            name: name.get_untracked(),
            edits: serde_json::to_string(&all).unwrap_or_default(),
        });
    };
    view! {
        <div class="inline-form" data-testid="save-plan">
            <label>"Scenario name "
                <input type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <button type="button" class="button" on:click=send prop:disabled=move || save.pending().get()>"Save as scenario"</button>
            {said}
        </div>
    }
}
