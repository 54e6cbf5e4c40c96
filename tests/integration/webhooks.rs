//! Webhooks end to end: endpoints through the API, events written with
//! the change, the real delivery worker sending them to a receiver on
//! loopback that verifies every signature and answers as scripted (500
//! then 200, 503 with Retry-After, 410), the delivery log, replays, test
//! events, key rotation, turning off, and another tenant kept out.

use crate::api::{api, create, professional, signup, token};
use crate::support::{TestApp, fresh_database, join};
use axum::http::{HeaderMap, StatusCode};
use prudentia::server::webhooks::delivery::Deliverer;
use prudentia::server::webhooks::signer::Secret;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// An HTTP receiver on loopback: answers each path's scripted statuses in
/// turn (then 200), with `Retry-After: 120` on a 503.
struct Receiver {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    async fn start(script: &[(&str, &[u16])]) -> Receiver {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Arc<Mutex<HashMap<String, VecDeque<u16>>>> = Arc::new(Mutex::new(
            script
                .iter()
                .map(|(path, codes)| ((*path).to_owned(), codes.iter().copied().collect()))
                .collect(),
        ));
        let (log, plan) = (seen.clone(), script.clone());
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
                let (log, plan) = (log.clone(), plan.clone());
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    log.lock().expect("log").push(Seen {
                        path: uri.path().to_owned(),
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
                        signature: header("webhook-signature"),
                        body,
                    });
                    let code = plan
                        .lock()
                        .expect("script")
                        .get_mut(uri.path())
                        .and_then(VecDeque::pop_front)
                        .unwrap_or(200);
                    let status = StatusCode::from_u16(code).expect("a status");
                    let mut response = axum::response::Response::new(axum::body::Body::from(
                        format!("receiver says {code}"),
                    ));
                    *response.status_mut() = status;
                    if code == 503 {
                        response
                            .headers_mut()
                            .insert("retry-after", "120".parse().expect("a header"));
                    }
                    response
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { addr, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

/// Brings every pending delivery's next attempt to now: the schedule's
/// waits, without waiting.
async fn due_now(owner: &PgPool) {
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(owner)
        .await
        .expect("due now");
}

fn verified(secret: &str, seen: &Seen) -> bool {
    Secret::parse(secret).expect("a key").verifies(
        &seen.id,
        seen.timestamp,
        &seen.body,
        &seen.signature,
    )
}

/// An organisation on a plan with the API, its admin's session and token.
struct Bank {
    pool: PgPool,
    owner: PgPool,
    app: TestApp,
    admin: String,
    write: String,
}

async fn bank(name: &str, email: &str) -> Bank {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let admin = signup(&app, name, email).await;
    professional(&owner).await;
    let write = token(&app, &admin, "read_write").await;
    Bank {
        pool,
        owner,
        app,
        admin,
        write,
    }
}

/// An endpoint's delivery log.
async fn deliveries(app: &TestApp, token: &str, id: &str) -> crate::api::Reply {
    api(
        app,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        Some(token),
        None,
    )
    .await
}

/// The endpoint is off, for a reason that says `why`.
async fn turned_off(app: &TestApp, token: &str, id: &str, why: &str) {
    let now = api(
        app,
        "GET",
        &format!("/api/v1/webhooks/{id}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(now.body["enabled"], false, "{}", now.text);
    let reason = now.body["disabled_reason"].as_str().unwrap_or_default();
    assert!(reason.contains(why), "{reason}");
}

async fn endpoint(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let reply = api(
        app,
        "POST",
        "/api/v1/webhooks",
        Some(token),
        Some(json!({ "url": url, "description": "workflow tool", "events": events })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body
}

#[tokio::test]
async fn signed_events_are_retried_logged_replayed_and_a_gone_endpoint_is_turned_off() {
    let Bank {
        pool,
        owner,
        app,
        admin,
        write,
    } = bank("Hook Bank", "admin@hook.example").await;
    let rx = Receiver::start(&[("/flaky", &[500]), ("/gone", &[410])]).await;
    let worker = Deliverer::new(true);

    // Bad input is named, field by field.
    let reply = api(
        &app,
        "POST",
        "/api/v1/webhooks",
        Some(&write),
        Some(json!({ "url": "ftp://example.com/x", "events": [] })),
    )
    .await;
    reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(reply.fields(), ["events"], "{}", reply.text);
    let reply = api(
        &app,
        "POST",
        "/api/v1/webhooks",
        Some(&write),
        Some(json!({ "url": "ftp://example.com/x", "events": ["version.approved"] })),
    )
    .await;
    assert_eq!(reply.fields(), ["url"], "{}", reply.text);

    let flaky = endpoint(&app, &write, &rx.url("/flaky"), &["simulation.created"]).await;
    let secret = flaky["secret"].as_str().expect("a key").to_owned();
    assert!(secret.starts_with("whsec_"));
    let hook = flaky["endpoint_id"].as_str().expect("an id").to_owned();

    // The event is written with the simulation; the first attempt gets 500.
    let simulation = create(&app, &write, "Hooked").await;
    assert_eq!(worker.deliver_due(&pool).await.expect("delivers"), 1);
    assert_eq!(worker.deliver_due(&pool).await.expect("nothing due"), 0);
    let first = rx.seen()[0].clone();
    assert!(verified(&secret, &first), "{first:?}");
    let body: Value = serde_json::from_str(&first.body).expect("JSON");
    assert_eq!(body["type"], "simulation.created");
    assert_eq!(body["data"]["simulation_id"], simulation.as_str());
    assert!(
        !first.body.contains("exposures") && !first.body.contains("L-0000"),
        "never a bank's lines: {}",
        first.body
    );

    // Five seconds on, the retry gets 200 with the same webhook-id.
    due_now(&owner).await;
    assert_eq!(worker.deliver_due(&pool).await.expect("delivers"), 1);
    let second = rx.seen()[1].clone();
    assert_eq!(second.id, first.id);
    assert!(verified(&secret, &second));
    let log = deliveries(&app, &write, &hook).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let delivery = &log.body[0];
    assert_eq!(delivery["status"], "succeeded");
    let codes: Vec<i64> = delivery["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["status_code"].as_i64().expect("a code"))
        .collect();
    assert_eq!(codes, [500, 200]);
    assert_eq!(
        delivery["attempts"][0]["response_excerpt"],
        "receiver says 500"
    );
    assert!(delivery["attempts"][1]["latency_ms"].as_i64() >= Some(0));

    // Replay and the test event go out again, signed.
    let id = delivery["delivery_id"].as_str().expect("an id");
    let reply = api(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/deliveries/{id}/replay"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let reply = api(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/test"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(worker.deliver_due(&pool).await.expect("delivers"), 2);
    let seen = rx.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen[2..].iter().all(|s| verified(&secret, s)));
    assert!(
        seen[2..].iter().any(|s| s.id == first.id),
        "the replay keeps its webhook-id"
    );
    assert!(seen.iter().any(|s| s.body.contains("\"webhook.test\"")));

    // A rotated key: both signatures for a day, each key verifies.
    let rotated = api(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/rotate-secret"),
        Some(&write),
        None,
    )
    .await;
    let new_secret = rotated.body["secret"].as_str().expect("a key").to_owned();
    assert_ne!(new_secret, secret);
    create(&app, &write, "After the rotation").await;
    worker.deliver_due(&pool).await.expect("delivers");
    let last = rx.seen().last().cloned().expect("a request");
    assert_eq!(last.signature.split(' ').count(), 2, "{}", last.signature);
    assert!(verified(&secret, &last) && verified(&new_secret, &last));

    // 410 Gone turns the endpoint off and tells the admins.
    let gone = endpoint(&app, &write, &rx.url("/gone"), &["simulation.deleted"]).await;
    let gone_id = gone["endpoint_id"].as_str().expect("an id");
    let reply = api(
        &app,
        "DELETE",
        &format!("/api/v1/simulations/{simulation}"),
        Some(&write),
        None,
    )
    .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    worker.deliver_due(&pool).await.expect("delivers");
    turned_off(&app, &write, gone_id, "410").await;
    let told: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE kind = 'integrations'")
            .fetch_one(&owner)
            .await
            .expect("count");
    assert_eq!(told, 1);
    let reply = api(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{gone_id}/test"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(reply.fields(), ["enabled"], "{}", reply.text);

    // Another organisation sees none of it; an analyst of this one neither.
    let other = signup(&app, "Other Bank", "admin@other.example").await;
    professional(&owner).await;
    let theirs = token(&app, &other, "read_write").await;
    let list = api(&app, "GET", "/api/v1/webhooks", Some(&theirs), None).await;
    assert_eq!(list.body, json!([]));
    for (method, path) in [
        ("GET", format!("/api/v1/webhooks/{hook}")),
        ("GET", format!("/api/v1/webhooks/{hook}/deliveries")),
        ("POST", format!("/api/v1/webhooks/{hook}/test")),
        (
            "POST",
            format!("/api/v1/webhooks/{hook}/deliveries/{id}/replay"),
        ),
        ("DELETE", format!("/api/v1/webhooks/{hook}")),
    ] {
        let reply = api(&app, method, &path, Some(&theirs), None).await;
        reply.problem(StatusCode::NOT_FOUND, "not-found");
    }
    let analyst = join(&app, &admin, "ana@hook.example", "Ana", "analyst").await;
    let analyst_token = token(&app, &analyst, "read_write").await;
    let reply = api(&app, "GET", "/api/v1/webhooks", Some(&analyst_token), None).await;
    reply.problem(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_day_of_failures_turns_an_endpoint_off() {
    let Bank {
        pool,
        owner,
        app,
        write,
        ..
    } = bank("Patient Bank", "admin@patient.example").await;
    let rx = Receiver::start(&[("/busy", &[503, 500])]).await;
    let worker = Deliverer::new(true);
    let busy = endpoint(&app, &write, &rx.url("/busy"), &["simulation.created"]).await;
    let hook = busy["endpoint_id"].as_str().expect("an id").to_owned();

    create(&app, &write, "Busy").await;
    worker.deliver_due(&pool).await.expect("delivers");
    // 503 with Retry-After: 120 waits 120 s, not the schedule's 5 s.
    let wait: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 FROM webhook_deliveries",
    )
    .fetch_one(&owner)
    .await
    .expect("the next attempt");
    assert!((100.0..=121.0).contains(&wait), "{wait}");

    // Failing since yesterday: the next failure turns it off.
    sqlx::query("UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours'")
        .execute(&owner)
        .await
        .expect("a day of failures");
    due_now(&owner).await;
    worker.deliver_due(&pool).await.expect("delivers");
    turned_off(&app, &write, &hook, "a day").await;
    let log = deliveries(&app, &write, &hook).await;
    assert_eq!(log.body[0]["status"], "failed", "{}", log.text);

    // Turned on again by an admin, it starts afresh.
    let reply = api(
        &app,
        "PUT",
        &format!("/api/v1/webhooks/{hook}"),
        Some(&write),
        Some(json!({ "url": rx.url("/busy"), "events": ["simulation.created"], "enabled": true })),
    )
    .await;
    assert_eq!(reply.body["enabled"], true, "{}", reply.text);
    assert_eq!(reply.body["failing_since"], Value::Null);
    create(&app, &write, "Busy again").await;
    worker.deliver_due(&pool).await.expect("delivers");
    assert_eq!(rx.seen().last().map(|s| s.path.as_str()), Some("/busy"));

    // A month on, finished events go with their log.
    sqlx::query("UPDATE webhook_messages SET created_at = now() - interval '31 days'")
        .execute(&owner)
        .await
        .expect("aged");
    let mut conn = pool.acquire().await.expect("a connection");
    let gone = prudentia::server::db::webhooks::expire(&mut conn)
        .await
        .expect("expires");
    assert_eq!(gone, 2);
    let log = deliveries(&app, &write, &hook).await;
    assert_eq!(log.body, json!([]));
}

#[tokio::test]
async fn a_quota_near_its_limit_is_told_once_per_crossing() {
    let Bank {
        owner, app, write, ..
    } = bank("Quota Bank", "admin@quota.example").await;
    let rx = Receiver::start(&[]).await;
    endpoint(&app, &write, &rx.url("/quota"), &["quota.near_limit"]).await;
    sqlx::query("UPDATE tenants SET max_simulations = 5")
        .execute(&owner)
        .await
        .expect("a limit");
    let told = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT body FROM webhook_messages WHERE event_type = 'quota.near_limit'",
        )
        .fetch_all(&owner)
        .await
        .expect("messages")
    };
    for n in 1..=3 {
        create(&app, &write, &format!("Plan {n}")).await;
    }
    assert!(told().await.is_empty(), "3 of 5 is not near");
    create(&app, &write, "Plan 4").await;
    let bodies = told().await;
    assert_eq!(bodies.len(), 1, "4 of 5 is");
    let event: Value = serde_json::from_str(&bodies[0]).expect("json");
    assert_eq!(
        event["data"],
        json!({ "quota": "simulations", "used": 4, "limit": 5 })
    );
    create(&app, &write, "Plan 5").await;
    assert_eq!(told().await.len(), 1, "told once while it stays near");
}
