//! The pages behind the links an account receives by mail: confirming its
//! address, asking for a new password and choosing it.

use crate::api::accounts::{ForgotPassword, ResetPassword, VerifyEmail};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn token_param() -> String {
    use_params_map()
        .with_untracked(|p| p.get("token"))
        .unwrap_or_default()
}

/// A button, not an automatic request: a mail scanner that opens the link
/// must not spend it.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let value = action.value();
    let token_error = field_error(value, "token");
    let alert = form_error(value);
    view! {
        <Title text="Confirm your address" />
        <section class="container narrow auth-page">
            <h1>"Confirm your e-mail address"</h1>
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <input type="hidden" name="token" value=token_param() />
                {move || token_error().map(|m| view! { <p class="form-alert" role="alert" data-testid="link-error">{m}</p> })}
                <FormAlert error=alert />
                <button type="submit" class="button button-primary">"Confirm and open Prudentia"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let value = action.value();
    let email_error = field_error(value, "email");
    let alert = form_error(value);
    let sent = move || matches!(value.get(), Some(Ok(())));
    view! {
        <Title text="Forgot your password?" />
        <section class="container narrow auth-page">
            <h1>"Forgot your password?"</h1>
            <p class="muted">"We mail a link to choose a new one. It works once, for an hour."</p>
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <FormField label="E-mail" id="forgot-email" error=email_error>
                    <input id="forgot-email" name="email" type="email" autocomplete="username" required />
                </FormField>
                <FormAlert error=alert />
                {move || sent().then(|| view! {
                    <p class="notice" role="status">
                        "If an account has this address, a link is on its way. Check your mailbox (and its spam folder)."
                    </p>
                })}
                <button type="submit" class="button button-primary">"Mail me a link"</button>
            </ActionForm>
            <p class="muted"><a href="/login">"Back to log in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let value = action.value();
    let password_error = field_error(value, "new_password");
    let token_error = field_error(value, "token");
    let alert = form_error(value);
    let done = move || matches!(value.get(), Some(Ok(())));
    view! {
        <Title text="Choose a new password" />
        <section class="container narrow auth-page">
            <h1>"Choose a new password"</h1>
            <Show
                when=done
                fallback=move || view! {
                    <ActionForm action attr:class="stack-form" attr:novalidate=true>
                        <input type="hidden" name="token" value=token_param() />
                        <FormField label="New password" id="reset-password" error=password_error hint="At least 12 characters.">
                            <input id="reset-password" name="new_password" type="password" autocomplete="new-password" required />
                        </FormField>
                        <fieldset class="field">
                            <label><input type="checkbox" name="revoke_tokens" value="on" /> " Also revoke my API tokens in every organisation"</label>
                        </fieldset>
                        {move || token_error().map(|m| view! { <p class="form-alert" role="alert" data-testid="link-error">{m}</p> })}
                        <FormAlert error=alert />
                        <button type="submit" class="button button-primary">"Set the new password"</button>
                    </ActionForm>
                }
            >
                <p class="notice" role="status">
                    "Your password was changed, and every session of your account was ended. "
                    <a href="/login">"Log in"</a> " with the new one."
                </p>
            </Show>
        </section>
    }
}
