//! The one error type that crosses the wire between server functions and pages.
//!
//! Policy: a user mistake becomes `Validation` (with the fields to fix) or
//! another specific variant; anything internal becomes `Internal`, whose text
//! never carries the cause — the server logs the cause before mapping it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{}", .0.summary())]
    Validation(FieldErrors),
    #[error("Too many requests. Please try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Please log in to continue.")]
    Unauthenticated,
    #[error(
        "Too many failed log-in attempts. Please wait {retry_after_secs} seconds and try again."
    )]
    LoginThrottled { retry_after_secs: u64 },
    #[error("Your role does not allow this.")]
    Forbidden,
    /// The server is at capacity for this kind of work; nothing was done.
    #[error("The server is busy. Please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    /// A plan or tenant limit; the text says which and what to do.
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("Not found.")]
    NotFound,
    /// The request does not fit the current state (an approved version,
    /// a review already decided); the text says why.
    #[error("{0}")]
    Conflict(String),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request never got a proper answer (network down, server restarting).
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status for this error; the only place where errors meet HTTP.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Unauthenticated => 401,
            AppError::LoginThrottled { .. } => 429,
            AppError::Forbidden => 403,
            AppError::Busy { .. } => 503,
            AppError::QuotaExceeded(_) => 409,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Internal => 500,
            AppError::Transport(_) => 502,
        }
    }

    /// Seconds the client should wait before trying again, if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::LoginThrottled { retry_after_secs }
            | AppError::Busy { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Bad arguments are the caller's mistake, not ours.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::Validation(FieldErrors::single("request", msg))
            }
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::Transport(msg)
            }
            _ => AppError::Internal,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(Vec<FieldError>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldErrors {
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.push(field, message);
        errors
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The message for one field, if that field is in error.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn summary(&self) -> String {
        match self.0.as_slice() {
            [] => "The request is invalid.".to_owned(),
            [one] => one.message.clone(),
            many => format!("{} fields need attention.", many.len()),
        }
    }

    /// `Ok(value)` when no error was recorded, so validators can end with
    /// `errors.into_result(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, AppError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(AppError::Validation(self))
        }
    }
}

/// Whether a JSON text holds a NUL character (`\u0000` not itself escaped):
/// PostgreSQL's text and jsonb cannot store one, so it is refused as input.
pub fn json_holds_nul(json: &[u8]) -> bool {
    memchr::memmem::find_iter(json, b"\\u0000")
        .any(|at| json[..at].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0)
}

#[cfg(test)]
mod tests {
    use super::json_holds_nul;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not() {
        assert!(json_holds_nul(br#"{"name": "a\u0000b"}"#));
        assert!(
            json_holds_nul(br#"{"name": "\\\u0000"}"#),
            "an escaped backslash, then a NUL"
        );
        assert!(
            !json_holds_nul(br#"{"name": "\\u0000"}"#),
            "a backslash followed by the text u0000"
        );
        assert!(!json_holds_nul(br#"{"name": "u0000"}"#));
    }
}
