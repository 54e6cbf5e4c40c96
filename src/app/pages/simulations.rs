use crate::api::simulations::{
    CloneSimulation, CreateSimulation, DeleteSimulation, RenameSimulation, RestoreSimulation,
    list_simulations,
};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission};
use leptos::prelude::*;
use leptos_meta::Title;

/// The tenant's simulations; analysts and admins create and delete them,
/// admins restore deleted ones.
#[component]
pub fn SimulationsPage() -> impl IntoView {
    view! {
        <Title text="Simulations" />
        <Workspace page=|me| view! { <Simulations me /> } />
    }
}

#[component]
fn Simulations(me: Me) -> impl IntoView {
    let can_edit = me.can(Permission::EditData);
    let admin = me.can(Permission::ManageTenant);
    let create = ServerAction::<CreateSimulation>::new();
    let delete = ServerAction::<DeleteSimulation>::new();
    let restore = ServerAction::<RestoreSimulation>::new();
    let clone = ServerAction::<CloneSimulation>::new();
    let rename = ServerAction::<RenameSimulation>::new();
    let row_alert = move || {
        [
            clone.value().get().and_then(Result::err),
            rename.value().get().and_then(Result::err),
            delete.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    };
    let versions = move || {
        (
            create.version().get(),
            delete.version().get(),
            restore.version().get(),
            clone.version().get(),
            rename.version().get(),
        )
    };
    let live = Resource::new(versions, |_| list_simulations(false));
    let deleted = Resource::new(versions, move |_| async move {
        if admin {
            list_simulations(true).await
        } else {
            Ok(Vec::new())
        }
    });
    let value = create.value();
    let name_error = field_error(value, "name");
    let data_error = field_error(value, "data");
    let lines_error = field_error(value, "lines");
    let alert = form_error(value);
    view! {
        <h1>"Simulations"</h1>
        {move || row_alert().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                live.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted">"No simulation yet."</p> }.into_any();
                    }
                    view! {
                        <table class="data-table" data-testid="simulations">
                            <thead><tr><th>"Name"</th><th>"Reporting date"</th><th>"Lines"</th><th>"Scenarios"</th><th>"Updated"</th>{can_edit.then(|| view! { <th></th> })}</tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| {
                                    let id = s.simulation_id.to_string();
                                    let (rename_id, clone_id) = (id.clone(), id.clone());
                                    let rename_label = format!("New name for {}", s.name);
                                    let copy_name = format!("{} (copy)", s.name);
                                    let current_name = s.name.clone();
                                    view! {
                                        <tr>
                                            <td><a href=format!("/app/simulations/{id}")>{s.name.clone()}</a></td>
                                            <td>{s.reporting_date.clone().unwrap_or_default()}</td>
                                            <td>{s.line_count}</td>
                                            <td>{s.scenario_count}</td>
                                            <td>{s.updated_at.to_string()}</td>
                                            {can_edit.then(|| view! {
                                                <td class="row-actions">
                                                    <ActionForm action=rename attr:class="inline-form">
                                                        <input type="hidden" name="id" value=rename_id />
                                                        <input type="text" name="name" value=current_name aria-label=rename_label />
                                                        <button type="submit" class="button">"Rename"</button>
                                                    </ActionForm>
                                                    <ActionForm action=clone attr:class="inline-form">
                                                        <input type="hidden" name="id" value=clone_id />
                                                        <input type="hidden" name="name" value=copy_name />
                                                        <button type="submit" class="button">"Clone"</button>
                                                    </ActionForm>
                                                    <ActionForm action=delete attr:class="inline-form">
                                                        <input type="hidden" name="id" value=id.clone() />
                                                        <button type="submit" class="button button-danger">"Delete"</button>
                                                    </ActionForm>
                                                </td>
                                            })}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            })}
        </Transition>
        {can_edit.then(|| view! {
            <h2>"New simulation"</h2>
            <ActionForm action=create attr:class="stack-form" attr:novalidate=true>
                <FormField label="Name" id="simulation-name" error=name_error>
                    <input id="simulation-name" name="name" type="text" required />
                </FormField>
                <fieldset class="field">
                    <legend>"Data"</legend>
                    <label><input type="radio" name="source" value="sample" checked /> " The demo bank (5,006 lines)"</label>
                    <label><input type="radio" name="source" value="synthetic" /> " A synthetic portfolio of " <input type="text" inputmode="numeric" name="lines" value="100000" size="8" aria-label="Lines of the synthetic portfolio" /> " lines"</label>
                    <label><input type="radio" name="source" value="json" /> " A data set in Prudentia's JSON format, pasted below"</label>
                </fieldset>
                {move || lines_error().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
                <FormField label="Data set JSON" id="simulation-data" error=data_error hint="Spreadsheet import arrives with the import feature.">
                    <textarea id="simulation-data" name="data" rows="4"></textarea>
                </FormField>
                <FormAlert error=alert />
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>"Create simulation"</button>
            </ActionForm>
            {move || value.get().and_then(Result::ok).map(|id| view! {
                <p class="notice" role="status">"Created. " <a href=format!("/app/simulations/{id}")>"Open the dashboard"</a></p>
            })}
        })}
        {admin.then(|| view! {
            <h2>"Deleted simulations"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    deleted.await.map(|list| {
                        if list.is_empty() {
                            return view! { <p class="muted">"None."</p> }.into_any();
                        }
                        list.into_iter().map(|s| view! {
                            <ActionForm action=restore attr:class="inline-form">
                                <input type="hidden" name="id" value=s.simulation_id.to_string() />
                                <span>{s.name.clone()}</span>
                                <button type="submit" class="button">"Restore"</button>
                            </ActionForm>
                        }).collect_view().into_any()
                    })
                })}
            </Transition>
        })}
    }
}
