use crate::api::admin::{
    ChangeMemberRole, InviteMember, RemoveMember, RevokeInvitation, list_invitations, list_members,
};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission, Role};
use leptos::prelude::*;
use leptos_meta::Title;

/// Members of the tenant; admins also change roles, remove members, invite
/// and revoke invitations.
#[component]
pub fn MembersPage() -> impl IntoView {
    view! {
        <Title text="Members" />
        <Workspace page=|me| view! { <Members me /> } />
    }
}

#[component]
fn Members(me: Me) -> impl IntoView {
    let admin = me.can(Permission::ManageMembers);
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let members = Resource::new(
        move || {
            (
                change_role.version().get(),
                remove.version().get(),
                invite.version().get(),
            )
        },
        |_| list_members(),
    );
    let invitations = Resource::new(
        move || (invite.version().get(), revoke.version().get(), admin),
        |(_, _, admin)| async move {
            if admin {
                list_invitations().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    let member_alert = move || {
        [
            change_role.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    };
    let me_id = me.user_id;
    view! {
        <h1>"Members"</h1>
        {move || member_alert().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            <table class="data-table" data-testid="members">
                <thead>
                    <tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th>"Teams"</th>{admin.then(|| view! { <th>"Actions"</th> })}</tr>
                </thead>
                <tbody>
                    {move || Suspend::new(async move {
                        members.await.map(|list| {
                            list.into_iter().map(|m| {
                                let id = m.user_id.to_string();
                                let remove_id = id.clone();
                                let own = m.user_id == me_id;
                                view! {
                                    <tr data-email=m.email.clone()>
                                        <td>{m.display_name.clone()} {own.then_some(" (you)")}</td>
                                        <td>{m.email.clone()}</td>
                                        <td data-testid="member-role">{m.role.label()}</td>
                                        <td>{m.teams.join(", ")}</td>
                                        {admin.then(|| view! {
                                            <td class="row-actions">
                                                <ActionForm action=change_role attr:class="inline-form">
                                                    <input type="hidden" name="user_id" value=id />
                                                    <select name="role" aria-label="Role">
                                                        {Role::ALL.into_iter().map(|r| view! {
                                                            <option value=r.as_str() selected=r == m.role>{r.label()}</option>
                                                        }).collect_view()}
                                                    </select>
                                                    <button type="submit" class="button">"Change role"</button>
                                                </ActionForm>
                                                <ActionForm action=remove attr:class="inline-form">
                                                    <input type="hidden" name="user_id" value=remove_id />
                                                    <button type="submit" class="button button-danger">"Remove"</button>
                                                </ActionForm>
                                            </td>
                                        })}
                                    </tr>
                                }
                            }).collect_view()
                        })
                    })}
                </tbody>
            </table>
        </Transition>
        {admin.then(|| view! { <InviteForm invite /> <PendingInvitations invitations revoke /> })}
    }
}

#[component]
fn InviteForm(invite: ServerAction<InviteMember>) -> impl IntoView {
    let value = invite.value();
    let email_error = field_error(value, "email");
    let role_error = field_error(value, "role");
    let alert = form_error(value);
    view! {
        <h2>"Invite someone"</h2>
        <ActionForm action=invite attr:class="stack-form" attr:novalidate=true>
            <FormField label="E-mail" id="invite-email" error=email_error>
                <input id="invite-email" name="email" type="email" required />
            </FormField>
            <FormField label="Role" id="invite-role" error=role_error>
                <select id="invite-role" name="role">
                    <option value="viewer">"Viewer — reads shared work"</option>
                    <option value="analyst">"Analyst — builds simulations"</option>
                    <option value="admin">"Admin — manages the team"</option>
                </select>
            </FormField>
            <FormAlert error=alert />
            <button type="submit" class="button button-primary">"Send invitation"</button>
        </ActionForm>
        {move || value.get().and_then(Result::ok).map(|sent| view! {
            <div class="notice" role="status">
                <p>"Invitation for " {sent.email} " is ready. Until e-mail delivery is set up, pass on this link:"</p>
                <p><a data-testid="invitation-link" href=sent.link.clone()>{sent.link.clone()}</a></p>
            </div>
        })}
    }
}

#[component]
fn PendingInvitations(
    invitations: Resource<
        Result<Vec<crate::model::account::PendingInvitation>, crate::model::error::AppError>,
    >,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    view! {
        <h2>"Pending invitations"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                invitations.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted">"No pending invitation."</p> }.into_any();
                    }
                    view! {
                        <table class="data-table" data-testid="invitations">
                            <thead><tr><th>"E-mail"</th><th>"Role"</th><th>"Expires"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|i| view! {
                                    <tr>
                                        <td>{i.email}</td>
                                        <td>{i.role.label()}</td>
                                        <td>{i.expires_at}</td>
                                        <td>
                                            <ActionForm action=revoke attr:class="inline-form">
                                                <input type="hidden" name="invitation_id" value=i.invitation_id.to_string() />
                                                <button type="submit" class="button">"Revoke"</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            })}
        </Transition>
    }
}
