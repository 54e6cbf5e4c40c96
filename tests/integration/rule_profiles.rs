//! The organisation's rule profiles through the real router: versions that
//! only grow, validation that keeps nothing half-written, the audit trail,
//! a simulation recomputed exactly with a profile version, roles, and a
//! second tenant trying to read, change or use the first one's rules.

use crate::support::{TestApp, create_demo, fresh_pools, join, sign_up};
use axum::http::StatusCode;
use prudentia::engine::{ComputeOptions, compute, resolve_profile};
use prudentia::model::rule_profile::{ParameterChange, RuleProfileSummary, RuleProfileView};
use prudentia::model::simulation::SimulationView;
use prudentia::samples::demo_bank;

async fn create_profile(app: &TestApp, cookie: &str, name: &str, base: &str) -> String {
    let reply = app
        .call(
            Some(cookie),
            "create-rule-profile",
            &[("name", name), ("base", base)],
        )
        .await;
    assert!(reply.ok(), "{} {}", reply.status, reply.body);
    serde_json::from_str(&reply.body).expect("id")
}

const STRICTER: &str = r#"{"rw.corporate.unrated": 1.3, "mgmt_buffer.cet1": 0.02}"#;

#[tokio::test]
async fn a_rule_profile_version_recomputes_a_simulation_exactly_and_is_recorded_on_it() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let simulation = create_demo(&app, &alice).await;
    let profile = create_profile(&app, &alice, "Alpha rules", "crr3").await;
    let duplicate = app
        .call(
            Some(&alice),
            "create-rule-profile",
            &[("name", "Alpha rules"), ("base", "basel31")],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Bad changes are refused whole, each problem named; nothing is kept.
    for (changes, names) in [
        (
            r#"{"rw.corporate.unrated": 1.3, "rw.corporate.cqs9": 1}"#,
            "rw.corporate.cqs9",
        ),
        (r#"{"rw.corporate.unrated": 20}"#, "1250 %"),
        (r#"{"re.loan_splitting": 0.5}"#, "0 (off) or 1 (on)"),
        (r#"{"rw.corporate.unrated": 1.0}"#, "Nothing changed"),
        ("not json", "JSON object"),
    ] {
        let bad = app
            .call(
                Some(&alice),
                "save-rule-profile",
                &[("id", &profile), ("changes", changes), ("note", "")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{changes}");
        assert!(bad.body.contains(names), "{changes}: {}", bad.body);
    }
    let saved = app
        .call(
            Some(&alice),
            "save-rule-profile",
            &[
                ("id", &profile),
                ("changes", STRICTER),
                ("note", "Stricter corporates"),
            ],
        )
        .await;
    assert_eq!(saved.body, "2", "{}", saved.status);

    let opened = app
        .call(
            Some(&alice),
            "rule-profile",
            &[("id", &profile), ("version", "1")],
        )
        .await;
    let first: RuleProfileView = serde_json::from_str(&opened.body).expect("view");
    assert_eq!(first.versions.len(), 2);
    assert_eq!(
        first.parameters,
        prudentia::engine::profile::Profile::named("crr3")
            .expect("crr3")
            .parameters,
        "version 1 is the regulatory profile it derives from"
    );
    let compared = app
        .call(
            Some(&alice),
            "compare-rule-profile",
            &[("id", &profile), ("from", "1"), ("to", "2")],
        )
        .await;
    let changes: Vec<ParameterChange> = serde_json::from_str(&compared.body).expect("diff");
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.key.as_str(), c.from, c.to))
            .collect::<Vec<_>>(),
        [
            ("mgmt_buffer.cet1", 0.0, 0.02),
            ("rw.corporate.unrated", 1.0, 1.3)
        ]
    );

    let applied = app
        .call(
            Some(&alice),
            "apply-rules",
            &[
                ("simulation", &simulation),
                ("profile", &profile),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(applied.body, "2", "{}", applied.status);
    let view: SimulationView = serde_json::from_str(
        &app.call(Some(&alice), "simulation", &[("id", &simulation)])
            .await
            .body,
    )
    .expect("simulation");
    assert_eq!(view.versions[1].rules.as_deref(), Some("Alpha rules v2"));
    assert_eq!(view.versions[0].rules, None);
    let mut expected_data = demo_bank();
    expected_data.profile = Some("crr3".to_owned());
    expected_data.overrides = [
        ("rw.corporate.unrated".to_owned(), 1.3),
        ("mgmt_buffer.cet1".to_owned(), 0.02),
    ]
    .into();
    let expected = compute(
        &expected_data,
        &resolve_profile(&expected_data, None).expect("profile"),
        &ComputeOptions::default(),
    );
    assert_eq!(view.baseline.ratios, expected.ratios);
    assert_eq!(view.baseline.requirements.management_buffers.cet1, 0.02);
    assert_ne!(
        view.baseline.ratios.cet1, view.versions[0].ratios.cet1,
        "the stricter corporate weight moved CET1"
    );

    // A version saved from the levers keeps the rules it was built on.
    let next = app
        .call(
            Some(&alice),
            "save-version",
            &[
                ("id", &simulation),
                (
                    "edits",
                    r#"[{"op": "set_requirement", "key": "p2r", "value": 0.03}]"#,
                ),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(next.body, "3", "{}", next.status);
    let view: SimulationView = serde_json::from_str(
        &app.call(Some(&alice), "simulation", &[("id", &simulation)])
            .await
            .body,
    )
    .expect("simulation");
    assert_eq!(view.versions[2].rules.as_deref(), Some("Alpha rules v2"));

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE 'rule_profile.%' ORDER BY seq",
    )
    .fetch_all(&owner)
    .await
    .expect("audit");
    assert_eq!(
        actions,
        ["rule_profile.created", "rule_profile.version_created"]
    );
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM rule_profile_versions")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(versions, 2, "the refused changes left nothing behind");
}

#[tokio::test]
async fn analysts_apply_rules_that_only_admins_change_and_another_tenant_sees_none_of_them() {
    let (pool, _owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let analyst = join(&app, &alice, "ana@alpha.example", "Ana", "analyst").await;
    let profile = create_profile(&app, &alice, "Alpha rules", "basel31").await;
    let refused = app
        .call(
            Some(&analyst),
            "save-rule-profile",
            &[("id", &profile), ("changes", STRICTER), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = app
        .call(
            Some(&analyst),
            "create-rule-profile",
            &[("name", "Mine"), ("base", "crr3")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let simulation = create_demo(&app, &analyst).await;
    let applied = app
        .call(
            Some(&analyst),
            "apply-rules",
            &[
                ("simulation", &simulation),
                ("profile", &profile),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);

    let bob = sign_up(&app, "Banque Beta", "bob@beta.example").await;
    let listed: Vec<RuleProfileSummary> =
        serde_json::from_str(&app.call(Some(&bob), "rule-profiles", &[]).await.body).expect("list");
    assert!(listed.is_empty());
    let own = create_demo(&app, &bob).await;
    for (endpoint, args) in [
        ("rule-profile", vec![("id", profile.as_str())]),
        (
            "save-rule-profile",
            vec![
                ("id", profile.as_str()),
                ("changes", STRICTER),
                ("note", ""),
            ],
        ),
        (
            "compare-rule-profile",
            vec![("id", profile.as_str()), ("from", "1"), ("to", "1")],
        ),
        (
            "apply-rules",
            vec![
                ("simulation", own.as_str()),
                ("profile", profile.as_str()),
                ("version", "1"),
            ],
        ),
        (
            "apply-rules",
            vec![
                ("simulation", simulation.as_str()),
                ("profile", profile.as_str()),
                ("version", "1"),
            ],
        ),
    ] {
        let reply = app.call(Some(&bob), endpoint, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{endpoint}: {}",
            reply.body
        );
    }
}
