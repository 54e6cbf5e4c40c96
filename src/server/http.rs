//! The HTTP server: routes, security middleware, health check, shutdown.

use super::config::PublicUrl;
use super::state::AppState;
use crate::app::{App, shell};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .merge(super::rest::router())
        .route("/healthz", get(healthz))
        .route("/metrics", get(super::metrics::guarded))
        .route("/api/simulations/{id}/lines", get(simulation_lines))
        .route("/api/audit.csv", get(audit_csv))
        .route("/api/live/simulations/{id}", get(live_stream))
        .route(
            "/api/imports",
            post(upload_import).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/imports/workbook.xlsx", get(canonical_workbook))
        .route("/api/reports/{id}/download", get(download_report))
        .route(
            "/api/branding/logo",
            get(branding_logo)
                .post(upload_logo)
                .layer(DefaultBodyLimit::disable()),
        )
        .leptos_routes_with_context(&state, routes, provide_csp_nonce, move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_csp_nonce, shell))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn_with_state(
            state.trust_proxy,
            client_info,
        ))
        .layer(session_layer(&state))
        .layer(middleware::from_fn_with_state(
            state.public_url.clone(),
            refuse_cross_site_writes,
        ))
        .layer(middleware::from_fn(security_headers))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(limit_body))
        .layer(middleware::from_fn_with_state(
            state.public_url.clone(),
            refuse_other_hosts,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(middleware::from_fn(super::metrics::track))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Every request's span carries its id (`x-request-id`, the client's or a
/// new UUID, echoed in the response), so each of its log lines does.
fn request_span(request: &Request<Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
}

/// Bodies are small, except a spreadsheet or a logo upload. The one limit
/// of each route (its multipart extractor's own default is disabled).
fn body_limit(path: &str) -> usize {
    match path {
        "/api/imports" | "/api/v1/imports" => super::import::read::MAX_BYTES + 64 * 1024,
        "/api/v1/compute" | "/api/v1/simulations" => super::rest::MAX_JSON_BYTES,
        "/api/branding/logo" => super::reports::service::MAX_LOGO_BYTES + 64 * 1024,
        _ => MAX_BODY_BYTES,
    }
}

async fn limit_body(request: Request<Body>, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        let error =
            crate::model::error::AppError::Validation(crate::model::error::FieldErrors::single(
                "request",
                format!("The file is larger than {} MiB.", limit / 1024 / 1024),
            ));
        // The upload forms are plain HTML forms: back to the page, with why.
        return match request.uri().path() {
            path if path.starts_with(super::rest::PREFIX) => {
                super::rest::extract::too_large().into_response()
            }
            "/api/imports" => back_with_error("/app/imports", &error),
            "/api/branding/logo" => back_with_error("/app/reports/settings", &error),
            _ => error_response(error),
        };
    }
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

fn error_response(error: crate::model::error::AppError) -> Response {
    (
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(error),
    )
        .into_response()
}

/// The first file of a multipart form, as (file name, bytes).
pub(crate) async fn file_field(
    multipart: &mut Multipart,
    name: &str,
) -> Result<Option<(String, Vec<u8>)>, crate::model::error::AppError> {
    use crate::model::error::{AppError, FieldErrors};
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::Validation(FieldErrors::single(
            name.to_owned(),
            format!(
                "The upload was interrupted or is too large: {}",
                e.body_text()
            ),
        ))
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() == Some(name) {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            return Ok(Some((file_name, bytes.to_vec())));
        }
    }
    Ok(None)
}

/// The page to go back to with an error message, for a plain HTML form.
fn back_with_error(page: &str, error: &crate::model::error::AppError) -> Response {
    let query = serde_urlencoded::to_string([("error", error.to_string())]).unwrap_or_default();
    Redirect::to(&format!("{page}?{query}")).into_response()
}

/// A spreadsheet from the import page's form: stored, then the mapping page.
async fn upload_import(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        let (name, bytes) = file_field(&mut multipart, "file")
            .await?
            .unwrap_or_default();
        super::import::upload(&state.pool, caller, &name, bytes).await
    }
    .await;
    match result {
        Ok(proposal) => {
            Redirect::to(&format!("/app/imports/{}", proposal.import_id)).into_response()
        }
        Err(crate::model::error::AppError::Unauthenticated) => {
            Redirect::to("/login").into_response()
        }
        Err(error) => back_with_error("/app/imports", &error),
    }
}

#[derive(serde::Deserialize)]
struct WorkbookQuery {
    #[serde(default)]
    demo: bool,
}

/// The canonical workbook, blank or holding the demo bank.
async fn canonical_workbook(
    axum::extract::Query(query): axum::extract::Query<WorkbookQuery>,
) -> Response {
    let (data, name) = if query.demo {
        (crate::samples::demo_bank(), "prudentia-demo-bank.xlsx")
    } else {
        (super::reports::workbook::blank(), "prudentia-workbook.xlsx")
    };
    match tokio::task::spawn_blocking(move || super::reports::workbook::canonical(&data)).await {
        Ok(Ok(bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    crate::model::report::ReportFormat::Xlsx.mime().to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => error_response(crate::model::error::AppError::Internal),
    }
}

async fn download_report(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        super::reports::service::download(&state.pool, caller, id.parse()?).await
    }
    .await;
    match result {
        Ok((report, bytes)) => (
            [
                (header::CONTENT_TYPE, report.format.mime().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", report.file_name()),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(crate::model::error::AppError::Unauthenticated) => {
            Redirect::to("/login").into_response()
        }
        Err(error) => error_response(error),
    }
}

async fn branding_logo(
    State(state): State<AppState>,
    session: tower_sessions::Session,
) -> Response {
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        super::reports::service::logo(&state.pool, caller)
            .await?
            .ok_or(crate::model::error::AppError::NotFound)
    }
    .await;
    match result {
        Ok((bytes, kind)) => {
            let mime = match kind.as_str() {
                "png" => "image/png",
                "jpg" => "image/jpeg",
                _ => "image/svg+xml",
            };
            // An SVG is shown as an image, never run as a document.
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                    ),
                    (header::CACHE_CONTROL, "private, no-cache"),
                ],
                bytes,
            )
                .into_response()
        }
        Err(error) => error_response(error),
    }
}

async fn upload_logo(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        let file = file_field(&mut multipart, "logo").await?;
        super::reports::service::set_logo(
            &state.pool,
            caller,
            Some(file.map(|f| f.1).unwrap_or_default()),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/app/reports/settings").into_response(),
        Err(error) => back_with_error("/app/reports/settings", &error),
    }
}

/// A server function whose arguments fail to decode answers before our code
/// runs, with Leptos's 500 around our `AppError`; give it that error's own
/// status (a missing field is the caller's mistake, not ours).
async fn server_fn_error_status(request: Request<Body>, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::model::error::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status_code())
    {
        parts.status = status;
        if let Some(secs) = error.retry_after_secs() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Server-side sessions in PostgreSQL; the cookie holds only the id.
fn session_layer(
    state: &AppState,
) -> tower_sessions::SessionManagerLayer<tower_sessions_sqlx_store::PostgresStore> {
    use tower_sessions::cookie::SameSite;
    use tower_sessions::{Expiry, SessionManagerLayer};
    SessionManagerLayer::new(tower_sessions_sqlx_store::PostgresStore::new(
        state.pool.clone(),
    ))
    .with_name("prudentia_session")
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_secure(state.secure_cookies)
    .with_expiry(Expiry::OnInactivity(time::Duration::hours(
        super::auth::IDLE_HOURS,
    )))
}

/// Per-response nonce for the Content-Security-Policy, generated by
/// `security_headers` and handed to Leptos so its inline hydration script
/// carries the same value.
#[derive(Clone, Debug)]
struct CspNonce(String);

fn provide_csp_nonce() {
    if let Some(parts) = use_context::<axum::http::request::Parts>()
        && let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>()
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.as_str()));
    }
}

fn content_security_policy(nonce: &str) -> String {
    // 'wasm-unsafe-eval' lets the page compile its own WASM module; no eval of
    // JavaScript text is allowed. Styles come only from our stylesheet.
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

async fn security_headers(mut request: Request<Body>, next: Next) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A route with a stricter policy of its own (an uploaded image) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A Host we were not started for is refused (421) before anything else:
/// nothing built from a forged Host can reach a page or a mail.
async fn refuse_other_hosts(
    State(public): State<Arc<PublicUrl>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or(""));
    match host {
        Some(host) if !public.accepts_host(host) => {
            tracing::warn!(host, "request for another host refused");
            (
                StatusCode::MISDIRECTED_REQUEST,
                [(header::CONTENT_TYPE, "application/problem+json")],
                r#"{"type":"urn:prudentia:problem:misdirected","title":"Misdirected request","status":421,"detail":"This server does not answer for that host name."}"#,
            )
                .into_response()
        }
        _ => next.run(request).await,
    }
}

/// Server functions have no CSRF protection of their own: a state-changing
/// request must show it comes from our own pages (`Origin` or
/// `Sec-Fetch-Site`). The REST API authenticates with bearer tokens alone,
/// which a browser never sends by itself, so it needs neither.
async fn refuse_cross_site_writes(
    State(public): State<Arc<PublicUrl>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The REST API reads no session cookie: a cross-site page cannot act
    // through it.
    let rest = request.uri().path().starts_with(super::rest::PREFIX);
    if safe || rest || is_same_origin(request.headers(), public.origin()) {
        next.run(request).await
    } else {
        tracing::warn!(uri = %request.uri(), "cross-site write refused");
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/problem+json")],
            r#"{"type":"urn:prudentia:problem:cross-site","title":"Cross-site request refused","status":403,"detail":"Changes are accepted only from Prudentia's own pages (the request showed no Origin of ours)."}"#,
        )
            .into_response()
    }
}

fn is_same_origin(headers: &HeaderMap, origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin"));
    }
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| sent.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// The audit trail as CSV, with the audit page's filters (admins only).
async fn audit_csv(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Query(filter): axum::extract::Query<crate::model::workflow::AuditFilter>,
) -> Response {
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        super::audit::csv(&state.pool, caller, filter).await
    }
    .await;
    match result {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"prudentia-audit.csv\"",
                ),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(error) => error_response(error),
    }
}

#[derive(serde::Deserialize)]
struct VersionQuery {
    version: Option<i32>,
}

/// The exposure lines of a simulation's version for the dashboard's engine,
/// in binary by columns (see `model::line_columns`).
async fn simulation_lines(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<VersionQuery>,
    headers: HeaderMap,
) -> Response {
    // Sent as stored (gzip) to every client that takes it: all browsers.
    let gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        let packed =
            super::simulations::packed_lines(&state.pool, caller, id.parse()?, query.version)
                .await?;
        if gzip {
            Ok(packed)
        } else {
            super::simulations::unpack_lines(&packed)
        }
    }
    .await;
    // A numbered version never changes: the browser may keep it.
    let cache = if query.version.is_some() {
        "private, max-age=86400, immutable"
    } else {
        "private, no-store"
    };
    match result {
        Ok(bytes) => {
            let mut response = (
                [
                    (header::CONTENT_TYPE, "application/octet-stream"),
                    (header::CACHE_CONTROL, cache),
                    (header::VARY, "accept-encoding"),
                ],
                bytes,
            )
                .into_response();
            if gzip {
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Err(error) => error_response(error),
    }
}

/// A simulation's live updates as server-sent events; `Last-Event-ID`
/// (sent by the browser when it reconnects) replays what was missed.
async fn live_stream(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let result = async {
        let caller = super::auth::caller(&state.pool, &session).await?;
        super::live::stream(&state.pool, &state.live, caller, id.parse()?, last).await
    }
    .await;
    match result {
        Ok(events) => axum::response::sse::Sse::new(events)
            .keep_alive(axum::response::sse::KeepAlive::default())
            .into_response(),
        Err(error) => error_response(error),
    }
}

#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
    version: &'static str,
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let probe = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    let reachable = matches!(
        tokio::time::timeout(Duration::from_secs(2), probe).await,
        Ok(Ok(1))
    );
    let (status, body) = if reachable {
        (
            StatusCode::OK,
            Health {
                status: "ok",
                database: "reachable",
                version: env!("CARGO_PKG_VERSION"),
            },
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Health {
                status: "degraded",
                database: "unreachable",
                version: env!("CARGO_PKG_VERSION"),
            },
        )
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body))
}

/// Who is calling, as far as spam defences and logs need to know.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

tokio::task_local! {
    /// The client of the request being served, for every handler below
    /// the `client_info` layer (server functions and the REST API alike).
    static CLIENT: ClientInfo;
}

impl ClientInfo {
    /// The client of the current request (none outside a request).
    pub fn current() -> Self {
        CLIENT.try_with(Clone::clone).unwrap_or_default()
    }

    fn of(request: &Request<Body>, trust_proxy: bool) -> Self {
        let headers = request.headers();
        let forwarded = headers
            .get("x-forwarded-for")
            .filter(|_| trust_proxy)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
        let extensions = request.extensions();
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr)
            .or_else(|| {
                extensions
                    .get::<axum::extract::connect_info::MockConnectInfo<SocketAddr>>()
                    .map(|mock| mock.0)
            })
            .map(|addr| addr.ip());
        ClientInfo {
            ip: forwarded.or(peer),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(512).collect()),
        }
    }
}

/// Reads the client once per request, so every audit event and throttling
/// key of the request names the same address and browser.
async fn client_info(
    State(trust_proxy): State<bool>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let client = ClientInfo::of(&request, trust_proxy);
    CLIENT.scope(client, next.run(request)).await
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests can finish.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
