//! Form pieces shared by every page: a labelled field with its inline error,
//! and the errors of a server action split into field and form messages.

use crate::model::error::AppError;
use leptos::prelude::*;

/// The message for `field` in the last result of an action, if any.
pub fn field_error<S, T>(
    value: S,
    field: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static
where
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e| e.field_errors())
                .and_then(|f| f.for_field(field).map(str::to_owned))
        })
    }
}

/// A failure that is not about one field (throttling, permissions, outage).
pub fn form_error<S, T>(value: S) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static
where
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|v| match v {
            Some(Err(AppError::Validation(_))) | None | Some(Ok(_)) => None,
            Some(Err(e)) => Some(e.to_string()),
        })
    }
}

#[component]
pub fn FormField<E>(
    label: &'static str,
    id: &'static str,
    error: E,
    #[prop(optional)] hint: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=id>{label}</label>
            {children()}
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <p class="field-error" id=format!("{id}-error") aria-live="polite">{error}</p>
        </div>
    }
}

/// The alert under a form for errors that are not about one field.
#[component]
pub fn FormAlert<E>(error: E) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    move || error().map(|message| view! { <p class="form-alert" role="alert">{message}</p> })
}
