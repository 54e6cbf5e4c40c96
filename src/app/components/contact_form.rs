use crate::api::contact::SubmitContact;
use crate::model::contact::{MESSAGE_MAX, NAME_MAX, ORGANISATION_MAX};
use crate::model::error::AppError;
use leptos::prelude::*;

/// The contact form. Inputs are not re-rendered on error, so whatever the
/// visitor typed stays in place while the server's field errors appear inline.
#[component]
pub fn ContactForm() -> impl IntoView {
    let action = ServerAction::<SubmitContact>::new();
    let result = action.value();
    let error = move || result.get().and_then(Result::err);
    let field_error = move |field: &'static str| {
        move || {
            error().and_then(|e| {
                e.field_errors()
                    .and_then(|f| f.for_field(field).map(str::to_owned))
            })
        }
    };
    let form_error = move || {
        error()
            .filter(|e| !matches!(e, AppError::Validation(_)))
            .map(|e| e.to_string())
    };
    let acknowledged = move || result.get().and_then(Result::ok);

    view! {
        <Show
            when=move || acknowledged().is_none()
            fallback=move || {
                let ack = acknowledged();
                view! {
                    <div class="ack" role="status" data-testid="contact-ack">
                        <h3>"Message received"</h3>
                        <p>{ack.as_ref().map(|a| a.message.clone())}</p>
                        <p>"Your reference: " <strong>{ack.map(|a| a.reference)}</strong></p>
                        <button type="button" class="button" on:click=move |_| result.set(None)>
                            "Send another message"
                        </button>
                    </div>
                }
            }
        >
            <ActionForm action attr:class="contact-form" attr:novalidate=true>
                <Field label="Your name" name="name" error=field_error("name")>
                    <input
                        id="contact-name"
                        name="name"
                        type="text"
                        autocomplete="name"
                        required
                        maxlength=NAME_MAX.to_string()
                        aria-invalid=move || field_error("name")().is_some().to_string()
                        aria-describedby="contact-name-error"
                    />
                </Field>
                <Field label="Work e-mail" name="email" error=field_error("email")>
                    <input
                        id="contact-email"
                        name="email"
                        type="email"
                        autocomplete="email"
                        required
                        aria-invalid=move || field_error("email")().is_some().to_string()
                        aria-describedby="contact-email-error"
                    />
                </Field>
                <Field label="Organisation (optional)" name="organisation" error=field_error("organisation")>
                    <input
                        id="contact-organisation"
                        name="organisation"
                        type="text"
                        autocomplete="organization"
                        maxlength=ORGANISATION_MAX.to_string()
                        aria-invalid=move || field_error("organisation")().is_some().to_string()
                        aria-describedby="contact-organisation-error"
                    />
                </Field>
                <Field label="How can we help?" name="message" error=field_error("message")>
                    <textarea
                        id="contact-message"
                        name="message"
                        rows="5"
                        required
                        maxlength=MESSAGE_MAX.to_string()
                        aria-invalid=move || field_error("message")().is_some().to_string()
                        aria-describedby="contact-message-error"
                    ></textarea>
                </Field>
                // Honeypot: hidden from people and assistive technology; bots fill it in.
                <div class="honeypot" aria-hidden="true">
                    <label for="contact-website">"Website"</label>
                    <input id="contact-website" name="website" type="text" tabindex="-1" autocomplete="off" />
                </div>
                {move || form_error().map(|message| view! { <p class="form-alert" role="alert">{message}</p> })}
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Send message" }}
                </button>
            </ActionForm>
        </Show>
    }
}

#[component]
fn Field<E>(label: &'static str, name: &'static str, error: E, children: Children) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    let input_id = format!("contact-{name}");
    let error_id = format!("contact-{name}-error");
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=input_id>{label}</label>
            {children()}
            <p class="field-error" id=error_id aria-live="polite">{error}</p>
        </div>
    }
}
