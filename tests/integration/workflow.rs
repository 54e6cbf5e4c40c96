//! The review of versions through the real router: every transition and
//! four eyes, notifications in the app and by e-mail (with preferences),
//! comments with mentions, what changed, and the audit trail: recorded for
//! every change, append-only for the application, and checked by the real
//! `prudentia audit verify`, which names exactly the event altered.

use crate::support::{JOIN_PASSWORD as PASSWORD, TestApp, fresh_database, join};
use axum::http::StatusCode;
use prudentia::model::simulation::SimulationView;
use prudentia::model::workflow::{AuditPage, Inbox, Review, ReviewStatus, VersionChanges};
use std::process::Command;

struct Bank {
    app: TestApp,
    owner: sqlx::PgPool,
    url: String,
    admin: String,
    ana: String,
    bob: String,
    vic: String,
    simulation: String,
}

/// Alpha with an admin, two analysts and a viewer; Ana owns a simulation.
async fn bank() -> Bank {
    let (pool, owner, url) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = crate::support::sign_up_and_log_in(
        &app,
        "Banque Alpha",
        "Ada Admin",
        "ada@alpha.example",
        PASSWORD,
    )
    .await;
    let ana = join(&app, &admin, "ana@alpha.example", "Ana Analyst", "analyst").await;
    let bob = join(&app, &admin, "bob@alpha.example", "Bob Analyst", "analyst").await;
    let vic = join(&app, &admin, "vic@alpha.example", "Vic Viewer", "viewer").await;
    let created = app
        .call(
            Some(&ana),
            "create-simulation",
            &[("name", "Q4 plan"), ("source", "sample"), ("data", "")],
        )
        .await;
    assert!(created.ok(), "{}", created.body);
    let simulation = serde_json::from_str(&created.body).expect("id");
    Bank {
        app,
        owner,
        url,
        admin,
        ana,
        bob,
        vic,
        simulation,
    }
}

impl Bank {
    async fn review(
        &self,
        who: &str,
        version: i32,
        transition: &str,
        reason: &str,
    ) -> (StatusCode, String) {
        let reply = self
            .app
            .call(
                Some(who),
                "review-version",
                &[
                    ("id", &self.simulation),
                    ("version", &version.to_string()),
                    ("transition", transition),
                    ("reason", reason),
                ],
            )
            .await;
        (reply.status, reply.body)
    }

    async fn inbox(&self, who: &str) -> Inbox {
        serde_json::from_str(&self.app.call(Some(who), "notifications", &[]).await.body)
            .expect("inbox")
    }

    async fn status(&self, who: &str, version: i32) -> ReviewStatus {
        let view: SimulationView = serde_json::from_str(
            &self
                .app
                .call(
                    Some(who),
                    "simulation",
                    &[("id", &self.simulation), ("version", &version.to_string())],
                )
                .await
                .body,
        )
        .expect("view");
        view.review.status
    }

    /// Notification e-mails queued for `recipient` (not their invitation).
    async fn emails_to(&self, recipient: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT subject FROM outbound_emails
              WHERE recipient = $1 AND subject LIKE 'Prudentia:%' ORDER BY created_at",
        )
        .bind(recipient)
        .fetch_all(&self.owner)
        .await
        .expect("emails")
    }
}

#[tokio::test]
async fn a_version_goes_through_review_with_four_eyes_and_is_locked_once_approved() {
    let b = bank().await;
    // A viewer cannot submit; approving a draft is out of turn.
    assert_eq!(
        b.review(&b.vic, 1, "submit", "").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.review(&b.admin, 1, "approve", "").await.0,
        StatusCode::CONFLICT
    );
    let (status, body) = b.review(&b.ana, 1, "submit", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let review: Review = serde_json::from_str(&body).expect("review");
    assert_eq!(review.status, ReviewStatus::Submitted);
    assert!(!review.can_decide, "not hers to decide");
    // Analysts do not approve here; the admin is told, by both channels.
    assert_eq!(
        b.review(&b.bob, 1, "approve", "").await.0,
        StatusCode::FORBIDDEN
    );
    let inbox = b.inbox(&b.admin).await;
    assert_eq!(inbox.unread, 1);
    assert!(
        inbox.latest[0]
            .message
            .contains("Ana Analyst submitted version 1 of “Q4 plan”")
    );
    assert_eq!(b.emails_to("ada@alpha.example").await.len(), 1);
    assert_eq!(
        b.inbox(&b.bob).await.unread,
        0,
        "analysts are no approvers by default"
    );
    // A new version must wait for the decision.
    let refused = b
        .app
        .call(
            Some(&b.ana),
            "save-version",
            &[("id", &b.simulation), ("edits", "[]"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);

    // Rejection needs a reason and returns the version to draft.
    assert_eq!(
        b.review(&b.admin, 1, "reject", " ").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, body) = b.review(&b.admin, 1, "reject", "P2R is last year's").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let review: Review = serde_json::from_str(&body).expect("review");
    assert_eq!(review.status, ReviewStatus::Draft);
    assert_eq!(
        review.rejection_reason.as_deref(),
        Some("P2R is last year's")
    );
    let inbox = b.inbox(&b.ana).await;
    assert!(
        inbox.latest[0].message.contains("sent back") && inbox.latest[0].message.contains("P2R")
    );

    // The tenant lets analysts approve; still never their own submission.
    assert!(
        b.app
            .call(
                Some(&b.admin),
                "set-approver-role",
                &[("approver_role", "analyst")]
            )
            .await
            .ok()
    );
    assert_eq!(b.review(&b.ana, 1, "submit", "").await.0, StatusCode::OK);
    assert_eq!(
        b.review(&b.ana, 1, "approve", "").await.0,
        StatusCode::FORBIDDEN,
        "four eyes"
    );
    let (status, body) = b.review(&b.bob, 1, "approve", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(b.status(&b.vic, 1).await, ReviewStatus::Approved);
    assert!(
        b.inbox(&b.ana).await.latest[0]
            .message
            .contains("Bob Analyst approved version 1")
    );

    // Approved is final, for the application and below it.
    for t in ["submit", "approve", "reject"] {
        assert_eq!(
            b.review(&b.admin, 1, t, "again").await.0,
            StatusCode::CONFLICT,
            "{t}"
        );
    }
    let mut conn = b.app.pool.acquire().await.expect("connection");
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT tenant_id FROM simulations")
        .fetch_one(&b.owner)
        .await
        .expect("tenant");
    sqlx::query("SELECT set_config('app.tenant_id', $1, false)")
        .bind(tenant.to_string())
        .execute(&mut *conn)
        .await
        .expect("scope");
    let reopened = sqlx::query("UPDATE version_reviews SET status = 'draft'")
        .execute(&mut *conn)
        .await;
    assert!(reopened.expect_err("locked").to_string().contains("locked"));
    sqlx::query("SELECT set_config('app.tenant_id', '', false)")
        .execute(&mut *conn)
        .await
        .expect("unscope");
    drop(conn);

    // A new draft starts from the approved version.
    let saved = b
        .app
        .call(
            Some(&b.ana),
            "save-version",
            &[
                ("id", &b.simulation),
                (
                    "edits",
                    r#"[{"op": "add_capital", "tier": "cet1", "label": "Issuance", "amount": 1e8},
                        {"op": "set_line", "id": "L-0000010", "field": "drawn", "value": 5e7},
                        {"op": "set_requirement", "key": "p2r", "value": 0.03}]"#,
                ),
                ("note", "Issuance"),
            ],
        )
        .await;
    assert_eq!(saved.body, "2");
    assert_eq!(b.status(&b.ana, 2).await, ReviewStatus::Draft);
    assert_eq!(b.status(&b.ana, 1).await, ReviewStatus::Approved);
    let changes: Option<VersionChanges> = serde_json::from_str(
        &b.app
            .call(
                Some(&b.vic),
                "version-changes",
                &[("id", &b.simulation), ("version", "2")],
            )
            .await
            .body,
    )
    .expect("changes");
    let changes = changes.expect("version 2 has a predecessor");
    assert_eq!(changes.from_version, 1);
    assert_eq!(changes.lines_modified.count, 1);
    assert_eq!(changes.lines_modified.ids, vec!["L-0000010".to_owned()]);
    assert_eq!(
        (changes.lines_added.count, changes.lines_removed.count),
        (0, 0)
    );
    assert!(
        changes
            .capital
            .iter()
            .any(|(label, before, after)| label == "Issuance (cet1)"
                && before.is_none()
                && *after == Some(1e8))
    );
    assert!(
        changes
            .parameters
            .iter()
            .any(|(key, _, after)| key == "requirements.p2r" && after.as_deref() == Some("0.03"))
    );
    assert!(changes.ratios_after.cet1 > changes.ratios_before.cet1);
}

#[tokio::test]
async fn comments_notify_the_author_and_whoever_is_mentioned_as_they_chose() {
    let b = bank().await;
    // Bob wants mentions in the app only.
    assert!(
        b.app
            .call(
                Some(&b.bob),
                "set-notification-preference",
                &[
                    ("kind", "mentioned"),
                    ("in_app", "true"),
                    ("email", "false")
                ],
            )
            .await
            .ok()
    );
    let reply = b
        .app
        .call(
            Some(&b.vic),
            "add-comment",
            &[
                ("id", &b.simulation),
                ("version", "1"),
                (
                    "body",
                    "Corporate RWA looks high, @Bob Analyst can you check?",
                ),
            ],
        )
        .await;
    assert!(reply.ok(), "{}", reply.body);
    let bob = b.inbox(&b.bob).await;
    assert_eq!(bob.unread, 1);
    assert!(
        bob.latest[0]
            .message
            .starts_with("Vic Viewer mentioned you")
    );
    assert!(
        b.emails_to("bob@alpha.example").await.is_empty(),
        "Bob said no e-mail"
    );
    let ana = b.inbox(&b.ana).await;
    assert!(
        ana.latest[0]
            .message
            .starts_with("Vic Viewer commented on version 1")
    );
    assert_eq!(b.emails_to("ana@alpha.example").await.len(), 1);
    let comments: Vec<prudentia::model::workflow::Comment> = serde_json::from_str(
        &b.app
            .call(
                Some(&b.admin),
                "version-comments",
                &[("id", &b.simulation), ("version", "1")],
            )
            .await
            .body,
    )
    .expect("comments");
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].author, "Vic Viewer");
    let empty = b
        .app
        .call(
            Some(&b.vic),
            "add-comment",
            &[("id", &b.simulation), ("version", "1"), ("body", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Read one, then all.
    let id = bob.latest[0].notification_id.to_string();
    assert!(
        b.app
            .call(Some(&b.bob), "mark-read", &[("notification_id", &id)])
            .await
            .ok()
    );
    assert_eq!(b.inbox(&b.bob).await.unread, 0);
    assert!(b.app.call(Some(&b.ana), "mark-read", &[]).await.ok());
    assert_eq!(b.inbox(&b.ana).await.unread, 0);

    // Another tenant can neither comment nor review nor read.
    let mallory = crate::support::sign_up_and_log_in(
        &b.app,
        "Banque Beta",
        "Mallory",
        "mallory@beta.example",
        PASSWORD,
    )
    .await;
    for (endpoint, args) in [
        (
            "add-comment",
            vec![
                ("id", b.simulation.as_str()),
                ("version", "1"),
                ("body", "hi"),
            ],
        ),
        (
            "version-comments",
            vec![("id", b.simulation.as_str()), ("version", "1")],
        ),
        (
            "version-changes",
            vec![("id", b.simulation.as_str()), ("version", "2")],
        ),
        (
            "review-version",
            vec![
                ("id", b.simulation.as_str()),
                ("version", "1"),
                ("transition", "submit"),
                ("reason", ""),
            ],
        ),
    ] {
        let reply = b.app.call(Some(&mallory), endpoint, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{endpoint}: {}",
            reply.body
        );
    }
    assert_eq!(b.inbox(&mallory).await.unread, 0);
    let audit = b
        .app
        .call(
            Some(&mallory),
            "audit",
            &[
                ("actor", ""),
                ("action", ""),
                ("target", ""),
                ("from", ""),
                ("to", ""),
            ],
        )
        .await;
    let page: AuditPage = serde_json::from_str(&audit.body).expect("mallory's own audit page");
    assert!(
        page.events
            .iter()
            .all(|e| !e.actor.contains("alpha.example"))
    );
}

fn verify(url: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_prudentia"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", url)
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
async fn the_audit_trail_records_every_change_cannot_be_rewritten_and_names_a_tampered_event() {
    let b = bank().await;
    assert_eq!(b.review(&b.ana, 1, "submit", "").await.0, StatusCode::OK);
    assert_eq!(b.review(&b.admin, 1, "approve", "").await.0, StatusCode::OK);
    let failed = b
        .app
        .call(
            None,
            "login",
            &[
                ("email", "ana@alpha.example"),
                ("password", "not her password"),
            ],
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let all = [
        ("actor", ""),
        ("action", ""),
        ("target", ""),
        ("from", ""),
        ("to", ""),
    ];
    let page: AuditPage =
        serde_json::from_str(&b.app.call(Some(&b.admin), "audit", &all).await.body).expect("page");
    let actions: Vec<&str> = page
        .events
        .iter()
        .rev()
        .map(|e| e.action.as_str())
        .collect();
    for expected in [
        "organisation.created",
        "member.invited",
        "member.joined",
        "simulation.created",
        "version.submitted",
        "version.approved",
        "session.login_failed",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    assert!(page.chain.broken.is_empty());
    assert_eq!(page.chain.events, page.total);
    let approved = page
        .events
        .iter()
        .find(|e| e.action == "version.approved")
        .expect("approval");
    assert!(approved.actor.contains("ada@alpha.example"));
    assert!(approved.diff.contains("\"submitted\"") && approved.diff.contains("\"approved\""));
    assert!(
        page.activity
            .per_action
            .iter()
            .any(|(a, n)| a == "member.invited" && *n == 3)
    );

    // Filters, the CSV, and who may see them.
    let filtered: AuditPage = serde_json::from_str(
        &b.app
            .call(
                Some(&b.admin),
                "audit",
                &[
                    ("actor", "ana@"),
                    ("action", "version."),
                    ("target", ""),
                    ("from", ""),
                    ("to", ""),
                ],
            )
            .await
            .body,
    )
    .expect("filtered");
    assert_eq!(
        filtered
            .events
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        vec!["version.submitted"]
    );
    let bad = b
        .app
        .call(
            Some(&b.admin),
            "audit",
            &[
                ("actor", ""),
                ("action", ""),
                ("target", ""),
                ("from", "yesterday"),
                ("to", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        b.app.call(Some(&b.ana), "audit", &all).await.status,
        StatusCode::FORBIDDEN
    );
    let (status, csv) = b
        .app
        .bytes(&b.admin, "/api/audit.csv?action=version.")
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.starts_with("seq,occurred_at,actor,action,target,diff,ip,user_agent\r\n"));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let (status, _) = b.app.bytes(&b.bob, "/api/audit.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The application's role can neither rewrite nor remove an event, nor
    // append one except through the chain.
    let mut conn = b.app.pool.acquire().await.expect("connection");
    for sql in [
        "UPDATE audit_events SET actor = 'nobody'",
        "DELETE FROM audit_events",
        "INSERT INTO audit_events SELECT * FROM audit_events LIMIT 1",
    ] {
        let error = sqlx::query(sql).execute(&mut *conn).await.expect_err(sql);
        assert!(
            error.to_string().contains("permission denied"),
            "{sql}: {error}"
        );
    }
    drop(conn);

    let (ok, out) = verify(&b.url);
    assert!(ok, "{out}");
    assert!(out.contains("audit trail intact"), "{out}");
    // The superuser edits one event: exactly that one is reported.
    let seq: i64 = sqlx::query_scalar(
        "UPDATE audit_events SET diff = '{\"status\": \"forged\"}'
          WHERE action = 'version.approved' RETURNING seq",
    )
    .fetch_one(&b.owner)
    .await
    .expect("tamper");
    let (ok, out) = verify(&b.url);
    assert!(!ok, "{out}");
    let reported: Vec<&str> = out.lines().filter(|l| l.contains(" event #")).collect();
    assert_eq!(reported.len(), 1, "{out}");
    assert!(
        reported[0].contains(&format!("event #{seq}: its content does not match")),
        "{out}"
    );
    let page: AuditPage =
        serde_json::from_str(&b.app.call(Some(&b.admin), "audit", &all).await.body).expect("page");
    assert_eq!(page.chain.broken.len(), 1);
    assert_eq!(page.chain.broken[0].seq, seq);
}

#[tokio::test]
async fn the_author_of_a_version_cannot_approve_it_even_when_a_colleague_submitted_it() {
    let b = bank().await;
    assert!(
        b.app
            .call(
                Some(&b.admin),
                "set-approver-role",
                &[("approver_role", "analyst")]
            )
            .await
            .ok()
    );
    // Ana wrote version 1; the admin submits it for her.
    let (status, body) = b.review(&b.admin, 1, "submit", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = b.review(&b.ana, 1, "approve", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "four eyes: {body}");
    // Below the application too.
    let forced = sqlx::query(
        "UPDATE version_reviews r SET status = 'approved', decided_by = v.created_by
           FROM simulation_versions v
          WHERE v.tenant_id = r.tenant_id AND v.simulation_id = r.simulation_id
            AND v.version_no = r.version_no",
    )
    .execute(&b.owner)
    .await;
    assert!(
        forced.is_err(),
        "the database refuses the author's approval"
    );
    let (status, body) = b.review(&b.bob, 1, "approve", "").await;
    assert_eq!(status, StatusCode::OK, "a third person may: {body}");
}
