use crate::support::{TestApp, fresh_pools};
use axum::http::{StatusCode, header};

#[tokio::test]
async fn healthz_reports_the_database_and_version() {
    let app = TestApp::spawn().await;
    let (response, body) = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "reachable");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    app.pool.close().await;
    let (response, body) = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["database"], "unreachable");
}

#[tokio::test]
async fn the_landing_page_is_server_rendered_with_plans_from_the_database() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    // The catalogue is the operator's: the application role only reads it.
    sqlx::query("UPDATE plans SET name = 'Professional Plus' WHERE plan_code = 'professional'")
        .execute(&owner)
        .await
        .expect("update plan");
    let (response, html) = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        html.contains("See every prudential ratio move"),
        "hero rendered"
    );
    assert!(
        html.contains("Professional Plus"),
        "plan names come from the plans table"
    );
    assert!(html.contains("€1,490"), "prices come from the plans table");
    assert!(html.contains("Illustrative testimonials"));
    assert!(
        html.contains(r#"name="website""#),
        "the honeypot field is in the form"
    );
}

#[tokio::test]
async fn every_page_carries_security_headers_and_a_matching_csp_nonce() {
    let app = TestApp::spawn().await;
    let (response, html) = app.get("/").await;
    let headers = response.headers();
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(headers.contains_key(header::REFERRER_POLICY));
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"));
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in script-src");
    assert!(nonce.len() >= 32);
    assert!(
        html.contains(&format!(r#"nonce="{nonce}""#)),
        "the hydration script carries the header's nonce"
    );
    let (second, _) = app.get("/").await;
    assert_ne!(
        second.headers()[header::CONTENT_SECURITY_POLICY],
        headers[header::CONTENT_SECURITY_POLICY],
        "a fresh nonce per response"
    );
}

#[tokio::test]
async fn an_unknown_page_is_a_404_with_the_app_shell() {
    let app = TestApp::spawn().await;
    let (response, html) = app.get("/no-such-page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn the_theme_cookie_is_rendered_on_the_server() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::get("/")
        .header(header::COOKIE, "theme=dark")
        .body(axum::body::Body::empty())
        .expect("request");
    let (_, html) = app.send(request).await;
    assert!(html.contains(r#"data-theme="dark""#));
}
