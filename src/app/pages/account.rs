use crate::api::accounts::ChangePassword;
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="My account" />
        <Workspace page=|me| {
            let action = ServerAction::<ChangePassword>::new();
            let value = action.value();
            let current_error = field_error(value, "current_password");
            let new_error = field_error(value, "new_password");
            let alert = form_error(value);
            let done = move || matches!(value.get(), Some(Ok(())));
            view! {
                <h1>"My account"</h1>
                <p>{me.display_name.clone()} " · " {me.email.clone()}</p>
                <h2>"Change password"</h2>
                <ActionForm action attr:class="stack-form" attr:novalidate=true>
                    <FormField label="Current password" id="current-password" error=current_error>
                        <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
                    </FormField>
                    <FormField label="New password" id="new-password" error=new_error hint="At least 12 characters.">
                        <input id="new-password" name="new_password" type="password" autocomplete="new-password" required />
                    </FormField>
                    <fieldset class="field">
                        <label><input type="checkbox" name="revoke_tokens" value="on" /> " Also revoke my API tokens in every organisation"</label>
                    </fieldset>
                    <FormAlert error=alert />
                    {move || done().then(|| view! {
                        <p class="notice" role="status">"Your password was changed. Every other session of your account was ended."</p>
                    })}
                    <button type="submit" class="button button-primary">"Change password"</button>
                </ActionForm>
            }
        } />
    }
}
