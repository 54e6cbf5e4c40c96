//! The what-if levers: capital, requirements, class scales, ratings and
//! outflows, any rule parameter, with undo and redo between the positions the analyst settled
//! on, and the line edits made from the table of lines.

use super::parameter_lever::ParameterLever;
use super::whatif::Levers;
use crate::engine::dataset::ExposureClass;
use crate::engine::profile::Profile;
use leptos::prelude::*;

/// Undo and redo move between committed lever positions: a typed value
/// once it is left, a slider once it is let go.
#[derive(Clone, Copy)]
pub(super) struct History {
    pub(super) levers: RwSignal<Levers>,
    past: RwSignal<Vec<Levers>>,
    future: RwSignal<Vec<Levers>>,
    committed: RwSignal<Levers>,
    /// Moves when undo, redo or reset move every lever at once, so the
    /// inputs are drawn again with their values; typing never redraws.
    pub(super) generation: RwSignal<u32>,
}

impl History {
    pub(super) fn new(levers: RwSignal<Levers>) -> History {
        History {
            levers,
            past: RwSignal::new(Vec::new()),
            future: RwSignal::new(Vec::new()),
            committed: RwSignal::new(Levers::default()),
            generation: RwSignal::new(0),
        }
    }

    /// Makes the levers' position one that undo comes back to.
    pub(super) fn commit(&self) {
        let now = self.levers.get_untracked();
        let before = self.committed.get_untracked();
        if now != before {
            self.past.update(|p| p.push(before));
            self.future.update(Vec::clear);
            self.committed.set(now);
        }
    }

    fn jump(&self, to: Levers) {
        self.committed.set(to.clone());
        self.levers.set(to);
        self.generation.update(|g| *g += 1);
    }

    pub(super) fn undo(&self) {
        self.commit();
        if let Some(previous) = self.past.try_update(Vec::pop).flatten() {
            self.future.update(|f| f.push(self.levers.get_untracked()));
            self.jump(previous);
        }
    }

    pub(super) fn redo(&self) {
        if let Some(next) = self.future.try_update(Vec::pop).flatten() {
            self.past.update(|p| p.push(self.levers.get_untracked()));
            self.jump(next);
        }
    }

    pub(super) fn reset(&self) {
        self.commit();
        let now = self.levers.get_untracked();
        if now != Levers::default() {
            self.past.update(|p| p.push(now));
            self.future.update(Vec::clear);
            self.jump(Levers::default());
        }
    }

    pub(super) fn can_undo(&self) -> bool {
        !self.past.with(Vec::is_empty) || self.levers.with(|l| *l != self.committed.get())
    }

    pub(super) fn can_redo(&self) -> bool {
        !self.future.with(Vec::is_empty)
    }
}

/// The classes a slider scales, with their labels.
const CLASSES: [(ExposureClass, &str); 6] = [
    (ExposureClass::Corporate, "Corporates"),
    (ExposureClass::RealEstate, "Real estate"),
    (ExposureClass::Retail, "Retail"),
    (ExposureClass::Bank, "Banks"),
    (ExposureClass::Sovereign, "Sovereigns"),
    (ExposureClass::Equity, "Equity"),
];

/// A number as typed, with a decimal comma or point.
fn number(text: String) -> Option<f64> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// The levers, live once `ready` (the lines are in the engine);
/// `base_p2r` and `base_ccyb` are the data set's own values.
#[component]
pub(super) fn LeverRail(
    history: History,
    ready: RwSignal<bool>,
    base_p2r: f64,
    base_ccyb: Option<f64>,
    profile: Profile,
) -> impl IntoView {
    let levers = history.levers;
    let classes = CLASSES;
    view! {
        <section class="levers lever-rail" aria-label="What-if levers">
            <h2>"What-if levers"</h2>
            <div class="lever-history" role="group" aria-label="Lever history">
                <button type="button" class="button" prop:disabled=move || !ready.get() || !history.can_undo() on:click=move |_| history.undo()>"Undo"</button>
                <button type="button" class="button" prop:disabled=move || !ready.get() || !history.can_redo() on:click=move |_| history.redo()>"Redo"</button>
                <button type="button" class="button" prop:disabled=move || !ready.get() on:click=move |_| history.reset()>"Reset to baseline"</button>
            </div>
            // Drawn again (with the levers' values) only when undo, redo
            // or reset move every lever at once; typing never redraws.
            {move || {
                history.generation.get();
                let at = levers.get_untracked();
                // `value` for the server's HTML, `prop:value` to move an
                // input the user already edited.
                let capital = at.capital_m.to_string();
                let p2r = format!("{:.2}", at.p2r.unwrap_or(base_p2r) * 100.0);
                let ccyb = at.ccyb.or(base_ccyb).map(|c| format!("{:.2}", c * 100.0)).unwrap_or_default();
                let notches = at.notches.to_string();
                let outflows = format!("{:.0}", at.outflows * 100.0);
                view! {
                    <div class="field">
                        <label for="lever-capital">"CET1 capital action (€ m; + issuance, − dividend or loss)"</label>
                        <input prop:disabled=move || !ready.get() id="lever-capital" type="number" step="10" value=capital.clone() prop:value=capital
                            on:change=move |_| history.commit()
                            on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.capital_m = v) } />
                    </div>
                    <div class="field">
                        <label for="lever-p2r">"Pillar 2 requirement (%)"</label>
                        <input prop:disabled=move || !ready.get() id="lever-p2r" type="number" step="0.05" min="0" value=p2r.clone() prop:value=p2r
                            on:change=move |_| history.commit()
                            on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.p2r = Some(v / 100.0)) } />
                    </div>
                    <div class="field">
                        <label for="lever-ccyb">"Countercyclical buffer rate (%)"</label>
                        <input prop:disabled=move || !ready.get() id="lever-ccyb" type="number" step="0.25" min="0" value=ccyb.clone() prop:value=ccyb
                            placeholder="from country rates"
                            on:change=move |_| history.commit()
                            on:input=move |ev| levers.update(|l| l.ccyb = number(event_target_value(&ev)).map(|v| v / 100.0)) />
                    </div>
                    {classes.into_iter().map(|(class, label)| {
                        let id = format!("lever-scale-{}", class.key());
                        let shown = move || format!("{:.0} %", levers.with(|l| l.scale.get(&class).copied().unwrap_or(1.0)) * 100.0);
                        let value = format!("{:.0}", at.scale.get(&class).copied().unwrap_or(1.0) * 100.0);
                        view! {
                            <div class="field">
                                <label for=id.clone()>{label} " exposures: " <output>{shown}</output></label>
                                <input prop:disabled=move || !ready.get() id=id type="range" min="0" max="200" step="5" value=value.clone() prop:value=value
                                    on:change=move |_| history.commit()
                                    on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| { l.scale.insert(class, v / 100.0); }) } />
                            </div>
                        }
                    }).collect_view()}
                    <div class="field">
                        <label for="lever-notches">"Rating migration (notches, + = downgrade): " <output>{move || levers.with(|l| l.notches)}</output></label>
                        <input prop:disabled=move || !ready.get() id="lever-notches" type="range" min="-3" max="6" step="1" value=notches.clone() prop:value=notches
                            on:change=move |_| history.commit()
                            on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.notches = v as i32) } />
                    </div>
                    <div class="field">
                        <label for="lever-outflows">"LCR outflows: " <output>{move || format!("{:.0} %", levers.with(|l| l.outflows) * 100.0)}</output></label>
                        <input prop:disabled=move || !ready.get() id="lever-outflows" type="range" min="50" max="200" step="5" value=outflows.clone() prop:value=outflows
                            on:change=move |_| history.commit()
                            on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.outflows = v / 100.0) } />
                    </div>
                }
            }}
            <ParameterLever history ready profile />
            <h3>"Line edits"</h3>
            <p class="muted">"Edit a line from the table of lines below."</p>
            <ul class="line-edits" data-testid="line-edits">
                {move || levers.with(|l| l.lines.iter().enumerate().map(|(i, e)| {
                    let value = match &e.value {
                        serde_json::Value::Null => "(cleared)".to_owned(),
                        serde_json::Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    view! {
                        <li>
                            <code>{e.id.clone()}</code> " " {e.field.clone()} " = " {value} " "
                            <button type="button" class="button" on:click=move |_| {
                                levers.update(|l| { l.lines.remove(i); });
                                history.commit();
                            }>"Remove"</button>
                        </li>
                    }
                }).collect_view())}
            </ul>
        </section>
    }
}
