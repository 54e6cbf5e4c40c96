//! Imports and reports through the real router on a real PostgreSQL: a
//! French CSV mapped, corrected, previewed and committed in one
//! transaction; bad files refused with nothing left behind; the canonical
//! workbook round trip; PDF (read back with pdftotext) and Excel (read
//! back with calamine) reports with their history; and mail delivered to a
//! real SMTP server (aiosmtpd), with a retry after a failure.

use crate::support::{
    JOIN_PASSWORD as PASSWORD, SmtpServer, TestApp, free_port, fresh_database, join,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{DataType, Reader};
use prudentia::engine::dataset::ExposureClass;
use prudentia::intel::anomalies::Kind;
use prudentia::model::import::{ImportPreview, ImportProposal, MatchSource, Section};
use prudentia::model::report::ReportSummary;
use prudentia::model::simulation::SimulationView;
use std::process::Command;

const BOUNDARY: &str = "prudentia-test-boundary";

fn multipart(field: &str, file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads as the import page's form does; the redirect's target.
async fn upload(
    app: &TestApp,
    cookie: &str,
    path: &str,
    field: &str,
    file_name: &str,
    content: &[u8],
) -> (StatusCode, String) {
    let request = Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::COOKIE, cookie)
        .body(Body::from(multipart(field, file_name, content)))
        .expect("request");
    let (response, _) = app.send(request).await;
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (response.status(), location)
}

/// What the importer proposes for upload `id`, as its page reads it.
async fn proposal_of(app: &TestApp, cookie: &str, id: &str) -> ImportProposal {
    let reply = app.call(Some(cookie), "import", &[("id", id)]).await;
    serde_json::from_str(&reply.body).expect("proposal")
}

/// The preview of upload `id` under `mapping` (JSON).
async fn preview_of(app: &TestApp, cookie: &str, id: &str, mapping: &str) -> ImportPreview {
    let reply = app
        .call(
            Some(cookie),
            "preview-import",
            &[("id", id), ("mapping", mapping)],
        )
        .await;
    serde_json::from_str(&reply.body).expect("preview")
}

async fn signup(app: &TestApp, organisation: &str, email: &str) -> String {
    crate::support::sign_up_and_log_in(app, organisation, "Admin", email, PASSWORD).await
}

async fn count(owner: &sqlx::PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(owner)
        .await
        .expect("count")
}

/// A loan tape as a French bank exports it from Excel: Windows-1252,
/// semicolons, decimal commas, a title row above the headers.
fn french_tape() -> Vec<u8> {
    let text = "Portefeuille crédit au 31/12/2025;;;;;\n\
                N° de contrat;Catégorie d'exposition;Encours tiré;Pays de résidence;Notation externe;Montant brut\n\
                C-001;Entreprises;1 000 000,00;FR;BBB;12\n\
                C-002;Clientèle de détail;250 000,50;FR;;7\n\
                C-003;Administrations centrales;5 000 000;DE;AA;3\n";
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

#[tokio::test]
async fn a_french_file_is_mapped_corrected_previewed_and_committed_in_one_transaction() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    let ana = join(&app, &admin, "ana@alpha.example", "Ana Analyst", "analyst").await;
    let vic = join(&app, &admin, "vic@alpha.example", "Vic Viewer", "viewer").await;
    let other = signup(&app, "Banque Beta", "bea@beta.example").await;

    let (status, location) = upload(
        &app,
        &ana,
        "/api/imports",
        "file",
        "encours.csv",
        &french_tape(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id = location
        .strip_prefix("/app/imports/")
        .expect("the mapping page")
        .to_owned();
    let opened = app.call(Some(&ana), "import", &[("id", &id)]).await;
    assert!(opened.ok(), "{}", opened.body);
    let mut proposal: ImportProposal = serde_json::from_str(&opened.body).expect("proposal");
    let sheet = &proposal.mapping.sheets[0];
    assert_eq!(sheet.section, Some(Section::Exposures));
    assert_eq!(sheet.header_row, 2);
    let field = |p: &ImportProposal, header: &str| {
        p.mapping.sheets[0]
            .columns
            .iter()
            .find(|c| c.header == header)
            .and_then(|c| c.field.clone())
    };
    assert_eq!(field(&proposal, "N° de contrat").as_deref(), Some("id"));
    assert_eq!(
        field(&proposal, "Catégorie d'exposition").as_deref(),
        Some("class")
    );
    assert_eq!(field(&proposal, "Encours tiré").as_deref(), Some("drawn"));
    assert_eq!(
        field(&proposal, "Montant brut"),
        None,
        "an unknown header is left out"
    );

    // Another tenant and a viewer cannot reach the upload.
    assert_eq!(
        app.call(Some(&other), "import", &[("id", &id)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(Some(&vic), "import", &[("id", &id)]).await.status,
        StatusCode::FORBIDDEN
    );

    // The analyst maps "Montant brut" to the guaranteed amount, then previews.
    let column = proposal.mapping.sheets[0]
        .columns
        .iter_mut()
        .find(|c| c.header == "Montant brut")
        .expect("column");
    column.field = Some("guaranteed_amount".into());
    column.source = MatchSource::Manual;
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let previewed = app
        .call(
            Some(&ana),
            "preview-import",
            &[("id", &id), ("mapping", &mapping)],
        )
        .await;
    assert!(previewed.ok(), "{}", previewed.body);
    let preview: ImportPreview = serde_json::from_str(&previewed.body).expect("preview");
    assert_eq!(preview.error_total, 0, "{:?}", preview.problems);
    assert_eq!(preview.sections[0].rows, 3);
    let corporate = preview
        .totals
        .iter()
        .find(|t| t.class == "corporate")
        .expect("corporate");
    assert_eq!(corporate.drawn, 1_000_000.0);
    let results = preview.results.expect("ratios");
    assert_eq!(results.rwa.by_class["sovereign"].exposure, 5_000_000.0);
    assert_eq!(
        count(&owner, "simulations").await,
        0,
        "a preview writes nothing"
    );

    // A mapping that names a foreign field is refused, not half-applied.
    let mut forged = proposal.mapping.clone();
    forged.sheets[0].columns[0].field = Some("tier".into());
    let refused = app
        .call(
            Some(&ana),
            "preview-import",
            &[
                ("id", &id),
                ("mapping", &serde_json::to_string(&forged).expect("json")),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let committed = app
        .call(
            Some(&ana),
            "commit-import",
            &[("id", &id), ("mapping", &mapping), ("name", "Encours 2025")],
        )
        .await;
    assert!(committed.ok(), "{}", committed.body);
    let simulation: String = serde_json::from_str(&committed.body).expect("id");
    let opened = app
        .call(Some(&ana), "simulation", &[("id", &simulation)])
        .await;
    let view: SimulationView = serde_json::from_str(&opened.body).expect("view");
    assert_eq!(view.summary.line_count, 3);
    assert_eq!(
        view.baseline.rwa.by_class["sovereign"].exposure,
        5_000_000.0
    );
    // Committing again finds the upload gone; nothing is created twice.
    let again = app
        .call(
            Some(&ana),
            "commit-import",
            &[("id", &id), ("mapping", &mapping), ("name", "Twice")],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&owner, "simulations").await, 1);
    assert_eq!(count(&owner, "imports").await, 0);

    // The correction is remembered for the next file with these headers.
    let (_, location) = upload(
        &app,
        &ana,
        "/api/imports",
        "file",
        "encours-janvier.csv",
        &french_tape(),
    )
    .await;
    let id = location
        .strip_prefix("/app/imports/")
        .expect("page")
        .to_owned();
    let proposal: ImportProposal = proposal_of(&app, &ana, &id).await;
    assert_eq!(
        field(&proposal, "Montant brut").as_deref(),
        Some("guaranteed_amount")
    );
    assert!(
        proposal.mapping.sheets[0]
            .columns
            .iter()
            .all(|c| c.source == MatchSource::Saved)
    );

    // A file with errors lists them precisely and cannot be committed.
    let bad = "N° de contrat;Catégorie d'exposition;Encours tiré\nX-1;Hedge funds;12\nX-2;Entreprises;douze\n";
    let (_, location) = upload(
        &app,
        &ana,
        "/api/imports",
        "file",
        "bad.csv",
        bad.as_bytes(),
    )
    .await;
    let id = location
        .strip_prefix("/app/imports/")
        .expect("page")
        .to_owned();
    let proposal: ImportProposal = proposal_of(&app, &ana, &id).await;
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let preview: ImportPreview = preview_of(&app, &ana, &id, &mapping).await;
    assert_eq!(preview.error_total, 2, "{:?}", preview.problems);
    assert!(preview.results.is_none());
    let class = &preview.problems[0];
    assert_eq!(
        (class.sheet.as_str(), class.row, class.value.as_deref()),
        ("bad", Some(2), Some("Hedge funds"))
    );
    assert_eq!(class.column.as_deref(), Some("B (Catégorie d'exposition)"));
    let refused = app
        .call(
            Some(&ana),
            "commit-import",
            &[("id", &id), ("mapping", &mapping), ("name", "Bad")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("row 3"), "{}", refused.body);
    assert_eq!(count(&owner, "simulations").await, 1);
}

/// Uploads `content` as `name` and previews it with the proposed mapping:
/// the upload's id, the proposal, the mapping as JSON and the preview.
async fn staged(
    app: &TestApp,
    cookie: &str,
    name: &str,
    content: &[u8],
) -> (String, ImportProposal, String, ImportPreview) {
    let (status, location) = upload(app, cookie, "/api/imports", "file", name, content).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id = location
        .strip_prefix("/app/imports/")
        .expect("page")
        .to_owned();
    let proposal = proposal_of(app, cookie, &id).await;
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let preview = preview_of(app, cookie, &id, &mapping).await;
    (id, proposal, mapping, preview)
}

/// A core system's export without a class column: names, products and
/// sectors only.
const UNCLASSIFIED: &str = "N° de contrat;Contrepartie;Produit;Encours tiré;Pays;Code NACE\n\
    C-001;SCI Les Tilleuls Lyon;Prêt immobilier;250 000;FR;L68.20\n\
    C-002;République française;OAT;5 000 000;FR;O84.11\n\
    C-003;;Divers;1 000;FR;\n\
    C-004;Boulangerie Martin;Prêt professionnel;40 000;FR;C10.71\n";

#[tokio::test]
async fn a_file_without_classes_gets_proposals_and_waits_for_the_unsure_ones() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let admin = signup(&app, "Banque Gamma", "gus@gamma.example").await;
    let (id, mut proposal, mapping, preview) =
        staged(&app, &admin, "encours.csv", UNCLASSIFIED.as_bytes()).await;

    assert_eq!(preview.proposal_total, 4);
    let confidences: Vec<f64> = preview.proposals.iter().map(|p| p.confidence).collect();
    assert!(
        confidences.windows(2).all(|w| w[0] <= w[1]),
        "least confident first: {confidences:?}"
    );
    let class_of = |id: &str| {
        preview
            .proposals
            .iter()
            .find(|p| p.id == id)
            .expect("proposed")
            .class
    };
    assert_eq!(class_of("C-002"), ExposureClass::Sovereign);
    assert_eq!(class_of("C-004"), ExposureClass::Retail);
    assert!(
        preview
            .proposals
            .iter()
            .all(|p| !p.reasons.is_empty() && p.alternatives.len() == 2)
    );
    let unsure: Vec<String> = preview
        .proposals
        .iter()
        .filter(|p| p.needs_confirmation(preview.class_threshold))
        .map(|p| p.id.clone())
        .collect();
    assert!(
        unsure.contains(&"C-003".to_owned()),
        "{:?}",
        preview.proposals
    );
    assert_eq!(preview.to_confirm, unsure.len());
    assert_eq!(preview.error_total, unsure.len(), "{:?}", preview.problems);
    assert!(
        preview.problems[0]
            .message
            .contains("confirm or correct it")
    );

    let refused = app
        .call(
            Some(&admin),
            "commit-import",
            &[("id", &id), ("mapping", &mapping), ("name", "Sans classes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("C-003"), "{}", refused.body);
    assert_eq!(count(&owner, "simulations").await, 0);

    // The analyst corrects the unsure line and confirms the rest as proposed.
    for p in &preview.proposals {
        let class = if p.id == "C-003" {
            ExposureClass::OtherAssets
        } else {
            p.class
        };
        proposal.mapping.classes.insert(p.id.clone(), class);
    }
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let preview = preview_of(&app, &admin, &id, &mapping).await;
    assert_eq!(
        (preview.to_confirm, preview.error_total),
        (0, 0),
        "{:?}",
        preview.problems
    );
    let results = preview.results.expect("ratios");
    assert_eq!(results.rwa.by_class["other_assets"].exposure, 1_000.0);

    let committed = app
        .call(
            Some(&admin),
            "commit-import",
            &[("id", &id), ("mapping", &mapping), ("name", "Sans classes")],
        )
        .await;
    assert!(committed.ok(), "{}", committed.body);
    let diff: serde_json::Value =
        sqlx::query_scalar("SELECT diff FROM audit_events WHERE action = 'import.committed'")
            .fetch_one(&owner)
            .await
            .expect("audited");
    let classes = &diff["classes"];
    assert_eq!(classes["proposed"], 4);
    assert_eq!(classes["confirmed"], 3);
    assert_eq!(classes["corrected"][0]["id"], "C-003");
    assert_eq!(classes["corrected"][0]["chosen"], "other_assets");

    // The correction trains the organisation's next model (the commit also
    // started one in the background), which proposes it for the same line.
    let tenant: uuid::Uuid =
        sqlx::query_scalar("SELECT tenant_id FROM tenants WHERE name = 'Banque Gamma'")
            .fetch_one(&owner)
            .await
            .expect("tenant");
    // The background training may still hold the organisation's turn on a
    // loaded machine: told to retry, the test does.
    let trained = loop {
        let tenant = prudentia::model::account::TenantId(tenant);
        match prudentia::server::classification::retrain(&pool, tenant, None).await {
            Err(prudentia::model::error::AppError::RateLimited { .. }) => continue,
            other => break other.expect("trains").expect("labelled lines"),
        }
    };
    assert_eq!(trained.own_lines, 4);
    let (_, _, _, preview) = staged(&app, &admin, "encours-2.csv", UNCLASSIFIED.as_bytes()).await;
    let again = preview
        .proposals
        .iter()
        .find(|p| p.id == "C-003")
        .expect("proposed");
    assert_eq!(again.class, ExposureClass::OtherAssets, "{again:?}");
}

#[tokio::test]
async fn an_anomaly_in_the_file_is_shown_before_the_commit_and_its_fix_applies_to_the_import() {
    let (pool, _, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Delta", "dan@delta.example").await;
    let tape = "id;class;counterparty_id;drawn;country\n\
                D-001;corporate;CP-1;1000000;FR\n\
                D-002;corporate;CP-1;1000000;FR\n\
                D-003;retail;CP-2;20000;FR\n";
    let (id, mut proposal, _, preview) =
        staged(&app, &admin, "doublons.csv", tape.as_bytes()).await;
    let duplicate = preview
        .anomalies
        .iter()
        .find(|a| a.id.as_deref() == Some("D-002") && a.kind == Kind::Duplicate)
        .unwrap_or_else(|| panic!("the duplicate is found: {:?}", preview.anomalies));
    assert_eq!(preview.anomaly_total, preview.anomalies.len());
    let drawn = |p: &ImportPreview| {
        p.totals
            .iter()
            .find(|t| t.class == "corporate")
            .expect("corporate")
            .drawn
    };
    assert_eq!(drawn(&preview), 2_000_000.0);

    // The analyst accepts the fix: the next check and the commit apply it.
    proposal
        .mapping
        .fixes
        .push(duplicate.fix.clone().expect("a fix").edit);
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let fixed = preview_of(&app, &admin, &id, &mapping).await;
    assert_eq!(fixed.error_total, 0, "{:?}", fixed.problems);
    assert_eq!(drawn(&fixed), 1_000_000.0);
    assert!(
        !fixed.anomalies.iter().any(|a| a.kind == Kind::Duplicate),
        "{:?}",
        fixed.anomalies
    );

    // A fix that is not an anomaly's (here a capital edit) is refused, naming it.
    let mut forged = proposal.mapping.clone();
    forged.fixes = vec![
        serde_json::from_value(serde_json::json!({
            "op": "add_capital", "tier": "cet1", "label": "gift", "amount": 1e9
        }))
        .expect("edit"),
    ];
    let refused = preview_of(
        &app,
        &admin,
        &id,
        &serde_json::to_string(&forged).expect("json"),
    )
    .await;
    assert!(
        refused
            .problems
            .iter()
            .any(|p| p.message.starts_with("fix 1: only an anomaly's fix")),
        "{:?}",
        refused.problems
    );

    let committed = app
        .call(
            Some(&admin),
            "commit-import",
            &[("id", &id), ("mapping", &mapping), ("name", "Sans doublon")],
        )
        .await;
    assert!(committed.ok(), "{}", committed.body);
    let simulation: String = serde_json::from_str(&committed.body).expect("id");
    let lines = app.lines(&admin, &simulation, "").await;
    let at_zero = lines.iter().filter(|l| l.drawn == Some(0.0)).count();
    assert_eq!(at_zero, 1, "the duplicate is stored at zero");
}

#[tokio::test]
async fn malformed_files_are_refused_with_a_reason_and_leave_nothing() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    let workbook =
        prudentia::server::reports::workbook::canonical(&prudentia::samples::demo_bank())
            .expect("xlsx");
    // A small zip whose directory claims 2 GiB once inflated: the size is
    // checked before anything is inflated.
    let mut bomb = Vec::new();
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("xl/worksheets/sheet1.xml", options)
            .expect("entry");
        zip.write_all(b"<worksheet/>").expect("write");
        zip.finish().expect("zip");
    }
    let directory = bomb
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    bomb[directory + 24..directory + 28].copy_from_slice(&0x8000_0000u32.to_le_bytes());
    let one_million_rows = {
        let mut text = String::from("id;class;drawn\n");
        for i in 0..1_000_000 {
            text.push_str(&format!("L{i};retail;1\n"));
        }
        text
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.xlsx",
            workbook[..workbook.len() / 2].to_vec(),
            "damaged or truncated",
        ),
        ("bomb.xlsx", bomb, "compression bomb"),
        ("empty.csv", Vec::new(), "The file is empty"),
        ("blank.csv", b";;\n;;\n".to_vec(), "every sheet is empty"),
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "is not a spreadsheet",
        ),
        (
            "huge.csv",
            one_million_rows.into_bytes(),
            "more than 200000 rows",
        ),
    ];
    for (name, content, expected) in cases {
        let (status, location) = upload(&app, &admin, "/api/imports", "file", name, &content).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(
            location.starts_with("/app/imports?error="),
            "{name}: {location}"
        );
        let message: String = url_decode(location.split_once("error=").expect("error").1);
        assert!(message.contains(expected), "{name}: {message}");
    }
    assert_eq!(count(&owner, "imports").await, 0);
    assert_eq!(count(&owner, "simulations").await, 0);
}

fn url_decode(text: &str) -> String {
    let form: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("x={text}")).expect("urlencoded");
    form.into_iter().next().map(|(_, v)| v).unwrap_or_default()
}

#[tokio::test]
async fn the_canonical_workbook_goes_round_trip_through_the_importer() {
    let (pool, _owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    let (status, workbook) = app
        .bytes(&admin, "/api/imports/workbook.xlsx?demo=true")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, location) = upload(&app, &admin, "/api/imports", "file", "demo.xlsx", &workbook).await;
    let id = location
        .strip_prefix("/app/imports/")
        .expect("mapping page")
        .to_owned();
    let proposal: ImportProposal = proposal_of(&app, &admin, &id).await;
    assert!(
        proposal.mapping.sheets.iter().all(|s| s.section.is_some()),
        "every canonical sheet is recognised"
    );
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let preview: ImportPreview = preview_of(&app, &admin, &id, &mapping).await;
    assert_eq!(preview.error_total, 0, "{:?}", preview.problems);
    let demo = prudentia::samples::demo_bank();
    let profile = prudentia::engine::resolve_profile(&demo, None).expect("profile");
    let expected = prudentia::engine::compute(&demo, &profile, &Default::default());
    assert_eq!(preview.results.expect("results"), expected);

    let (status, blank) = app.bytes(&admin, "/api/imports/workbook.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(blank)).expect("xlsx");
    let names = book.sheet_names();
    for section in Section::ALL {
        assert!(
            names.iter().any(|n| n == section.key()),
            "{}",
            section.key()
        );
    }
    let exposures = book.worksheet_range("exposures").expect("sheet");
    assert_eq!(exposures.height(), 1, "headers only");
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (make test installs poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn reports_hold_the_key_figures_keep_a_history_and_travel_by_mail() {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    let ana = join(&app, &admin, "ana@alpha.example", "Ana Analyst", "analyst").await;
    let vic = join(&app, &admin, "vic@alpha.example", "Vic Viewer", "viewer").await;
    let other = signup(&app, "Banque Beta", "bea@beta.example").await;
    let created = app
        .call(
            Some(&ana),
            "create-simulation",
            &[("name", "Q4 plan"), ("source", "sample"), ("data", "")],
        )
        .await;
    let simulation: String = serde_json::from_str(&created.body).expect("id");
    let shared = app
        .call(
            Some(&ana),
            "share-simulation",
            &[("id", &simulation), ("sharing", "tenant")],
        )
        .await;
    assert!(shared.ok(), "{}", shared.body);
    let view: SimulationView = serde_json::from_str(
        &app.call(Some(&ana), "simulation", &[("id", &simulation)])
            .await
            .body,
    )
    .expect("view");
    let cet1 = view.baseline.ratios.cet1.expect("cet1");

    // A template of the tenant, and the branding.
    let saved = app
        .call(
            Some(&ana),
            "save-report-template",
            &[
                ("name", "Board pack"),
                ("title", "Capital position for the board"),
                ("sections[0]", "summary"),
                ("sections[1]", "metrics"),
                ("sections[2]", "tables"),
                ("sections[3]", "appendix"),
                ("footer", "Banque Alpha – internal"),
            ],
        )
        .await;
    assert!(saved.ok(), "{}", saved.body);
    let template: String = serde_json::from_str(&saved.body).expect("id");
    let colours = app
        .call(
            Some(&admin),
            "set-branding-colours",
            &[("primary", "#004488"), ("accent", "#dd6600")],
        )
        .await;
    assert!(colours.ok(), "{}", colours.body);
    assert_eq!(
        app.call(
            Some(&ana),
            "set-branding-colours",
            &[("primary", "#004488"), ("accent", "#dd6600")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let (status, location) = upload(
        &app,
        &admin,
        "/api/branding/logo",
        "logo",
        "logo.exe",
        b"MZ\x90\0binary",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        url_decode(location.split_once("error=").expect("refused").1).contains("PNG, JPEG or SVG")
    );
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#004488"/></svg>"##;
    let (_, location) = upload(&app, &admin, "/api/branding/logo", "logo", "logo.svg", svg).await;
    assert_eq!(location, "/app/reports/settings");

    let generated = app
        .call(
            Some(&ana),
            "generate-report",
            &[
                ("simulation", &simulation),
                ("version", ""),
                ("scenario", ""),
                ("template", &template),
                ("format", "pdf"),
            ],
        )
        .await;
    assert!(generated.ok(), "{}", generated.body);
    let pdf_id: String = serde_json::from_str(&generated.body).expect("id");
    let (status, pdf) = app
        .bytes(&ana, &format!("/api/reports/{pdf_id}/download"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf);
    assert!(text.contains("Capital position for the board"), "{text}");
    assert!(
        text.contains(&format!("{:.2} %", cet1 * 100.0)),
        "CET1 in the PDF: {text}"
    );
    assert!(
        text.contains("KM1") && text.contains("OV1") && text.contains("CR5"),
        "{text}"
    );
    assert!(text.contains("Banque Alpha – internal"));
    assert!(text.contains("Page 2 of"), "{text}");
    assert!(
        !text.contains("Charts\n"),
        "the template leaves the charts out"
    );

    // One status rule: a scenario that puts CET1 inside its buffers reads
    // "Inside buffers" in the PDF, as on the dashboard (model::status), and
    // every metric's row carries the status that rule gives.
    let b = &view.baseline;
    let target = b.requirements.cet1 - b.requirements.cbr / 2.0;
    let action = (target - cet1) * b.rwa.total;
    let edits = format!(
        r#"[{{"op": "add_capital", "tier": "cet1", "label": "Loss", "amount": {action}}}]"#
    );
    let saved = app
        .call(
            Some(&ana),
            "save-scenario",
            &[
                ("id", &simulation),
                ("name", "Inside buffers"),
                ("edits", &edits),
            ],
        )
        .await;
    assert!(saved.ok(), "{}", saved.body);
    let view_after: SimulationView = serde_json::from_str(
        &app.call(Some(&ana), "simulation", &[("id", &simulation)])
            .await
            .body,
    )
    .expect("view");
    let scenario = view_after
        .scenarios
        .iter()
        .find(|s| s.name == "Inside buffers")
        .expect("saved")
        .scenario_id
        .0
        .to_string();
    // The simulation holds the demo bank: the engine gives the scenario's figures.
    let demo = prudentia::samples::demo_bank();
    let profile = prudentia::engine::resolve_profile(&demo, None).expect("profile");
    let (changed, changed_profile) =
        prudentia::engine::scenario::Scenario::from_json_str(&format!(r#"{{"edits": {edits}}}"#))
            .expect("edits")
            .apply(&demo, &profile)
            .expect("applies");
    let after = prudentia::engine::compute(&changed, &changed_profile, &Default::default());
    assert_eq!(
        prudentia::engine::compute(&demo, &profile, &Default::default()),
        view.baseline,
        "the demo bank"
    );
    let generated = app
        .call(
            Some(&ana),
            "generate-report",
            &[
                ("simulation", &simulation),
                ("version", ""),
                ("scenario", &scenario),
                ("template", &template),
                ("format", "pdf"),
            ],
        )
        .await;
    assert!(generated.ok(), "{}", generated.body);
    let scenario_pdf: String = serde_json::from_str(&generated.body).expect("id");
    let text = pdf_text(
        &app.bytes(&ana, &format!("/api/reports/{scenario_pdf}/download"))
            .await
            .1,
    );
    let statuses = prudentia::model::status::metrics(&after);
    assert_eq!(
        statuses[0].status,
        Some(prudentia::model::status::Status::InsideBuffers)
    );
    for m in statuses
        .iter()
        .filter(|m| m.key != prudentia::model::status::LARGE_EXPOSURE)
    {
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with(m.label))
            .unwrap_or_else(|| panic!("{} row: {text}", m.label));
        let label = m.status.map_or("n/a", |s| s.label());
        assert!(
            row.contains(label),
            "{}: the dashboard says {label}, the PDF {row}",
            m.label
        );
    }

    let generated = app
        .call(
            Some(&ana),
            "generate-report",
            &[
                ("simulation", &simulation),
                ("version", "1"),
                ("scenario", ""),
                ("template", ""),
                ("format", "xlsx"),
            ],
        )
        .await;
    let xlsx_id: String = serde_json::from_str(&generated.body).expect("id");
    let (_, xlsx) = app
        .bytes(&vic, &format!("/api/reports/{xlsx_id}/download"))
        .await;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).expect("xlsx");
    let km1 = book.worksheet_range("KM1").expect("KM1");
    let row = km1
        .rows()
        .find(|r| r.get(1).map(|c| c.to_string()) == Some("CET1 ratio".into()))
        .expect("CET1 row");
    assert_eq!(row[2].as_f64(), Some(cet1));
    let ov1 = book.worksheet_range("OV1").expect("OV1");
    let total = ov1
        .rows()
        .find(|r| r.get(1).map(|c| c.to_string()) == Some("Total".into()))
        .expect("total");
    assert_eq!(total[2].as_f64(), Some(view.baseline.rwa.total));
    let cr5 = book.worksheet_range("CR5").expect("CR5");
    let cr5_total = cr5
        .rows()
        .find(|r| r.get(1).map(|c| c.to_string()) == Some("Total".into()))
        .expect("total");
    let rwa = cr5_total
        .iter()
        .rev()
        .find_map(|c| c.as_f64())
        .expect("rwa");
    assert!(
        (rwa - view.baseline.rwa.credit).abs() < 1.0,
        "{rwa} vs {}",
        view.baseline.rwa.credit
    );
    assert!(
        book.sheet_names().iter().any(|n| n == "exposures"),
        "the data follows the tables"
    );

    // History: everyone who sees the simulation; not another tenant.
    let history: Vec<ReportSummary> =
        serde_json::from_str(&app.call(Some(&vic), "reports", &[]).await.body).expect("list");
    assert_eq!(history.len(), 3, "two PDFs and a workbook");
    assert!(app.call(Some(&other), "reports", &[]).await.body.trim() == "[]");
    assert_eq!(
        app.bytes(&other, &format!("/api/reports/{pdf_id}/download"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(Some(&vic), "delete-report", &[("id", &xlsx_id)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(
            Some(&vic),
            "generate-report",
            &[
                ("simulation", &simulation),
                ("version", ""),
                ("scenario", ""),
                ("template", ""),
                ("format", "pdf")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert!(
        app.call(Some(&ana), "delete-report", &[("id", &xlsx_id)])
            .await
            .ok()
    );
    assert_eq!(
        app.bytes(&ana, &format!("/api/reports/{xlsx_id}/download"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Mail: a bad address is refused; outside addresses only once the admin
    // allows their domain; then the report goes to two people.
    let refused = app
        .call(
            Some(&ana),
            "send-report",
            &[
                ("id", &pdf_id),
                ("recipients", "cfo@alpha.example, not-an-address"),
                ("message", ""),
                ("attach", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let outside = app
        .call(
            Some(&ana),
            "send-report",
            &[
                ("id", &pdf_id),
                ("recipients", "cfo@alpha.example"),
                ("message", ""),
                ("attach", "on"),
            ],
        )
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        outside
            .body
            .contains("cfo@alpha.example may not receive reports"),
        "{}",
        outside.body
    );
    assert_eq!(
        app.call(
            Some(&ana),
            "set-mail-policy",
            &[("outside", "any"), ("domains", "")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "admins only"
    );
    let allowed = app
        .call(
            Some(&admin),
            "set-mail-policy",
            &[("outside", "domains"), ("domains", "alpha.example")],
        )
        .await;
    assert!(allowed.ok(), "{}", allowed.body);
    let sent = app
        .call(
            Some(&ana),
            "send-report",
            &[
                ("id", &pdf_id),
                ("recipients", "cfo@alpha.example; risk@alpha.example"),
                ("message", "For Thursday's committee."),
                ("attach", "on"),
            ],
        )
        .await;
    assert!(sent.ok(), "{}", sent.body);

    // The SMTP server is down: the attempt fails and is retried later.
    let port = free_port();
    let mailer = prudentia::server::mailer::Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Prudentia <no-reply@prudentia.test>",
    )
    .expect("mailer");
    let queued_before = count(&owner, "outbound_emails WHERE sent_at IS NULL").await;
    assert_eq!(mailer.deliver_due(&pool).await.expect("queue"), 0);
    let failed: i64 = count(
        &owner,
        "outbound_emails WHERE attempts = 1 AND last_error IS NOT NULL AND next_attempt_at > now()",
    )
    .await;
    assert_eq!(failed, queued_before);
    sqlx::query("UPDATE outbound_emails SET next_attempt_at = now()")
        .execute(&owner)
        .await
        .expect("due now");
    let server = SmtpServer::start(port);
    assert_eq!(server.port, port);
    assert_eq!(
        mailer.deliver_due(&pool).await.expect("queue"),
        queued_before as usize
    );
    assert_eq!(
        count(&owner, "outbound_emails WHERE sent_at IS NULL").await,
        0
    );
    let received = server.received();
    let report_mail: Vec<&String> = received
        .iter()
        .filter(|m| m.contains("Subject: Prudentia report"))
        .collect();
    assert_eq!(report_mail.len(), 2, "{received:?}");
    let mail = report_mail[0];
    assert!(mail.contains("For Thursday's committee."));
    assert!(mail.contains("Content-Type: application/pdf"));
    assert!(mail.contains(".pdf\""), "the attachment has its file name");
    assert!(mail.contains("From: Prudentia <no-reply@prudentia.test>"));
    // Sent once: a second pass delivers nothing more.
    assert_eq!(mailer.deliver_due(&pool).await.expect("queue"), 0);
}

/// A workbook as people build them: a merged title above the headers,
/// formulas with their computed values, and one whose value is an error.
#[tokio::test]
async fn merged_titles_and_formulas_are_read_as_the_spreadsheet_shows_them() {
    let (pool, _owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool).await;
    let admin = signup(&app, "Banque Alpha", "ada@alpha.example").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Portefeuille").expect("name");
    let title = rust_xlsxwriter::Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 3, "Portefeuille crédit au 31/12/2025", &title)
        .expect("merge");
    for (c, header) in ["Référence", "Catégorie d'exposition", "Encours", "Pays"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *header).expect("header");
    }
    sheet.write_string(2, 0, "F-1").expect("cell");
    sheet.write_string(2, 1, "Entreprises").expect("cell");
    sheet
        .write_formula(
            2,
            2,
            rust_xlsxwriter::Formula::new("=100*2").set_result("200"),
        )
        .expect("formula");
    sheet.write_string(2, 3, "FR").expect("cell");
    sheet.write_string(3, 0, "F-2").expect("cell");
    sheet.write_string(3, 1, "Entreprises").expect("cell");
    sheet
        .write_formula(
            3,
            2,
            rust_xlsxwriter::Formula::new("=C3/0").set_result("#DIV/0!"),
        )
        .expect("formula");
    let bytes = book.save_to_buffer().expect("xlsx");

    let (_, location) = upload(
        &app,
        &admin,
        "/api/imports",
        "file",
        "portefeuille.xlsx",
        &bytes,
    )
    .await;
    let id = location
        .strip_prefix("/app/imports/")
        .expect("mapping page")
        .to_owned();
    let proposal: ImportProposal = proposal_of(&app, &admin, &id).await;
    let sheet = &proposal.mapping.sheets[0];
    assert_eq!(
        (sheet.section, sheet.header_row, sheet.data_rows),
        (Some(Section::Exposures), 2, 2)
    );
    let mapping = serde_json::to_string(&proposal.mapping).expect("json");
    let preview: ImportPreview = preview_of(&app, &admin, &id, &mapping).await;
    assert_eq!(preview.error_total, 1, "{:?}", preview.problems);
    let problem = &preview.problems[0];
    assert_eq!(
        (problem.row, problem.column.as_deref()),
        (Some(4), Some("C (Encours)"))
    );
    assert!(
        problem.message.contains("spreadsheet error #DIV/0!"),
        "{}",
        problem.message
    );
    assert_eq!(
        preview.totals[0].drawn, 200.0,
        "the cached result of a formula is its value"
    );
}
