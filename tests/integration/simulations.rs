//! Simulations and scenarios through the real router: storage of versions
//! and lines, the server's recomputation of a saved scenario, roles, and a
//! second tenant trying to reach the first one's simulations.

use crate::support::{TestApp, create_demo, fresh_pools, join, sign_up};
use axum::http::StatusCode;
use prudentia::engine::scenario::Scenario;
use prudentia::engine::{ComputeOptions, compute, resolve_profile};
use prudentia::model::simulation::{SimulationSummary, SimulationView};
use prudentia::samples::demo_bank;

const EDITS: &str = r#"[{"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": -2.5e8},
    {"op": "scale_exposures", "filter": {"class": "corporate"}, "factor": 1.2}]"#;

#[tokio::test]
async fn a_simulation_keeps_every_line_and_a_saved_scenario_has_the_engines_figures() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    let opened = app.call(Some(&alice), "simulation", &[("id", &id)]).await;
    let view: SimulationView = serde_json::from_str(&opened.body).expect("view");
    let demo = demo_bank();
    let (status, bytes) = app
        .bytes(&alice, &format!("/api/simulations/{id}/lines"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let lines = prudentia::model::simulation::decode_lines(&bytes).expect("lines");
    assert_eq!(
        lines, demo.exposures,
        "what comes back is what went in, line for line"
    );
    // Kept once: packed, with no row per line, and counted so in storage.
    let (rows, stored, counted): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM exposure_lines l WHERE l.simulation_id = v.simulation_id),
                (pg_column_size(v.header) + octet_length(v.lines_packed))::int8, v.stored_bytes
           FROM simulation_versions v WHERE v.simulation_id::text = $1",
    )
    .bind(&id)
    .fetch_one(&owner)
    .await
    .expect("version");
    assert_eq!(rows, 0, "no row per line");
    assert_eq!(
        counted, stored,
        "storage counts the header and the packed lines"
    );
    // Strings arrive as they were sent, whatever they hold.
    let tricky = r#"{"exposures": [{"id": "A\\B\t\"C\"\n", "class": "corporate", "drawn": 5,
        "counterparty_id": "Société \\ Générale\r"}]}"#;
    let created = app
        .call(
            Some(&alice),
            "create-simulation",
            &[("name", "Tricky"), ("source", "json"), ("data", tricky)],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let tricky_id: String = serde_json::from_str(&created.body).expect("id");
    let tricky_lines = app.lines(&alice, &tricky_id, "").await;
    assert_eq!(tricky_lines[0].id, "A\\B\t\"C\"\n");
    assert_eq!(
        tricky_lines[0].counterparty_id.as_deref(),
        Some("Société \\ Générale\r")
    );
    assert_eq!(view.header.exposures.len(), 0, "the page carries no line");
    assert_eq!(view.header.capital, demo.capital);
    let profile = resolve_profile(&demo, None).expect("profile");
    assert_eq!(
        view.baseline,
        compute(&demo, &profile, &ComputeOptions::default())
    );
    // Browsers get the stored gzip as it is; the same bytes once inflated.
    let (status, headers, gzipped) = app
        .get_encoded(
            &alice,
            &format!("/api/simulations/{id}/lines?version=1"),
            Some("gzip, deflate, br"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gzipped.as_slice()),
        &mut inflated,
    )
    .expect("gzip");
    assert_eq!(inflated, bytes);
    // Lines by columns are compact already; gzip still more than halves them.
    assert!(
        gzipped.len() * 2 < bytes.len(),
        "{} vs {}",
        gzipped.len(),
        bytes.len()
    );
    let json = serde_json::to_vec(&demo.exposures).expect("json");
    assert!(
        bytes.len() < json.len(),
        "binary {} vs JSON {} bytes",
        bytes.len(),
        json.len()
    );
    assert_eq!(
        view.summary.line_count as usize,
        demo_bank().exposures.len()
    );
    assert!(view.can_edit);

    let saved = app
        .call(
            Some(&alice),
            "save-scenario",
            &[
                ("id", &id),
                ("name", "Dividend and growth"),
                ("edits", EDITS),
            ],
        )
        .await;
    assert!(saved.ok(), "{}", saved.body);
    let cet1: Option<f64> = serde_json::from_str(&saved.body).expect("cet1");

    let data = demo_bank();
    let profile = resolve_profile(&data, None).expect("profile");
    let scenario = Scenario::from_json_str(&format!("{{\"edits\": {EDITS}}}")).expect("scenario");
    let (changed, changed_profile) = scenario.apply(&data, &profile).expect("applies");
    let expected = compute(&changed, &changed_profile, &ComputeOptions::default());
    assert_eq!(cet1, expected.ratios.cet1);
    let stored: serde_json::Value = sqlx::query_scalar("SELECT results FROM scenarios")
        .fetch_one(&owner)
        .await
        .expect("stored results");
    assert_eq!(stored, serde_json::to_value(&expected).expect("json"));

    let again = app.call(Some(&alice), "simulation", &[("id", &id)]).await;
    let view: SimulationView = serde_json::from_str(&again.body).expect("view");
    assert_eq!(view.scenarios.len(), 1);
    assert_eq!(view.scenarios[0].name, "Dividend and growth");

    let bad = app
        .call(
            Some(&alice),
            "save-scenario",
            &[
                ("id", &id),
                ("name", "Broken"),
                ("edits", r#"[{"op": "scale_exposures", "factor": -1}]"#),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM scenarios")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(count, 1, "a refused scenario is not stored");
}

#[tokio::test]
async fn a_bad_data_set_is_refused_with_its_problems_and_stores_nothing() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let data = r#"{"name": "x", "exposures": [
        {"id": "A", "class": "corporate", "drawn": -5},
        {"id": "A", "class": "corporate", "drawn": 5}]}"#;
    let reply = app
        .call(
            Some(&alice),
            "create-simulation",
            &[("name", "Bad"), ("source", "json"), ("data", data)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("duplicate exposure id"),
        "{}",
        reply.body
    );
    let typo = app
        .call(
            Some(&alice),
            "create-simulation",
            &[
                ("name", "Bad"),
                ("source", "json"),
                (
                    "data",
                    r#"{"exposures": [{"id": "A", "class": "corporat", "drawn": 5}]}"#,
                ),
            ],
        )
        .await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(typo.body.contains("exposures[0]"), "{}", typo.body);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM simulations")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn viewers_read_but_do_not_change_and_deleted_ones_come_back_by_an_admin() {
    let app = TestApp::spawn().await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    let sent = app
        .call(
            Some(&alice),
            "invite",
            &[("email", "vic@alpha.example"), ("role", "viewer")],
        )
        .await;
    let link: prudentia::model::account::InvitationSent =
        serde_json::from_str(&sent.body).expect("sent");
    let token = link.link.rsplit('/').next().expect("token");
    let vic = app
        .call(
            None,
            "accept-invitation",
            &[
                ("token", token),
                ("name", "Vic"),
                ("password", crate::support::JOIN_PASSWORD),
            ],
        )
        .await
        .cookie
        .expect("cookie");
    let view: SimulationView = serde_json::from_str(
        &app.call(Some(&vic), "simulation", &[("id", &id)])
            .await
            .body,
    )
    .expect("view");
    assert!(!view.can_edit);
    for (endpoint, args) in [
        (
            "save-scenario",
            vec![("id", id.as_str()), ("name", "Mine"), ("edits", "[]")],
        ),
        (
            "create-simulation",
            vec![("name", "Mine"), ("source", "sample"), ("data", "")],
        ),
        (
            "rename-simulation",
            vec![("id", id.as_str()), ("name", "Mine")],
        ),
        ("delete-simulation", vec![("id", id.as_str())]),
        ("restore-simulation", vec![("id", id.as_str())]),
        (
            "save-version",
            vec![("id", id.as_str()), ("edits", "[]"), ("note", "")],
        ),
        (
            "share-simulation",
            vec![("id", id.as_str()), ("sharing", "private")],
        ),
    ] {
        let reply = app.call(Some(&vic), endpoint, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "viewer {endpoint}: {}",
            reply.body
        );
    }
    assert!(
        app.call(Some(&alice), "delete-simulation", &[("id", &id)])
            .await
            .ok()
    );
    let live: Vec<SimulationSummary> = serde_json::from_str(
        &app.call(Some(&alice), "simulations", &[("deleted", "false")])
            .await
            .body,
    )
    .expect("list");
    assert!(live.is_empty());
    assert_eq!(
        app.call(Some(&alice), "simulation", &[("id", &id)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.call(Some(&alice), "restore-simulation", &[("id", &id)])
            .await
            .ok()
    );
    let live: Vec<SimulationSummary> = serde_json::from_str(
        &app.call(Some(&alice), "simulations", &[("deleted", "false")])
            .await
            .body,
    )
    .expect("list");
    assert_eq!(live.len(), 1, "restored with its data");
}

#[tokio::test]
async fn a_second_tenant_cannot_open_change_or_list_the_first_ones_simulations() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    assert!(
        app.call(
            Some(&alice),
            "save-scenario",
            &[("id", &id), ("name", "Alpha secret"), ("edits", "[]")]
        )
        .await
        .ok()
    );
    let mallory = sign_up(&app, "Banque Beta", "mallory@beta.example").await;
    for (endpoint, args) in [
        ("simulation", vec![("id", id.as_str())]),
        (
            "save-scenario",
            vec![
                ("id", id.as_str()),
                ("name", "Alpha secret"),
                ("edits", "[]"),
            ],
        ),
        (
            "rename-simulation",
            vec![("id", id.as_str()), ("name", "Owned")],
        ),
        ("delete-simulation", vec![("id", id.as_str())]),
        ("simulation", vec![("id", id.as_str()), ("version", "1")]),
        (
            "save-version",
            vec![("id", id.as_str()), ("edits", "[]"), ("note", "mine")],
        ),
        (
            "share-simulation",
            vec![("id", id.as_str()), ("sharing", "tenant")],
        ),
        (
            "simulation-lines",
            vec![
                ("id", id.as_str()),
                ("version", "1"),
                ("class", ""),
                ("search", ""),
                ("sort", "rwa"),
                ("page", "0"),
            ],
        ),
    ] {
        let reply = app.call(Some(&mallory), endpoint, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{endpoint}: {}",
            reply.body
        );
    }
    let restore = app
        .call(Some(&mallory), "restore-simulation", &[("id", id.as_str())])
        .await;
    assert_eq!(restore.status, StatusCode::NOT_FOUND);
    for url in [
        format!("/api/simulations/{id}/lines"),
        format!("/api/simulations/{id}/lines?version=1"),
    ] {
        let (status, _) = app.bytes(&mallory, &url).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "the lines are as private as the rest"
        );
    }
    let (status, _) = app
        .bytes(
            "prudentia_session=forged",
            &format!("/api/simulations/{id}/lines"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let list = app
        .call(Some(&mallory), "simulations", &[("deleted", "false")])
        .await;
    assert_eq!(list.body, "[]");
    let page = app.page(&mallory, &format!("/app/simulations/{id}")).await;
    assert!(!page.body.contains("Q4 plan") && !page.body.contains("Alpha secret"));
    let (name, scenarios): (String, i64) =
        sqlx::query_as("SELECT s.name, (SELECT count(*) FROM scenarios) FROM simulations s")
            .fetch_one(&owner)
            .await
            .expect("alpha's simulation");
    assert_eq!((name.as_str(), scenarios), ("Q4 plan", 1), "unchanged");
    let (versions, shared): (i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM simulation_versions), shared_with_tenant FROM simulations",
    )
    .fetch_one(&owner)
    .await
    .expect("alpha's versions");
    assert_eq!(
        (versions, shared),
        (1, true),
        "no version added, sharing unchanged"
    );
    for table in ["simulations", "simulation_versions", "scenarios"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&app.pool)
            .await
            .expect("count");
        assert_eq!(n, 0, "{table} without the tenant setting");
    }
}

#[tokio::test]
async fn the_lines_behind_a_class_are_filtered_sorted_and_paged_on_the_server() {
    use prudentia::model::simulation::LinePage;
    let app = TestApp::spawn().await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    let page = |class: &'static str, sort: &'static str, n: &'static str| {
        let (app, alice, id) = (&app, &alice, &id);
        async move {
            let reply = app
                .call(
                    Some(alice),
                    "simulation-lines",
                    &[
                        ("id", id),
                        ("class", class),
                        ("search", ""),
                        ("sort", sort),
                        ("page", n),
                    ],
                )
                .await;
            assert!(reply.ok(), "{}", reply.body);
            serde_json::from_str::<LinePage>(&reply.body).expect("page")
        }
    };
    let data = demo_bank();
    let expected = data
        .exposures
        .iter()
        .filter(|e| e.class.key() == "corporate" && !e.defaulted)
        .count();
    let first = page("corporate", "rwa", "0").await;
    assert_eq!(first.total, expected);
    assert_eq!(first.lines.len(), 50.min(expected));
    assert!(first.lines.iter().all(|l| l.class == "corporate"));
    assert!(
        first.lines.windows(2).all(|w| w[0].rwa >= w[1].rwa),
        "largest RWA first"
    );
    assert!(
        first
            .lines
            .iter()
            .all(|l| l.rule.as_deref().is_some_and(|r| r.contains('§'))),
        "each line says its rule"
    );
    let second = page("corporate", "rwa", "1").await;
    assert!(
        second.lines.first().expect("a second page").rwa
            <= first.lines.last().expect("first page").rwa
    );
    let defaulted = page("defaulted", "id", "0").await;
    assert_eq!(
        defaulted.total,
        data.exposures.iter().filter(|e| e.defaulted).count()
    );
    assert!(defaulted.lines.windows(2).all(|w| w[0].id < w[1].id));

    let bad = app
        .call(
            Some(&alice),
            "simulation-lines",
            &[
                ("id", &id),
                ("class", ""),
                ("search", ""),
                ("sort", "colour"),
                ("page", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mallory = sign_up(&app, "Banque Beta", "mallory@beta.example").await;
    let foreign = app
        .call(
            Some(&mallory),
            "simulation-lines",
            &[
                ("id", &id),
                ("class", ""),
                ("search", ""),
                ("sort", "rwa"),
                ("page", "0"),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_clone_copies_the_lines_not_the_scenarios_and_stays_in_its_tenant() {
    let app = TestApp::spawn().await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    assert!(
        app.call(
            Some(&alice),
            "save-scenario",
            &[("id", &id), ("name", "Kept apart"), ("edits", "[]")]
        )
        .await
        .ok()
    );
    let cloned = app
        .call(
            Some(&alice),
            "clone-simulation",
            &[("id", &id), ("name", "Q4 plan (copy)")],
        )
        .await;
    assert!(cloned.ok(), "{}", cloned.body);
    let copy: String = serde_json::from_str(&cloned.body).expect("id");
    assert_ne!(copy, id);
    let view: SimulationView = serde_json::from_str(
        &app.call(Some(&alice), "simulation", &[("id", &copy)])
            .await
            .body,
    )
    .expect("view");
    assert_eq!(view.summary.name, "Q4 plan (copy)");
    assert!(
        view.scenarios.is_empty(),
        "scenarios stay with their simulation"
    );
    assert_eq!(app.lines(&alice, &copy, "").await, demo_bank().exposures);

    assert!(
        app.call(
            Some(&alice),
            "rename-simulation",
            &[("id", &copy), ("name", "  Stress copy ")]
        )
        .await
        .ok()
    );
    let list: Vec<SimulationSummary> = serde_json::from_str(
        &app.call(Some(&alice), "simulations", &[("deleted", "false")])
            .await
            .body,
    )
    .expect("list");
    assert!(list.iter().any(|s| s.name == "Stress copy"));
    let blank = app
        .call(
            Some(&alice),
            "rename-simulation",
            &[("id", &copy), ("name", "  ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mallory = sign_up(&app, "Banque Beta", "mallory@beta.example").await;
    let stolen = app
        .call(
            Some(&mallory),
            "clone-simulation",
            &[("id", &id), ("name", "Mine now")],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.call(Some(&mallory), "simulations", &[("deleted", "false")])
            .await
            .body,
        "[]"
    );
}

fn view(body: &str) -> SimulationView {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn a_new_version_stores_the_scenario_applied_and_old_versions_never_change() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    let edits = r#"[{"op": "add_capital", "tier": "cet1", "label": "Issuance", "amount": 3.0e8},
        {"op": "set_line", "id": "L-0000010", "field": "drawn", "value": 5.0e7},
        {"op": "set_parameter", "key": "rw.corporate.cqs3", "value": 1.0}]"#;
    let saved = app
        .call(
            Some(&alice),
            "save-version",
            &[
                ("id", &id),
                ("edits", edits),
                ("note", "  After the Q4 issuance "),
            ],
        )
        .await;
    assert!(saved.ok(), "{}", saved.body);
    assert_eq!(saved.body, "2");

    let data = demo_bank();
    let profile = resolve_profile(&data, None).expect("profile");
    let scenario = Scenario::from_json_str(&format!("{{\"edits\": {edits}}}")).expect("scenario");
    let (changed, changed_profile) = scenario.apply(&data, &profile).expect("applies");
    let expected = compute(&changed, &changed_profile, &ComputeOptions::default());

    let latest = view(
        &app.call(Some(&alice), "simulation", &[("id", &id)])
            .await
            .body,
    );
    assert_eq!(latest.version_no, 2);
    assert_eq!(latest.summary.latest_version, 2);
    assert_eq!(
        latest.baseline, expected,
        "the new version's baseline is the scenario"
    );
    assert!(latest.can_edit);
    assert_eq!(
        latest.header.overrides.get("rw.corporate.cqs3"),
        Some(&1.0),
        "the changed parameter travels with the version"
    );
    let trend: Vec<_> = latest
        .versions
        .iter()
        .map(|v| (v.version_no, v.ratios.cet1))
        .collect();
    let base = compute(&data, &profile, &ComputeOptions::default());
    assert_eq!(
        trend,
        vec![(1, base.ratios.cet1), (2, expected.ratios.cet1)]
    );
    assert_eq!(latest.versions[1].note, "After the Q4 issuance");

    assert_eq!(
        app.lines(&alice, &id, "?version=2").await,
        changed.exposures
    );
    assert_eq!(
        app.lines(&alice, &id, "?version=1").await,
        data.exposures,
        "version 1 is as it was"
    );
    let first = view(
        &app.call(Some(&alice), "simulation", &[("id", &id), ("version", "1")])
            .await
            .body,
    );
    assert_eq!(first.baseline, base);
    assert!(!first.can_edit, "an old version is read, not edited");
    let missing = app
        .call(Some(&alice), "simulation", &[("id", &id), ("version", "3")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let bad = app
        .call(
            Some(&alice),
            "save-version",
            &[
                ("id", &id),
                (
                    "edits",
                    r#"[{"op": "set_line", "id": "nope", "field": "drawn", "value": 1}]"#,
                ),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("nope"), "{}", bad.body);
    let long = "x".repeat(501);
    let bad = app
        .call(
            Some(&alice),
            "save-version",
            &[("id", &id), ("edits", "[]"), ("note", &long)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM simulation_versions")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(count, 2, "refused versions store nothing");

    // Versions are immutable for the application's role, whatever the code.
    let mut conn = app.pool.acquire().await.expect("connection");
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT tenant_id FROM simulations")
        .fetch_one(&owner)
        .await
        .expect("tenant");
    sqlx::query("SELECT set_config('app.tenant_id', $1, false)")
        .bind(tenant.to_string())
        .execute(&mut *conn)
        .await
        .expect("scope");
    let changed_line = sqlx::query("UPDATE exposure_lines SET line = '{}' WHERE version_no = 1")
        .execute(&mut *conn)
        .await;
    assert!(changed_line.is_err(), "lines cannot be updated");
    for change in ["line_count = 0", "lines_packed = '\\x00'"] {
        let changed = sqlx::query(&format!(
            "UPDATE simulation_versions SET {change} WHERE version_no = 1"
        ))
        .execute(&mut *conn)
        .await;
        assert!(
            changed
                .expect_err("a version cannot be updated")
                .to_string()
                .contains("immutable"),
            "{change}"
        );
    }
    sqlx::query("SELECT set_config('app.tenant_id', '', false)")
        .execute(&mut *conn)
        .await
        .expect("unscope");
}

/// Versions stored before lines were packed keep them as rows: each row
/// belongs to a stored version and goes with it, and the first read moves
/// the lines into their packed form.
#[tokio::test]
async fn a_version_stored_as_rows_is_read_and_moves_to_its_packed_form() {
    let (pool, owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let id = create_demo(&app, &alice).await;
    let demo = demo_bank();
    let lines = serde_json::to_value(&demo.exposures).expect("json");
    for version in [2, 3] {
        sqlx::query(
            "INSERT INTO simulation_versions (tenant_id, simulation_id, version_no, reporting_date,
                                              header, line_count, created_by, results, note)
             SELECT tenant_id, simulation_id, $2, reporting_date, header, line_count, created_by,
                    results, 'stored as rows'
               FROM simulation_versions WHERE simulation_id::text = $1 AND version_no = 1",
        )
        .bind(&id)
        .bind(version)
        .execute(&owner)
        .await
        .expect("an old version");
        sqlx::query(
            "INSERT INTO exposure_lines (tenant_id, simulation_id, version_no, line_no, line)
             SELECT tenant_id, simulation_id, $2, n - 1, line
               FROM simulations, jsonb_array_elements($3) WITH ORDINALITY AS t (line, n)
              WHERE simulation_id::text = $1",
        )
        .bind(&id)
        .bind(version)
        .bind(&lines)
        .execute(&owner)
        .await
        .expect("its rows");
    }
    let rows_of = |version: i32| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM exposure_lines WHERE simulation_id::text = $1 AND version_no = $2",
        )
        .bind(&id)
        .bind(version)
        .fetch_one(&owner)
    };
    let stored = rows_of(2).await.expect("count");
    assert_eq!(stored, demo.exposures.len() as i64);

    // Checked once per statement, not per row: a statement adding lines to
    // version 2 and to a version 4 that does not exist is refused as a whole.
    let orphans = sqlx::query(
        "INSERT INTO exposure_lines (tenant_id, simulation_id, version_no, line_no, line)
         SELECT tenant_id, simulation_id, v, line_no + 100000, line FROM exposure_lines,
                (VALUES (2), (4)) AS t (v)
          WHERE simulation_id::text = $1 AND version_no = 2",
    )
    .bind(&id)
    .execute(&owner)
    .await
    .expect_err("version 4 does not exist");
    let code = orphans.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("23503"), "{orphans}");
    assert_eq!(rows_of(2).await.expect("count"), stored, "nothing added");

    sqlx::query(
        "DELETE FROM simulation_versions WHERE simulation_id::text = $1 AND version_no = 3",
    )
    .bind(&id)
    .execute(&owner)
    .await
    .expect("a version deleted by the owner");
    assert_eq!(rows_of(3).await.expect("count"), 0, "its rows went with it");

    let (status, bytes) = app
        .bytes(&alice, &format!("/api/simulations/{id}/lines?version=2"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let read = prudentia::model::simulation::decode_lines(&bytes).expect("lines");
    assert_eq!(read, demo.exposures, "the rows read in their order");
    assert_eq!(rows_of(2).await.expect("count"), 0, "the rows moved");
    let (packed, counted): (i64, i64) = sqlx::query_as(
        "SELECT (pg_column_size(header) + octet_length(lines_packed))::int8, stored_bytes
           FROM simulation_versions WHERE simulation_id::text = $1 AND version_no = 2",
    )
    .bind(&id)
    .fetch_one(&owner)
    .await
    .expect("packed");
    assert_eq!(counted, packed, "storage counts the packed form");
    let (status, again) = app
        .bytes(&alice, &format!("/api/simulations/{id}/lines?version=2"))
        .await;
    assert_eq!(
        (status, again),
        (StatusCode::OK, bytes),
        "read from the packed form"
    );
}

#[tokio::test]
async fn sharing_decides_who_reads_a_simulation_and_only_its_author_or_an_admin_changes_it() {
    let app = TestApp::spawn().await;
    let admin = sign_up(&app, "Banque Alpha", "admin@alpha.example").await;
    let ana = join(&app, &admin, "ana@alpha.example", "Ana", "analyst").await;
    let bob = join(&app, &admin, "bob@alpha.example", "Bob", "analyst").await;
    let id = create_demo(&app, &ana).await;
    let opens = |cookie: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.call(Some(&cookie), "simulation", &[("id", &id)])
                .await
                .status
        }
    };
    assert_eq!(
        opens(bob.clone()).await,
        StatusCode::OK,
        "shared with the tenant by default"
    );
    let by_bob = app
        .call(
            Some(&bob),
            "share-simulation",
            &[("id", &id), ("sharing", "private")],
        )
        .await;
    assert_eq!(by_bob.status, StatusCode::FORBIDDEN, "not his to share");

    let private = app
        .call(
            Some(&ana),
            "share-simulation",
            &[("id", &id), ("sharing", "private")],
        )
        .await;
    assert!(private.ok(), "{}", private.body);
    assert_eq!(opens(bob.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(
        opens(admin.clone()).await,
        StatusCode::OK,
        "admins see everything"
    );
    let (status, _) = app
        .bytes(&bob, &format!("/api/simulations/{id}/lines"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed = app
        .call(Some(&bob), "simulations", &[("deleted", "false")])
        .await;
    assert_eq!(listed.body, "[]");

    let team = app
        .call(Some(&admin), "create-team", &[("name", "Treasury")])
        .await;
    assert!(team.ok(), "{}", team.body);
    let teams: Vec<prudentia::model::account::Team> =
        serde_json::from_str(&app.call(Some(&admin), "teams", &[]).await.body).expect("teams");
    let team_id = teams[0].team_id.to_string();
    let sharing = format!("team:{team_id}");
    let shared = app
        .call(
            Some(&ana),
            "share-simulation",
            &[("id", &id), ("sharing", &sharing)],
        )
        .await;
    assert!(shared.ok(), "{}", shared.body);
    assert_eq!(
        opens(bob.clone()).await,
        StatusCode::NOT_FOUND,
        "not in the team yet"
    );
    let me: Option<prudentia::model::account::Me> =
        serde_json::from_str(&app.call(Some(&bob), "me", &[]).await.body).expect("me");
    let me = me.expect("signed in");
    let added = app
        .call(
            Some(&admin),
            "team-member",
            &[
                ("team_id", &team_id),
                ("user_id", &me.user_id.to_string()),
                ("member", "true"),
            ],
        )
        .await;
    assert!(added.ok(), "{}", added.body);
    assert_eq!(
        opens(bob.clone()).await,
        StatusCode::OK,
        "a team member reads it"
    );
    let opened = view(
        &app.call(Some(&ana), "simulation", &[("id", &id)])
            .await
            .body,
    );
    assert!(opened.can_share);
    assert_eq!(opened.sharing.form_value(), sharing);

    for bad in [
        "everyone",
        "team:not-a-uuid",
        &format!("team:{}", uuid::Uuid::nil()),
    ] {
        let reply = app
            .call(
                Some(&ana),
                "share-simulation",
                &[("id", &id), ("sharing", bad)],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn a_version_with_high_severity_anomalies_tells_its_readers_but_not_its_author() {
    let (pool, _owner) = fresh_pools().await;
    let app = TestApp::with_pool(pool).await;
    let alice = sign_up(&app, "Banque Alpha", "alice@alpha.example").await;
    let ana = join(&app, &alice, "ana@alpha.example", "Ana", "analyst").await;
    let id = create_demo(&app, &alice).await;
    let inbox = |who: String| {
        let app = &app;
        async move {
            let reply = app.call(Some(&who), "notifications", &[]).await;
            serde_json::from_str::<prudentia::model::workflow::Inbox>(&reply.body).expect("inbox")
        }
    };
    // A quiet change: no high-severity anomaly, no notification.
    let quiet = r#"[{"op": "set_requirement", "key": "p2r", "value": 0.03}]"#;
    let saved = app
        .call(
            Some(&alice),
            "save-version",
            &[("id", &id), ("edits", quiet), ("note", "")],
        )
        .await;
    assert_eq!(saved.body, "2", "{}", saved.status);
    assert_eq!(inbox(ana.clone()).await.unread, 0);

    let planted =
        r#"[{"op": "scale_exposures", "filter": {"ids": ["L-0000012"]}, "factor": 1000}]"#;
    let saved = app
        .call(
            Some(&alice),
            "save-version",
            &[("id", &id), ("edits", planted), ("note", "")],
        )
        .await;
    assert_eq!(saved.body, "3", "{}", saved.status);
    let told = inbox(ana).await;
    assert_eq!(told.unread, 1);
    let note = &told.latest[0];
    assert_eq!(
        note.kind,
        prudentia::model::workflow::NotificationKind::Anomalies
    );
    assert!(note.message.contains("Version 3"), "{}", note.message);
    assert!(note.link.ends_with("?version=3"), "{}", note.link);
    assert_eq!(
        inbox(alice).await.unread,
        0,
        "the author knows what they saved"
    );
}
