//! Accounts and tenants through the real router and a real PostgreSQL:
//! sign-up, log-in, throttling, invitations, roles, and the attack matrix of
//! a second tenant trying to reach the first one's data.

use crate::support::{Reply, TestApp, fresh_pools};
use axum::http::StatusCode;
use prudentia::model::account::{InvitationSent, Me, Member, PendingInvitation, Role, Team};
use prudentia::model::error::AppError;
use sqlx::PgPool;

const PASSWORD: &str = "tide pools at dawn";

async fn sign_up(app: &TestApp, organisation: &str, name: &str, email: &str) -> String {
    crate::support::sign_up_and_log_in(app, organisation, name, email, PASSWORD).await
}

async fn me(app: &TestApp, cookie: &str) -> Me {
    let reply = app.call(Some(cookie), "me", &[]).await;
    let me: Option<Me> = serde_json::from_str(&reply.body).expect("me JSON");
    me.expect("signed in")
}

fn error(reply: &Reply) -> AppError {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("an AppError, got {} {}", reply.status, reply.body))
}

async fn invite(app: &TestApp, cookie: &str, email: &str, role: &str) -> InvitationSent {
    let reply = app
        .call(Some(cookie), "invite", &[("email", email), ("role", role)])
        .await;
    assert!(reply.ok(), "{} {}", reply.status, reply.body);
    serde_json::from_str(&reply.body).expect("invitation JSON")
}

fn token(sent: &InvitationSent) -> String {
    sent.link.rsplit('/').next().expect("token").to_owned()
}

async fn accept(app: &TestApp, sent: &InvitationSent, name: &str) -> String {
    let reply = app
        .call(
            None,
            "accept-invitation",
            &[
                ("token", &token(sent)),
                ("name", name),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(reply.ok(), "{} {}", reply.status, reply.body);
    reply.cookie.expect("a session cookie after accepting")
}

/// Tenant A: an admin, a viewer (by invitation), an analyst, a team and a
/// pending invitation. Tenant B: one admin, the attacker.
struct World {
    app: TestApp,
    owner: PgPool,
    alice: String,
    bob: String,
    carol: String,
    mallory: String,
    a: Me,
    a_members: Vec<Member>,
    a_team: Team,
    a_invitation: PendingInvitation,
}

async fn world() -> World {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "Alice Martin", "alice@alpha.example").await;
    let bob = accept(
        &app,
        &invite(&app, &alice, "bob@alpha.example", "viewer").await,
        "Bob Viewer",
    )
    .await;
    let carol = accept(
        &app,
        &invite(&app, &alice, "carol@alpha.example", "analyst").await,
        "Carol Analyst",
    )
    .await;
    invite(&app, &alice, "pending@alpha.example", "analyst").await;
    assert!(
        app.call(Some(&alice), "create-team", &[("name", "ALM desk")])
            .await
            .ok()
    );
    let teams: Vec<Team> =
        serde_json::from_str(&app.call(Some(&alice), "teams", &[]).await.body).expect("teams");
    let invitations: Vec<PendingInvitation> =
        serde_json::from_str(&app.call(Some(&alice), "invitations", &[]).await.body)
            .expect("invitations");
    let mallory = sign_up(&app, "Banque Beta", "Mallory", "mallory@beta.example").await;
    let a = me(&app, &alice).await;
    let team = teams.first().expect("a team").team_id.to_string();
    let joined = app
        .call(
            Some(&alice),
            "team-member",
            &[
                ("team_id", &team),
                ("user_id", &a.user_id.to_string()),
                ("member", "true"),
            ],
        )
        .await;
    assert!(joined.ok(), "{}", joined.body);
    let a_members: Vec<Member> =
        serde_json::from_str(&app.call(Some(&alice), "members", &[]).await.body).expect("members");
    let teams: Vec<Team> =
        serde_json::from_str(&app.call(Some(&alice), "teams", &[]).await.body).expect("teams");
    World {
        app,
        owner,
        alice,
        bob,
        carol,
        mallory,
        a,
        a_members,
        a_team: teams.into_iter().next().expect("a team"),
        a_invitation: invitations
            .into_iter()
            .next()
            .expect("a pending invitation"),
    }
}

#[tokio::test]
async fn sign_up_creates_an_organisation_whose_first_user_is_admin() {
    let app = TestApp::spawn().await;
    let cookie = sign_up(&app, "Banque Alpha", "Alice Martin", "Alice@Alpha.example").await;
    let me = me(&app, &cookie).await;
    assert_eq!(me.email, "alice@alpha.example");
    assert_eq!(me.tenant.tenant_name, "Banque Alpha");
    assert_eq!(me.tenant.role, Role::Admin);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.pool)
        .await
        .expect("hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn sign_up_refuses_weak_passwords_and_says_nothing_of_taken_addresses() {
    let app = TestApp::spawn().await;
    let common = app
        .call(
            None,
            "signup",
            &[
                ("organisation", "Banque Alpha"),
                ("name", "Alice"),
                ("email", "a@alpha.example"),
                ("password", "Password1234"),
            ],
        )
        .await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error(&common)
            .field_errors()
            .and_then(|f| f.for_field("password"))
            .is_some()
    );
    let short = app
        .call(
            None,
            "signup",
            &[
                ("organisation", "Banque Alpha"),
                ("name", "Alice"),
                ("email", "a@alpha.example"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(tenants, 0, "a refused sign-up writes nothing");

    sign_up(&app, "Banque Alpha", "Alice", "a@alpha.example").await;
    let again = app
        .call(
            None,
            "signup",
            &[
                ("organisation", "Banque Gamma"),
                ("name", "Alice"),
                ("email", "A@alpha.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    // The same answer as for a new address, so sign-up tells nobody which
    // addresses have an account; the owner is told by mail instead.
    assert!(again.ok(), "{} {}", again.status, again.body);
    assert!(again.cookie.is_none(), "sign-up logs nobody in");
    let tenants: Vec<String> = sqlx::query_scalar(
        "SELECT tenant_name FROM app_user_memberships((SELECT user_id FROM users))",
    )
    .fetch_all(&app.pool)
    .await
    .expect("memberships");
    assert_eq!(
        tenants,
        ["Banque Alpha"],
        "no organisation for a taken address"
    );
}

#[tokio::test]
async fn log_in_rotates_the_session_and_log_out_ends_it() {
    let app = TestApp::spawn().await;
    let first = sign_up(&app, "Banque Alpha", "Alice", "alice@alpha.example").await;
    let login = app
        .call(
            Some(&first),
            "login",
            &[("email", "alice@alpha.example"), ("password", PASSWORD)],
        )
        .await;
    assert!(login.ok(), "{}", login.body);
    let second = login.cookie.expect("new cookie");
    assert_ne!(first, second, "the session id changes at log-in");
    assert_eq!(
        app.call(Some(&first), "me", &[]).await.body,
        "null",
        "the old id is dead"
    );
    assert!(app.call(Some(&second), "logout", &[]).await.ok());
    assert_eq!(app.call(Some(&second), "me", &[]).await.body, "null");
    let wrong = app
        .call(
            None,
            "login",
            &[
                ("email", "alice@alpha.example"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .call(
            None,
            "login",
            &[
                ("email", "nobody@alpha.example"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(
        unknown.body, wrong.body,
        "an unknown account looks like a wrong password"
    );
}

#[tokio::test]
async fn five_failures_throttle_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    sign_up(&app, "Banque Alpha", "Alice", "alice@alpha.example").await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.call(
                None,
                "login",
                &[("email", "alice@alpha.example"), ("password", password)],
            )
            .await
        }
    };
    for _ in 0..4 {
        assert_eq!(
            attempt("wrong password!").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let fifth = attempt("wrong password!").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        matches!(error(&fifth), AppError::LoginThrottled { retry_after_secs } if retry_after_secs >= 29)
    );
    let right = attempt(PASSWORD).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "blocked means blocked"
    );
    assert!(right.cookie.is_none());
}

#[tokio::test]
async fn invitations_work_once_and_not_after_expiry_or_revocation() {
    let w = world().await;
    let app = &w.app;
    // The platform moves Alpha to a plan with room for 20 (a tenant cannot
    // raise its own quota past its plan).
    sqlx::query("UPDATE tenants SET plan_code = 'professional' WHERE name = 'Banque Alpha'")
        .execute(&w.owner)
        .await
        .expect("plan change");
    let raised = app
        .call(
            Some(&w.alice),
            "set-quotas",
            &[
                ("members", "20"),
                ("simulations", ""),
                ("storage_mb", ""),
                ("api_calls_per_day", ""),
            ],
        )
        .await;
    assert!(raised.ok(), "{}", raised.body);
    let outbound: Vec<(String, String)> = sqlx::query_as(
        "SELECT recipient::text, body_text FROM outbound_emails
          WHERE subject LIKE 'Join %' ORDER BY created_at",
    )
    .fetch_all(&w.owner)
    .await
    .expect("outbound");
    assert_eq!(outbound.len(), 3);
    assert!(outbound[0].1.contains("/invitations/"), "{}", outbound[0].1);

    let sent = invite(app, &w.alice, "dave@alpha.example", "viewer").await;
    let view = app
        .call(None, "invitation", &[("token", &token(&sent))])
        .await;
    assert!(view.body.contains("Banque Alpha"), "{}", view.body);
    accept(app, &sent, "Dave").await;
    let reused = app
        .call(
            None,
            "accept-invitation",
            &[
                ("token", &token(&sent)),
                ("name", "Eve"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let late = invite(app, &w.alice, "late@alpha.example", "viewer").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'late@alpha.example'")
        .execute(&w.owner)
        .await
        .expect("expire");
    let expired = app
        .call(
            None,
            "accept-invitation",
            &[
                ("token", &token(&late)),
                ("name", "Late"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(
        error(&expired).to_string().contains("expired") || expired.body.contains("expired"),
        "{}",
        expired.body
    );

    let revoked = invite(app, &w.alice, "gone@alpha.example", "viewer").await;
    let pending: Vec<PendingInvitation> =
        serde_json::from_str(&app.call(Some(&w.alice), "invitations", &[]).await.body)
            .expect("pending");
    let id = pending
        .iter()
        .find(|p| p.email == "gone@alpha.example")
        .expect("pending")
        .invitation_id;
    assert!(
        app.call(
            Some(&w.alice),
            "revoke-invitation",
            &[("invitation_id", &id.to_string())]
        )
        .await
        .ok()
    );
    let refused = app
        .call(
            None,
            "accept-invitation",
            &[
                ("token", &token(&revoked)),
                ("name", "Gone"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(refused.body.contains("withdrawn"), "{}", refused.body);
    let users: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE email IN ('late@alpha.example', 'gone@alpha.example')",
    )
    .fetch_one(&w.owner)
    .await
    .expect("count");
    assert_eq!(users, 0, "a refused acceptance creates no account");
}

#[tokio::test]
async fn one_user_in_two_tenants_switches_only_between_their_own() {
    let w = world().await;
    let app = &w.app;
    // Mallory's admin invites Bob: Bob accepts with his existing password.
    let sent = invite(app, &w.mallory, "bob@alpha.example", "analyst").await;
    let view = app
        .call(None, "invitation", &[("token", &token(&sent))])
        .await;
    assert!(
        view.body.contains("\"existing_account\":true"),
        "{}",
        view.body
    );
    let bob = accept(app, &sent, "").await;
    let me_b = me(app, &bob).await;
    assert_eq!(me_b.tenant.tenant_name, "Banque Beta");
    assert_eq!(me_b.tenants.len(), 2);
    let switched = app
        .call(
            Some(&bob),
            "switch-tenant",
            &[("tenant_id", &w.a.tenant.tenant_id.to_string())],
        )
        .await;
    let bob = switched.cookie.clone().unwrap_or(bob);
    assert!(switched.ok(), "{}", switched.body);
    let me_a = me(app, &bob).await;
    assert_eq!(me_a.tenant.tenant_id, w.a.tenant.tenant_id);
    assert_eq!(me_a.tenant.role, Role::Viewer, "roles are per tenant");
    let _ = &w.bob;
}

#[tokio::test]
async fn a_second_tenant_cannot_reach_the_first_ones_data() {
    let w = world().await;
    let app = &w.app;
    let m = Some(w.mallory.as_str());
    let a_tenant = w.a.tenant.tenant_id.to_string();
    let a_user = |email: &str| {
        w.a_members
            .iter()
            .find(|x| x.email == email)
            .expect("member")
            .user_id
            .to_string()
    };
    let (alice_id, bob_id) = (a_user("alice@alpha.example"), a_user("bob@alpha.example"));
    let team = w.a_team.team_id.to_string();
    let invitation = w.a_invitation.invitation_id.to_string();
    let mallory_id = me(app, &w.mallory).await.user_id.to_string();

    let attacks: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("member-role", vec![("user_id", &bob_id), ("role", "admin")]),
        (
            "member-role",
            vec![("user_id", &alice_id), ("role", "viewer")],
        ),
        ("remove-member", vec![("user_id", &bob_id)]),
        ("remove-member", vec![("user_id", &alice_id)]),
        ("revoke-invitation", vec![("invitation_id", &invitation)]),
        ("delete-team", vec![("team_id", &team)]),
        (
            "team-member",
            vec![
                ("team_id", &team),
                ("user_id", &mallory_id),
                ("member", "true"),
            ],
        ),
        (
            "team-member",
            vec![("team_id", &team), ("user_id", &bob_id), ("member", "true")],
        ),
        ("switch-tenant", vec![("tenant_id", &a_tenant)]),
    ];
    for (endpoint, args) in &attacks {
        let reply = app.call(m, endpoint, args).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{endpoint} {args:?}: {}",
            reply.body
        );
    }
    // Nothing changed in A.
    let after: Vec<Member> =
        serde_json::from_str(&app.call(Some(&w.alice), "members", &[]).await.body)
            .expect("members");
    assert_eq!(after, w.a_members);
    let teams: Vec<Team> =
        serde_json::from_str(&app.call(Some(&w.alice), "teams", &[]).await.body).expect("teams");
    assert_eq!(teams, vec![w.a_team.clone()]);
    let pending: Vec<PendingInvitation> =
        serde_json::from_str(&app.call(Some(&w.alice), "invitations", &[]).await.body)
            .expect("invitations");
    assert!(pending.contains(&w.a_invitation));
    assert_eq!(me(app, &w.mallory).await.tenant.tenant_name, "Banque Beta");

    // Nothing of A in anything B reads, through functions or pages.
    let secrets = [
        "alpha.example",
        "Banque Alpha",
        "Alice Martin",
        "ALM desk",
        &a_tenant,
        &alice_id,
        &bob_id,
        &team,
        &invitation,
    ];
    let mut seen = Vec::new();
    for endpoint in ["me", "members", "teams", "invitations", "quotas"] {
        seen.push((endpoint.to_owned(), app.call(m, endpoint, &[]).await.body));
    }
    for path in [
        "/app",
        "/app/members",
        "/app/teams",
        "/app/organisation",
        "/app/account",
    ] {
        let page = app.page(&w.mallory, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains("Banque Beta"),
            "{path} shows B's own workspace"
        );
        seen.push((path.to_owned(), page.body));
    }
    for (place, body) in &seen {
        for secret in secrets {
            assert!(!body.contains(secret), "{place} leaks {secret}");
        }
    }
}

#[tokio::test]
async fn without_the_tenant_setting_the_application_role_sees_no_tenant_row() {
    let w = world().await;
    for table in [
        "tenants",
        "memberships",
        "invitations",
        "teams",
        "team_members",
        "outbound_emails",
    ] {
        let sql = format!("SELECT count(*) FROM {table}");
        let as_app: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&w.app.pool)
            .await
            .expect("count");
        let as_owner: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&w.owner)
            .await
            .expect("count");
        assert_eq!(as_app, 0, "{table} without app.tenant_id");
        assert!(as_owner > 0, "{table} has rows");
    }
    // Scoped to B, A's rows neither show nor change.
    let b = me(&w.app, &w.mallory).await.tenant.tenant_id;
    let mut tx = prudentia::server::db::scope::begin(&w.app.pool, b)
        .await
        .expect("scope");
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships")
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(visible, 1);
    let changed = sqlx::query("UPDATE memberships SET role = 'viewer'")
        .execute(&mut *tx)
        .await
        .expect("update");
    assert_eq!(changed.rows_affected(), 1, "only B's own row");
    let foreign = sqlx::query(
        "INSERT INTO teams (tenant_id, team_id, name) VALUES ($1, gen_random_uuid(), 'x')",
    )
    .bind(w.a.tenant.tenant_id.0)
    .execute(&mut *tx)
    .await;
    assert!(
        foreign.is_err(),
        "a row for another tenant is refused by the policy"
    );
    tx.rollback().await.expect("rollback");
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&w.app.pool)
        .await
        .expect("role");
    assert_eq!(role, "prudentia_app");
}

#[tokio::test]
async fn viewers_and_analysts_cannot_administer() {
    let w = world().await;
    let app = &w.app;
    let alice_id = w.a.user_id.to_string();
    let team = w.a_team.team_id.to_string();
    let invitation = w.a_invitation.invitation_id.to_string();
    let admin_calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "invite",
            vec![("email", "x@alpha.example"), ("role", "admin")],
        ),
        ("invitations", vec![]),
        ("revoke-invitation", vec![("invitation_id", &invitation)]),
        (
            "member-role",
            vec![("user_id", &alice_id), ("role", "viewer")],
        ),
        ("remove-member", vec![("user_id", &alice_id)]),
        ("create-team", vec![("name", "Rogue")]),
        ("delete-team", vec![("team_id", &team)]),
        (
            "team-member",
            vec![
                ("team_id", &team),
                ("user_id", &alice_id),
                ("member", "false"),
            ],
        ),
        (
            "set-quotas",
            vec![
                ("members", "1"),
                ("simulations", ""),
                ("storage_mb", ""),
                ("api_calls_per_day", ""),
            ],
        ),
    ];
    for cookie in [&w.bob, &w.carol] {
        let who = me(app, cookie).await.tenant.role;
        for (endpoint, args) in &admin_calls {
            let reply = app.call(Some(cookie), endpoint, args).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{who:?} {endpoint}: {}",
                reply.body
            );
        }
        // Reading is allowed.
        assert!(app.call(Some(cookie), "members", &[]).await.ok());
    }
    let after: Vec<Member> =
        serde_json::from_str(&app.call(Some(&w.alice), "members", &[]).await.body)
            .expect("members");
    assert_eq!(after, w.a_members, "nothing changed");
    assert_eq!(
        app.call(None, "me", &[]).await.body,
        "null",
        "a visitor is nobody"
    );
    let anonymous: [(&str, &[(&str, &str)]); 4] = [
        ("members", &[]),
        ("teams", &[]),
        ("quotas", &[]),
        ("invite", &[("email", "x@alpha.example"), ("role", "admin")]),
    ];
    for (call, args) in anonymous {
        let reply = app.call(None, call, args).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{call}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_last_admin_stays_and_quotas_bind() {
    let w = world().await;
    let app = &w.app;
    let alice_id = w.a.user_id.to_string();
    let demote = app
        .call(
            Some(&w.alice),
            "member-role",
            &[("user_id", &alice_id), ("role", "viewer")],
        )
        .await;
    assert_eq!(
        demote.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        demote.body
    );
    let leave = app
        .call(Some(&w.alice), "remove-member", &[("user_id", &alice_id)])
        .await;
    assert_eq!(leave.status, StatusCode::UNPROCESSABLE_ENTITY);

    // 3 members + 1 open invitation = 4 seats used.
    let set = app
        .call(
            Some(&w.alice),
            "set-quotas",
            &[
                ("members", "4"),
                ("simulations", ""),
                ("storage_mb", ""),
                ("api_calls_per_day", ""),
            ],
        )
        .await;
    assert!(set.ok(), "{}", set.body);
    let over = app
        .call(
            Some(&w.alice),
            "invite",
            &[("email", "fifth@alpha.example"), ("role", "viewer")],
        )
        .await;
    assert_eq!(over.status, StatusCode::CONFLICT);
    assert!(matches!(error(&over), AppError::QuotaExceeded(ref m) if m.contains("4 members")));
    let bad = app
        .call(
            Some(&w.alice),
            "set-quotas",
            &[
                ("members", "-3"),
                ("simulations", "lots"),
                ("storage_mb", ""),
                ("api_calls_per_day", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = error(&bad);
    let fields = fields.field_errors().expect("fields");
    assert!(fields.for_field("members").is_some() && fields.for_field("simulations").is_some());
}

#[tokio::test]
async fn the_demo_organisation_is_created_once_with_one_account_per_role() {
    use prudentia::server::demo;
    let app = TestApp::spawn().await;
    demo::ensure(&app.pool).await.expect("demo");
    demo::ensure(&app.pool)
        .await
        .expect("a second start changes nothing");
    for (email, _, role) in demo::ACCOUNTS {
        let login = app
            .call(
                None,
                "login",
                &[("email", email), ("password", demo::PASSWORD)],
            )
            .await;
        assert!(login.ok(), "{email}: {}", login.body);
        let me = me(&app, &login.cookie.expect("cookie")).await;
        assert_eq!(me.tenant.tenant_name, demo::ORGANISATION);
        assert_eq!(me.tenant.role, role);
        assert_eq!(me.tenants.len(), 1, "one demo organisation, not two");
    }
}
