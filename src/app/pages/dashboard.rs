//! The what-if dashboard of one simulation: every ratio against its
//! requirement, levers that recompute in the browser with the engine's
//! incremental path (no server round trip), baseline and scenario side by
//! side, and saving the scenario (recomputed and stored by the server).

use crate::api::simulations::{
    SaveScenario, SaveVersion, ShareSimulation, open_simulation, simulation_lines,
};
use crate::app::components::chart_grid::ChartGrid;
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::key_strip::{KeyStrip, millions, points};
use crate::app::components::review::VersionReview;
use crate::app::components::workspace::Workspace;
use crate::charts;
use crate::engine::dataset::{DataSet, ExposureClass, Tier};
use crate::engine::incremental::IncrementalEngine;
use crate::engine::profile::Profile;
use crate::engine::resolve_profile;
use crate::engine::results::Results;
use crate::engine::scenario::{Edit, Filter, ItemSection, apply_edit};
use crate::model::money::percent;
use crate::model::simulation::{LINES_PER_PAGE, Sharing, SimulationView, decode_lines};
use crate::model::status::metrics;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id"))
        .unwrap_or_default();
    let query = use_query_map();
    view! {
        <Title text="Dashboard" />
        <Workspace page=move |_| {
            let id = id.clone();
            let version = move || query.with(|q| q.get("version")).and_then(|v| v.parse::<i32>().ok());
            let simulation = Resource::new(
                move || (id.clone(), version()),
                |(id, version)| open_simulation(id, version),
            );
            view! {
                <Suspense fallback=|| view! { <p>"Loading the simulation…"</p> }>
                    {move || Suspend::new(async move {
                        match simulation.await {
                            Ok(view) => view! { <Dashboard view /> }.into_any(),
                            Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

/// The lever positions; `edits` turns them into a scenario of dataset.md.
#[derive(Clone, Debug, PartialEq)]
struct Levers {
    /// CET1 issuance (+) or dividend / loss (−), in millions.
    capital_m: f64,
    p2r: Option<f64>,
    ccyb: Option<f64>,
    /// Exposure scaling per class (absent = 1).
    scale: BTreeMap<ExposureClass, f64>,
    notches: i32,
    outflows: f64,
    /// Edits of single lines from the drill-down table, in order.
    lines: Vec<LineEdit>,
}

impl Default for Levers {
    fn default() -> Self {
        Levers {
            capital_m: 0.0,
            p2r: None,
            ccyb: None,
            scale: BTreeMap::new(),
            notches: 0,
            outflows: 1.0,
            lines: Vec::new(),
        }
    }
}

/// `set_line` of one field of one line (a null value removes the field).
#[derive(Clone, Debug, PartialEq)]
struct LineEdit {
    id: String,
    field: String,
    value: serde_json::Value,
}

impl LineEdit {
    fn edit(&self) -> Edit {
        Edit::SetLine {
            id: self.id.clone(),
            field: self.field.clone(),
            value: self.value.clone(),
        }
    }
}

/// The fields a line edit offers, with how their value is typed.
const LINE_FIELDS: [(&str, &str, FieldKind); 9] = [
    ("drawn", "Drawn amount", FieldKind::Number),
    ("undrawn", "Undrawn amount", FieldKind::Number),
    (
        "specific_provisions",
        "Specific provisions",
        FieldKind::Number,
    ),
    ("collateral_value", "Collateral value", FieldKind::Number),
    ("ltv", "Loan-to-value (0.75 = 75 %)", FieldKind::Number),
    ("rating", "Rating (AAA … D)", FieldKind::Text),
    ("country", "Country (ISO code)", FieldKind::Text),
    ("group_id", "Group of connected clients", FieldKind::Text),
    ("defaulted", "Defaulted (yes / no)", FieldKind::Flag),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum FieldKind {
    Number,
    Text,
    Flag,
}

/// The JSON value a typed text stands for in `field`; empty clears it.
fn line_value(field: &str, text: &str) -> Result<serde_json::Value, String> {
    let text = text.trim();
    let kind = LINE_FIELDS
        .iter()
        .find(|f| f.0 == field)
        .map(|f| f.2)
        .ok_or_else(|| format!("\"{field}\" cannot be edited here"))?;
    if text.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    match kind {
        FieldKind::Number => text
            .replace([' ', '\u{a0}', '_'], "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(serde_json::Value::from)
            .ok_or_else(|| format!("\"{text}\" is not a number")),
        FieldKind::Text => Ok(serde_json::Value::from(text)),
        FieldKind::Flag => match text.to_lowercase().as_str() {
            "yes" | "true" | "oui" | "1" => Ok(true.into()),
            "no" | "false" | "non" | "0" => Ok(false.into()),
            _ => Err(format!("\"{text}\" is not yes or no")),
        },
    }
}

const CAPITAL_LABEL: &str = "What-if capital action";

fn capital_action(millions: f64) -> Edit {
    Edit::AddCapital {
        tier: Tier::Cet1,
        label: CAPITAL_LABEL.to_owned(),
        amount: millions * 1e6,
    }
}

fn requirement(key: &str, value: f64) -> Edit {
    Edit::SetRequirement {
        key: key.to_owned(),
        value: value.into(),
    }
}

fn scale_class(class: ExposureClass, factor: f64) -> Edit {
    Edit::ScaleExposures {
        filter: Filter {
            class: Some(class),
            ..Filter::default()
        },
        factor,
    }
}

fn scale_outflows(factor: f64) -> Edit {
    Edit::ScaleItems {
        section: ItemSection::LcrOutflows,
        category: None,
        factor,
    }
}

/// The factor that takes a scale lever from `from` to `to`: `Some(None)`
/// when it did not move, `None` when no factor can (back from zero).
fn scale_step(from: f64, to: f64) -> Option<Option<f64>> {
    if from == to {
        Some(None)
    } else if from == 0.0 {
        None
    } else {
        Some(Some(to / from))
    }
}

impl Levers {
    fn edits(&self) -> Vec<Edit> {
        let mut edits = Vec::new();
        if self.capital_m != 0.0 {
            edits.push(capital_action(self.capital_m));
        }
        for (key, value) in [("p2r", self.p2r), ("ccyb", self.ccyb)] {
            edits.extend(value.map(|v| requirement(key, v)));
        }
        for (class, factor) in &self.scale {
            if *factor != 1.0 {
                edits.push(scale_class(*class, *factor));
            }
        }
        if self.notches != 0 {
            edits.push(Edit::ShiftRatings {
                filter: Filter::default(),
                notches: self.notches,
            });
        }
        if self.outflows != 1.0 {
            edits.push(scale_outflows(self.outflows));
        }
        edits.extend(self.lines.iter().map(LineEdit::edit));
        edits
    }

    /// The edits that move an engine from `self` to `to` one lever at a
    /// time, or `None` when a change cannot be expressed as a step (a
    /// rating shift, a scale back from zero, a requirement back to the data
    /// set's own): the caller then rebuilds from the baseline.
    fn steps_to(&self, to: &Levers) -> Option<Vec<Edit>> {
        if self.notches != to.notches {
            return None;
        }
        let mut steps = Vec::new();
        if self.capital_m != to.capital_m {
            steps.push(capital_action(to.capital_m - self.capital_m));
        }
        for (key, from, target) in [("p2r", self.p2r, to.p2r), ("ccyb", self.ccyb, to.ccyb)] {
            if from != target {
                steps.push(requirement(key, target?));
            }
        }
        let classes: std::collections::BTreeSet<_> =
            self.scale.keys().chain(to.scale.keys()).collect();
        for class in classes {
            let factor = |l: &Levers| l.scale.get(class).copied().unwrap_or(1.0);
            if let Some(f) = scale_step(factor(self), factor(to))? {
                steps.push(scale_class(*class, f));
            }
        }
        if let Some(f) = scale_step(self.outflows, to.outflows)? {
            steps.push(scale_outflows(f));
        }
        // Line edits come after the segment levers in `edits`: a step can
        // only add line edits at the end, and never scale under one.
        let added = to.lines.strip_prefix(self.lines.as_slice())?;
        if !to.lines.is_empty()
            && steps
                .iter()
                .any(|e| matches!(e, Edit::ScaleExposures { .. }))
        {
            return None;
        }
        steps.extend(added.iter().map(LineEdit::edit));
        Some(steps)
    }
}

/// The engine at the lever positions it reflects.
struct WhatIf {
    engine: IncrementalEngine,
    at: Levers,
}

impl WhatIf {
    fn new(data: &DataSet, profile: &Profile) -> WhatIf {
        WhatIf {
            engine: IncrementalEngine::new(data.clone(), profile.clone()),
            at: Levers::default(),
        }
    }

    /// Moves to `to` incrementally when it can, else from the baseline.
    fn move_to(
        &mut self,
        to: &Levers,
        data: &DataSet,
        profile: &Profile,
    ) -> Result<Results, String> {
        let steps = match self.at.steps_to(to) {
            Some(steps) => steps,
            None => {
                *self = WhatIf::new(data, profile);
                to.edits()
            }
        };
        for edit in &steps {
            self.engine.apply(edit)?;
        }
        self.at = to.clone();
        Ok(self.engine.results().clone())
    }
}

/// The what-if engine with the baseline it rebuilds from.
struct LiveEngine {
    whatif: WhatIf,
    data: DataSet,
    profile: Profile,
}

impl LiveEngine {
    fn move_to(&mut self, to: &Levers) -> Result<Results, String> {
        self.whatif.move_to(to, &self.data, &self.profile)
    }

    /// Whether a line edit applies to the line as it is now, tried on a
    /// copy of that line alone.
    fn check(&self, edit: &Edit) -> Result<(), String> {
        let Edit::SetLine { id, .. } = edit else {
            return Ok(());
        };
        let line = self
            .whatif
            .engine
            .exposure(id)
            .ok_or_else(|| format!("no exposure line has id \"{id}\""))?;
        let mut probe = DataSet {
            exposures: vec![line],
            ..DataSet::default()
        };
        apply_edit(edit, &mut probe, &mut self.profile.clone())
    }
}

#[component]
fn Dashboard(view: SimulationView) -> impl IntoView {
    let header = view.header;
    let baseline = view.baseline;
    let base_p2r = header.requirements.as_ref().map_or(0.0, |r| r.p2r);
    let base_ccyb = header.requirements.as_ref().and_then(|r| r.ccyb);
    let simulation_id = view.summary.simulation_id.to_string();
    let version_no = view.version_no;
    let latest_version = view.summary.latest_version;
    let line_count = view
        .versions
        .iter()
        .find(|v| v.version_no == version_no)
        .map_or(view.summary.line_count, |v| v.line_count);
    let can_edit = view.can_edit;
    let lines_url = format!("/api/simulations/{simulation_id}/lines?version={version_no}");

    let levers = RwSignal::new(Levers::default());
    let scenario = RwSignal::new(baseline.clone());
    let lever_error = RwSignal::new(None::<String>);
    let elapsed_ms = RwSignal::new(None::<f64>);
    // The lines arrive after the page is live; the levers wait for them.
    let engine = StoredValue::new(None::<LiveEngine>);
    let ready = RwSignal::new(false);
    let load = RwSignal::new(None::<Result<f64, String>>);
    {
        let url = lines_url.clone();
        Effect::new(move |_| {
            let (url, header) = (url.clone(), header.clone());
            leptos::task::spawn_local(async move {
                let started = now_ms();
                let loaded = fetch_bytes(&url).await.and_then(|bytes| {
                    let data = DataSet {
                        exposures: decode_lines(&bytes)?,
                        ..header
                    };
                    let profile = resolve_profile(&data, None).map_err(|e| e.to_string())?;
                    Ok(LiveEngine {
                        whatif: WhatIf::new(&data, &profile),
                        data,
                        profile,
                    })
                });
                match loaded {
                    Ok(live_engine) => {
                        engine.set_value(Some(live_engine));
                        load.set(Some(Ok(now_ms().zip(started).map_or(0.0, |(e, s)| e - s))));
                        ready.set(true);
                    }
                    Err(e) => load.set(Some(Err(e))),
                }
            });
        });
    }
    // Runs in the browser only: the server renders the baseline.
    Effect::new(move |_| {
        let target = levers.get();
        if !ready.get() {
            return;
        }
        let started = now_ms();
        let moved = engine
            .try_update_value(|e| e.as_mut().map(|e| e.move_to(&target)))
            .flatten()
            .unwrap_or_else(|| Err("the engine is not loaded".to_owned()));
        match moved {
            Ok(results) => {
                scenario.set(results);
                lever_error.set(None);
            }
            Err(e) => lever_error.set(Some(e)),
        }
        elapsed_ms.set(now_ms().zip(started).map(|(end, start)| end - start));
    });

    // Undo and redo move between committed lever positions (a typed value
    // once it is left, a slider once it is let go).
    let past = RwSignal::new(Vec::<Levers>::new());
    let future = RwSignal::new(Vec::<Levers>::new());
    let committed = RwSignal::new(Levers::default());
    let generation = RwSignal::new(0u32);
    let commit = move || {
        let now = levers.get_untracked();
        let before = committed.get_untracked();
        if now != before {
            past.update(|p| p.push(before));
            future.update(Vec::clear);
            committed.set(now);
        }
    };
    let jump = move |to: Levers| {
        committed.set(to.clone());
        levers.set(to);
        generation.update(|g| *g += 1);
    };
    let undo = move || {
        commit();
        if let Some(previous) = past.try_update(Vec::pop).flatten() {
            future.update(|f| f.push(levers.get_untracked()));
            jump(previous);
        }
    };
    let redo = move || {
        if let Some(next) = future.try_update(Vec::pop).flatten() {
            past.update(|p| p.push(levers.get_untracked()));
            jump(next);
        }
    };
    let reset = move || {
        commit();
        let now = levers.get_untracked();
        if now != Levers::default() {
            past.update(|p| p.push(now));
            future.update(Vec::clear);
            jump(Levers::default());
        }
    };
    let saved_levers = RwSignal::new(Levers::default());
    let dirty = move || levers.with(|l| *l != saved_levers.get());
    let _leave_guard = window_event_listener(leptos::ev::beforeunload, move |event| {
        if dirty() {
            event.prevent_default();
        }
    });

    let save = ServerAction::<SaveScenario>::new();
    let save_value = save.value();
    let name_error = field_error(save_value, "name");
    let edits_error = field_error(save_value, "edits");
    let save_alert = form_error(save_value);
    let saved_names = RwSignal::new(
        view.scenarios
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>(),
    );
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
    let edits_json = move || serde_json::to_string(&levers.with(Levers::edits)).unwrap_or_default();

    let save_version = ServerAction::<SaveVersion>::new();
    let version_value = save_version.value();
    let note_error = field_error(version_value, "note");
    let version_edits_error = field_error(version_value, "edits");
    let version_alert = form_error(version_value);
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
    let share = ServerAction::<ShareSimulation>::new();
    let share_value = share.value();
    let share_alert = form_error(share_value);
    let sharing = view.sharing;
    let shared_with = {
        let teams = view.teams.clone();
        move |sharing: Sharing| match sharing {
            Sharing::Private => "its author and the admins".to_owned(),
            Sharing::Tenant => "everyone in the organisation".to_owned(),
            Sharing::Team(team) => teams.iter().find(|(id, _)| *id == team).map_or_else(
                || "one team".to_owned(),
                |(_, name)| format!("the team {name}"),
            ),
        }
    };
    let line_editing = LineEditing {
        engine,
        scenario,
        levers,
        ready,
        commit: Callback::new(move |()| commit()),
    };
    let versions = view.versions.clone();
    let trend_svg = charts::trend(&versions);

    let baseline_metrics = metrics(&baseline);
    let chart_baseline = baseline.clone();
    let strip_baseline = baseline.clone();
    let drill = DrillFilter::default();
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

    let number = |text: String| {
        text.trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    let classes = [
        (ExposureClass::Corporate, "Corporates"),
        (ExposureClass::RealEstate, "Real estate"),
        (ExposureClass::Retail, "Retail"),
        (ExposureClass::Bank, "Banks"),
        (ExposureClass::Sovereign, "Sovereigns"),
        (ExposureClass::Equity, "Equity"),
    ];

    view! {
        // The lines start downloading with the page, not after hydration.
        <link rel="preload" r#as="fetch" crossorigin="anonymous" href=lines_url />
        <header class="dashboard-head">
            <h1>{view.summary.name.clone()}</h1>
            <p class="muted" data-testid="version-line">
                "Version " {version_no} " of " {latest_version} " · " {line_count} " exposure lines · profile "
                {baseline.profile.clone()} " · shared with " {shared_with(sharing)}
            </p>
            {(version_no != latest_version).then(|| view! {
                <p class="notice" role="status" data-testid="old-version">
                    "You are looking at version " {version_no} ", which no longer changes. "
                    <a href=format!("/app/simulations/{simulation_id}")>"Open the latest version"</a>
                </p>
            })}
            {let simulation_id = simulation_id.clone(); view.can_share.then(move || {
                let teams = view.teams.clone();
                let current = sharing.form_value();
                let option = move |value: String, label: String| {
                    let selected = value == current;
                    view! { <option value=value selected=selected>{label}</option> }
                };
                view! {
                    <ActionForm action=share attr:class="inline-form" attr:data-testid="sharing-form">
                        <input type="hidden" name="id" value=simulation_id.clone() />
                        <label for="sharing">"Share with "</label>
                        <select id="sharing" name="sharing">
                            {option("tenant".to_owned(), "Everyone in the organisation".to_owned())}
                            {teams.into_iter().map(|(id, name)| option(Sharing::Team(id).form_value(), format!("Team: {name}"))).collect_view()}
                            {option("private".to_owned(), "Only me (and the admins)".to_owned())}
                        </select>
                        <button type="submit" class="button" disabled=move || share.pending().get()>"Update sharing"</button>
                        <FormAlert error=share_alert />
                        {move || share_value.get().and_then(Result::ok).map(|()| view! { <span class="notice" role="status">"Sharing updated."</span> })}
                    </ActionForm>
                }
            })}
        </header>
        <div class="cockpit">
            <KeyStrip baseline=strip_baseline scenario />
            <p class="muted engine-status" aria-live="polite" data-testid="engine-status">
                {move || match load.get() {
                    None => format!("Loading {line_count} exposure lines for the levers…"),
                    Some(Ok(ms)) => format!("{line_count} lines loaded into the engine in {ms:.0} ms."),
                    Some(Err(e)) => format!("The levers are unavailable: {e}"),
                }}
                " "
                {move || elapsed_ms.get().map(|ms| format!("Recomputed in the browser in {ms:.1} ms."))}
            </p>
            {move || lever_error.get().map(|e| view! { <p class="form-alert lever-error" role="alert">{e}</p> })}
            <section class="levers lever-rail" aria-label="What-if levers">
                <h2>"What-if levers"</h2>
                <div class="lever-history" role="group" aria-label="Lever history">
                    <button type="button" class="button" prop:disabled=move || !ready.get() || (past.with(Vec::is_empty) && levers.with(|l| *l == committed.get())) on:click=move |_| undo()>"Undo"</button>
                    <button type="button" class="button" prop:disabled=move || !ready.get() || future.with(Vec::is_empty) on:click=move |_| redo()>"Redo"</button>
                    <button type="button" class="button" prop:disabled=move || !ready.get() on:click=move |_| reset()>"Reset to baseline"</button>
                </div>
                // Drawn again (with the levers' values) only when undo, redo
                // or reset move every lever at once; typing never redraws.
                {move || {
                    generation.get();
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
                                on:change=move |_| commit()
                                on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.capital_m = v) } />
                        </div>
                        <div class="field">
                            <label for="lever-p2r">"Pillar 2 requirement (%)"</label>
                            <input prop:disabled=move || !ready.get() id="lever-p2r" type="number" step="0.05" min="0" value=p2r.clone() prop:value=p2r
                                on:change=move |_| commit()
                                on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.p2r = Some(v / 100.0)) } />
                        </div>
                        <div class="field">
                            <label for="lever-ccyb">"Countercyclical buffer rate (%)"</label>
                            <input prop:disabled=move || !ready.get() id="lever-ccyb" type="number" step="0.25" min="0" value=ccyb.clone() prop:value=ccyb
                                placeholder="from country rates"
                                on:change=move |_| commit()
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
                                        on:change=move |_| commit()
                                        on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| { l.scale.insert(class, v / 100.0); }) } />
                                </div>
                            }
                        }).collect_view()}
                        <div class="field">
                            <label for="lever-notches">"Rating migration (notches, + = downgrade): " <output>{move || levers.with(|l| l.notches)}</output></label>
                            <input prop:disabled=move || !ready.get() id="lever-notches" type="range" min="-3" max="6" step="1" value=notches.clone() prop:value=notches
                                on:change=move |_| commit()
                                on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.notches = v as i32) } />
                        </div>
                        <div class="field">
                            <label for="lever-outflows">"LCR outflows: " <output>{move || format!("{:.0} %", levers.with(|l| l.outflows) * 100.0)}</output></label>
                            <input prop:disabled=move || !ready.get() id="lever-outflows" type="range" min="50" max="200" step="5" value=outflows.clone() prop:value=outflows
                                on:change=move |_| commit()
                                on:input=move |ev| if let Some(v) = number(event_target_value(&ev)) { levers.update(|l| l.outflows = v / 100.0) } />
                        </div>
                    }
                }}
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
                                    commit();
                                }>"Remove"</button>
                            </li>
                        }
                    }).collect_view())}
                </ul>
            </section>
            <ChartGrid baseline=chart_baseline scenario trend=trend_svg open_class=Callback::new(move |class| drill.pick(class)) />
        </div>
        <div class="panels">
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
            <section class="versions panel" aria-label="Versions">
                <h2>"Versions"</h2>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Versions">
                    <table class="data-table" data-testid="versions">
                        <thead><tr>
                            <th>"Version"</th><th>"Status"</th><th>"Saved"</th><th>"By"</th><th>"Note"</th><th>"Lines"</th>
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
                <VersionReview simulation_id=simulation_id.clone() version=version_no review=view.review.clone() />
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
        </div>
        {
            // The drill-down asks the server to compute every line's
            // result: it starts once the levers are ready, so it does not
            // compete with the lines' download on the way there.
            let id = simulation_id.clone();
            let classes: Vec<String> = baseline.rwa.by_class.keys().cloned().collect();
            move || (ready.get() || load.with(|l| matches!(l, Some(Err(_))))).then(|| view! { <DrillDown simulation_id=id.clone() version=version_no classes=classes.clone() editing=line_editing filter=drill /> })
        }
    }
    .into_any()
}

/// The drill-down's class and page, which a chart's bar also sets.
#[derive(Clone, Copy)]
struct DrillFilter {
    class: RwSignal<String>,
    page: RwSignal<usize>,
}

impl Default for DrillFilter {
    fn default() -> Self {
        DrillFilter {
            class: RwSignal::new(String::new()),
            page: RwSignal::new(0),
        }
    }
}

impl DrillFilter {
    fn pick(&self, class: String) {
        self.class.set(class);
        self.page.set(0);
    }
}

/// What the drill-down needs to show each line's scenario figure and to add
/// line edits to the levers.
#[derive(Clone, Copy)]
struct LineEditing {
    engine: StoredValue<Option<LiveEngine>>,
    scenario: RwSignal<Results>,
    levers: RwSignal<Levers>,
    ready: RwSignal<bool>,
    commit: Callback<()>,
}

impl LineEditing {
    /// The line as the scenario has it (O(1) in the engine).
    fn scenario_line(&self, id: &str) -> Option<crate::engine::results::LineResult> {
        self.scenario.track();
        self.engine
            .with_value(|e| e.as_ref().and_then(|e| e.whatif.engine.line(id)))
    }

    /// The text of a field of the line as the scenario has it.
    fn current_text(&self, id: &str, field: &str) -> String {
        self.engine.with_value(|e| {
            let line = e.as_ref().and_then(|e| e.whatif.engine.exposure(id));
            match line
                .and_then(|l| serde_json::to_value(l).ok())
                .and_then(|v| v.get(field).cloned())
            {
                Some(serde_json::Value::String(text)) => text,
                Some(serde_json::Value::Bool(flag)) => if flag { "yes" } else { "no" }.to_owned(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            }
        })
    }

    /// Adds the edit of `field` to `text` on line `id` as a lever, unless the
    /// engine would refuse it (the reason is returned).
    fn add(&self, id: &str, field: &str, text: &str) -> Result<(), String> {
        let edit = LineEdit {
            id: id.to_owned(),
            field: field.to_owned(),
            value: line_value(field, text)?,
        };
        self.engine
            .with_value(|e| e.as_ref().map(|e| e.check(&edit.edit())))
            .unwrap_or_else(|| Err("the engine is not loaded yet".to_owned()))?;
        self.levers.update(|l| l.lines.push(edit));
        self.commit.run(());
        Ok(())
    }
}

/// The baseline's lines behind a class: filtered, sorted and paged on the
/// server, each with the rule that set its risk weight.
#[component]
fn DrillDown(
    simulation_id: String,
    version: i32,
    classes: Vec<String>,
    editing: LineEditing,
    filter: DrillFilter,
) -> impl IntoView {
    let editor = RwSignal::new(None::<String>);
    let DrillFilter { class, page } = filter;
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new("rwa".to_owned());
    let lines = Resource::new(
        move || {
            (
                simulation_id.clone(),
                class.get(),
                search.get(),
                sort.get(),
                page.get(),
            )
        },
        move |(id, class, search, sort, page)| {
            simulation_lines(id, Some(version), class, search, sort, page)
        },
    );
    let pick = move |value: String| filter.pick(value);
    view! {
        <section class="drill-down" id="drill-down" aria-label="Lines behind the figures">
            <h2>"Lines behind the figures"</h2>
            <div class="class-chips" role="group" aria-label="Exposure class">
                <button type="button" class="button" class:chip-on=move || class.get().is_empty() on:click=move |_| pick(String::new())>"All classes"</button>
                {classes.into_iter().map(|c| {
                    let label = c.replace('_', " ");
                    let key = c.clone();
                    view! {
                        <button type="button" class="button" class:chip-on=move || class.get() == key
                            on:click=move |_| pick(c.clone())>{label}</button>
                    }
                }).collect_view()}
            </div>
            <div class="drill-controls">
                <label>"Line id contains " <input type="search" on:input=move |ev| { search.set(event_target_value(&ev)); page.set(0); } /></label>
                <label>"Sort by "
                    <select on:change=move |ev| { sort.set(event_target_value(&ev)); page.set(0); }>
                        <option value="rwa">"RWA"</option>
                        <option value="exposure">"Exposure"</option>
                        <option value="risk_weight">"Risk weight"</option>
                        <option value="id">"Id"</option>
                    </select>
                </label>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match lines.await {
                        Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(found) => {
                            let pages = found.total.div_ceil(LINES_PER_PAGE).max(1);
                            let at = found.page;
                            view! {
                                <p class="muted" data-testid="drill-total">{found.total} " lines · page " {at + 1} " of " {pages}</p>
                                <div class="table-scroll" tabindex="0" role="region" aria-label="Lines">
                                <table class="data-table" data-testid="drill-lines">
                                    <thead><tr><th>"Line"</th><th>"Class"</th><th>"Exposure (E*)"</th><th>"Risk weight"</th><th>"RWA"</th><th>"Scenario RWA"</th><th>"Rule"</th><th></th></tr></thead>
                                    <tbody>
                                        {found.lines.into_iter().map(|l| {
                                            let id = l.id.clone();
                                            let scenario_rwa = {
                                                let id = id.clone();
                                                move || millions(editing.scenario_line(&id).map(|s| s.rwa))
                                            };
                                            let open = {
                                                let id = id.clone();
                                                move || editor.with(|e| e.as_deref() == Some(id.as_str()))
                                            };
                                            view! {
                                                <tr data-line=id.clone()>
                                                    <td>{l.id}</td>
                                                    <td>{l.class.replace('_', " ")}</td>
                                                    <td>{millions(Some(l.exposure))}</td>
                                                    <td>{format!("{:.1} %", l.risk_weight * 100.0)}</td>
                                                    <td>{millions(Some(l.rwa))}</td>
                                                    <td data-testid="scenario-rwa">{scenario_rwa}</td>
                                                    <td class="rule">{l.rule.unwrap_or_default()}</td>
                                                    <td>
                                                        <button type="button" class="button" prop:disabled=move || !editing.ready.get()
                                                            on:click={
                                                                let id = id.clone();
                                                                move |_| editor.set(Some(id.clone()))
                                                            }>"Edit"</button>
                                                    </td>
                                                </tr>
                                                {move || open().then(|| view! { <LineEditor id=id.clone() editing editor /> })}
                                            }
                                            // Erased: the row's full type overflows the
                                            // compiler's depth limit in release builds.
                                            .into_any()
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                <div class="pager">
                                    <button type="button" class="button" disabled=at == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                                    <button type="button" class="button" disabled=at + 1 >= pages on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// The inline form that edits one field of one line (a row of the table).
#[component]
fn LineEditor(id: String, editing: LineEditing, editor: RwSignal<Option<String>>) -> impl IntoView {
    let field = RwSignal::new(LINE_FIELDS[0].0.to_owned());
    let text = RwSignal::new(editing.current_text(&id, LINE_FIELDS[0].0));
    let error = RwSignal::new(None::<String>);
    let apply = {
        let id = id.clone();
        move || match editing.add(&id, &field.get_untracked(), &text.get_untracked()) {
            Ok(()) => editor.set(None),
            Err(e) => error.set(Some(e)),
        }
    };
    let input_id = format!("line-value-{id}");
    view! {
        <tr class="line-editor">
            <td colspan="8">
                <form class="inline-form" data-testid="line-editor" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                    <label>"Field "
                        <select on:change={
                            let id = id.clone();
                            move |ev| {
                                let chosen = event_target_value(&ev);
                                text.set(editing.current_text(&id, &chosen));
                                field.set(chosen);
                                error.set(None);
                            }
                        }>
                            {LINE_FIELDS.iter().map(|(key, label, _)| view! { <option value=*key>{*label}</option> }).collect_view()}
                        </select>
                    </label>
                    <label for=input_id.clone()>"New value "</label>
                    <input id=input_id type="text" prop:value=move || text.get()
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        on:input=move |ev| text.set(event_target_value(&ev)) />
                    <button type="submit" class="button button-primary">"Apply to the scenario"</button>
                    <button type="button" class="button" on:click=move |_| editor.set(None)>"Cancel"</button>
                    {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </form>
            </td>
        </tr>
    }
}

/// GETs `url` from our server as bytes (browser only).
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let failed = |e: leptos::wasm_bindgen::JsValue| format!("the request failed: {e:?}");
        let window = leptos::web_sys::window().ok_or("no browser window")?;
        let response: leptos::web_sys::Response = JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(failed)?
            .dyn_into()
            .map_err(failed)?;
        if !response.ok() {
            return Err(format!("the server answered {}", response.status()));
        }
        let buffer = JsFuture::from(response.array_buffer().map_err(failed)?)
            .await
            .map_err(failed)?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Err(format!("{url} is fetched by the browser"))
    }
}

/// The page clock in milliseconds (browser only).
fn now_ms() -> Option<f64> {
    #[cfg(feature = "hydrate")]
    {
        leptos::web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::Scenario;
    use crate::engine::{ComputeOptions, compute};
    use crate::samples::generate;

    /// Moving lever by lever (steps or rebuilds) gives the figures of the
    /// scenario the levers stand for.
    #[test]
    fn levers_moved_step_by_step_give_the_scenarios_figures() {
        let data = generate(800, 9);
        let profile = resolve_profile(&data, None).expect("profile");
        let mut whatif = WhatIf::new(&data, &profile);
        let mut levers = Levers::default();
        let corporate = data
            .exposures
            .iter()
            .find(|l| l.class == ExposureClass::Corporate)
            .expect("a corporate line")
            .id
            .clone();
        let set_drawn = move |l: &mut Levers, drawn: f64| {
            l.lines.push(LineEdit {
                id: corporate.clone(),
                field: "drawn".to_owned(),
                value: drawn.into(),
            })
        };
        type Move = Box<dyn Fn(&mut Levers)>;
        let moves: Vec<Move> = vec![
            Box::new(|l| l.capital_m = -120.0),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Corporate, 0.0);
            }),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Corporate, 1.3);
            }),
            Box::new({
                let set_drawn = set_drawn.clone();
                move |l| set_drawn(l, 4.0e8)
            }),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Corporate, 1.5);
            }),
            Box::new(move |l| set_drawn(l, 1.0e6)),
            Box::new(|l| {
                l.lines.remove(0);
            }),
            Box::new(|l| l.p2r = Some(0.031)),
            Box::new(|l| l.notches = 2),
            Box::new(|l| l.outflows = 1.4),
        ];
        for change in &moves {
            change(&mut levers);
            let moved = whatif.move_to(&levers, &data, &profile).expect("moves");
            let scenario = Scenario {
                name: String::new(),
                edits: levers.edits(),
            };
            let (changed, changed_profile) = scenario.apply(&data, &profile).expect("applies");
            let full = compute(&changed, &changed_profile, &ComputeOptions::default());
            let (a, b) = (
                moved.ratios.cet1.expect("cet1"),
                full.ratios.cet1.expect("cet1"),
            );
            assert!((a - b).abs() <= 1e-9 * b.abs(), "{levers:?}: {a} vs {b}");
            assert_eq!(
                moved.ratios.lcr.map(|v| (v * 1e9).round()),
                full.ratios.lcr.map(|v| (v * 1e9).round())
            );
        }
    }
}
