//! The REST API, version 1 (`/api/v1`): another door to the services the
//! pages use, with the same permission checks and tenant isolation.
//! Callers present a personal API token (`auth::tokens`); errors are RFC
//! 9457 problems; the OpenAPI 3.1 document is generated from the handlers
//! below and served with an offline Swagger UI.

mod anomalies;
mod classify;
mod compute;
mod connections;
pub mod extract;
mod imports;
pub mod limits;
pub mod problem;
mod reports;
mod simulations;
mod suggest;
mod webhooks;

use crate::server::auth::tokens::KeyRing;
use crate::server::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use problem::Problem;
use std::time::Duration;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, Response as DocResponse};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const PREFIX: &str = "/api/v1";
/// An API call that takes longer than this is cut short with a 503 (the
/// server's own limit for every route is longer).
const TIMEOUT: Duration = Duration::from_secs(25);
/// A data set of 100,000 lines as JSON is about 30 MB.
pub const MAX_JSON_BYTES: usize = 64 * 1024 * 1024;

/// What the API keeps beside the application state: the token keys and the
/// per-token rate limiter.
pub struct ApiState {
    pub keys: KeyRing,
    pub limits: limits::ApiLimits,
}

impl ApiState {
    pub fn new(keys: KeyRing, limits: limits::ApiLimits) -> ApiState {
        ApiState { keys, limits }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Prudentia API",
        version = "1.0.0",
        description = "Prudential ratio simulations for integrators: simulations and their versions, \
            scenarios, results, stateless computation, imports and reports.\n\n\
            **Authentication.** Create a personal API token on the *API tokens* page and send it as \
            `Authorization: Bearer <token>`. A token acts as its owner, with its owner's current role, \
            and a read-only token can only read.\n\n\
            **Errors** are `application/problem+json` (RFC 9457); an invalid request lists each field at \
            fault in `errors`.\n\n\
            **Limits.** Each token may make a number of calls a second; each organisation a number of \
            calls a day (its plan's). Both answer `429` with `Retry-After`.\n\n\
            **Idempotency.** Creating a simulation and committing an import accept an `Idempotency-Key` \
            header: a retry with the same key and body returns what the first request created, for a day.\n\n\
            Amounts are in the data set's currency; ratios are fractions (0.125 = 12.5 %)."
    ),
    modifiers(&Security),
    tags(
        (name = "simulations", description = "Simulations, versions and scenarios"),
        (name = "compute", description = "The engine, without storing anything"),
        (name = "imports", description = "Spreadsheets to simulations"),
        (name = "classification", description = "Regulatory classes proposed for exposure lines"),
        (name = "reports", description = "PDF and Excel reports"),
        (name = "webhooks", description = "Signed events sent to other systems"),
        (name = "connections", description = "Scheduled imports and exports"),
        (name = "tokens", description = "The token in use"),
    ),
    components(schemas(Problem, problem::FieldProblem))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        components.add_security_scheme("token", SecurityScheme::Http(bearer));
        doc.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "token",
            Vec::<String>::new(),
        )]);
    }
}

/// The errors any authenticated route may answer, documented once on
/// every operation instead of on each handler.
fn document_problems(doc: &mut Document) {
    let problem = |description: &str, retry: bool| {
        let mut response = utoipa::openapi::ResponseBuilder::new()
            .description(description)
            .content(
                problem::CONTENT_TYPE,
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(
                        utoipa::openapi::Ref::from_schema_name(Problem::name()),
                    ))
                    .build(),
            );
        if retry {
            response = response.header(
                "Retry-After",
                utoipa::openapi::HeaderBuilder::new()
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::Type::Integer),
                    ))
                    .description(Some("Seconds to wait"))
                    .build(),
            );
        }
        RefOr::T::<DocResponse>(response.build())
    };
    let common = [
        ("400", "The request could not be read", false),
        ("401", "No valid API token", false),
        (
            "403",
            "The token's scope or its owner's role does not allow this",
            false,
        ),
        ("404", "No such resource visible to this token", false),
        ("413", "The request body is too large", false),
        ("415", "The body is not JSON", false),
        (
            "422",
            "Invalid request: `errors` lists each field at fault",
            false,
        ),
        (
            "429",
            "Too many calls for the token or the organisation",
            true,
        ),
        ("500", "An error on our side", false),
        ("503", "The request took too long", false),
    ];
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, false),
        ];
        for (operation, body) in operations {
            let Some(operation) = operation else { continue };
            for (code, description, retry) in common {
                // Only a request with a body can be too large or not JSON.
                if !body && (code == "413" || code == "415") {
                    continue;
                }
                operation
                    .responses
                    .responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem(description, retry));
            }
        }
    }
}

/// The routes under `/api/v1` and their OpenAPI document.
fn parts() -> (Router<AppState>, Document) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(simulations::list, simulations::create))
        .routes(routes!(
            simulations::get,
            simulations::update,
            simulations::delete
        ))
        .routes(routes!(simulations::versions, simulations::add_version))
        .routes(routes!(simulations::version_results))
        .routes(routes!(simulations::version_anomalies))
        .routes(routes!(anomalies::dismiss))
        .routes(routes!(
            anomalies::thresholds,
            anomalies::set_thresholds,
            anomalies::reset_thresholds
        ))
        .routes(routes!(simulations::scenarios, simulations::save_scenario))
        .routes(routes!(simulations::scenario_results))
        .routes(routes!(compute::compute))
        .routes(routes!(suggest::suggest))
        .routes(routes!(suggest::catalogue_get, suggest::catalogue_put))
        .routes(routes!(suggest::targets_get, suggest::targets_put))
        .routes(routes!(suggest::version_suggest))
        .routes(routes!(classify::classify))
        .routes(routes!(classify::model))
        .routes(routes!(classify::models, classify::train))
        .routes(routes!(classify::put_in_force))
        .routes(routes!(imports::upload))
        .routes(routes!(imports::get))
        .routes(routes!(imports::preview))
        .routes(routes!(imports::commit))
        .routes(routes!(reports::list, reports::generate))
        .routes(routes!(reports::get))
        .routes(routes!(reports::download))
        .routes(routes!(compute::me))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::replay))
        .routes(routes!(connections::list, connections::create))
        .routes(routes!(
            connections::get,
            connections::update,
            connections::delete
        ))
        .routes(routes!(connections::test))
        .routes(routes!(connections::run))
        .routes(routes!(connections::runs))
        .split_for_parts();
    document_problems(&mut doc);
    let mut prefixed = utoipa::openapi::path::Paths::new();
    for (path, item) in std::mem::take(&mut doc.paths.paths) {
        prefixed.paths.insert(format!("{PREFIX}{path}"), item);
    }
    doc.paths = prefixed;
    (router, doc)
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> Document {
    parts().1
}

/// `/api/v1`: the routes, the document, the documentation page, and
/// problems for unknown routes, wrong methods and slow requests.
pub fn router() -> Router<AppState> {
    let (routes, doc) = parts();
    let docs: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new(format!("{PREFIX}/docs"))
        .url(format!("{PREFIX}/openapi.json"), doc)
        .config(
            utoipa_swagger_ui::Config::from(format!("{PREFIX}/openapi.json"))
                .validator_url("none")
                .try_it_out_enabled(true),
        )
        .into();
    // Bodies are limited per route by `http::limit_body`, not by axum's
    // default 2 MB.
    let api = routes
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn(within_time));
    Router::new()
        .nest(PREFIX, api)
        .merge(docs.layer(middleware::from_fn(docs_policy)))
}

async fn unknown_route() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "There is no such route in API v1; see /api/v1/openapi.json.",
    )
}

async fn wrong_method() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "This route does not take that method; see /api/v1/openapi.json.",
    )
}

async fn within_time(request: Request<Body>, next: Next) -> Response {
    match tokio::time::timeout(TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut response = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Request took too long",
                format!("The request did not finish within {} seconds; a change it made may or may not be saved. Retry creates with the same Idempotency-Key.", TIMEOUT.as_secs()),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    }
}

/// Swagger UI styles its own elements inline; everything it loads comes
/// from this server.
async fn docs_policy(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// A `201 Created` with the new resource's address, marked when it was
/// made by an earlier request with the same idempotency key.
fn created<T: serde::Serialize>(location: String, body: &T, replayed: bool) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// What a create returns: the new simulation and where to find it.
#[derive(serde::Serialize, ToSchema)]
pub struct SimulationCreated {
    pub simulation_id: crate::model::simulation::SimulationId,
    /// The simulation's address in this API.
    pub href: String,
}

fn simulation_created(
    made: crate::server::idempotency::Created<crate::model::simulation::SimulationId>,
) -> Response {
    let replayed = matches!(made, crate::server::idempotency::Created::Replayed(_));
    let id = made.value();
    let href = format!("{PREFIX}/simulations/{id}");
    created(
        href.clone(),
        &SimulationCreated {
            simulation_id: id,
            href,
        },
        replayed,
    )
}
