//! The what-if dashboard of one simulation: every ratio against its
//! requirement, levers that recompute in the browser with the engine's
//! incremental path (no server round trip), baseline and scenario side by
//! side, and saving the scenario (recomputed and stored by the server).

use crate::api::simulations::{ShareSimulation, open_simulation};
use crate::app::components::chart_grid::ChartGrid;
use crate::app::components::form::{FormAlert, form_error};
use crate::app::components::key_strip::KeyStrip;
use crate::app::components::workspace::Workspace;
use crate::charts;
use crate::engine::dataset::DataSet;
use crate::engine::resolve_profile;
use crate::model::simulation::{Sharing, SimulationView, decode_lines};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

mod anomaly_panel;
mod drill_down;
mod lever_rail;
mod live_updates;
mod panels;
mod parameter_lever;
mod rules_panel;
mod suggestions_panel;
mod whatif;

use anomaly_panel::AnomalyPanel;
use drill_down::{DrillDown, DrillFilter, LineEditing};
use lever_rail::{History, LeverRail};
use live_updates::LiveUpdates;
use panels::{ScenarioPanel, VersionsPanel};
use rules_panel::RulesPanel;
use suggestions_panel::SuggestionsPanel;
use whatif::{Levers, LiveEngine, WhatIf};

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

#[component]
fn Dashboard(view: SimulationView) -> impl IntoView {
    let header = view.header;
    let baseline = view.baseline;
    let base_p2r = header.requirements.as_ref().map_or(0.0, |r| r.p2r);
    let base_ccyb = header.requirements.as_ref().and_then(|r| r.ccyb);
    // A stored header always resolves (it was computed when saved); the
    // regulatory default stands in rather than failing the page.
    let header_profile = resolve_profile(&header, None)
        .or_else(|_| {
            crate::engine::profile::Profile::named(crate::engine::profile::DEFAULT_PROFILE)
        })
        .unwrap_or_else(|_| crate::engine::profile::Profile {
            name: String::new(),
            parameters: Default::default(),
        });
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

    let history = History::new(levers);
    let saved_levers = RwSignal::new(Levers::default());
    let dirty = move || levers.with(|l| *l != saved_levers.get());
    let _leave_guard = window_event_listener(leptos::ev::beforeunload, move |event| {
        if dirty() {
            event.prevent_default();
        }
    });

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
        commit: Callback::new(move |()| history.commit()),
    };
    let versions = view.versions.clone();
    let rules = versions
        .iter()
        .find(|v| v.version_no == version_no)
        .and_then(|v| v.rules.clone());
    let trend_svg = charts::trend(&versions);
    let trend_text = charts::trend_text(&versions);

    let chart_baseline = baseline.clone();
    let strip_baseline = baseline.clone();
    let drill = DrillFilter::default();
    let anomalies = RwSignal::new(Vec::new());
    view! {
        // The lines start downloading with the page, not after hydration.
        <link rel="preload" r#as="fetch" crossorigin="anonymous" href=lines_url />
        <header class="dashboard-head">
            <h1>{view.summary.name.clone()}</h1>
            <p class="muted" data-testid="version-line">
                "Version " {version_no} " of " {latest_version} " · " {line_count} " exposure lines · rules "
                {rules.clone().unwrap_or_else(|| baseline.profile.clone())} " · shared with " {shared_with(sharing)}
            </p>
            <LiveUpdates simulation_id=simulation_id.clone() />
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
            <LeverRail history ready base_p2r base_ccyb profile=header_profile />
            <ChartGrid baseline=chart_baseline scenario trend=trend_svg trend_text open_class=Callback::new(move |class| drill.pick(class)) anomalies=anomalies.into() />
        </div>
        <div class="panels">
            <ScenarioPanel simulation_id=simulation_id.clone() baseline=baseline.clone() scenario levers saved_levers
                scenarios=view.scenarios.iter().map(|s| s.name.clone()).collect() can_edit />
            <VersionsPanel simulation_id=simulation_id.clone() version_no latest_version versions
                review=view.review.clone() can_edit levers saved_levers ready anomalies=anomalies.into() />
            <RulesPanel simulation_id=simulation_id.clone() rules base=baseline.profile.clone() profiles=view.rule_profiles.clone() can_edit />
            {
                // Browser-only like the levers it plans from: it appears
                // once the lines are in the engine.
                let id = simulation_id.clone();
                move || ready.get().then(|| view! { <SuggestionsPanel simulation_id=id.clone() engine levers history ready can_edit /> })
            }
        </div>
        {
            // The drill-down asks the server to compute every line's
            // result: it starts once the levers are ready, so it does not
            // compete with the lines' download on the way there.
            let id = simulation_id.clone();
            let classes: Vec<String> = baseline.rwa.by_class.keys().cloned().collect();
            move || (ready.get() || load.with(|l| matches!(l, Some(Err(_))))).then(|| view! { <DrillDown simulation_id=id.clone() version=version_no classes=classes.clone() editing=line_editing filter=drill /> })
        }
        {
            // Asked for once the levers are ready, like the drill-down: its
            // fixes are lever edits.
            let id = simulation_id.clone();
            move || ready.get().then(|| view! { <AnomalyPanel simulation_id=id.clone() version=version_no history can_edit shared=anomalies /> })
        }
    }
    .into_any()
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
