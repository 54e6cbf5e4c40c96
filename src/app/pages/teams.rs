use crate::api::admin::{CreateTeam, DeleteTeam, SetTeamMember, list_members, list_teams};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission};
use leptos::prelude::*;
use leptos_meta::Title;

/// Teams: named groups of members, used to share simulations.
#[component]
pub fn TeamsPage() -> impl IntoView {
    view! {
        <Title text="Teams" />
        <Workspace page=|me| view! { <Teams me /> } />
    }
}

#[component]
fn Teams(me: Me) -> impl IntoView {
    let admin = me.can(Permission::ManageTeams);
    let create = ServerAction::<CreateTeam>::new();
    let delete = ServerAction::<DeleteTeam>::new();
    let set_member = ServerAction::<SetTeamMember>::new();
    let changed = move || {
        (
            create.version().get(),
            delete.version().get(),
            set_member.version().get(),
        )
    };
    // One resource per server function, as every page hydrates them: a
    // fetcher awaiting two left the page dead after a reload.
    let teams = Resource::new(changed, |_| list_teams());
    let members = Resource::new(changed, |_| list_members());
    let value = create.value();
    let name_error = field_error(value, "name");
    let alert = form_error(value);
    let action_alert = move || {
        [
            delete.value().get().and_then(Result::err),
            set_member.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    };
    view! {
        <h1>"Teams"</h1>
        {move || action_alert().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            <div class="team-list">
            {move || Suspend::new(async move {
                let teams = teams.await;
                let members = members.await;
                teams.and_then(|teams| members.map(|members| (teams, members))).map(|(teams, members)| {
                    if teams.is_empty() {
                        return view! { <p class="muted">"No team yet."</p> }.into_any();
                    }
                    teams.into_iter().map(|team| {
                        let add_id = team.team_id.to_string();
                        let remove_id = add_id.clone();
                        let delete_id = add_id.clone();
                        let names: Vec<_> = members.iter().filter(|m| team.members.contains(&m.user_id)).map(|m| m.display_name.clone()).collect();
                        let others: Vec<_> = members.iter().filter(|m| !team.members.contains(&m.user_id)).cloned().collect();
                        let inside: Vec<_> = members.iter().filter(|m| team.members.contains(&m.user_id)).cloned().collect();
                        view! {
                            <section class="card team" data-team=team.name.clone()>
                                <h2>{team.name.clone()}</h2>
                                <p>{if names.is_empty() { "No member yet.".to_owned() } else { names.join(", ") }}</p>
                                {admin.then(|| view! {
                                    <div class="row-actions">
                                        {(!others.is_empty()).then(|| view! {
                                            <ActionForm action=set_member attr:class="inline-form">
                                                <input type="hidden" name="team_id" value=add_id />
                                                <input type="hidden" name="member" value="true" />
                                                <select name="user_id" aria-label="Member to add">
                                                    {others.iter().map(|m| view! { <option value=m.user_id.to_string()>{m.display_name.clone()}</option> }).collect_view()}
                                                </select>
                                                <button type="submit" class="button">"Add"</button>
                                            </ActionForm>
                                        })}
                                        {(!inside.is_empty()).then(|| view! {
                                            <ActionForm action=set_member attr:class="inline-form">
                                                <input type="hidden" name="team_id" value=remove_id />
                                                <input type="hidden" name="member" value="false" />
                                                <select name="user_id" aria-label="Member to remove">
                                                    {inside.iter().map(|m| view! { <option value=m.user_id.to_string()>{m.display_name.clone()}</option> }).collect_view()}
                                                </select>
                                                <button type="submit" class="button">"Remove"</button>
                                            </ActionForm>
                                        })}
                                        <ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="team_id" value=delete_id />
                                            <button type="submit" class="button button-danger">"Delete team"</button>
                                        </ActionForm>
                                    </div>
                                })}
                            </section>
                        }
                    }).collect_view().into_any()
                })
            })}
            </div>
        </Transition>
        {admin.then(|| view! {
            <h2>"New team"</h2>
            <ActionForm action=create attr:class="stack-form" attr:novalidate=true>
                <FormField label="Team name" id="team-name" error=name_error>
                    <input id="team-name" name="name" type="text" required />
                </FormField>
                <FormAlert error=alert />
                <button type="submit" class="button button-primary">"Create team"</button>
            </ActionForm>
        })}
    }
}
