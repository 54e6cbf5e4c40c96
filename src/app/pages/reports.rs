//! Reports: generate one (PDF or Excel) from a simulation's version and
//! scenario with a template, the history (download again, send by e-mail,
//! delete), and the templates and branding they use.

use crate::api::reports::{
    DeleteReport, DeleteReportTemplate, GenerateReport, SaveReportTemplate, SendReport,
    SetBrandingColours, list_reports, load_branding, report_templates,
};
use crate::api::simulations::{list_simulations, open_simulation};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::Permission;
use crate::model::report::{ReportSection, ReportSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports" />
        <Workspace page=|me| {
            let can_edit = me.can(Permission::EditData);
            view! { <Reports can_edit /> }
        } />
    }
}

#[component]
fn Reports(can_edit: bool) -> impl IntoView {
    let generate = ServerAction::<GenerateReport>::new();
    let delete = ServerAction::<DeleteReport>::new();
    let send = ServerAction::<SendReport>::new();
    let history = Resource::new(
        move || (generate.version().get(), delete.version().get()),
        |_| list_reports(),
    );
    let generate_alert = form_error(generate.value());
    let delete_alert = form_error(delete.value());
    view! {
        <h1>"Reports"</h1>
        <p><a href="/app/reports/settings">"Templates and branding"</a></p>
        {can_edit.then(|| view! { <GenerateForm generate /> })}
        <FormAlert error=generate_alert />
        <h2>"History"</h2>
        <FormAlert error=delete_alert />
        {move || send.value().get().map(|r| match r {
            Ok(n) => view! { <p class="form-success" role="status" data-testid="send-done">{format!("Queued for {n} recipient(s).")}</p> }.into_any(),
            Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                history.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted">"No report yet."</p> }.into_any();
                    }
                    view! {
                        <table class="data-table" data-testid="report-history">
                            <thead><tr><th>"Report"</th><th>"Format"</th><th>"Version"</th><th>"Template"</th><th>"By"</th><th>"When"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| view! { <ReportRow report=r can_edit delete send /> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            })}
        </Transition>
    }
}

#[component]
fn GenerateForm(generate: ServerAction<GenerateReport>) -> impl IntoView {
    let simulations = Resource::new(|| (), |_| list_simulations(false));
    let templates = Resource::new(|| (), |_| report_templates());
    let chosen = RwSignal::new(String::new());
    // Versions and scenarios of the chosen simulation, read in the browser.
    let view_of = LocalResource::new(move || {
        let id = chosen.get();
        async move {
            if id.is_empty() {
                None
            } else {
                open_simulation(id, None).await.ok()
            }
        }
    });
    view! {
        <ActionForm action=generate attr:class="stack-form" attr:data-testid="generate-report">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let sims = simulations.await.unwrap_or_default();
                    let templates = templates.await.unwrap_or_default();
                    view! {
                        <div class="field">
                            <label for="report-simulation">"Simulation"</label>
                            <select id="report-simulation" name="simulation" required
                                on:change=move |ev| chosen.set(event_target_value(&ev))>
                                <option value="">"Choose…"</option>
                                {sims.into_iter().map(|s| view! { <option value=s.simulation_id.to_string()>{s.name}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="report-template">"Template"</label>
                            <select id="report-template" name="template">
                                {templates.into_iter().map(|t| view! {
                                    <option value=t.template_id.map(|i| i.to_string()).unwrap_or_default()>{t.name}</option>
                                }).collect_view()}
                            </select>
                        </div>
                    }
                })}
            </Transition>
            <div class="field">
                <label for="report-version">"Version"</label>
                <select id="report-version" name="version">
                    <option value="">"latest"</option>
                    {move || view_of.get().flatten().map(|v| v.versions.into_iter().map(|x| view! {
                        <option value=x.version_no.to_string()>{format!("version {}", x.version_no)}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="field">
                <label for="report-scenario">"Scenario"</label>
                <select id="report-scenario" name="scenario">
                    <option value="">"none (baseline only)"</option>
                    {move || view_of.get().flatten().map(|v| v.scenarios.into_iter().map(|s| view! {
                        <option value=s.scenario_id.0.to_string()>{s.name}</option>
                    }).collect_view())}
                </select>
            </div>
            <fieldset class="field">
                <legend>"Format"</legend>
                <label><input type="radio" name="format" value="pdf" checked /> " PDF report"</label>
                <label><input type="radio" name="format" value="xlsx" /> " Excel workbook (KM1, OV1, CR5 and the data)"</label>
            </fieldset>
            <button type="submit" class="button button-primary" disabled=move || generate.pending().get()>
                {move || if generate.pending().get() { "Generating…" } else { "Generate" }}
            </button>
        </ActionForm>
    }
}

#[component]
fn ReportRow(
    report: ReportSummary,
    can_edit: bool,
    delete: ServerAction<DeleteReport>,
    send: ServerAction<SendReport>,
) -> impl IntoView {
    let id = report.report_id.to_string();
    let href = format!("/api/reports/{id}/download");
    let delete_id = id.clone();
    let recipients_error = field_error(send.value(), "recipients");
    view! {
        <tr data-testid="report-row">
            <td>{report.title.clone()}{report.scenario.clone().map(|s| view! { <span class="muted">" · scenario " {s}</span> })}</td>
            <td>{report.format.key().to_uppercase()}</td>
            <td>{report.version_no}</td>
            <td>{report.template.clone()}</td>
            <td>{report.author.clone()}</td>
            <td>{report.created_at.to_string()}</td>
            <td class="row-actions">
                <a class="button" href=href rel="external" download=report.file_name()>"Download"</a>
                {can_edit.then(|| view! {
                    <details class="inline-details">
                        <summary class="button">"Send"</summary>
                        <ActionForm action=send attr:class="stack-form">
                            <input type="hidden" name="id" value=id.clone() />
                            <FormField label="To (e-mail addresses)" id="send-recipients" error=recipients_error>
                                <input id="send-recipients" type="text" name="recipients" required />
                            </FormField>
                            <div class="field">
                                <label for="send-message">"Message"</label>
                                <textarea id="send-message" name="message" maxlength="2000"></textarea>
                            </div>
                            <label><input type="checkbox" name="attach" value="on" checked /> " Attach the file (else a link)"</label>
                            <button type="submit" class="button button-primary">"Send"</button>
                        </ActionForm>
                    </details>
                    <ActionForm action=delete attr:class="inline-form">
                        <input type="hidden" name="id" value=delete_id.clone() />
                        <button type="submit" class="button button-danger">"Delete"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn ReportSettingsPage() -> impl IntoView {
    let query = use_query_map();
    view! {
        <Title text="Report templates and branding" />
        <Workspace page=move |me| {
            let admin = me.can(Permission::ManageTenant);
            let can_edit = me.can(Permission::EditData);
            let upload_error = move || query.with(|q| q.get("error"));
            view! { <ReportSettings admin can_edit upload_error /> }
        } />
    }
}

#[component]
fn ReportSettings<E>(admin: bool, can_edit: bool, upload_error: E) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    let save = ServerAction::<SaveReportTemplate>::new();
    let remove = ServerAction::<DeleteReportTemplate>::new();
    let colours = ServerAction::<SetBrandingColours>::new();
    let templates = Resource::new(
        move || (save.version().get(), remove.version().get()),
        |_| report_templates(),
    );
    let branding = Resource::new(move || colours.version().get(), |_| load_branding());
    let name_error = field_error(save.value(), "name");
    let title_error = field_error(save.value(), "title");
    let sections_error = field_error(save.value(), "sections");
    let footer_error = field_error(save.value(), "footer");
    let save_alert = form_error(save.value());
    let colour_error = move || {
        field_error(colours.value(), "primary")().or_else(field_error(colours.value(), "accent"))
    };
    view! {
        <h1>"Report templates and branding"</h1>
        <h2>"Templates"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                templates.await.map(|list| view! {
                    <table class="data-table" data-testid="templates">
                        <thead><tr><th>"Name"</th><th>"Title"</th><th>"Sections"</th><th>"Footer"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|t| view! {
                                <tr>
                                    <td>{t.name.clone()}</td>
                                    <td>{t.title.clone()}</td>
                                    <td>{t.sections.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")}</td>
                                    <td>{t.footer.clone()}</td>
                                    <td>{t.template_id.filter(|_| can_edit).map(|id| view! {
                                        <ActionForm action=remove attr:class="inline-form">
                                            <input type="hidden" name="id" value=id.to_string() />
                                            <button type="submit" class="button button-danger">"Delete"</button>
                                        </ActionForm>
                                    })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        {can_edit.then(|| view! {
            <h3>"New template (or replace one of the same name)"</h3>
            <ActionForm action=save attr:class="stack-form" attr:data-testid="template-form">
                <FormField label="Name" id="template-name" error=name_error>
                    <input id="template-name" type="text" name="name" maxlength="120" required />
                </FormField>
                <FormField label="Report title" id="template-title" error=title_error>
                    <input id="template-title" type="text" name="title" maxlength="200" required />
                </FormField>
                <fieldset class="field">
                    <legend>"Sections"</legend>
                    {ReportSection::ALL.iter().map(|s| view! {
                        <label><input type="checkbox" name="sections[]" value=s.key() checked /> " " {s.label()}</label>
                    }).collect_view()}
                    <p class="field-error">{sections_error}</p>
                </fieldset>
                <FormField label="Footer" id="template-footer" error=footer_error>
                    <input id="template-footer" type="text" name="footer" maxlength="300" />
                </FormField>
                <FormAlert error=save_alert />
                <button type="submit" class="button button-primary">"Save the template"</button>
            </ActionForm>
        })}
        <h2>"Branding"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                branding.await.map(|b| view! {
                    <div data-testid="branding">
                        {b.has_logo.then(|| view! { <img src="/api/branding/logo" alt="The organisation's logo" class="brand-logo" /> })}
                        <p>
                            "Colours: " <Swatch colour=b.primary_colour.clone() /> {b.primary_colour.clone()}
                            " and " <Swatch colour=b.accent_colour.clone() /> {b.accent_colour.clone()}
                        </p>
                        {admin.then(|| view! {
                            <ActionForm action=colours attr:class="stack-form">
                                <div class="field inline-field">
                                    <label for="primary-colour">"Main colour"</label>
                                    <input id="primary-colour" type="color" name="primary" value=b.primary_colour.clone() />
                                    <label for="accent-colour">"Accent colour"</label>
                                    <input id="accent-colour" type="color" name="accent" value=b.accent_colour.clone() />
                                </div>
                                <p class="field-error">{colour_error}</p>
                                <button type="submit" class="button">"Save the colours"</button>
                            </ActionForm>
                        })}
                    </div>
                })
            })}
        </Transition>
        {admin.then(|| view! {
            {move || upload_error().map(|e| view! { <p class="form-alert" role="alert" data-testid="logo-error">{e}</p> })}
            <form method="post" action="/api/branding/logo" enctype="multipart/form-data" class="stack-form">
                <div class="field">
                    <label for="logo-file">"Logo (PNG, JPEG or SVG, at most 512 KiB)"</label>
                    <input id="logo-file" type="file" name="logo" accept="image/png,image/jpeg,image/svg+xml" required />
                </div>
                <button type="submit" class="button">"Upload the logo"</button>
            </form>
        })}
    }
}

/// A colour sample drawn in SVG: the page's CSP allows no inline style.
#[component]
fn Swatch(colour: String) -> impl IntoView {
    view! {
        <svg class="swatch" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill=colour />
        </svg>
    }
}
