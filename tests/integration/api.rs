//! The REST API v1 through the real router on a real PostgreSQL: tokens
//! and their revocation, expiry and key rotation; the role and tenant
//! matrices of the accounts issue applied to every route; each route's
//! contract; rate limits and quotas; problems for every kind of bad
//! request; idempotent creates. Then schemathesis, a real external client,
//! fuzzes the running server from its own OpenAPI document.

use crate::support::{JOIN_PASSWORD, TestApp, fresh_database, join};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

const BOUNDARY: &str = "prudentia-api-boundary";

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

/// One API call with a bearer token (or none) and a JSON body (or none).
pub(crate) async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    send(app, request).await
}

async fn send(app: &TestApp, request: Request<Body>) -> Reply {
    let (response, text) = app.send(request).await;
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

impl Reply {
    /// A problem document of this status and kind.
    pub(crate) fn problem(&self, status: StatusCode, kind: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(
            self.body["type"],
            format!("urn:prudentia:problem:{kind}"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status.as_u16());
        assert!(self.body["title"].as_str().is_some_and(|t| !t.is_empty()));
    }

    pub(crate) fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub(crate) async fn signup(app: &TestApp, organisation: &str, email: &str) -> String {
    crate::support::sign_up_and_log_in(app, organisation, "Admin", email, JOIN_PASSWORD).await
}

/// Moves every organisation to a plan with the API (new ones start on
/// Starter, which has none).
pub(crate) async fn professional(owner: &PgPool) {
    sqlx::query("UPDATE tenants SET plan_code = 'professional'")
        .execute(owner)
        .await
        .expect("plan");
}

/// A token created on the tokens page; its text.
pub(crate) async fn token(app: &TestApp, cookie: &str, scope: &str) -> String {
    let reply = app
        .call(
            Some(cookie),
            "create-api-token",
            &[("name", "integration"), ("scope", scope), ("days", "30")],
        )
        .await;
    assert!(reply.ok(), "{}", reply.body);
    let created: Value = serde_json::from_str(&reply.body).expect("created token");
    created["token"].as_str().expect("token text").to_owned()
}

/// A small bank: ten lines of the demo bank and its capital.
fn small_bank() -> Value {
    let mut data = prudentia::samples::demo_bank();
    data.exposures.truncate(10);
    serde_json::to_value(&data).expect("data set")
}

pub(crate) async fn create(app: &TestApp, token: &str, name: &str) -> String {
    let reply = api(
        app,
        "POST",
        "/api/v1/simulations",
        Some(token),
        Some(json!({ "name": name, "data": small_bank() })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body["simulation_id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn tokens_follow_the_role_the_tenant_revocation_expiry_and_key_rotation() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    let ana = join(&app, &admin, "ana@alpha.example", "Ana Analyst", "analyst").await;
    let vic = join(&app, &admin, "vic@alpha.example", "Vic Viewer", "viewer").await;
    let beta = signup(&app, "Banque Beta", "bea@beta.example").await;

    // Starter has no API: a token works, the plan does not.
    let starter = token(&app, &ana, "read").await;
    api(&app, "GET", "/api/v1/me", Some(&starter), None)
        .await
        .problem(StatusCode::FORBIDDEN, "plan-excludes-api");
    professional(&owner).await;

    // Who the token is.
    let ana_rw = token(&app, &ana, "read_write").await;
    let me = api(&app, "GET", "/api/v1/me", Some(&ana_rw), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(
        (
            me.body["email"].as_str(),
            me.body["role"].as_str(),
            me.body["scope"].as_str()
        ),
        (
            Some("ana@alpha.example"),
            Some("analyst"),
            Some("read_write")
        )
    );

    // No token, a forged one, a tampered one.
    let none = api(&app, "GET", "/api/v1/simulations", None, None).await;
    none.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(
        none.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );
    api(&app, "GET", "/api/v1/simulations", Some("not.a.jwt"), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let mut tampered = ana_rw.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    api(&app, "GET", "/api/v1/simulations", Some(&tampered), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    // A viewer cannot have a read-write token; read-only tokens only read.
    let refused = app
        .call(
            Some(&vic),
            "create-api-token",
            &[("name", "x"), ("scope", "read_write"), ("days", "30")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let vic_read = token(&app, &vic, "read").await;
    let ana_read = token(&app, &ana, "read").await;
    let id = create(&app, &ana_rw, "Plan 2027").await;
    let path = format!("/api/v1/simulations/{id}");
    let new = json!({ "name": "x", "data": small_bank() });
    api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&ana_read),
        Some(new.clone()),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&vic_read),
        Some(new.clone()),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        api(&app, "GET", &path, Some(&ana_read), None).await.status,
        StatusCode::OK
    );

    // Shared with the organisation by default; made private, the viewer
    // no longer finds it; shared again, the viewer reads it and still
    // cannot change it.
    assert_eq!(
        api(&app, "GET", &path, Some(&vic_read), None).await.status,
        StatusCode::OK
    );
    let private = api(
        &app,
        "PATCH",
        &path,
        Some(&ana_rw),
        Some(json!({ "sharing": "private" })),
    )
    .await;
    assert_eq!(private.status, StatusCode::NO_CONTENT, "{}", private.text);
    api(&app, "GET", &path, Some(&vic_read), None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    // An admin's token, like the admin, sees private simulations too.
    let admin_read = token(&app, &admin, "read").await;
    assert_eq!(
        api(&app, "GET", &path, Some(&admin_read), None)
            .await
            .status,
        StatusCode::OK
    );
    api(
        &app,
        "PATCH",
        &path,
        Some(&vic_read),
        Some(json!({ "sharing": "tenant" })),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    let shared = api(
        &app,
        "PATCH",
        &path,
        Some(&ana_rw),
        Some(json!({ "sharing": "tenant" })),
    )
    .await;
    assert_eq!(shared.status, StatusCode::NO_CONTENT, "{}", shared.text);
    assert_eq!(
        api(&app, "GET", &path, Some(&vic_read), None).await.status,
        StatusCode::OK
    );
    api(&app, "DELETE", &path, Some(&vic_read), None)
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");

    // Another organisation sees nothing, on every route of the simulation.
    let beta_rw = token(&app, &beta, "read_write").await;
    for (method, route, body) in [
        ("GET", path.clone(), None),
        ("PATCH", path.clone(), Some(json!({ "name": "mine now" }))),
        ("DELETE", path.clone(), None),
        ("GET", format!("{path}/versions"), None),
        (
            "POST",
            format!("{path}/versions"),
            Some(json!({ "edits": [] })),
        ),
        ("GET", format!("{path}/versions/1/results"), None),
        ("GET", format!("{path}/scenarios"), None),
        (
            "POST",
            format!("{path}/scenarios"),
            Some(json!({ "name": "s", "edits": [] })),
        ),
    ] {
        api(&app, method, &route, Some(&beta_rw), body)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
    let report = api(
        &app,
        "POST",
        "/api/v1/reports",
        Some(&beta_rw),
        Some(json!({ "simulation_id": id, "format": "xlsx" })),
    )
    .await;
    report.problem(StatusCode::NOT_FOUND, "not-found");
    // Imports and reports: the viewer reads reports and cannot make either;
    // the other organisation finds neither.
    let uploaded = send(&app, upload_request(&ana_rw)).await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text);
    let import_path = format!(
        "/api/v1/imports/{}",
        uploaded.body["proposal"]["import_id"]
            .as_str()
            .expect("import id")
    );
    send(&app, upload_request(&vic_read))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let made = api(
        &app,
        "POST",
        "/api/v1/reports",
        Some(&ana_rw),
        Some(json!({ "simulation_id": id, "format": "xlsx" })),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let report_path = format!(
        "/api/v1/reports/{}",
        made.body["report"]["report_id"]
            .as_str()
            .expect("report id")
    );
    api(
        &app,
        "POST",
        "/api/v1/reports",
        Some(&vic_read),
        Some(json!({ "simulation_id": id, "format": "xlsx" })),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        api(&app, "GET", &report_path, Some(&vic_read), None)
            .await
            .status,
        StatusCode::OK
    );
    for (method, route, body) in [
        ("GET", import_path.clone(), None),
        (
            "POST",
            format!("{import_path}/preview"),
            Some(json!({ "sheets": [] })),
        ),
        (
            "POST",
            format!("{import_path}/commit"),
            Some(json!({ "name": "stolen" })),
        ),
        ("GET", report_path.clone(), None),
        ("GET", format!("{report_path}/download"), None),
    ] {
        api(&app, method, &route, Some(&beta_rw), body)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
    assert_eq!(
        api(&app, "GET", "/api/v1/reports", Some(&beta_rw), None)
            .await
            .body,
        json!([])
    );
    let listed = api(&app, "GET", "/api/v1/simulations", Some(&beta_rw), None).await;
    assert_eq!(listed.body["items"], json!([]), "{}", listed.text);

    // Revoked on the tokens page: refused at the next call.
    let listed: Value =
        serde_json::from_str(&app.call(Some(&ana), "api-tokens", &[]).await.body).expect("tokens");
    let ana_read_id = listed
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["scope"] == "read" && t["revoked"] == false && t["name"] == "integration")
        .expect("a read token")["token_id"]
        .as_str()
        .expect("id")
        .to_owned();
    // A member cannot revoke another's token; the admin can.
    let foreign = app
        .call(
            Some(&vic),
            "revoke-api-token",
            &[("token_id", &ana_read_id)],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    assert!(
        app.call(
            Some(&admin),
            "revoke-api-token",
            &[("token_id", &ana_read_id)]
        )
        .await
        .ok()
    );
    api(&app, "GET", &path, Some(&ana_read), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    // A changed role applies to the token at once.
    let members: Value =
        serde_json::from_str(&app.call(Some(&admin), "members", &[]).await.body).expect("members");
    let ana_id = members
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["email"] == "ana@alpha.example")
        .expect("ana")["user_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        app.call(
            Some(&admin),
            "member-role",
            &[("user_id", &ana_id), ("role", "viewer")]
        )
        .await
        .ok()
    );
    api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&ana_rw),
        Some(new.clone()),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    assert!(
        app.call(
            Some(&admin),
            "member-role",
            &[("user_id", &ana_id), ("role", "analyst")]
        )
        .await
        .ok()
    );
    assert_eq!(
        api(&app, "GET", &path, Some(&ana_rw), None).await.status,
        StatusCode::OK
    );

    // An expired token is refused, whatever its signature says.
    sqlx::query("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE scope = 'read' AND user_id = (SELECT user_id FROM users WHERE email = 'vic@alpha.example')")
        .execute(&owner)
        .await
        .expect("expire");
    api(&app, "GET", &path, Some(&vic_read), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    // Key rotation: old tokens keep working, new ones carry the new key;
    // retiring the old key ends the tokens it signed.
    let old_kid: String = sqlx::query_scalar("SELECT key_id FROM api_signing_keys")
        .fetch_one(&owner)
        .await
        .expect("one key");
    let new_kid = prudentia::server::auth::tokens::rotate(&pool)
        .await
        .expect("rotate");
    let app = TestApp::with_pool(pool.clone()).await;
    assert_eq!(
        api(&app, "GET", &path, Some(&ana_rw), None).await.status,
        StatusCode::OK,
        "old key still verifies"
    );
    let fresh = token(&app, &ana, "read").await;
    let header = jsonwebtoken::decode_header(&fresh).expect("JWT header");
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    assert!(
        prudentia::server::db::api_tokens::retire_key(&pool, &old_kid)
            .await
            .expect("retire")
    );
    let app = TestApp::with_pool(pool.clone()).await;
    api(&app, "GET", &path, Some(&ana_rw), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(
        api(&app, "GET", &path, Some(&fresh), None).await.status,
        StatusCode::OK
    );

    // A member removed from the organisation loses every token at once,
    // and finds none alive if invited back.
    let ana_again = token(&app, &ana, "read").await;
    assert!(
        app.call(Some(&admin), "remove-member", &[("user_id", &ana_id)])
            .await
            .ok()
    );
    api(&app, "GET", &path, Some(&ana_again), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens t JOIN users u USING (user_id) WHERE u.email = 'ana@alpha.example' AND t.revoked_at IS NULL")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(live, 0);

    // Every token event is in the audit trail.
    let events: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'api_token.%'")
            .fetch_all(&owner)
            .await
            .expect("audit");
    assert!(
        events.iter().filter(|a| *a == "api_token.created").count() >= 7,
        "{events:?}"
    );
    assert!(
        events.contains(&"api_token.revoked".to_owned()),
        "{events:?}"
    );
}

fn multipart(file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// An upload of a two-line CSV loan tape.
fn upload_request(token: &str) -> Request<Body> {
    Request::post("/api/v1/imports")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(
            "loans.csv",
            b"id;class;drawn;country\nL-1;corporate;1000000;FR\nL-2;retail;250000;FR\n",
        )))
        .expect("request")
}

/// A body above a quarter of a megabyte is read in pieces when only the
/// figures are asked for: the answer is the engine's, the profile may come
/// after the data, and a bad line deep in the body is named by its path.
#[tokio::test]
async fn a_large_compute_request_answers_as_the_engine_and_names_a_bad_line() {
    use prudentia::engine::{ComputeOptions, compute, profile::Profile};
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    professional(&owner).await;
    let bearer = token(&app, &admin, "read_write").await;
    let t = Some(bearer.as_str());
    let data = prudentia::samples::demo_bank();
    let value = serde_json::to_value(&data).expect("json");
    let direct = |profile: &str| {
        let profile = Profile::named(profile).expect("profile");
        serde_json::to_value(compute(&data, &profile, &ComputeOptions::default())).expect("json")
    };

    let figures = json!({ "data": value, "profile": "crr3" });
    assert!(figures.to_string().len() > 256 * 1024);
    let computed = api(&app, "POST", "/api/v1/compute", t, Some(figures)).await;
    assert_eq!(computed.status, StatusCode::OK, "{}", computed.text);
    assert_eq!(computed.body, direct("crr3"));

    let with_lines = json!({ "data": value, "lines": true });
    let mut computed = api(&app, "POST", "/api/v1/compute", t, Some(with_lines)).await;
    assert_eq!(computed.status, StatusCode::OK, "{}", computed.text);
    let lines = computed
        .body
        .as_object_mut()
        .expect("results")
        .remove("lines");
    assert_eq!(
        lines.and_then(|l| l.as_array().map(Vec::len)),
        Some(data.exposures.len())
    );
    assert_eq!(computed.body, direct("basel31"));

    let mut bad = value.clone();
    bad["exposures"][4000]["drawn"] = json!(-1.0);
    let refused = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": bad })),
    )
    .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(
        refused.fields(),
        vec!["data.exposures[4000].drawn"],
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn every_route_does_what_its_contract_says() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    professional(&owner).await;
    let bearer = token(&app, &admin, "read_write").await;
    let t = Some(bearer.as_str());

    // Compute: results, lines with their rule, a scenario's comparison.
    let computed = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": small_bank(), "lines": true })),
    )
    .await;
    assert_eq!(computed.status, StatusCode::OK, "{}", computed.text);
    assert!(
        computed.body["ratios"]["cet1"]
            .as_f64()
            .is_some_and(|r| r > 0.0),
        "{}",
        computed.text
    );
    assert_eq!(computed.body["lines"].as_array().map(Vec::len), Some(10));
    assert!(
        computed.body["lines"][0]["rule"]
            .as_str()
            .is_some_and(|r| r.contains('§'))
    );
    let scenario = json!({ "edits": [{ "op": "add_capital", "tier": "cet1", "amount": -1.0e6 }] });
    let compared = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": small_bank(), "scenario": scenario })),
    )
    .await;
    assert_eq!(compared.status, StatusCode::OK, "{}", compared.text);
    assert_eq!(
        compared.body["delta"]["capital"]["cet1"].as_f64(),
        Some(-1.0e6),
        "{}",
        compared.text
    );
    // The same engine as the command line: identical figures.
    let data: prudentia::engine::dataset::DataSet =
        serde_json::from_value(small_bank()).expect("data");
    let profile = prudentia::engine::resolve_profile(&data, None).expect("profile");
    let direct = prudentia::engine::compute(
        &data,
        &profile,
        &prudentia::engine::ComputeOptions::default(),
    );
    assert_eq!(
        compared.body["baseline"],
        serde_json::to_value(&direct).expect("json")
    );

    // Bad data sets: each field at fault, by path.
    let mut bad = small_bank();
    bad["exposures"][3]["drawn"] = json!(-5);
    bad["exposures"][4]["class"] = json!("crypto");
    let refused = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": bad })),
    )
    .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(
        refused.fields(),
        vec!["data.exposures[4].class"],
        "parse errors first: {}",
        refused.text
    );
    bad["exposures"][4]["class"] = json!("corporate");
    let refused = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": bad })),
    )
    .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(
        refused.fields(),
        vec!["data.exposures[3].drawn"],
        "{}",
        refused.text
    );
    let huge = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": { "capital": [{ "tier": "cet1", "amount": 1e300 }] } })),
    )
    .await;
    assert_eq!(
        huge.fields(),
        vec!["data.capital[0].amount"],
        "{}",
        huge.text
    );
    let unknown = api(
        &app,
        "POST",
        "/api/v1/compute",
        t,
        Some(json!({ "data": small_bank(), "colour": "red" })),
    )
    .await;
    unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");

    // A scenario is strict (ratios.md §12): a misspelt key or field is
    // refused with its edit's index, not skipped as if it had been applied.
    let first_line = small_bank()["exposures"][0]["id"].clone();
    for (scenario, needle) in [
        (
            json!({ "edits": [
                { "op": "add_capital", "tier": "cet1", "amount": 1.0 },
                { "op": "scale_items", "section": "lcr.outflows", "categroy": "retail_stable", "factor": 2.0 }
            ] }),
            "edits[1]: unknown field `categroy`",
        ),
        (
            json!({ "edits": [{ "op": "set_line", "id": first_line, "field": "drawnn", "value": 1.0 }] }),
            "edits[0]: set_line",
        ),
        (
            json!({ "edits": [{ "op": "scale_items", "section": "nsfr.asf", "category": "deposits", "factor": 2.0 }] }),
            "edits[0]: unknown category",
        ),
    ] {
        let refused = api(
            &app,
            "POST",
            "/api/v1/compute",
            t,
            Some(json!({ "data": small_bank(), "scenario": scenario })),
        )
        .await;
        refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(refused.fields(), vec!["scenario"], "{}", refused.text);
        assert!(refused.text.contains(needle), "{needle}: {}", refused.text);
    }

    // Simulations: cursor pages, filters, get, rename.
    let first = create(&app, &bearer, "Alpha plan").await;
    let second = create(&app, &bearer, "Beta plan").await;
    let third = create(&app, &bearer, "Gamma 50% stress").await;
    let page = api(&app, "GET", "/api/v1/simulations?limit=2", t, None).await;
    let ids: Vec<&str> = page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["simulation_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, vec![third.as_str(), second.as_str()], "newest first");
    let cursor = page.body["next_cursor"].as_str().expect("a next page");
    let rest = api(
        &app,
        "GET",
        &format!("/api/v1/simulations?limit=2&cursor={cursor}"),
        t,
        None,
    )
    .await;
    assert_eq!(rest.body["items"][0]["simulation_id"], first);
    assert!(rest.body.get("next_cursor").is_none(), "{}", rest.text);
    let named = api(&app, "GET", "/api/v1/simulations?name=50%25", t, None).await;
    assert_eq!(
        named.body["items"].as_array().map(Vec::len),
        Some(1),
        "% is a character, not a wildcard: {}",
        named.text
    );
    let dated = api(
        &app,
        "GET",
        "/api/v1/simulations?reporting_date=2025-12-31&mine=true",
        t,
        None,
    )
    .await;
    assert_eq!(
        dated.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        dated.text
    );
    api(
        &app,
        "GET",
        "/api/v1/simulations?reporting_date=31/12/2025",
        t,
        None,
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(&app, "GET", "/api/v1/simulations?cursor=nope", t, None)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(&app, "GET", "/api/v1/simulations?limit=lots", t, None)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let path = format!("/api/v1/simulations/{first}");
    assert_eq!(
        api(
            &app,
            "PATCH",
            &path,
            t,
            Some(json!({ "name": "Alpha plan (final)" }))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let got = api(&app, "GET", &path, t, None).await;
    assert_eq!(
        (
            got.body["name"].as_str(),
            got.body["sharing"].as_str(),
            got.body["versions"].as_array().map(Vec::len)
        ),
        (Some("Alpha plan (final)"), Some("tenant"), Some(1)),
        "{}",
        got.text
    );
    // Moments are RFC 3339 in UTC, for programs.
    for at in [
        &got.body["updated_at"],
        &got.body["versions"][0]["created_at"],
    ] {
        let text = at.as_str().expect("a timestamp");
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok() && text.ends_with('Z'),
            "{text}"
        );
    }
    api(&app, "PATCH", &path, t, Some(json!({})))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(&app, "PATCH", &path, t, Some(json!({ "name": "  " })))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");

    // Versions: a new one from edits, its results with a page of lines.
    let edits = json!({ "edits": [{ "op": "scale_exposures", "filter": {}, "factor": 2.0 }], "note": "doubled" });
    let version = api(&app, "POST", &format!("{path}/versions"), t, Some(edits)).await;
    assert_eq!(
        (version.status, version.body["version_no"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{}",
        version.text
    );
    let versions = api(&app, "GET", &format!("{path}/versions"), t, None).await;
    assert_eq!(versions.body.as_array().map(Vec::len), Some(2));
    let v1 = api(&app, "GET", &format!("{path}/versions/1/results"), t, None).await;
    let v2 = api(
        &app,
        "GET",
        &format!("{path}/versions/2/results?lines=true&sort=id"),
        t,
        None,
    )
    .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    let rwa = |r: &Reply| {
        r.body["results"]["rwa"]["credit"]
            .as_f64()
            .expect("credit RWA")
    };
    assert!(
        (rwa(&v2) - 2.0 * rwa(&v1)).abs() < 1e-6 * rwa(&v1),
        "credit RWA doubles"
    );
    assert!(v1.body.get("lines").is_none());
    assert_eq!(v2.body["lines"]["total"], 10);
    let line_ids: Vec<&str> = v2.body["lines"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert!(
        line_ids.windows(2).all(|w| w[0] <= w[1]),
        "sorted by id: {line_ids:?}"
    );
    api(&app, "GET", &format!("{path}/versions/9/results"), t, None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    api(
        &app,
        "GET",
        &format!("{path}/versions/2/results?sort=colour&lines=true"),
        t,
        None,
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let bad_edit = api(
        &app,
        "POST",
        &format!("{path}/versions"),
        t,
        Some(json!({ "edits": [{ "op": "explode" }] })),
    )
    .await;
    bad_edit.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        bad_edit.fields()[0].starts_with("edits[0]"),
        "{}",
        bad_edit.text
    );

    // Scenarios: saved, listed, results with the scenario's own lines.
    let saved = api(
        &app,
        "POST",
        &format!("{path}/scenarios"),
        t,
        Some(json!({ "name": "Halve", "edits": [{ "op": "scale_exposures", "factor": 0.5 }] })),
    )
    .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text);
    let scenario_id = saved.body["scenario_id"]
        .as_str()
        .expect("scenario id")
        .to_owned();
    assert_eq!(
        api(&app, "GET", &format!("{path}/scenarios"), t, None)
            .await
            .body[0]["name"],
        "Halve"
    );
    let results = api(
        &app,
        "GET",
        &format!("{path}/scenarios/{scenario_id}/results?lines=true"),
        t,
        None,
    )
    .await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.text);
    assert!(
        (rwa(&results) - rwa(&v2) / 2.0).abs() < 1e-6 * rwa(&v2),
        "half of version 2: {}",
        results.text
    );
    let line_rwa = |r: &Reply| -> f64 {
        r.body["lines"]["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| l["rwa"].as_f64().expect("rwa"))
            .sum()
    };
    assert!(
        (line_rwa(&results) - line_rwa(&v2) / 2.0).abs() < 1e-6 * line_rwa(&v2),
        "the lines are the scenario's"
    );

    // The status rule of the dashboard and the reports: a loss that puts
    // CET1 halfway into its buffers reads inside_buffers.
    let base = &v2.body["results"];
    let number = |v: &serde_json::Value| v.as_f64().expect("a number");
    let cet1 = number(&base["ratios"]["cet1"]);
    let target = number(&base["requirements"]["cet1"]) - number(&base["requirements"]["cbr"]) / 2.0;
    let loss = (target - cet1) * number(&base["rwa"]["total"]);
    let buffers = api(
        &app,
        "POST",
        &format!("{path}/scenarios"),
        t,
        Some(json!({ "name": "Loss", "edits": [{ "op": "add_capital", "tier": "cet1", "amount": loss }] })),
    )
    .await;
    assert_eq!(buffers.status, StatusCode::CREATED, "{}", buffers.text);
    let inside = api(
        &app,
        "GET",
        &format!(
            "{path}/scenarios/{}/results",
            buffers.body["scenario_id"].as_str().expect("id")
        ),
        t,
        None,
    )
    .await;
    let metrics = inside.body["metrics"].as_array().expect("metrics");
    assert_eq!(metrics[0]["key"], "cet1");
    assert_eq!(metrics[0]["status"], "inside_buffers", "{}", inside.text);
    api(
        &app,
        "GET",
        &format!("{path}/scenarios/{first}/results"),
        t,
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");

    // Imports: upload, report, preview, commit; a retried commit.
    let uploaded = send(&app, upload_request(&bearer)).await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text);
    let import_id = uploaded.body["proposal"]["import_id"]
        .as_str()
        .expect("import id")
        .to_owned();
    assert_eq!(
        uploaded.body["preview"]["error_total"], 0,
        "{}",
        uploaded.text
    );
    assert_eq!(uploaded.body["preview"]["sections"][0]["rows"], 2);
    let import_path = format!("/api/v1/imports/{import_id}");
    let opened = api(&app, "GET", &import_path, t, None).await;
    assert_eq!(opened.body["proposal"]["file_name"], "loans.csv");
    let mut mapping = opened.body["proposal"]["mapping"].clone();
    mapping["unit"] = json!("thousands");
    let preview = api(
        &app,
        "POST",
        &format!("{import_path}/preview"),
        t,
        Some(mapping.clone()),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let bad_request = Request::post("/api/v1/imports")
        .header(header::AUTHORIZATION, format!("Bearer {}", &bearer))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .expect("request");
    send(&app, bad_request)
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    let commit = |key: &'static str, name: &'static str| {
        Request::post(format!("{import_path}/commit"))
            .header(header::AUTHORIZATION, format!("Bearer {}", &bearer))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(
                json!({ "name": name, "mapping": mapping.clone() }).to_string(),
            ))
            .expect("request")
    };
    let committed = send(&app, commit("commit-1", "Loans")).await;
    assert_eq!(committed.status, StatusCode::CREATED, "{}", committed.text);
    assert!(committed.headers.get("idempotent-replayed").is_none());
    let again = send(&app, commit("commit-1", "Loans")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.body["simulation_id"], committed.body["simulation_id"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    send(&app, commit("commit-1", "Other name"))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    send(&app, commit("commit-2", "Loans"))
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    let loans = api(
        &app,
        "GET",
        committed.body["href"].as_str().expect("href"),
        t,
        None,
    )
    .await;
    assert_eq!(loans.body["line_count"], 2, "{}", loans.text);

    // Reports: generated, listed, described, downloaded.
    let report = api(
        &app,
        "POST",
        "/api/v1/reports",
        t,
        Some(json!({ "simulation_id": first, "scenario_id": scenario_id, "format": "xlsx" })),
    )
    .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.text);
    let report_id = report.body["report"]["report_id"]
        .as_str()
        .expect("report id")
        .to_owned();
    assert_eq!(
        api(&app, "GET", "/api/v1/reports", t, None).await.body[0]["report_id"],
        report_id.as_str()
    );
    assert_eq!(
        api(
            &app,
            "GET",
            &format!("/api/v1/reports/{report_id}"),
            t,
            None
        )
        .await
        .body["scenario"],
        "Halve"
    );
    let request = Request::get(report.body["download"].as_str().expect("download"))
        .header(header::AUTHORIZATION, format!("Bearer {}", &bearer))
        .body(Body::empty())
        .expect("request");
    let (response, _) = app.send(request).await;
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = api_bytes(
        &app,
        report.body["download"].as_str().expect("download"),
        &bearer,
    )
    .await;
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");

    // Delete: gone from the API.
    assert_eq!(
        api(&app, "DELETE", &path, t, None).await.status,
        StatusCode::NO_CONTENT
    );
    api(&app, "GET", &path, t, None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    api(&app, "GET", "/api/v1/simulations/not-a-uuid", t, None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

async fn api_bytes(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("infallible");
    http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_creates_once() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    professional(&owner).await;
    let t = token(&app, &admin, "read_write").await;
    let body = json!({ "name": "Once", "data": small_bank() }).to_string();
    let request = |key: &str, body: String| {
        Request::post("/api/v1/simulations")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body))
            .expect("request")
    };
    // Two at once, then a retry: one simulation.
    let (a, b) = tokio::join!(
        send(&app, request("k-1", body.clone())),
        send(&app, request("k-1", body.clone()))
    );
    let c = send(&app, request("k-1", body.clone())).await;
    for reply in [&a, &b, &c] {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["simulation_id"], a.body["simulation_id"]);
    }
    let simulations: i64 = sqlx::query_scalar("SELECT count(*) FROM simulations")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(simulations, 1);
    // Another key, another simulation; a bad key is a bad request.
    assert_eq!(
        send(&app, request("k-2", body.clone())).await.status,
        StatusCode::CREATED
    );
    let refused = send(&app, request("", body.clone())).await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(refused.fields(), vec!["Idempotency-Key"]);
    let simulations: i64 = sqlx::query_scalar("SELECT count(*) FROM simulations")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(simulations, 2);

    // At the quota's last seat, two creates at once with one key: both get
    // the one simulation, neither the quota's refusal.
    sqlx::query("UPDATE tenants SET max_simulations = 3")
        .execute(&owner)
        .await
        .expect("quota");
    let (a, b) = tokio::join!(
        send(&app, request("k-3", body.clone())),
        send(&app, request("k-3", body.clone()))
    );
    for reply in [&a, &b] {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["simulation_id"], a.body["simulation_id"]);
    }
    sqlx::query("UPDATE tenants SET max_simulations = NULL")
        .execute(&owner)
        .await
        .expect("quota");

    // An import committed twice at once with one key: one simulation, the
    // same answer to both.
    let uploaded = send(&app, upload_request(&t)).await;
    let commit_path = format!(
        "/api/v1/imports/{}/commit",
        uploaded.body["proposal"]["import_id"]
            .as_str()
            .expect("import id")
    );
    let commit = || {
        Request::post(&commit_path)
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", "commit-once")
            .body(Body::from(json!({ "name": "Loans" }).to_string()))
            .expect("request")
    };
    let (a, b) = tokio::join!(send(&app, commit()), send(&app, commit()));
    for reply in [&a, &b] {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["simulation_id"], a.body["simulation_id"]);
    }
    let simulations: i64 = sqlx::query_scalar("SELECT count(*) FROM simulations")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(simulations, 4);

    // NUL characters, which PostgreSQL cannot store, are a user's mistake.
    let mut data = small_bank();
    data["exposures"][0]["counterparty_name"] = json!("Acme\u{0}Corp");
    let nul = api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&t),
        Some(json!({ "name": "Nul", "data": data })),
    )
    .await;
    nul.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&t),
        Some(json!({ "name": "A\u{7}bell", "data": small_bank() })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(&app, "GET", "/api/v1/simulations?name=%00", Some(&t), None)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
}

/// A preview again and a commit take the data set the upload's preview
/// built instead of reading the file again, as long as it stands for them. The
/// stored file is spoilt after each upload, so a commit that reads it
/// again finds other headers and is refused.
#[tokio::test]
async fn a_preview_again_and_a_commit_use_the_data_set_already_built_while_it_stands() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    professional(&owner).await;
    let t = token(&app, &admin, "read_write").await;
    let upload = || async {
        let uploaded = send(&app, upload_request(&t)).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text);
        let id = uploaded.body["proposal"]["import_id"]
            .as_str()
            .expect("import id")
            .to_owned();
        sqlx::query("UPDATE imports SET content = $2 WHERE import_id::text = $1")
            .bind(&id)
            .bind(b"reference;amount\nX;1\n".as_slice())
            .execute(&owner)
            .await
            .expect("spoilt");
        (id, uploaded.body["proposal"]["mapping"].clone())
    };
    let commit = |id: String, body: Value| {
        let app = &app;
        let t = &t;
        async move {
            let path = format!("/api/v1/imports/{id}/commit");
            api(app, "POST", &path, Some(t), Some(body)).await
        }
    };

    // The proposal, previewed on upload and again, committed without a
    // mapping.
    let (id, proposed) = upload().await;
    let again = api(
        &app,
        "POST",
        &format!("/api/v1/imports/{id}/preview"),
        Some(&t),
        Some(proposed.clone()),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    let lines: i64 = again.body["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .filter_map(|class| class["lines"].as_i64())
        .sum();
    assert_eq!(lines, 2, "the file's lines, not the spoilt file's");
    let done = commit(id, json!({ "name": "As previewed" })).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    let lines: i32 = sqlx::query_scalar(
        "SELECT line_count FROM simulation_versions WHERE simulation_id::text = $1",
    )
    .bind(done.body["simulation_id"].as_str().expect("id"))
    .fetch_one(&owner)
    .await
    .expect("version");
    assert_eq!(lines, 2, "the previewed lines");

    // Another mapping than the one previewed reads the file again.
    let mut other = proposed.clone();
    for column in other["sheets"][0]["columns"]
        .as_array_mut()
        .expect("columns")
    {
        if column["header"] == "country" {
            column["field"] = Value::Null;
        }
    }
    let (id, _) = upload().await;
    let refused = commit(id, json!({ "name": "Other", "mapping": other })).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );

    // So does the proposal once the saved layout it came from changed: a
    // commit of the same layout with another mapping saved it meanwhile.
    let (stale, _) = upload().await;
    let (id, _) = upload().await;
    sqlx::query("UPDATE imports SET content = $2 WHERE import_id::text = $1")
        .bind(&id)
        .bind(b"id;class;drawn;country\nL-1;corporate;1000000;FR\n".as_slice())
        .execute(&owner)
        .await
        .expect("restored");
    let saved = commit(id, json!({ "name": "Layout", "mapping": other })).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text);
    let refused = commit(stale, json!({ "name": "Stale" })).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn limits_and_bad_requests_get_problems_never_a_stack_trace() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_api_rate(pool.clone(), 3).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    professional(&owner).await;
    let t = token(&app, &admin, "read_write").await;

    // The token's rate: the fourth call at once waits.
    for _ in 0..3 {
        assert_eq!(
            api(&app, "GET", "/api/v1/me", Some(&t), None).await.status,
            StatusCode::OK
        );
    }
    let limited = api(&app, "GET", "/api/v1/me", Some(&t), None).await;
    limited.problem(StatusCode::TOO_MANY_REQUESTS, "token-rate-limited");
    let wait: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(limited.body["retry_after"], wait);
    // The rate is counted in PostgreSQL: another server on the same
    // database refuses the same token too.
    let other_server = TestApp::with_api_rate(pool.clone(), 3).await;
    api(&other_server, "GET", "/api/v1/me", Some(&t), None)
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "token-rate-limited");

    // The organisation's day: an admin's quota of 8 calls, 3 made above
    // (the call the token's rate refused never reached the count).
    let app = TestApp::with_pool(pool.clone()).await;
    sqlx::query("UPDATE tenants SET max_api_calls_per_day = 8")
        .execute(&owner)
        .await
        .expect("quota");
    for _ in 0..5 {
        assert_eq!(
            api(&app, "GET", "/api/v1/me", Some(&t), None).await.status,
            StatusCode::OK
        );
    }
    let over = api(&app, "GET", "/api/v1/me", Some(&t), None).await;
    over.problem(StatusCode::TOO_MANY_REQUESTS, "daily-quota-exceeded");
    let wait: i64 = over.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=86_400).contains(&wait), "until midnight UTC: {wait}");
    let quotas: Value =
        serde_json::from_str(&app.call(Some(&admin), "quotas", &[]).await.body).expect("quotas");
    assert_eq!(
        quotas["api_calls_per_day"]["used"], 8,
        "a refused call is not counted: {quotas}"
    );
    sqlx::query("UPDATE tenants SET max_api_calls_per_day = NULL")
        .execute(&owner)
        .await
        .expect("quota");

    // Bodies: too large, not JSON, not valid JSON, wrong types.
    let huge = Request::post("/api/v1/compute")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::CONTENT_LENGTH,
            (prudentia::server::rest::MAX_JSON_BYTES + 1).to_string(),
        )
        .body(Body::from("{}"))
        .expect("request");
    send(&app, huge)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "too-large");
    let large = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let request = Request::patch("/api/v1/simulations/01a21622-ffd7-71e4-889a-03a0e0d96b8c")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(large))
        .expect("request");
    send(&app, request)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "too-large");
    let text = Request::post("/api/v1/compute")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .expect("request");
    send(&app, text)
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    let broken = Request::post("/api/v1/compute")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"data\": {"))
        .expect("request");
    let broken = send(&app, broken).await;
    broken.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(broken.fields(), vec!["body"]);
    let missing = api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&t),
        Some(json!({ "name": "x" })),
    )
    .await;
    missing.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        missing.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("data")),
        "{}",
        missing.text
    );

    // Routes and methods that do not exist.
    api(&app, "GET", "/api/v1/nothing", Some(&t), None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    api(&app, "PUT", "/api/v1/simulations", Some(&t), None)
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");

    // The document and its page need no token, and nothing from outside.
    let doc = api(&app, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().expect("paths");
    for route in [
        "/api/v1/simulations",
        "/api/v1/simulations/{id}/scenarios/{scenario_id}/results",
        "/api/v1/simulations/{id}/versions/{version}/anomalies",
        "/api/v1/compute",
        "/api/v1/imports/{id}/commit",
        "/api/v1/reports/{id}/download",
        "/api/v1/me",
    ] {
        assert!(paths.contains_key(route), "{route} documented");
    }
    assert_eq!(
        doc.body["paths"]["/api/v1/simulations"]["get"]["responses"]["429"]["headers"]["Retry-After"]
            ["schema"]["type"],
        "integer"
    );
    let page = api(&app, "GET", "/api/v1/docs/", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("http"), "no CDN: {}", page.text);
    assert_eq!(
        api(&app, "GET", "/api/v1/docs/swagger-ui-bundle.js", None, None)
            .await
            .status,
        StatusCode::OK
    );
}

/// schemathesis (from PyPI, installed by `make test`) against the running
/// server: every operation, generated and mutated requests, the stateful
/// phase following links; no 5xx, and every response conforms to the
/// document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_response_off_the_schema() {
    let Ok(python) = std::env::var("PRUDENTIA_TEST_PYTHON") else {
        panic!(
            "PRUDENTIA_TEST_PYTHON is not set: run the tests with `make test`, which installs schemathesis"
        );
    };
    let schemathesis = std::path::Path::new(&python).with_file_name("schemathesis");
    let (pool, owner, _) = fresh_database().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    let app = TestApp::with_pool_listening(pool, address).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    sqlx::query("UPDATE tenants SET plan_code = 'enterprise'")
        .execute(&owner)
        .await
        .expect("plan");
    let t = token(&app, &admin, "read_write").await;
    // Something to find: a simulation with two versions and a scenario, an
    // upload and a report.
    let id = create(&app, &t, "Fuzzed").await;
    api(
        &app,
        "POST",
        &format!("/api/v1/simulations/{id}/versions"),
        Some(&t),
        Some(json!({ "edits": [] })),
    )
    .await;
    let scenario = api(
        &app,
        "POST",
        &format!("/api/v1/simulations/{id}/scenarios"),
        Some(&t),
        Some(json!({ "name": "S", "edits": [] })),
    )
    .await;
    let report = api(
        &app,
        "POST",
        "/api/v1/reports",
        Some(&t),
        Some(json!({ "simulation_id": id, "format": "xlsx" })),
    )
    .await;
    let request = Request::post("/api/v1/imports")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(
            "loans.csv",
            b"id;class;drawn\nL-1;corporate;1000\n",
        )))
        .expect("request");
    let upload = send(&app, request).await;

    let router = app.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = format!(
        "[[operations]]\ninclude-path-regex = \"^/api/v1/simulations/\"\nparameters = {{ \"path.id\" = \"{id}\", \"path.version\" = 2, \"path.scenario_id\" = \"{}\" }}\n\n\
         [[operations]]\ninclude-path-regex = \"^/api/v1/imports/\"\nparameters = {{ \"path.id\" = \"{}\" }}\n\n\
         [[operations]]\ninclude-path-regex = \"^/api/v1/reports/\"\nparameters = {{ \"path.id\" = \"{}\" }}\n",
        scenario.body["scenario_id"].as_str().expect("scenario"),
        upload.body["proposal"]["import_id"]
            .as_str()
            .expect("import"),
        report.body["report"]["report_id"].as_str().expect("report"),
    );
    std::fs::write(dir.path().join("schemathesis.toml"), config).expect("config");
    let mut command = tokio::process::Command::new(&schemathesis);
    command
        .current_dir(dir.path())
        .args(["run", &format!("http://{address}/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {t}")])
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"])
        .args(["--max-examples", "25", "--workers", "2", "--no-color", "--request-timeout", "30"])
        .kill_on_drop(true);
    if let Ok(seed) = std::env::var("PRUDENTIA_SCHEMATHESIS_SEED") {
        command.args(["--seed", &seed]);
    }
    let output = tokio::time::timeout(std::time::Duration::from_secs(600), command.output())
        .await
        .expect("schemathesis finishes within 10 minutes")
        .expect("schemathesis runs");
    server.abort();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "{report}");
}

fn prudentia(args: &[&str], database_url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_prudentia"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn the_key_commands_rotate_and_retire_and_the_document_prints() {
    let (pool, owner, url) = fresh_database().await;
    prudentia::server::auth::tokens::KeyRing::load(&pool)
        .await
        .expect("the first key");
    let first: String = sqlx::query_scalar("SELECT key_id FROM api_signing_keys")
        .fetch_one(&owner)
        .await
        .expect("one key");

    // The only key cannot go: nothing could sign a new token.
    let (ok, said) = prudentia(&["api-keys", "retire", &first], &url);
    assert!(!ok && said.contains("only active key"), "{said}");

    let (ok, said) = prudentia(&["api-keys", "rotate"], &url);
    assert!(ok && said.contains("new signing key"), "{said}");
    let (ok, said) = prudentia(&["api-keys", "retire", &first], &url);
    assert!(ok && said.contains("retired"), "{said}");
    let (ok, said) = prudentia(&["api-keys", "retire", &first], &url);
    assert!(!ok && said.contains("no active signing key"), "{said}");
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM api_signing_keys WHERE retired_at IS NULL")
            .fetch_one(&owner)
            .await
            .expect("count");
    assert_eq!(active, 1);

    // The document, for integrators generating a client offline.
    let (ok, said) = prudentia(&["openapi"], &url);
    assert!(ok, "{said}");
    let doc: Value = serde_json::from_str(&said).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/compute"]["post"].is_object());
}

#[tokio::test]
async fn a_versions_anomalies_name_a_unit_error_since_the_previous_one_and_stay_in_the_tenant() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = signup(&app, "Banque Alpha", "alice@alpha.example").await;
    let bob = signup(&app, "Banque Beta", "bob@beta.example").await;
    professional(&owner).await;
    let write = token(&app, &alice, "read_write").await;
    let id = create(&app, &write, "Q4").await;
    let planted = json!({ "edits": [{ "op": "scale_exposures",
        "filter": { "ids": ["L-0000003"] }, "factor": 1000 }], "note": "units" });
    let added = api(
        &app,
        "POST",
        &format!("/api/v1/simulations/{id}/versions"),
        Some(&write),
        Some(planted),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);

    let reply = api(
        &app,
        "GET",
        &format!("/api/v1/simulations/{id}/versions/2/anomalies"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let anomalies = reply.body["anomalies"].as_array().expect("anomalies");
    let unit = anomalies
        .iter()
        .find(|a| a["id"] == "L-0000003" && a["kind"] == "scale")
        .unwrap_or_else(|| panic!("the unit error is found: {}", reply.text));
    assert_eq!(unit["severity"], "high");
    assert!(
        unit["explanation"]
            .as_str()
            .expect("text")
            .contains("previous version")
    );
    assert_eq!(unit["fix"]["edit"]["factor"], 0.001);
    let first = api(
        &app,
        "GET",
        &format!("/api/v1/simulations/{id}/versions/1/anomalies"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        !first.text.contains("previous version"),
        "version 1 has nothing to compare with"
    );

    let stranger = token(&app, &bob, "read").await;
    let refused = api(
        &app,
        "GET",
        &format!("/api/v1/simulations/{id}/versions/2/anomalies"),
        Some(&stranger),
        None,
    )
    .await;
    refused.problem(StatusCode::NOT_FOUND, "not-found");
    let missing = api(
        &app,
        "GET",
        &format!("/api/v1/simulations/{id}/versions/9/anomalies"),
        Some(&write),
        None,
    )
    .await;
    missing.problem(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn classify_proposes_a_class_per_line_and_each_organisation_trains_its_own_model() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = signup(&app, "Banque Alpha", "alice@alpha.example").await;
    professional(&owner).await;
    let read = token(&app, &alice, "read").await;
    let lines = json!({ "exposures": [
        { "id": "A", "counterparty_name": "République française", "product": "OAT", "drawn": 5e6, "sector": "O84.11" },
        { "id": "B", "counterparty_name": "SCI Les Tilleuls", "product": "Prêt immobilier", "drawn": 2.5e5, "re_type": "rre" },
        { "id": "C", "class": "not a class", "counterparty_name": "Boulangerie Martin", "product": "Prêt professionnel", "drawn": 4e4 }
    ]});
    let reply = api(&app, "POST", "/api/v1/classify", Some(&read), Some(lines)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let predictions = reply.body["predictions"].as_array().expect("predictions");
    let classes: Vec<&str> = predictions
        .iter()
        .map(|p| p["class"].as_str().expect("class"))
        .collect();
    assert_eq!(classes, ["sovereign", "real_estate", "retail"]);
    assert_eq!(predictions[1]["decided_by"], "rule");
    // None of the lines gives a counterparty type: each gets a guess.
    assert_eq!(
        predictions[0]["counterparty_type"]["type"], "sovereign",
        "{}",
        reply.text
    );
    assert!(
        predictions
            .iter()
            .all(|p| p["counterparty_type"]["confidence"].is_number())
    );
    assert_eq!(predictions[1]["confidence"], 1.0);

    let bad = api(
        &app,
        "POST",
        "/api/v1/classify",
        Some(&read),
        Some(json!({ "exposures": [{ "id": "A", "drawn": "lots" }] })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("exposures[0]"), "{}", bad.text);

    let card = api(
        &app,
        "GET",
        "/api/v1/classification/model",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text);
    assert_eq!(
        card.body["version"],
        serde_json::Value::Null,
        "the built-in model"
    );
    assert!(card.body["card"]["lines"].as_u64().expect("lines") > 10_000);
    let confusion = card.body["card"]["holdout"]["confusion"]
        .as_array()
        .expect("matrix");
    assert_eq!(confusion.len(), 13);
    assert!(
        card.body["card"]["holdout"]["threshold"]
            .as_f64()
            .expect("threshold")
            > 0.5
    );

    // Alice's organisation trains its own model on its lines only.
    let bob = signup(&app, "Banque Beta", "bob@beta.example").await;
    professional(&owner).await;
    let write = token(&app, &alice, "read_write").await;
    create(&app, &write, "Q4").await;
    let refused = api(
        &app,
        "POST",
        "/api/v1/classification/models",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a read-only token trains nothing"
    );
    let trained = api(
        &app,
        "POST",
        "/api/v1/classification/models",
        Some(&write),
        None,
    )
    .await;
    assert_eq!(trained.status, StatusCode::CREATED, "{}", trained.text);
    let alpha_lines: i64 = sqlx::query_scalar(
        "SELECT sum(v.line_count)::int8 FROM simulation_versions v
           JOIN simulations s USING (tenant_id, simulation_id) JOIN tenants t USING (tenant_id)
          WHERE t.name = 'Banque Alpha' AND s.deleted_at IS NULL
            AND v.version_no = (SELECT max(w.version_no) FROM simulation_versions w
                                 WHERE w.simulation_id = v.simulation_id)",
    )
    .fetch_one(&owner)
    .await
    .expect("count");
    assert_eq!(trained.body["version"], 1);
    assert_eq!(trained.body["own_lines"], alpha_lines);
    assert_eq!(trained.body["in_force"], true);
    let card = api(
        &app,
        "GET",
        "/api/v1/classification/model",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(card.body["version"], 1);

    // Bob's organisation has no labelled line: nothing of Alice's trains it or reaches it.
    let bob_write = token(&app, &bob, "read_write").await;
    let none = api(
        &app,
        "POST",
        "/api/v1/classification/models",
        Some(&bob_write),
        None,
    )
    .await;
    assert_eq!(
        none.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        none.text
    );
    let bob_card = api(
        &app,
        "GET",
        "/api/v1/classification/model",
        Some(&bob_write),
        None,
    )
    .await;
    assert_eq!(bob_card.body["version"], serde_json::Value::Null);
    let listed = api(
        &app,
        "GET",
        "/api/v1/classification/models",
        Some(&bob_write),
        None,
    )
    .await;
    assert_eq!(listed.body, json!([]));
    let foreign = api(
        &app,
        "POST",
        "/api/v1/classification/models/1/in-force",
        Some(&bob_write),
        None,
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    create(&app, &bob_write, "Beta Q4").await;
    let beta = api(
        &app,
        "POST",
        "/api/v1/classification/models",
        Some(&bob_write),
        None,
    )
    .await;
    assert_eq!(beta.status, StatusCode::CREATED, "{}", beta.text);
    assert_eq!(beta.body["version"], 1);
    assert_eq!(
        beta.body["own_lines"], 10,
        "Beta's ten lines, none of Alpha's"
    );

    // A second training, then the first put back in force.
    let second = api(
        &app,
        "POST",
        "/api/v1/classification/models",
        Some(&write),
        None,
    )
    .await;
    assert_eq!(second.body["version"], 2);
    let back = api(
        &app,
        "POST",
        "/api/v1/classification/models/1/in-force",
        Some(&write),
        None,
    )
    .await;
    assert_eq!(back.status, StatusCode::NO_CONTENT, "{}", back.text);
    let listed = api(
        &app,
        "GET",
        "/api/v1/classification/models",
        Some(&read),
        None,
    )
    .await;
    let in_force: Vec<i64> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter(|m| m["in_force"] == true)
        .map(|m| m["version"].as_i64().expect("version"))
        .collect();
    assert_eq!(in_force, [1]);
    let events: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'classification.%'")
            .fetch_all(&owner)
            .await
            .expect("audit");
    assert_eq!(
        events
            .iter()
            .filter(|a| *a == "classification.model_trained")
            .count(),
        3
    );
    assert!(events.contains(&"classification.model_put_in_force".to_owned()));
    let anonymous = api(&app, "GET", "/api/v1/classification/model", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

/// A book of 80 personal loans spread over an order of magnitude, and six
/// about twenty times their median: outliers, not unit errors.
fn loans_with_outliers() -> Value {
    let mut data = prudentia::samples::demo_bank();
    let loan = |id: String, drawn: f64| {
        let mut line = prudentia::engine::dataset::Exposure::new(
            id,
            prudentia::engine::dataset::ExposureClass::Retail,
            drawn,
        );
        line.product = Some("Prêt personnel".to_owned());
        line
    };
    data.exposures = (0..80)
        .map(|i| {
            loan(
                format!("P-{i:03}"),
                20_000.0 * 10f64.powf(((i * 37) % 100) as f64 / 100.0),
            )
        })
        .chain((0..6).map(|i| loan(format!("OUT-{i}"), 1_200_000.0 + 100_000.0 * i as f64)))
        .collect();
    serde_json::to_value(&data).expect("data set")
}

#[tokio::test]
async fn dismissed_outliers_stay_dismissed_teach_the_threshold_and_stay_in_the_tenant() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = signup(&app, "Banque Alpha", "alice@alpha.example").await;
    let bob = signup(&app, "Banque Beta", "bob@beta.example").await;
    professional(&owner).await;
    let write = token(&app, &alice, "read_write").await;
    let read = token(&app, &alice, "read").await;
    let created = api(
        &app,
        "POST",
        "/api/v1/simulations",
        Some(&write),
        Some(json!({ "name": "Loans", "data": loans_with_outliers() })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["simulation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let list = |version: i32| {
        let (app, write, id) = (&app, &write, &id);
        async move {
            let reply = api(
                app,
                "GET",
                &format!("/api/v1/simulations/{id}/versions/{version}/anomalies"),
                Some(write),
                None,
            )
            .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.body["anomalies"]
                .as_array()
                .expect("anomalies")
                .clone()
        }
    };
    let outliers: Vec<Value> = list(1)
        .await
        .into_iter()
        .filter(|a| a["kind"] == "outlier")
        .collect();
    assert_eq!(outliers.len(), 6, "{outliers:?}");
    let dismissals = format!("/api/v1/simulations/{id}/versions/1/anomalies/dismissals");
    let body = |a: &Value, reason: &str| json!({ "id": a["id"], "section": a["section"], "field": a["field"], "kind": a["kind"], "reason": reason });

    // Refused: no reason, a finding the version does not have, a read-only
    // token, another organisation.
    api(
        &app,
        "POST",
        &dismissals,
        Some(&write),
        Some(body(&outliers[0], " ")),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let mut invented = body(&outliers[0], "fine");
    invented["id"] = json!("P-001");
    api(&app, "POST", &dismissals, Some(&write), Some(invented))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(
        &app,
        "POST",
        &dismissals,
        Some(&read),
        Some(body(&outliers[0], "fine")),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    let stranger = token(&app, &bob, "read_write").await;
    api(
        &app,
        "POST",
        &dismissals,
        Some(&stranger),
        Some(body(&outliers[0], "fine")),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");

    // Five dismissed with their reasons: each is marked, and the five teach
    // the outlier threshold.
    let mut scores = Vec::new();
    for a in &outliers[..5] {
        let done = api(
            &app,
            "POST",
            &dismissals,
            Some(&write),
            Some(body(a, "a genuine large loan")),
        )
        .await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
        assert_eq!(done.body["dismissed"]["reason"], "a genuine large loan");
        assert_eq!(done.body["dismissed"]["by"], "alice@alpha.example");
        scores.push(a["score"].as_f64().expect("score"));
    }
    let learnt = prudentia::intel::anomalies::Thresholds::learnt_outlier_z(&scores);
    let thresholds = api(
        &app,
        "GET",
        "/api/v1/anomalies/thresholds",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(thresholds.status, StatusCode::OK, "{}", thresholds.text);
    assert!(learnt > 2.5, "{scores:?}");
    assert_eq!(thresholds.body["outlier_z"].as_f64(), Some(learnt));
    assert_eq!(thresholds.body["learnt_from"], 5);
    assert_eq!(thresholds.body["fixed"], false);
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE 'anomal%' ORDER BY seq",
    )
    .fetch_all(&owner)
    .await
    .expect("audit");
    assert_eq!(
        audited.iter().filter(|a| *a == "anomaly.dismissed").count(),
        5
    );
    assert!(
        audited.contains(&"anomalies.threshold_learnt".to_owned()),
        "{audited:?}"
    );

    // A new version with the same values: what was dismissed stays so, and
    // the learnt threshold raises only the farther outliers.
    let note = json!({ "edits": [], "note": "same figures" });
    let added = api(
        &app,
        "POST",
        &format!("/api/v1/simulations/{id}/versions"),
        Some(&write),
        Some(note),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let now = list(2).await;
    for a in now.iter().filter(|a| a["kind"] == "outlier") {
        assert!(a["score"].as_f64().expect("score") > learnt, "{a}");
        let was_dismissed = outliers[..5].iter().any(|o| o["id"] == a["id"]);
        assert_eq!(a["dismissed"].is_object(), was_dismissed, "{a}");
    }

    // Another organisation keeps the defaults.
    let theirs = api(
        &app,
        "GET",
        "/api/v1/anomalies/thresholds",
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(
        theirs.body["outlier_z"].as_f64(),
        Some(2.5),
        "{}",
        theirs.text
    );

    // An admin fixes the thresholds, then puts the defaults back; a
    // read-only token may do neither, and nonsense is refused.
    let set = json!({ "outlier_z": 3.0, "alert_budget": 0.01 });
    api(
        &app,
        "PUT",
        "/api/v1/anomalies/thresholds",
        Some(&read),
        Some(set.clone()),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    api(
        &app,
        "PUT",
        "/api/v1/anomalies/thresholds",
        Some(&write),
        Some(json!({ "outlier_z": 0.2, "alert_budget": 0.01 })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fixed = api(
        &app,
        "PUT",
        "/api/v1/anomalies/thresholds",
        Some(&write),
        Some(set),
    )
    .await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.text);
    assert_eq!(
        (
            fixed.body["outlier_z"].as_f64(),
            fixed.body["fixed"].as_bool()
        ),
        (Some(3.0), Some(true))
    );
    let reset = api(
        &app,
        "DELETE",
        "/api/v1/anomalies/thresholds",
        Some(&write),
        None,
    )
    .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert_eq!(reset.body["outlier_z"].as_f64(), Some(2.5));
    let settings: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE 'anomalies.thresholds_%' ORDER BY seq",
    )
    .fetch_all(&owner)
    .await
    .expect("audit");
    assert_eq!(
        settings,
        ["anomalies.thresholds_set", "anomalies.thresholds_reset"]
    );
}

/// The demo bank as JSON, and its CET1 ratio as `/compute` gives it.
async fn demo_and_cet1(app: &TestApp, token: &str) -> (Value, f64) {
    let data = serde_json::to_value(prudentia::samples::demo_bank()).expect("data set");
    let reply = api(
        app,
        "POST",
        "/api/v1/compute",
        Some(token),
        Some(json!({ "data": data.clone() })),
    )
    .await;
    let cet1 = reply.body["ratios"]["cet1"].as_f64().expect("cet1");
    (data, cet1)
}

#[tokio::test]
async fn suggest_plans_for_a_data_set_and_refuses_a_bad_catalogue_by_name() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = signup(&app, "Banque Alpha", "alice@alpha.example").await;
    professional(&owner).await;
    let read = token(&app, &alice, "read").await;
    let (data, cet1) = demo_and_cet1(&app, &read).await;
    let reply = api(
        &app,
        "POST",
        "/api/v1/suggest",
        Some(&read),
        Some(json!({ "data": data.clone(), "targets": { "cet1": cet1 + 0.005 } })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["feasible"], true);
    let after = reply.body["results_after"]["ratios"]["cet1"]
        .as_f64()
        .expect("after");
    assert!(after >= cet1 + 0.005 - 1e-9, "{after}");
    assert_eq!(reply.body["binding"], json!(["cet1"]));

    // The plan replays through /compute as a scenario.
    let edits: Vec<Value> = reply.body["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .flat_map(|a| a["edits"].as_array().expect("edits").clone())
        .collect();
    let replayed = api(
        &app,
        "POST",
        "/api/v1/compute",
        Some(&read),
        Some(json!({ "data": data.clone(), "scenario": { "edits": edits } })),
    )
    .await;
    assert_eq!(
        replayed.body["scenario"]["ratios"],
        reply.body["results_after"]["ratios"]
    );

    let bad = api(
        &app,
        "POST",
        "/api/v1/suggest",
        Some(&read),
        Some(json!({ "data": data, "catalogue": [{ "action": "issue_cet1", "max": -5, "cost": 0.1 }] })),
    )
    .await;
    bad.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        bad.text.contains("catalogue") && bad.text.contains("issue_cet1"),
        "{}",
        bad.text
    );
}

#[tokio::test]
async fn an_organisations_catalogue_changes_its_plans_and_only_its_own() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = signup(&app, "Banque Alpha", "alice@alpha.example").await;
    let bob = signup(&app, "Banque Beta", "bob@beta.example").await;
    professional(&owner).await;
    let admin = token(&app, &alice, "read_write").await;
    let read = token(&app, &alice, "read").await;
    let theirs = token(&app, &bob, "read_write").await;
    let (data, cet1) = demo_and_cet1(&app, &read).await;
    let ask = json!({ "data": data, "targets": { "cet1": cet1 + 0.01 } });
    let plan = |token: String| {
        let (app, ask) = (&app, ask.clone());
        async move {
            let reply = api(app, "POST", "/api/v1/suggest", Some(&token), Some(ask)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.body
        }
    };
    let shipped = plan(read.clone()).await;
    let uses = |plan: &Value, action: &str| {
        plan["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .any(|a| a["action"] == action)
    };
    assert!(uses(&shipped, "issue_cet1"), "{}", shipped["actions"]);

    // Alice's organisation leaves out CET1 issuance and makes AT1 free and
    // large: its plans change, Bob's do not.
    let changes = json!([
        { "action": "issue_cet1", "enabled": false },
        { "action": "issue_at1", "max": 5e9, "cost": 0.0 }
    ]);
    api(
        &app,
        "PUT",
        "/api/v1/suggestions/catalogue",
        Some(&read),
        Some(changes.clone()),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");
    api(
        &app,
        "PUT",
        "/api/v1/suggestions/catalogue",
        Some(&admin),
        Some(json!([{ "action": "issue_at1", "cost": -1 }])),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let saved = api(
        &app,
        "PUT",
        "/api/v1/suggestions/catalogue",
        Some(&admin),
        Some(changes.clone()),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let read_back = api(
        &app,
        "GET",
        "/api/v1/suggestions/catalogue",
        Some(&read),
        None,
    )
    .await;
    // Read back with every field spelt out.
    assert_eq!(
        read_back.body,
        json!([
            { "action": "issue_cet1", "enabled": false, "max": null, "cost": null },
            { "action": "issue_at1", "enabled": true, "max": 5e9, "cost": 0.0 }
        ])
    );
    let changed = plan(read.clone()).await;
    // No CET1 issuance, and AT1 cannot make CET1: the plan sells risk
    // instead, and still meets the target.
    assert!(!uses(&changed, "issue_cet1"), "{}", changed["actions"]);
    assert!(
        uses(&changed, "reduce_class:equity"),
        "{}",
        changed["actions"]
    );
    assert!(changed["results_after"]["ratios"]["cet1"].as_f64() >= Some(cet1 + 0.01 - 1e-9));

    let other = api(
        &app,
        "GET",
        "/api/v1/suggestions/catalogue",
        Some(&theirs),
        None,
    )
    .await;
    assert_eq!(other.body, json!([]));
    assert!(uses(&plan(theirs).await, "issue_cet1"));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'suggestions.catalogue_changed'",
    )
    .fetch_one(&owner)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_simulations_targets_are_set_by_its_analysts_and_seen_by_no_other_organisation() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = signup(&app, "Banque Alpha", "alice@alpha.example").await;
    let bob = signup(&app, "Banque Beta", "bob@beta.example").await;
    professional(&owner).await;
    let write = token(&app, &alice, "read_write").await;
    let read = token(&app, &alice, "read").await;
    let stranger = token(&app, &bob, "read_write").await;
    let id = create(&app, &write, "Q4").await;
    let path = format!("/api/v1/simulations/{id}/targets");

    let none = api(&app, "GET", &path, Some(&read), None).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert!(
        none.body
            .as_object()
            .expect("object")
            .values()
            .all(Value::is_null)
    );

    let targets = json!({ "cet1": 0.115, "lcr": 1.2 });
    api(&app, "PUT", &path, Some(&read), Some(targets.clone()))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    api(
        &app,
        "PUT",
        &path,
        Some(&write),
        Some(json!({ "nsfr": -1 })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(
        &app,
        "PUT",
        &path,
        Some(&write),
        Some(json!({ "cet1": 0.1, "typo": 1 })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let saved = api(&app, "PUT", &path, Some(&write), Some(targets)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let again = api(&app, "GET", &path, Some(&read), None).await;
    assert_eq!(
        (again.body["cet1"].as_f64(), again.body["lcr"].as_f64()),
        (Some(0.115), Some(1.2))
    );
    assert!(again.body["tier1"].is_null());

    for method in ["GET", "PUT"] {
        let body = (method == "PUT").then(|| json!({ "cet1": 0.5 }));
        api(&app, method, &path, Some(&stranger), body)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }

    // A stored version's plan uses these targets; the others default.
    let plans = format!("/api/v1/simulations/{id}/versions/1/suggestions");
    let plan = api(&app, "POST", &plans, Some(&read), Some(json!({}))).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.text);
    assert_eq!(plan.body["targets"]["cet1"].as_f64(), Some(0.115));
    assert!(
        plan.body["targets"]["tier1"].as_f64().is_some(),
        "defaults fill the rest"
    );
    assert_eq!(plan.body["feasible"], true, "{}", plan.body["explanation"]);
    api(
        &app,
        "POST",
        &plans,
        Some(&read),
        Some(json!({ "catalogue": [{ "action": "sell_everything", "max": 1, "cost": 0 }] })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    api(&app, "POST", &plans, Some(&stranger), Some(json!({})))
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    api(
        &app,
        "POST",
        &plans.replace("/versions/1/", "/versions/9/"),
        Some(&read),
        Some(json!({})),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'suggestions.targets_set'",
    )
    .fetch_one(&owner)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}
