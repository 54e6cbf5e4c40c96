use crate::api::accounts::LogIn;
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let value = action.value();
    let email_error = field_error(value, "email");
    let password_error = field_error(value, "password");
    let alert = form_error(value);
    view! {
        <Title text="Log in" />
        <section class="container narrow auth-page">
            <h1>"Log in"</h1>
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <FormField label="E-mail" id="login-email" error=email_error>
                    <input id="login-email" name="email" type="email" autocomplete="username" required />
                </FormField>
                <FormField label="Password" id="login-password" error=password_error>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </FormField>
                <FormAlert error=alert />
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="muted"><a href="/forgot-password">"Forgot your password?"</a></p>
            <p class="muted">"New to Prudentia? " <a href="/signup">"Create your organisation"</a></p>
        </section>
    }
}
