//! What every API handler takes from a request, with rejections written
//! as problems: the caller behind the bearer token (rate limits counted),
//! a JSON body read with the path of any bad field, query parameters, and
//! the idempotency key.

use super::limits;
use super::problem::Problem;
use crate::model::error::AppError;
use crate::server::auth::{Caller, tokens};
use crate::server::db::scope;
use crate::server::idempotency::IdempotencyKey;
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// The caller a valid API token stands for, its call counted against the
/// token's rate and the tenant's daily quota.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let verified = tokens::verify(&state.pool, &state.api.keys, token).await?;
        state
            .api
            .limits
            .check_token(&state.pool, verified.token_id())
            .await?;
        // The token's standing, the role and the day's count: one
        // transaction per call.
        let mut tx = scope::begin(&state.pool, verified.tenant_id())
            .await
            .map_err(AppError::from)?;
        let caller = tokens::caller(&mut tx, &verified).await?;
        limits::count_daily_call(&mut tx, caller).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ApiCaller(caller))
    }
}

/// A JSON request body; a field of the wrong type names its path.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Send + 'static> FromRequest<AppState> for Json<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Problem> {
        let (_, bytes) = json_bytes(request, state).await?;
        parse_off_thread(bytes).await.map(Json)
    }
}

/// A JSON request body not read yet: for a handler that reads a large
/// body its own way first, then with [`parse`] if that fails.
pub struct JsonBytes(pub Bytes);

impl FromRequest<AppState> for JsonBytes {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Problem> {
        let (_, bytes) = json_bytes(request, state).await?;
        Ok(JsonBytes(bytes))
    }
}

/// A JSON body that creates something, with its `Idempotency-Key`, bound
/// to this request's method, path and body: reusing a key for another
/// request is refused.
pub struct Idempotent<T>(pub Option<IdempotencyKey>, pub T);

impl<T: DeserializeOwned + Send + 'static> FromRequest<AppState> for Idempotent<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Problem> {
        let (parts, bytes) = json_bytes(request, state).await?;
        let key = idempotency_key(&parts, &bytes)?;
        parse_off_thread(bytes)
            .await
            .map(|body| Idempotent(key, body))
    }
}

/// Bodies above this are parsed on the blocking pool: a 100k-line data set
/// takes a tenth of a second, which would stall the request threads.
const PARSE_INLINE_MAX: usize = 256 * 1024;

async fn parse_off_thread<T: DeserializeOwned + Send + 'static>(
    bytes: Bytes,
) -> Result<T, Problem> {
    if bytes.len() <= PARSE_INLINE_MAX {
        return parse(&bytes);
    }
    crate::server::heavy::run(None, "api body", move || parse(&bytes)).await?
}

async fn json_bytes(request: Request, state: &AppState) -> Result<(Parts, Bytes), Problem> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
        });
    if !json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the body as JSON, with `Content-Type: application/json`.",
        ));
    }
    let (parts, body) = request.into_parts();
    let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "unreadable-body",
                    "Unreadable body",
                    rejection.body_text(),
                )
            }
        })?;
    Ok((parts, bytes))
}

pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "Request too large",
        "The request body is larger than this route accepts.",
    )
}

/// A JSON body as `T`, or a 422 naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    if crate::model::error::json_holds_nul(bytes) {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "Text may not hold a NUL character (\\u0000).",
        ));
    }
    // Read without tracking paths first (a third faster on a large data
    // set), from text checked as UTF-8 once rather than string by string;
    // only a body that fails is read again to name its field.
    if let Some(value) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| serde_json::from_str(text).ok())
    {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let field = if path == "." || inner.is_syntax() || inner.is_eof() {
            "body".to_owned()
        } else {
            path
        };
        Problem::field(StatusCode::UNPROCESSABLE_ENTITY, &field, inner.to_string())
    })
}

/// Query parameters; an unknown value names the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        if query.contains("%00") {
            return Err(Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "query",
                "A parameter may not hold a NUL character.",
            ));
        }
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let field = error.path().to_string();
                let field = if field == "." {
                    "query".to_owned()
                } else {
                    field
                };
                Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &field,
                    error.into_inner().to_string(),
                )
            })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

fn idempotency_key(parts: &Parts, body: &[u8]) -> Result<Option<IdempotencyKey>, Problem> {
    use sha2::{Digest, Sha256};
    let Some(value) = parts.headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("\u{0}");
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update(b" ");
    hash.update(parts.uri.path());
    hash.update(b"\n");
    hash.update(body);
    let fingerprint = format!("{:x}", hash.finalize());
    IdempotencyKey::parse(key, fingerprint)
        .map(Some)
        .map_err(Problem::from)
}
