//! Hardening (issue 16), each weakness as an attacker found it: a log-in
//! flood against the pool and against colleagues behind one address, a
//! forged Host, writes without an Origin, quotas raised past the plan,
//! sessions that outlive a password change, and the audit chain written
//! for another tenant.

use crate::support::{
    CLIENT_ADDR, JOIN_PASSWORD as PASSWORD, Reply, TestApp, fresh_pools, join, sign_up,
};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use prudentia::model::account::{Me, TenantId};
use prudentia::server::db::scope;
use std::net::SocketAddr;
use std::sync::Arc;

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

/// The last mail queued for `recipient` whose subject starts so, and the
/// token at the end of its `path` link.
async fn mailed_token(owner: &sqlx::PgPool, recipient: &str, subject: &str, path: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbound_emails
          WHERE recipient = $1 AND subject LIKE $2 || '%' ORDER BY created_at DESC LIMIT 1",
    )
    .bind(recipient)
    .bind(subject)
    .fetch_one(owner)
    .await
    .unwrap_or_else(|_| panic!("a mail “{subject}” to {recipient}"));
    let marker = format!("http://127.0.0.1:3000/{path}/");
    let start = body
        .find(&marker)
        .expect("the link, from the public address")
        + marker.len();
    body[start..]
        .split_whitespace()
        .next()
        .expect("token")
        .to_owned()
}

async fn mails_to(owner: &sqlx::PgPool, recipient: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbound_emails WHERE recipient = $1")
        .bind(recipient)
        .fetch_one(owner)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_new_account_confirms_its_address_by_a_single_use_link() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let fields = [
        ("organisation", "Banque Alpha"),
        ("name", "Alice"),
        ("email", "alice@alpha.example"),
        ("password", PASSWORD),
    ];
    let first = app.call(None, "signup", &fields).await;
    assert!(
        first.ok() && first.cookie.is_none(),
        "{} {}",
        first.status,
        first.body
    );
    let token = mailed_token(
        &owner,
        "alice@alpha.example",
        "Confirm your e-mail",
        "verify-email",
    )
    .await;
    // The same address again: the same answer, nothing created, a mail.
    let again = app
        .call(
            None,
            "signup",
            &[
                ("organisation", "Banque Gamma"),
                ("name", "Eve"),
                ("email", "alice@alpha.example"),
                ("password", "another long passphrase"),
            ],
        )
        .await;
    assert_eq!(
        (again.status, again.body.as_str()),
        (first.status, first.body.as_str())
    );
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbound_emails WHERE subject LIKE 'You already have%'",
    )
    .fetch_one(&owner)
    .await
    .expect("count");
    assert_eq!(told, 1, "the owner of the address is told by mail");

    let confirmed = app.call(None, "verify-email", &[("token", &token)]).await;
    assert!(confirmed.ok(), "{} {}", confirmed.status, confirmed.body);
    let cookie = confirmed.cookie.expect("logged in by the link");
    assert_eq!(
        me(&app, &cookie).await.expect("me").tenant.tenant_name,
        "Banque Alpha"
    );
    let verified: bool = sqlx::query_scalar("SELECT email_verified_at IS NOT NULL FROM users")
        .fetch_one(&owner)
        .await
        .expect("verified");
    assert!(verified);
    let reused = app.call(None, "verify-email", &[("token", &token)]).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "single use"
    );
}

#[tokio::test]
async fn an_unconfirmed_account_cannot_join_another_organisation() {
    let (pool, _owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    // Someone signs up with Bob's address first (never confirmed).
    sign_up(&app, "Squat SA", "bob@alpha.example").await;
    let sent = app
        .call(
            Some(&alice),
            "invite",
            &[("email", "bob@alpha.example"), ("role", "analyst")],
        )
        .await;
    let sent: prudentia::model::account::InvitationSent =
        serde_json::from_str(&sent.body).expect("sent");
    let token = sent.link.rsplit('/').next().expect("token");
    let accept = app
        .call(
            None,
            "accept-invitation",
            &[("token", token), ("name", ""), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        accept.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        accept.body
    );
    assert!(accept.body.contains("not confirmed"), "{}", accept.body);
}

#[tokio::test]
async fn a_lost_password_is_reset_by_a_link_that_works_once_and_ends_every_session() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let session = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let before = mails_to(&owner, "nobody@alpha.example").await;
    let unknown = app
        .call(
            None,
            "forgot-password",
            &[("email", "nobody@alpha.example")],
        )
        .await;
    let known = app
        .call(None, "forgot-password", &[("email", "Alice@Alpha.example")])
        .await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (known.status, known.body.as_str()),
        "the same answer"
    );
    assert_eq!(
        mails_to(&owner, "nobody@alpha.example").await,
        before,
        "no mail to an unknown address"
    );
    let token = mailed_token(
        &owner,
        "alice@alpha.example",
        "Reset your",
        "reset-password",
    )
    .await;
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM account_tokens WHERE token_hash = convert_to($1, 'UTF8')",
    )
    .bind(&token)
    .fetch_one(&owner)
    .await
    .expect("count");
    assert_eq!(stored, 0, "the token is stored hashed");

    let weak = app
        .call(
            None,
            "reset-password",
            &[("token", &token), ("new_password", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = app
        .call(
            None,
            "reset-password",
            &[
                ("token", &token),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert!(
        done.ok(),
        "a weak try does not spend the link: {} {}",
        done.status,
        done.body
    );
    assert!(me(&app, &session).await.is_none(), "every session ended");
    assert_eq!(
        log_in(&app, "alice@alpha.example", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(
        log_in(&app, "alice@alpha.example", "a brand new passphrase")
            .await
            .ok()
    );
    let again = app
        .call(
            None,
            "reset-password",
            &[
                ("token", &token),
                ("new_password", "yet another passphrase"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "single use");
}

#[tokio::test]
async fn the_application_role_cannot_reset_its_way_into_rights_it_lacks() {
    let (pool, _owner) = fresh_pools().await;
    // A connection of the pool, detached so that it never serves again.
    let mut conn = pool.acquire().await.expect("connection").detach();
    let acting: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut conn)
        .await
        .expect("current user");
    assert_eq!(acting, "prudentia_app");
    sqlx::query("RESET ROLE")
        .execute(&mut conn)
        .await
        .expect("RESET ROLE runs");
    let (login, superuser): (String, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut conn)
    .await
    .expect("login role");
    assert_eq!(login, "prudentia_login");
    assert!(!superuser);
    let read = sqlx::query("SELECT count(*) FROM users")
        .fetch_one(&mut conn)
        .await;
    assert!(read.is_err(), "the login role itself reads nothing");
    let owner = sqlx::query("SET ROLE postgres").execute(&mut conn).await;
    assert!(owner.is_err(), "nor becomes the owner");
}

#[tokio::test]
async fn members_mail_members_only_by_default_and_within_an_hourly_limit() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let admin = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    sqlx::query("UPDATE tenants SET plan_code = 'enterprise'")
        .execute(&owner)
        .await
        .expect("a plan with no member limit");
    // Invitations count against the member's hour: the default allows 50.
    for i in 0..50 {
        let sent = app
            .call(
                Some(&admin),
                "invite",
                &[
                    ("email", &format!("person{i}@alpha.example")),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert!(sent.ok(), "invitation {i}: {} {}", sent.status, sent.body);
    }
    let queued_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbound_emails WHERE subject LIKE 'Join %'")
            .fetch_one(&owner)
            .await
            .expect("count");
    let over = app
        .call(
            Some(&admin),
            "invite",
            &[("email", "one-more@alpha.example"), ("role", "viewer")],
        )
        .await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.body
    );
    assert!(
        over.body.contains("a member may send 50 an hour"),
        "{}",
        over.body
    );
    let queued_after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbound_emails WHERE subject LIKE 'Join %'")
            .fetch_one(&owner)
            .await
            .expect("count");
    assert_eq!(queued_after, queued_before, "nothing queued past the limit");
}

#[tokio::test]
async fn storage_is_counted_and_a_write_past_the_quota_is_refused_whole() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let admin = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let sample = app
        .call(
            Some(&admin),
            "create-simulation",
            &[("name", "Demo"), ("source", "sample"), ("data", "")],
        )
        .await;
    assert!(sample.ok(), "{}", sample.body);
    let quotas: prudentia::model::account::Quotas =
        serde_json::from_str(&app.call(Some(&admin), "quotas", &[]).await.body).expect("quotas");
    assert!(
        quotas.storage_mb.used >= 1,
        "the demo bank's version is counted: {quotas:?}"
    );
    let lowered = app
        .call(
            Some(&admin),
            "set-quotas",
            &[
                ("members", ""),
                ("simulations", ""),
                ("storage_mb", "1"),
                ("api_calls_per_day", ""),
            ],
        )
        .await;
    assert!(lowered.ok(), "{}", lowered.body);
    let big = app
        .call(
            Some(&admin),
            "create-simulation",
            &[
                ("name", "Big"),
                ("source", "synthetic"),
                ("data", ""),
                // Packed, a line takes about 40 bytes: well past 1 MB.
                ("lines", "60000"),
            ],
        )
        .await;
    assert_eq!(big.status, StatusCode::CONFLICT, "{}", big.body);
    assert!(big.body.contains("storage"), "{}", big.body);
    let simulations: i64 = sqlx::query_scalar("SELECT count(*) FROM simulations")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(simulations, 1, "nothing of the refused simulation is left");
}

/// A transaction PostgreSQL rolled back — a real deadlock, a write meeting
/// a read-only standby — did nothing: the client is told to retry (503 with
/// Retry-After), not that the server broke (500).
#[tokio::test]
async fn a_deadlock_or_a_read_only_standby_asks_for_a_retry() {
    use prudentia::model::error::AppError;
    let (_, owner, _) = crate::support::fresh_database().await;
    sqlx::raw_sql("CREATE TABLE pair (n integer PRIMARY KEY); INSERT INTO pair VALUES (1), (2)")
        .execute(&owner)
        .await
        .expect("a table");
    let mut first = owner.begin().await.expect("a transaction");
    let mut second = owner.begin().await.expect("a transaction");
    let lock = |n: i32| format!("SELECT n FROM pair WHERE n = {n} FOR UPDATE");
    sqlx::query(&lock(1)).execute(&mut *first).await.expect("1");
    sqlx::query(&lock(2))
        .execute(&mut *second)
        .await
        .expect("2");
    let (lock_2, lock_1) = (lock(2), lock(1));
    let (a, b) = tokio::join!(
        sqlx::query(&lock_2).execute(&mut *first),
        sqlx::query(&lock_1).execute(&mut *second),
    );
    let deadlock = a
        .err()
        .or(b.err())
        .expect("one of them is chosen as the victim");
    assert!(
        matches!(
            AppError::from(deadlock),
            AppError::Busy {
                retry_after_secs: 1
            }
        ),
        "a deadlock is a retry"
    );
    drop((first, second));

    let mut read_only = owner.begin().await.expect("a transaction");
    sqlx::query("SET TRANSACTION READ ONLY")
        .execute(&mut *read_only)
        .await
        .expect("read only");
    let refused = sqlx::query("INSERT INTO pair VALUES (3)")
        .execute(&mut *read_only)
        .await
        .expect_err("a read-only transaction refuses writes");
    assert!(matches!(
        AppError::from(refused),
        AppError::Busy {
            retry_after_secs: 1
        }
    ));
}
