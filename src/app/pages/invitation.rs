use crate::api::accounts::{AcceptInvitation, view_invitation};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Where an invitation link lands: who invites, with which role, and a form
/// to accept (new account, or the existing account's password).
#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = use_params_map()
        .with_untracked(|p| p.get("token"))
        .unwrap_or_default();
    let invitation = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        view_invitation,
    );
    let action = ServerAction::<AcceptInvitation>::new();
    let value = action.value();
    let name_error = field_error(value, "name");
    let password_error = field_error(value, "password");
    let token_error = field_error(value, "token");
    let alert = form_error(value);
    view! {
        <Title text="Invitation" />
        <section class="container narrow auth-page">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match invitation.await {
                            Err(e) => view! {
                                <h1>"Invitation"</h1>
                                <p class="form-alert" role="alert" data-testid="invitation-error">
                                    {e.field_errors().and_then(|f| f.for_field("token").map(str::to_owned)).unwrap_or_else(|| e.to_string())}
                                </p>
                            }.into_any(),
                            Ok(inv) => view! {
                                <h1>"Join " {inv.tenant_name.clone()}</h1>
                                <p>
                                    "You are invited as " <strong>{inv.role.label()}</strong> " with "
                                    <strong>{inv.email.clone()}</strong> "."
                                </p>
                                <ActionForm action attr:class="stack-form" attr:novalidate=true>
                                    <input type="hidden" name="token" value=token />
                                    {if inv.existing_account {
                                        view! {
                                            <input type="hidden" name="name" value="" />
                                            <FormField label="Your Prudentia password" id="accept-password" error=password_error>
                                                <input id="accept-password" name="password" type="password" autocomplete="current-password" required />
                                            </FormField>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <FormField label="Your name" id="accept-name" error=name_error>
                                                <input id="accept-name" name="name" type="text" autocomplete="name" required />
                                            </FormField>
                                            <FormField label="Choose a password" id="accept-password" error=password_error hint="At least 12 characters.">
                                                <input id="accept-password" name="password" type="password" autocomplete="new-password" required />
                                            </FormField>
                                        }.into_any()
                                    }}
                                    {move || token_error().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
                                    <FormAlert error=alert />
                                    <button type="submit" class="button button-primary">"Accept and continue"</button>
                                </ActionForm>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}
