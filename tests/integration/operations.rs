//! What the operator watches: `/metrics` answers only to its token, parses
//! as Prometheus text and moves as requests are made; every response
//! carries its request id.

use crate::support::{METRICS_TOKEN, TestApp, sign_up};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get("/metrics");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let (response, body) = app
        .send(request.body(Body::empty()).expect("a request"))
        .await;
    (response.status(), body)
}

/// The value of `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let parsed = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .expect("Prometheus text");
    parsed
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}

#[tokio::test]
async fn metrics_answer_their_token_parse_as_prometheus_and_move_with_requests() {
    let app = TestApp::spawn().await;
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("guess")).await.0,
        StatusCode::UNAUTHORIZED
    );

    let healthz = [("route", "/healthz"), ("method", "GET"), ("status", "200")];
    let (status, before) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let seen = value(&before, "prudentia_http_requests_total", &healthz).unwrap_or(0.0);
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.0.status(), StatusCode::OK);
    }
    sign_up(&app, "Metered Bank", "admin@metered.example").await;
    let (_, after) = scrape(&app, Some(METRICS_TOKEN)).await;
    // Other tests share the process's recorder: at least ours were counted.
    let now = value(&after, "prudentia_http_requests_total", &healthz).expect("counted");
    assert!(now >= seen + 3.0, "{seen} then {now}");
    let timed: f64 = after
        .lines()
        .find(|l| {
            l.starts_with("prudentia_http_request_duration_seconds_count{")
                && l.contains("route=\"/healthz\"")
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .expect("timed");
    assert!(timed >= 3.0);
    assert!(value(&after, "prudentia_organisations", &[]).expect("a gauge") >= 1.0);
    assert!(value(&after, "prudentia_members", &[]).expect("a gauge") >= 1.0);
    assert!(value(&after, "prudentia_queue_depth", &[("queue", "mail")]).is_some());
    assert!(
        value(&after, "prudentia_db_pool_connections", &[("state", "max")]).expect("the pool")
            >= 1.0
    );
    // Unknown paths share one label, so they cannot grow the set.
    app.get("/no/such/page/4711").await;
    let (_, last) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert!(!last.contains("4711"));
}

#[tokio::test]
async fn every_response_carries_its_request_id() {
    let app = TestApp::spawn().await;
    let (response, _) = app.get("/healthz").await;
    let made = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a request id");
    assert_eq!(uuid::Uuid::parse_str(made).map(|_| ()), Ok(()));
    let request = Request::get("/healthz")
        .header("x-request-id", "lb-1234")
        .body(Body::empty())
        .expect("a request");
    let (response, _) = app.send(request).await;
    assert_eq!(
        response.headers()["x-request-id"],
        "lb-1234",
        "the balancer's id is kept"
    );
}

/// `prudentia serve` as a process, until the test ends.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

#[tokio::test]
async fn https_is_served_with_http2_hsts_and_secure_cookies() {
    let (_, _, url) = crate::support::fresh_database().await;
    let dir = tempfile::tempdir().expect("a folder");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a cert");
    let cert = made.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &cert).expect("cert");
    std::fs::write(dir.path().join("key.pem"), made.signing_key.serialize_pem()).expect("key");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let origin = format!("https://localhost:{port}");
    let _server = Served(
        std::process::Command::new(env!("CARGO_BIN_EXE_prudentia"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .arg("--tls-cert")
            .arg(dir.path().join("cert.pem"))
            .arg("--tls-key")
            .arg(dir.path().join("key.pem"))
            .env("DATABASE_URL", &url)
            .env("PRUDENTIA_DATA_DIR", dir.path())
            .env("PRUDENTIA_PUBLIC_URL", &origin)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("prudentia serve"),
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.as_bytes()).expect("a root"))
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .expect("a client");
    let mut health = None;
    for _ in 0..300 {
        if let Ok(answer) = client.get(format!("{origin}/healthz")).send().await {
            health = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let health = health.expect("the server answers over https");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert_eq!(health.version(), reqwest::Version::HTTP_2, "HTTP/2 by ALPN");
    let hsts = health.headers()["strict-transport-security"]
        .to_str()
        .expect("text");
    assert!(hsts.contains("max-age=31536000"), "{hsts}");

    let cookie =
        crate::support::session_over(&client, &origin, "Secure Bank", "admin@secure.example").await;
    assert!(cookie.contains("Secure"), "{cookie}");
    // Plain http on the same port is no way in.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
}

/// The schema can be distributed by `tenant_id` (Citus): every table with
/// a `tenant_id` leads its primary key with it, and so does every foreign
/// key between two such tables; the others are the reference tables.
#[tokio::test]
async fn every_tenant_table_leads_its_keys_with_the_tenant() {
    let (_, owner, _) = crate::support::fresh_database().await;
    let tenant_tables: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT attrelid) FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'tenant_id'",
    )
    .fetch_one(&owner)
    .await
    .expect("the catalogue");
    assert!(
        tenant_tables >= 30,
        "only {tenant_tables} tenant tables seen"
    );
    let keyless: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                          AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            AND NOT EXISTS (SELECT 1 FROM pg_index i
                              JOIN pg_attribute a ON a.attrelid = i.indrelid
                                                 AND a.attnum = i.indkey[0]
                             WHERE i.indrelid = c.oid AND i.indisprimary
                               AND a.attname = 'tenant_id')
          ORDER BY 1",
    )
    .fetch_all(&owner)
    .await
    .expect("the catalogue");
    assert!(
        keyless.is_empty(),
        "primary keys without tenant_id first: {keyless:?}"
    );
    let crossing: Vec<String> = sqlx::query_scalar(
        "SELECT con.conname::text FROM pg_constraint con
           JOIN pg_class c ON c.oid = con.conrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND con.contype = 'f'
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.confrelid
                          AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            AND (SELECT a.attname FROM pg_attribute a
                  WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]) <> 'tenant_id'
          ORDER BY 1",
    )
    .fetch_all(&owner)
    .await
    .expect("the catalogue");
    assert!(
        crossing.is_empty(),
        "foreign keys between tenant tables without tenant_id first: {crossing:?}"
    );
}
