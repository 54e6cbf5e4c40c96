//! Importing a spreadsheet: upload, check the proposed mapping (sheet →
//! section, column → field, each with its confidence), correct it, preview
//! the problems and the ratios, then create the simulation.

mod anomalies;
mod classes;

use crate::api::imports::{CommitImport, PreviewImport, open_import};
use crate::app::components::form::{FormAlert, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::import::{
    AmountUnit, ImportPreview, ImportProposal, Mapping, MatchSource, Section, SectionFields,
    Severity,
};
use crate::model::money::{amount, percent};
use anomalies::ImportAnomalies;
use classes::ClassProposals;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn ImportUploadPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error"));
    view! {
        <Title text="Import a spreadsheet" />
        <Workspace page=move |_| view! {
            <h1>"Import a spreadsheet"</h1>
            <p>
                "Excel (xlsx, xlsm, xls, xlsb), OpenDocument (ods) or CSV (any delimiter, UTF-8 or \
                 Windows-1252, French or English number formats), up to 64 MiB and 200,000 rows per \
                 sheet. Prudentia proposes which sheet and column hold which data; you check it and \
                 see the ratios before anything is saved."
            </p>
            {move || error().map(|e| view! { <p class="form-alert" role="alert" data-testid="upload-error">{e}</p> })}
            <form method="post" action="/api/imports" enctype="multipart/form-data" class="stack-form">
                <div class="field">
                    <label for="import-file">"File"</label>
                    <input id="import-file" type="file" name="file" required
                        accept=".xlsx,.xlsm,.xls,.xlsb,.ods,.csv,.txt" />
                </div>
                <button type="submit" class="button button-primary">"Upload and map"</button>
            </form>
            <h2>"The canonical workbook"</h2>
            <p>
                "One sheet per section of the data set, with the field names as headers. "
                <a href="/api/imports/workbook.xlsx" rel="external" download>"Download it empty"</a>
                " or "
                <a href="/api/imports/workbook.xlsx?demo=true" rel="external" download>"with the demo bank"</a>
                "."
            </p>
        } />
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <Title text="Map an import" />
        <Workspace page=move |_| {
            let proposal = Resource::new(id, open_import);
            view! {
                <Transition fallback=|| view! { <p>"Reading the file…"</p> }>
                    {move || Suspend::new(async move {
                        match proposal.await {
                            Ok(p) => view! { <MappingEditor proposal=p /> }.into_any(),
                            Err(e) => view! {
                                <h1>"Import"</h1>
                                <p class="form-alert" role="alert">{e.to_string()}</p>
                                <p><a href="/app/imports">"Upload another file"</a></p>
                            }.into_any(),
                        }
                    })}
                </Transition>
            }
        } />
    }
}

fn confidence_label(confidence: f32, source: MatchSource) -> String {
    match source {
        MatchSource::Unmatched => "not imported".into(),
        MatchSource::Manual => "your choice".into(),
        MatchSource::Saved => "saved mapping".into(),
        MatchSource::Exact => "exact name".into(),
        MatchSource::Synonym => format!("synonym · {:.0} %", confidence * 100.0),
        MatchSource::Fuzzy => format!("close match · {:.0} %", confidence * 100.0),
    }
}

#[component]
fn MappingEditor(proposal: ImportProposal) -> impl IntoView {
    let ImportProposal {
        import_id,
        file_name,
        size_bytes,
        mapping,
        catalogue,
    } = proposal;
    let id = import_id.to_string();
    let mapping = RwSignal::new(mapping);
    let catalogue = StoredValue::new(catalogue);
    let preview = ServerAction::<PreviewImport>::new();
    let commit = ServerAction::<CommitImport>::new();
    let preview_alert = form_error(preview.value());
    let commit_alert = form_error(commit.value());
    let name_error = field_error(commit.value(), "name");
    let file_error = field_error(commit.value(), "file");
    let mapping_error = field_error(preview.value(), "mapping");
    let default_name = file_name
        .rsplit_once('.')
        .map_or(file_name.clone(), |(stem, _)| stem.to_owned());
    let name = RwSignal::new(default_name);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(simulation)) = commit.value().get() {
            navigate(
                &format!("/app/simulations/{simulation}"),
                Default::default(),
            );
        }
    });
    let json = move || serde_json::to_string(&mapping.get()).unwrap_or_default();
    let run_preview = {
        let id = id.clone();
        move |_| {
            preview.dispatch(PreviewImport {
                id: id.clone(),
                mapping: json(),
            });
        }
    };
    let run_commit = {
        let id = id.clone();
        move |_| {
            commit.dispatch(CommitImport {
                id: id.clone(),
                mapping: json(),
                name: name.get_untracked(),
            });
        }
    };
    // A changed mapping makes the last preview stale.
    let stale = RwSignal::new(false);
    Effect::new(move |_| {
        mapping.track();
        stale.set(true);
    });
    Effect::new(move |_| {
        if preview.value().with(|v| v.is_some()) {
            stale.set(false);
        }
    });
    let sheet_count = mapping.with_untracked(|m| m.sheets.len());
    view! {
        <h1>"Import “" {file_name.clone()} "”"</h1>
        <p class="muted">{format!("{:.1} kB · {sheet_count} sheet(s)", size_bytes as f64 / 1024.0)}</p>
        <div class="field inline-field">
            <label for="amount-unit">"Amounts in the file are in"</label>
            <select id="amount-unit" data-testid="amount-unit" on:change=move |ev| {
                let unit = match event_target_value(&ev).as_str() {
                    "thousands" => AmountUnit::Thousands,
                    "millions" => AmountUnit::Millions,
                    _ => AmountUnit::Units,
                };
                mapping.update(|m| m.unit = unit);
            }>
                <option value="units">"units"</option>
                <option value="thousands">"thousands"</option>
                <option value="millions">"millions"</option>
            </select>
        </div>
        {(0..sheet_count).map(|i| view! { <SheetEditor index=i mapping catalogue /> }).collect_view()}
        <p class="field-error" role="alert">{mapping_error}</p>
        <FormAlert error=preview_alert />
        <button type="button" class="button" data-testid="preview-import" on:click=run_preview disabled=move || preview.pending().get()>
            {move || if preview.pending().get() { "Checking…" } else { "Check and preview" }}
        </button>
        {move || preview.value().get().and_then(Result::ok).map(|p| {
            let can_commit = p.can_commit();
            view! {
                <PreviewView preview=p mapping />
                {can_commit.then(|| view! {
                    <div class="stack-form" data-testid="commit-form">
                        <div class="field">
                            <label for="simulation-name">"Name of the new simulation"</label>
                            <input id="simulation-name" type="text" maxlength="120" prop:value=name
                                on:input=move |ev| name.set(event_target_value(&ev)) />
                            <p class="field-error">{name_error}</p>
                        </div>
                        <p class="field-error" role="alert">{file_error}</p>
                        <FormAlert error=commit_alert />
                        {move || stale.get().then(|| view! { <p class="muted">"The mapping changed since this preview: check it again first."</p> })}
                        <button type="button" class="button button-primary" data-testid="commit-import"
                            disabled=move || stale.get() || commit.pending().get() on:click=run_commit.clone()>
                            {move || if commit.pending().get() { "Creating…" } else { "Create the simulation" }}
                        </button>
                    </div>
                })}
            }
        })}
    }
}

#[component]
fn SheetEditor(
    index: usize,
    mapping: RwSignal<Mapping>,
    catalogue: StoredValue<Vec<SectionFields>>,
) -> impl IntoView {
    let sheet = move || mapping.with(|m| m.sheets[index].clone());
    let initial = sheet();
    let fields_of = move |section: Option<Section>| {
        catalogue.with_value(|c| {
            section
                .and_then(|s| c.iter().find(|f| f.section == s).map(|f| f.fields.clone()))
                .unwrap_or_default()
        })
    };
    let set_section = move |value: String| {
        mapping.update(|m| {
            let sheet = &mut m.sheets[index];
            sheet.section = value.parse().ok();
            sheet.section_confidence = 1.0;
            for column in &mut sheet.columns {
                column.field = None;
                column.confidence = 0.0;
                column.source = MatchSource::Unmatched;
            }
        });
    };
    let column_count = initial.columns.len();
    view! {
        <section class="card import-sheet" data-testid=format!("sheet-{}", initial.sheet)>
            <h2>"Sheet “" {initial.sheet.clone()} "”"</h2>
            <p class="muted">{format!("Headers on row {} · {} data row(s)", initial.header_row, initial.data_rows)}</p>
            <div class="field inline-field">
                <label for=format!("section-{index}")>"Holds"</label>
                <select id=format!("section-{index}") data-testid="sheet-section"
                    on:change=move |ev| set_section(event_target_value(&ev))>
                    <option value="" selected=initial.section.is_none()>"nothing to import"</option>
                    {Section::ALL.iter().map(|s| view! {
                        <option value=s.key() selected=initial.section == Some(*s)>{s.label()}</option>
                    }).collect_view()}
                </select>
                <span class="muted">{move || sheet().section.map(|_| format!("{:.0} % sure", sheet().section_confidence * 100.0))}</span>
            </div>
            {move || sheet().section.map(|section| {
                let fields = fields_of(Some(section));
                view! {
                    <table class="data-table" data-testid="column-mapping">
                        <thead><tr><th>"Column"</th><th>"Field"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {(0..column_count).map(|c| {
                                let fields = fields.clone();
                                let column = move || mapping.with(|m| m.sheets[index].columns[c].clone());
                                let header = column().header;
                                view! {
                                    <tr>
                                        <td>{header.clone()}</td>
                                        <td>
                                            <select aria-label=format!("Field of column {header}") data-column=header.clone()
                                                on:change=move |ev| {
                                                    let value = event_target_value(&ev);
                                                    mapping.update(|m| {
                                                        let col = &mut m.sheets[index].columns[c];
                                                        col.field = (!value.is_empty()).then_some(value);
                                                        col.source = if col.field.is_some() { MatchSource::Manual } else { MatchSource::Unmatched };
                                                        col.confidence = if col.field.is_some() { 1.0 } else { 0.0 };
                                                    });
                                                }>
                                                <option value="" selected=move || column().field.is_none()>"— not imported —"</option>
                                                {fields.iter().map(|f| {
                                                    let name = f.name.clone();
                                                    let selected = {
                                                        let name = name.clone();
                                                        move || column().field.as_deref() == Some(name.as_str())
                                                    };
                                                    view! {
                                                        <option value=name.clone() selected=selected>
                                                            {if f.required { format!("{name} (required)") } else { name.clone() }}
                                                        </option>
                                                    }
                                                }).collect_view()}
                                            </select>
                                        </td>
                                        <td class="muted">{move || { let c = column(); confidence_label(c.confidence, c.source) }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
        </section>
    }
}

#[component]
fn PreviewView(preview: ImportPreview, mapping: RwSignal<Mapping>) -> impl IntoView {
    let ImportPreview {
        problems,
        error_total,
        warning_total,
        sections,
        sample,
        totals,
        results,
        proposals,
        proposal_total,
        to_confirm,
        class_threshold,
        anomalies,
        anomaly_total,
    } = preview;
    let shown = problems.len();
    view! {
        <section class="card" data-testid="import-preview">
            <h2>"Preview"</h2>
            <p data-testid="problem-counts">
                {format!("{error_total} error(s), {warning_total} warning(s)")}
                {(shown < error_total + warning_total).then(|| format!(" — the first {shown} are listed"))}
            </p>
            {(!problems.is_empty()).then(|| view! {
                <table class="data-table" data-testid="problems">
                    <thead><tr><th></th><th>"Sheet"</th><th>"Row"</th><th>"Column"</th><th>"Value"</th><th>"Problem"</th></tr></thead>
                    <tbody>
                        {problems.into_iter().map(|p| view! {
                            <tr class:problem-error=p.severity == Severity::Error>
                                <td>{if p.severity == Severity::Error { "error" } else { "warning" }}</td>
                                <td>{p.sheet}</td>
                                <td>{p.row.map(|r| r.to_string())}</td>
                                <td>{p.column}</td>
                                <td>{p.value}</td>
                                <td>{p.message}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(proposal_total > 0).then(|| view! {
                <ClassProposals proposals total=proposal_total to_confirm threshold=class_threshold mapping />
            })}
            {(anomaly_total > 0).then(|| view! {
                <ImportAnomalies anomalies total=anomaly_total mapping />
            })}
            <h3>"What will be imported"</h3>
            <ul>
                {sections.into_iter().map(|s| view! { <li>{format!("{}: {} row(s)", s.section.label(), s.rows)}</li> }).collect_view()}
            </ul>
            {(!totals.is_empty()).then(|| view! {
                <table class="data-table" data-testid="class-totals">
                    <thead><tr><th>"Class"</th><th>"Lines"</th><th>"Drawn"</th><th>"Undrawn"</th></tr></thead>
                    <tbody>
                        {totals.into_iter().map(|t| view! {
                            <tr><td>{t.class}</td><td>{t.lines}</td><td>{amount(t.drawn)}</td><td>{amount(t.undrawn)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {results.map(|r| view! {
                <h3>"Ratios of the imported data"</h3>
                <dl class="ratio-list" data-testid="preview-ratios">
                    <dt>"CET1"</dt><dd data-testid="preview-cet1">{percent(r.ratios.cet1)}</dd>
                    <dt>"Tier 1"</dt><dd>{percent(r.ratios.tier1)}</dd>
                    <dt>"Total capital"</dt><dd>{percent(r.ratios.total_capital)}</dd>
                    <dt>"Leverage"</dt><dd>{percent(r.ratios.leverage)}</dd>
                    <dt>"LCR"</dt><dd>{percent(r.ratios.lcr)}</dd>
                    <dt>"NSFR"</dt><dd>{percent(r.ratios.nsfr)}</dd>
                    <dt>"RWA"</dt><dd>{amount(r.rwa.total)}</dd>
                </dl>
            })}
            {(!sample.is_empty()).then(|| view! {
                <details>
                    <summary>"The first lines as they will be stored"</summary>
                    <ul class="sample-lines">
                        {sample.into_iter().map(|line| view! {
                            <li><code>{line.into_iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")}</code></li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </section>
    }
}
