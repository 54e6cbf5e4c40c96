use crate::support::{TestApp, urlencode};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use prudentia::model::contact::ContactAck;
use prudentia::model::error::AppError;

fn form(email: &str, website: &str) -> String {
    let pairs = [
        ("name", "  Grace Hopper "),
        ("email", email),
        ("organisation", "Banque Exemple"),
        ("message", "We would like a demo of the LCR simulation."),
        ("website", website),
    ];
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn post(body: String) -> Request<Body> {
    Request::post("/api/contact")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .body(Body::from(body))
        .expect("request")
}

async fn stored(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT name, email::text, client_ip::text FROM contact_requests ORDER BY created_at",
    )
    .fetch_all(&app.pool)
    .await
    .expect("query")
}

#[tokio::test]
async fn a_valid_request_is_stored_and_acknowledged() {
    let app = TestApp::spawn().await;
    let (response, body) = app.send(post(form("grace@bank.example", ""))).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    let ack: ContactAck = serde_json::from_str(&body).expect("ack JSON");
    assert!(ack.reference.starts_with("CR-"), "{}", ack.reference);
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "Grace Hopper", "name is trimmed");
    assert_eq!(rows[0].1, "grace@bank.example");
    assert_eq!(rows[0].2.as_deref(), Some("203.0.113.7/32"));
}

#[tokio::test]
async fn an_invalid_email_is_a_field_error_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (response, body) = app.send(post(form("grace-at-bank", ""))).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{body}"
    );
    let error: AppError = serde_json::from_str(&body).expect("error JSON");
    let fields = error.field_errors().expect("field errors");
    assert!(fields.for_field("email").is_some());
    assert!(
        fields.for_field("name").is_none(),
        "valid fields are not flagged"
    );
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn the_honeypot_is_answered_like_success_but_not_stored() {
    let app = TestApp::spawn().await;
    let (response, body) = app
        .send(post(form("bot@spam.example", "http://spam.example")))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert!(serde_json::from_str::<ContactAck>(&body).is_ok());
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn the_per_ip_rate_limit_refuses_with_429_but_ignores_validation_errors() {
    let app = TestApp::with_contact_limit(2).await;
    for _ in 0..3 {
        let (response, _) = app.send(post(form("typo", ""))).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    for _ in 0..2 {
        let (response, body) = app.send(post(form("grace@bank.example", ""))).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
    }
    let (response, body) = app.send(post(form("grace@bank.example", ""))).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{body}");
    match serde_json::from_str::<AppError>(&body).expect("error JSON") {
        AppError::RateLimited { retry_after_secs } => {
            assert!((1..=1800).contains(&retry_after_secs), "{retry_after_secs}")
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(stored(&app).await.len(), 2);

    // Counted in PostgreSQL: a second server on the same database refuses too.
    let other_server = TestApp::with_pool_and_contact_limit(app.pool.clone(), 2).await;
    let (response, body) = other_server
        .send(post(form("grace@bank.example", "")))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn a_cross_site_post_is_refused_before_it_reaches_the_function() {
    let app = TestApp::spawn().await;
    let mut request = post(form("grace@bank.example", ""));
    request.headers_mut().insert(
        header::ORIGIN,
        "https://evil.example".parse().expect("header"),
    );
    let (response, _) = app.send(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let mut request = post(form("grace@bank.example", ""));
    request
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().expect("header"));
    let (response, _) = app.send(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(stored(&app).await.is_empty());
}
