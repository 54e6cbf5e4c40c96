//! Hardening (issue 16), each weakness as an attacker found it: a log-in
//! flood against the pool and against colleagues behind one address, a
//! forged Host, writes without an Origin, quotas raised past the plan,
//! sessions that outlive a password change, and the audit chain written
//! for another tenant.

use crate::support::{CLIENT_ADDR, JOIN_PASSWORD as PASSWORD, Reply, TestApp, fresh_pools, join};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use prudentia::model::account::{Me, TenantId};
use prudentia::server::db::scope;
use std::net::SocketAddr;
use std::sync::Arc;

async fn sign_up(app: &TestApp, organisation: &str, email: &str) -> String {
    let reply = app
        .call(
            None,
            "signup",
            &[
                ("organisation", organisation),
                ("name", "Someone"),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(reply.ok(), "{} {}", reply.status, reply.body);
    reply.cookie.expect("a session cookie after sign-up")
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> Reply {
    app.call(None, "login", &[("email", email), ("password", password)])
        .await
}

/// A log-in from another address than the tests' usual one.
async fn log_in_from(app: &TestApp, from: SocketAddr, email: &str, password: &str) -> Reply {
    let body = format!(
        "email={}&password={}",
        crate::support::urlencode(email),
        crate::support::urlencode(password)
    );
    let mut request = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .body(Body::from(body))
        .expect("request");
    request.extensions_mut().insert(ConnectInfo(from));
    let (response, body) = app.send(request).await;
    Reply {
        status: response.status(),
        body,
        cookie: None,
    }
}

async fn me(app: &TestApp, cookie: &str) -> Option<Me> {
    serde_json::from_str(&app.call(Some(cookie), "me", &[]).await.body).expect("me JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_log_ins_leave_the_server_and_its_health_check_reachable() {
    let app = Arc::new(TestApp::spawn().await);
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..50 {
        let app = Arc::clone(&app);
        flood.spawn(async move {
            log_in(
                &app,
                &format!("nobody{i}@attacker.example"),
                "wrong password!",
            )
            .await
            .status
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (health, body) = app.get("/healthz").await;
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "health during the flood: {body}"
    );
    let statuses = flood.join_all().await;
    assert!(
        statuses.iter().all(|s| [
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::SERVICE_UNAVAILABLE
        ]
        .contains(s)),
        "only refusals, never an error of ours: {statuses:?}"
    );
    let (health, body) = app.get("/healthz").await;
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "health after the flood: {body}"
    );
}

#[tokio::test]
async fn a_flood_from_one_address_does_not_lock_out_a_colleague_behind_it() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let admin = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    join(&app, &admin, "bob@alpha.example", "Bob", "analyst").await;
    assert!(
        log_in(&app, "alice@alpha.example", PASSWORD).await.ok(),
        "Alice's office address becomes known"
    );

    // 110 wrong log-ins from the office's address, each for another account.
    for i in 0..110 {
        let reply = log_in(
            &app,
            &format!("guess{i}@attacker.example"),
            "wrong password!",
        )
        .await;
        assert!(
            [
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::TOO_MANY_REQUESTS
            ]
            .contains(&reply.status),
            "attempt {i}: {} {}",
            reply.status,
            reply.body
        );
    }
    // The address is slowed down for accounts new to it...
    let bob = log_in(&app, "bob@alpha.example", PASSWORD).await;
    assert_eq!(bob.status, StatusCode::TOO_MANY_REQUESTS, "{}", bob.body);
    // ...not for a colleague who works from it, nor for Bob from elsewhere.
    let alice = log_in(&app, "alice@alpha.example", PASSWORD).await;
    assert!(
        alice.ok() && alice.cookie.is_some(),
        "{} {}",
        alice.status,
        alice.body
    );
    let elsewhere = SocketAddr::from(([198, 51, 100, 20], 50_000));
    assert_ne!(elsewhere, SocketAddr::from(CLIENT_ADDR));
    let bob = log_in_from(&app, elsewhere, "bob@alpha.example", PASSWORD).await;
    assert!(
        bob.status.is_success() || bob.status.is_redirection(),
        "{} {}",
        bob.status,
        bob.body
    );

    // The trail has the failures admitted and one event that started the
    // delay, not one per refused request.
    let (failed, blocked): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE jsonb_array_length(diff->'blocked') > 0)
           FROM audit_events WHERE action = 'session.login_failed'",
    )
    .fetch_one(&owner)
    .await
    .expect("audit count");
    assert_eq!(
        failed, 100,
        "the 100 failures the address allows, then refusals only"
    );
    assert_eq!(blocked, 1, "one event starts the address's delay");
}

#[tokio::test]
async fn a_burst_on_one_account_gets_no_further_than_five_attempts() {
    let app = Arc::new(TestApp::spawn().await);
    sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let app = Arc::clone(&app);
        burst.spawn(async move {
            log_in(&app, "alice@alpha.example", "wrong password!")
                .await
                .status
        });
    }
    let statuses = burst.join_all().await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(
        checked, 4,
        "four plain failures, then the delay: {statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        16
    );
}

#[tokio::test]
async fn a_forged_host_is_refused_and_writes_need_our_origin() {
    let app = TestApp::spawn().await;
    let forged = Request::get("/login")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .expect("request");
    let (response, body) = app.send(forged).await;
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{body}");

    let admin = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let forged_invite = Request::post("/api/invite")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "evil.example")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::COOKIE, &admin)
        .body(Body::from("email=bob%40alpha.example&role=analyst"))
        .expect("request");
    let (response, _) = app.send(forged_invite).await;
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST);

    let no_origin = Request::post("/api/invite")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::COOKIE, &admin)
        .body(Body::from("email=bob%40alpha.example&role=analyst"))
        .expect("request");
    let (response, body) = app.send(no_origin).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{body}");

    let sent = app
        .call(
            Some(&admin),
            "invite",
            &[("email", "bob@alpha.example"), ("role", "analyst")],
        )
        .await;
    assert!(sent.ok(), "{}", sent.body);
    assert!(
        sent.body.contains("http://127.0.0.1:3000/invitations/"),
        "the link comes from the public address: {}",
        sent.body
    );
}

#[tokio::test]
async fn a_tenant_cannot_raise_its_quotas_past_its_plan_and_signs_up_on_a_trial() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let admin = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let raise = app
        .call(
            Some(&admin),
            "set-quotas",
            &[
                ("members", "2147483647"),
                ("simulations", ""),
                ("storage_mb", "2147483647"),
                ("api_calls_per_day", ""),
            ],
        )
        .await;
    assert_eq!(
        raise.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        raise.body
    );
    assert!(raise.body.contains("can only be lowered"), "{}", raise.body);
    let lower = app
        .call(
            Some(&admin),
            "set-quotas",
            &[
                ("members", "3"),
                ("simulations", ""),
                ("storage_mb", ""),
                ("api_calls_per_day", ""),
            ],
        )
        .await;
    assert!(lower.ok(), "{}", lower.body);
    let below_the_application = sqlx::query("UPDATE tenants SET max_members = 1000000")
        .execute(&owner)
        .await;
    assert!(
        below_the_application.is_err(),
        "the database refuses it too"
    );
    let trial_days: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM trial_ends_at - now())::float8 / 86400 FROM tenants",
    )
    .fetch_one(&owner)
    .await
    .expect("trial");
    assert!((13.9..=14.0).contains(&trial_days), "{trial_days}");
}

#[tokio::test]
async fn a_password_change_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let first = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let second = log_in(&app, "alice@alpha.example", PASSWORD)
        .await
        .cookie
        .expect("a second session");
    let changed = app
        .call(
            Some(&second),
            "password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert!(changed.ok(), "{} {}", changed.status, changed.body);
    let carried_on = changed.cookie.unwrap_or(second);
    assert!(
        me(&app, &carried_on).await.is_some(),
        "the session that changed it carries on"
    );
    assert!(
        me(&app, &first).await.is_none(),
        "the other session has ended"
    );
    assert!(
        log_in(&app, "alice@alpha.example", "a brand new passphrase")
            .await
            .ok()
    );
}

#[tokio::test]
async fn the_application_appends_audit_events_only_to_its_current_tenant() {
    let (pool, _owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let mallory = sign_up(&app, "Banque Beta", "mallory@beta.example").await;
    let a = me(&app, &alice).await.expect("alice").tenant.tenant_id;
    let b = me(&app, &mallory).await.expect("mallory").tenant.tenant_id;
    let append = |tenant: TenantId| {
        sqlx::query("SELECT audit_append($1, NULL, 'x', 'forged.event', 'x', '{}', NULL, NULL)")
            .bind(tenant.0)
    };
    let mut tx = scope::begin(&pool, b).await.expect("scope");
    let other = append(a).execute(&mut *tx).await;
    assert!(other.is_err(), "Beta's scope cannot write Alpha's chain");
    drop(tx);
    let mut tx = scope::begin(&pool, b).await.expect("scope");
    append(b).execute(&mut *tx).await.expect("its own chain");
    let platform = sqlx::query(
        "SELECT audit_append_platform('x', 'session.login_failed', 'x', '{}', NULL, NULL)",
    )
    .execute(&mut *tx)
    .await;
    assert!(
        platform.is_err(),
        "the platform chain is not written from a tenant's scope"
    );
}
