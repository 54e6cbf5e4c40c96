use crate::api::accounts::SignUp;
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::model::account::{PASSWORD_MIN, TENANT_NAME_MAX};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Creates an organisation (tenant) and its first admin; the answer is the
/// same for every address (the next step is in the mail).
#[component]
pub fn SignupPage() -> impl IntoView {
    let plan = use_query_map()
        .with_untracked(|q| q.get("plan"))
        .unwrap_or_default();
    let action = ServerAction::<SignUp>::new();
    let value = action.value();
    let sent = move || matches!(value.get(), Some(Ok(())));
    view! {
        <Title text="Sign up" />
        <section class="container narrow auth-page">
            <h1>"Create your organisation"</h1>
            <Show when=sent fallback=move || view! { <SignupForm action plan=plan.clone() /> }>
                <p class="notice" role="status" data-testid="signup-sent">
                    "Check your mailbox: we sent a link to confirm your address. Follow it to open \
                     your organisation (it works for 7 days)."
                </p>
            </Show>
            <p class="muted">"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

#[component]
fn SignupForm(action: ServerAction<SignUp>, plan: String) -> impl IntoView {
    let value = action.value();
    let organisation_error = field_error(value, "organisation");
    let name_error = field_error(value, "name");
    let email_error = field_error(value, "email");
    let password_error = field_error(value, "password");
    let plan_error = field_error(value, "plan");
    let alert = form_error(value);
    view! {
            <p class="muted">"You become its admin and can invite your team next."</p>
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <input type="hidden" name="plan" value=plan />
                <FormField label="Organisation" id="signup-organisation" error=organisation_error>
                    <input
                        id="signup-organisation"
                        name="organisation"
                        type="text"
                        autocomplete="organization"
                        maxlength=TENANT_NAME_MAX.to_string()
                        required
                    />
                </FormField>
                <FormField label="Your name" id="signup-name" error=name_error>
                    <input id="signup-name" name="name" type="text" autocomplete="name" required />
                </FormField>
                <FormField label="Work e-mail" id="signup-email" error=email_error>
                    <input id="signup-email" name="email" type="email" autocomplete="email" required />
                </FormField>
                <FormField
                    label="Password"
                    id="signup-password"
                    error=password_error
                    hint="At least 12 characters; a short sentence is easy to remember and hard to guess."
                >
                    <input
                        id="signup-password"
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        minlength=PASSWORD_MIN.to_string()
                        required
                    />
                </FormField>
                {move || plan_error().map(|m| view! { <p class="form-alert" role="alert">{m}</p> })}
                <FormAlert error=alert />
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create organisation" }}
                </button>
            </ActionForm>
    }
}
