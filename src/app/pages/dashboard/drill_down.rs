//! The lines behind the figures: filtered, sorted and paged on the server,
//! each with its scenario figure from the browser's engine and an editor
//! that adds a line edit to the levers.

use crate::api::simulations::simulation_lines;
use crate::app::components::key_strip::millions;
use crate::engine::results::Results;
use crate::model::simulation::LINES_PER_PAGE;
use leptos::prelude::*;

use super::whatif::{LINE_FIELDS, Levers, LineEdit, LiveEngine, line_value};

/// The drill-down's class and page, which a chart's bar also sets.
#[derive(Clone, Copy)]
pub(super) struct DrillFilter {
    pub(super) class: RwSignal<String>,
    pub(super) page: RwSignal<usize>,
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
    pub(super) fn pick(&self, class: String) {
        self.class.set(class);
        self.page.set(0);
    }
}

/// What the drill-down needs to show each line's scenario figure and to add
/// line edits to the levers.
#[derive(Clone, Copy)]
pub(super) struct LineEditing {
    pub(super) engine: StoredValue<Option<LiveEngine>>,
    pub(super) scenario: RwSignal<Results>,
    pub(super) levers: RwSignal<Levers>,
    pub(super) ready: RwSignal<bool>,
    pub(super) commit: Callback<()>,
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
pub(super) fn DrillDown(
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
pub(super) fn LineEditor(
    id: String,
    editing: LineEditing,
    editor: RwSignal<Option<String>>,
) -> impl IntoView {
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
