//! Live updates through the real router and PostgreSQL's LISTEN/NOTIFY:
//! two members of an organisation with the same simulation open see each
//! other and each change; a member of another organisation cannot open
//! its stream; a stream reopened with Last-Event-ID replays what it missed.

use crate::support::{
    JOIN_PASSWORD, TestApp, create_demo, fresh_database, join, sign_up_and_log_in,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::time::Duration;
use tower::ServiceExt;

/// One event as the browser's EventSource gets it.
#[derive(Debug)]
struct Event {
    id: String,
    kind: String,
    data: Value,
}

struct Stream {
    body: Body,
    buffer: String,
}

async fn open(
    app: &TestApp,
    cookie: &str,
    simulation: &str,
    last: Option<&str>,
) -> (StatusCode, Stream) {
    let mut request = Request::get(format!("/api/live/simulations/{simulation}"))
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/event-stream");
    if let Some(last) = last {
        request = request.header("last-event-id", last);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("a response");
    let status = response.status();
    (
        status,
        Stream {
            body: response.into_body(),
            buffer: String::new(),
        },
    )
}

impl Stream {
    /// The next event within 10 s, keep-alive comments skipped.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}:")))
                        .map(|v| v.trim().to_owned())
                };
                if let (Some(kind), Some(data)) = (field("event"), field("data")) {
                    return Some(Event {
                        id: field("id").unwrap_or_default(),
                        kind,
                        data: serde_json::from_str(&data).expect("JSON data"),
                    });
                }
                continue;
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), self.body.frame())
                .await
                .ok()??
                .ok()?;
            if let Ok(bytes) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// The next event of `kind`, the others skipped.
    async fn until(&mut self, kind: &str) -> Event {
        loop {
            let event = self
                .next()
                .await
                .unwrap_or_else(|| panic!("no {kind} event came"));
            if event.kind == kind {
                return event;
            }
        }
    }
}

/// Alpha Bank: its admin Alice's session and a simulation of the demo bank.
struct Alpha {
    pool: sqlx::PgPool,
    owner: sqlx::PgPool,
    app: TestApp,
    alice: String,
    simulation: String,
}

/// The tenant and simulation ids behind Alpha's simulation, for the
/// tests that publish directly.
async fn ids(
    owner: &sqlx::PgPool,
    simulation: &str,
) -> (
    prudentia::model::account::TenantId,
    prudentia::model::simulation::SimulationId,
) {
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT tenant_id FROM simulations")
        .fetch_one(owner)
        .await
        .expect("the tenant");
    (
        prudentia::model::account::TenantId(tenant),
        prudentia::model::simulation::SimulationId(simulation.parse().expect("an id")),
    )
}

async fn alpha() -> Alpha {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let alice = sign_up_and_log_in(
        &app,
        "Alpha Bank",
        "Alice",
        "alice@alpha.example",
        JOIN_PASSWORD,
    )
    .await;
    let simulation = create_demo(&app, &alice).await;
    Alpha {
        pool,
        owner,
        app,
        alice,
        simulation,
    }
}

fn names(event: &Event) -> Vec<String> {
    event.data["present"]
        .as_array()
        .expect("present")
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test]
async fn two_members_see_each_other_and_each_change_and_another_organisation_sees_nothing() {
    let Alpha {
        app,
        alice,
        simulation,
        ..
    } = alpha().await;
    let ana = join(&app, &alice, "ana@alpha.example", "Ana", "analyst").await;

    let (status, mut alices) = open(&app, &alice, &simulation, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&alices.until("presence").await), ["Alice"]);
    let (_, mut anas) = open(&app, &ana, &simulation, None).await;
    assert_eq!(names(&anas.until("presence").await), ["Alice", "Ana"]);
    assert_eq!(names(&alices.until("presence").await), ["Alice", "Ana"]);

    // Ana saves a version: Alice hears of it, with Ana's name.
    let saved = app
        .call(
            Some(&ana),
            "save-version",
            &[
                ("id", &simulation),
                (
                    "edits",
                    r#"[{"op": "set_requirement", "key": "p2r", "value": 0.03}]"#,
                ),
                ("note", "Higher P2R"),
            ],
        )
        .await;
    assert!(saved.ok(), "{}", saved.body);
    let version = alices.until("version").await;
    assert_eq!(version.data["by"], "Ana");
    assert_eq!(version.data["version"], 2);
    assert_eq!(version.data["note"], "Higher P2R");
    let seen_by_ana = anas.until("version").await;
    assert_eq!(seen_by_ana.id, version.id);

    // A comment and a scenario reach both too.
    let commented = app
        .call(
            Some(&alice),
            "add-comment",
            &[
                ("id", &simulation),
                ("version", "2"),
                ("body", "Looks right"),
            ],
        )
        .await;
    assert!(commented.ok(), "{}", commented.body);
    let comment = anas.until("comment").await;
    assert_eq!(comment.data["by"], "Alice");
    assert_eq!(comment.data["excerpt"], "Looks right");

    // Another organisation's member cannot open the stream.
    let other =
        sign_up_and_log_in(&app, "Beta Bank", "Bea", "bea@beta.example", JOIN_PASSWORD).await;
    let (status, _) = open(&app, &other, &simulation, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = open(&app, "prudentia_session=nobody", &simulation, None).await;
    assert!(
        status == StatusCode::UNAUTHORIZED || status.is_redirection(),
        "{status}"
    );

    // Ana's browser drops; what happens meanwhile is replayed from her last id.
    let last = seen_by_ana.id.clone();
    drop(anas);
    let left = alices.until("presence").await;
    assert_eq!(names(&left), ["Alice"], "Ana left");
    let scenario = app
        .call(
            Some(&alice),
            "save-scenario",
            &[("id", &simulation), ("name", "Downturn"), ("edits", "[]")],
        )
        .await;
    assert!(scenario.ok(), "{}", scenario.body);
    let (_, mut again) = open(&app, &ana, &simulation, Some(&last)).await;
    let missed = again.until("scenario").await;
    assert_eq!(missed.data["name"], "Downturn");
    assert_eq!(missed.data["by"], "Alice");
    assert!(missed.id.parse::<i64>().expect("an id") > last.parse::<i64>().expect("an id"));
}

#[tokio::test]
async fn events_past_replay_and_stale_presence_expire_in_every_tenant() {
    let Alpha {
        pool,
        owner,
        app,
        alice,
        simulation,
    } = alpha().await;
    let (_, mut stream) = open(&app, &alice, &simulation, None).await;
    stream.until("presence").await;
    sqlx::query("UPDATE live_events SET created_at = now() - interval '2 days'")
        .execute(&owner)
        .await
        .expect("aged");
    sqlx::query("UPDATE live_presence SET seen_at = now() - interval '2 hours'")
        .execute(&owner)
        .await
        .expect("aged");
    let mut conn = pool.acquire().await.expect("a connection");
    let gone = prudentia::server::db::live::expire(&mut conn)
        .await
        .expect("expires");
    assert!(gone >= 1);
    let left: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM live_events), (SELECT count(*) FROM live_presence)",
    )
    .fetch_one(&owner)
    .await
    .expect("counts");
    assert_eq!(left, (0, 0));
}

#[tokio::test]
async fn an_event_that_commits_after_a_later_numbered_one_still_reaches_the_stream() {
    use prudentia::server::db::scope;
    use prudentia::server::live::{Kind, publish};
    let Alpha {
        pool,
        owner,
        app,
        alice,
        simulation,
    } = alpha().await;
    let (tenant, id) = ids(&owner, &simulation).await;
    let (_, mut stream) = open(&app, &alice, &simulation, None).await;
    stream.until("presence").await;

    let mut first = scope::begin(&pool, tenant).await.expect("a transaction");
    publish(
        &mut first,
        tenant,
        id,
        Kind::Comment,
        serde_json::json!({ "by": "First" }),
    )
    .await
    .expect("written");
    let mut second = scope::begin(&pool, tenant).await.expect("a transaction");
    publish(
        &mut second,
        tenant,
        id,
        Kind::Comment,
        serde_json::json!({ "by": "Second" }),
    )
    .await
    .expect("written");
    second.commit().await.expect("committed");
    let later = stream.until("comment").await;
    assert_eq!(later.data["by"], "Second");
    first.commit().await.expect("committed");
    let earlier = stream.until("comment").await;
    assert_eq!(earlier.data["by"], "First");
    assert!(earlier.id.parse::<i64>().expect("an id") < later.id.parse::<i64>().expect("an id"));
}

/// Found by the failover drill: a version's live event waited for a quota
/// check's lock on the tenant while holding the audit chain's lock, which
/// that quota check's transaction wanted next: a deadlock, a 500.
#[tokio::test]
async fn a_quota_check_under_way_does_not_hold_up_a_change_s_live_event() {
    use prudentia::server::db::{scope, tenants};
    use prudentia::server::live::{Kind, publish};
    let Alpha {
        pool,
        owner,
        simulation,
        ..
    } = alpha().await;
    let (tenant, id) = ids(&owner, &simulation).await;

    let mut quota = scope::begin(&pool, tenant).await.expect("a transaction");
    tenants::lock(&mut quota).await.expect("the quota lock");
    let mut change = scope::begin(&pool, tenant).await.expect("a transaction");
    sqlx::query("SET LOCAL lock_timeout = '2s'")
        .execute(&mut *change)
        .await
        .expect("a lock timeout");
    publish(
        &mut change,
        tenant,
        id,
        Kind::Comment,
        serde_json::json!({ "by": "Change" }),
    )
    .await
    .expect("written without waiting for the quota check");
    change.commit().await.expect("committed");
    quota.commit().await.expect("committed");
}
