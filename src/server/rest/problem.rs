//! RFC 9457 problem details: the one error body of the REST API. Every
//! `AppError` maps here once; internal causes were logged where they
//! happened and never reach this text.

use crate::model::error::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem: what went wrong, for people (`title`, `detail`) and for
/// programs (`type`, `status`, and the fields at fault in `errors`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, such as `urn:prudentia:problem:validation`.
    #[serde(rename = "type")]
    #[schema(example = "urn:prudentia:problem:validation")]
    pub kind: String,
    #[schema(example = "Invalid request")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    /// The field-level problems of an invalid request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait before trying again (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, as a path into the request (`data.exposures[3].drawn`),
    /// or a parameter or header name.
    #[schema(example = "data.exposures[3].drawn")]
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:prudentia:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn field(status: StatusCode, field: &str, message: impl Into<String>) -> Problem {
        let message = message.into();
        Problem {
            errors: vec![FieldProblem {
                field: field.to_owned(),
                message: message.clone(),
            }],
            ..Problem::new(status, "validation", "Invalid request", message)
        }
    }

    pub fn not_found() -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            "There is no such resource, or it is not visible to this token.",
        )
    }

    pub fn rate_limited(kind: &str, detail: impl Into<String>, retry_after: u64) -> Problem {
        Problem {
            retry_after: Some(retry_after.max(1)),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                kind,
                "Too many requests",
                detail,
            )
        }
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Problem {
        let status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = error.to_string();
        match error {
            AppError::Validation(fields) => Problem {
                errors: fields
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.clone(),
                        message: f.message.clone(),
                    })
                    .collect(),
                ..Problem::new(status, "validation", "Invalid request", detail)
            },
            AppError::RateLimited { retry_after_secs }
            | AppError::LoginThrottled { retry_after_secs } => {
                Problem::rate_limited("rate-limited", detail, retry_after_secs)
            }
            AppError::Unauthenticated => Problem::new(
                status,
                "unauthenticated",
                "Authentication required",
                "Send a valid, unrevoked API token as `Authorization: Bearer <token>`.",
            ),
            AppError::Forbidden => Problem::new(
                status,
                "forbidden",
                "Forbidden",
                "Neither this token's scope nor its owner's role allows this.",
            ),
            AppError::QuotaExceeded(_) => {
                Problem::new(status, "quota-exceeded", "Quota exceeded", detail)
            }
            AppError::NotFound => Problem::not_found(),
            AppError::Busy { retry_after_secs } => Problem {
                retry_after: Some(retry_after_secs.max(1)),
                ..Problem::new(status, "busy", "Server busy", detail)
            },
            AppError::Conflict(_) => Problem::new(status, "conflict", "Conflict", detail),
            AppError::Internal | AppError::Transport(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something went wrong on our side. Please try again in a moment.",
            ),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"prudentia\""),
            );
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::FieldErrors;

    #[test]
    fn every_error_becomes_a_problem_of_its_own_status_and_kind() {
        let cases = [
            (
                AppError::Validation(FieldErrors::single("name", "Please give it a name.")),
                422,
                "validation",
            ),
            (
                AppError::RateLimited {
                    retry_after_secs: 7,
                },
                429,
                "rate-limited",
            ),
            (AppError::Unauthenticated, 401, "unauthenticated"),
            (AppError::Forbidden, 403, "forbidden"),
            (
                AppError::QuotaExceeded("Your plan allows 20 simulations.".into()),
                409,
                "quota-exceeded",
            ),
            (AppError::NotFound, 404, "not-found"),
            (
                AppError::Conflict("Already approved.".into()),
                409,
                "conflict",
            ),
            (AppError::Internal, 500, "internal"),
            (
                AppError::Transport("connection reset by peer 10.0.0.3".into()),
                500,
                "internal",
            ),
        ];
        for (error, status, kind) in cases {
            let problem = Problem::from(error);
            assert_eq!(problem.status, status);
            assert_eq!(problem.kind, format!("urn:prudentia:problem:{kind}"));
            assert!(
                !problem.detail.contains("10.0.0.3"),
                "internal causes stay internal"
            );
        }
    }

    #[test]
    fn a_validation_problem_lists_its_fields_and_a_rate_limit_says_when() {
        let mut fields = FieldErrors::default();
        fields.push("data.exposures[3].drawn", "must be a non-negative number");
        fields.push("name", "Please give it a name.");
        let problem = Problem::from(AppError::Validation(fields));
        let names: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["data.exposures[3].drawn", "name"]);

        let response = Problem::from(AppError::RateLimited {
            retry_after_secs: 7,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        let unauthorised = Problem::from(AppError::Unauthenticated).into_response();
        assert!(
            unauthorised
                .headers()
                .contains_key(header::WWW_AUTHENTICATE)
        );
    }
}
