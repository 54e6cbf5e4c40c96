//! Scheduled imports and exports end to end, against real counterparts on
//! loopback: Debian's OpenSSH server serving a nightly file over SFTP (key
//! login, host key pinned), this organisation's folder, and an HTTPS-like
//! file server that wants a bearer token. A file becomes a draft version
//! once, the same file again is skipped, a broken one fails with its
//! reason and tells the admins; results land back on the SFTP server when
//! a version is approved; secrets are sealed; another tenant sees nothing.

use crate::api::{api, create, professional, signup, token};
use crate::support::{TestApp, connection_settings, connections_root, fresh_database, join};
use axum::http::StatusCode;
use prudentia::server::connections::runner;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// OpenSSH's server on a loopback port, serving `root` to one key; gone
/// with the test.
struct SftpServer {
    port: u16,
    root: tempfile::TempDir,
    user: String,
    client_key: String,
    host_fingerprint: String,
    child: Child,
}

impl Drop for SftpServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn keygen(path: &Path) {
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (Debian's openssh-client)");
    assert!(made.success());
}

impl SftpServer {
    async fn start() -> SftpServer {
        let root = tempfile::tempdir().expect("a folder");
        let dir = root.path();
        keygen(&dir.join("host_key"));
        keygen(&dir.join("client_key"));
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).expect("keys");
        for folder in ["outgoing", "incoming"] {
            std::fs::create_dir(dir.join(folder)).expect("a folder");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let d = dir.display();
        std::fs::write(
            dir.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
                 AuthorizedKeysFile {d}/authorized_keys\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile none\n\
                 PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n"
            ),
        )
        .expect("sshd_config");
        // Run as root, sshd wants its privilege separation folder.
        std::fs::create_dir_all("/run/sshd").ok();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd (Debian's openssh-server)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let printed = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(dir.join("host_key.pub"))
            .output()
            .expect("a fingerprint");
        let host_fingerprint = String::from_utf8_lossy(&printed.stdout)
            .split_whitespace()
            .nth(1)
            .expect("SHA256:…")
            .to_owned();
        SftpServer {
            port,
            user: String::from_utf8_lossy(&Command::new("whoami").output().expect("whoami").stdout)
                .trim()
                .to_owned(),
            client_key: std::fs::read_to_string(dir.join("client_key")).expect("the key"),
            host_fingerprint,
            root,
            child,
        }
    }

    fn folder(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// The address of one of its folders (`//` roots the path).
    fn location(&self, name: &str) -> String {
        format!(
            "sftp://{}@127.0.0.1:{}/{}",
            self.user,
            self.port,
            self.folder(name).display()
        )
    }
}

/// A small bank as the canonical workbook an upload would bring.
fn workbook(lines: usize) -> Vec<u8> {
    let mut data = prudentia::samples::demo_bank();
    data.exposures.truncate(lines);
    prudentia::server::reports::workbook::canonical(&data).expect("a workbook")
}

struct Bank {
    pool: PgPool,
    owner: PgPool,
    app: TestApp,
    admin: String,
    write: String,
    simulation: String,
}

async fn bank(name: &str, email: &str) -> Bank {
    let (pool, owner, _) = fresh_database().await;
    let app = TestApp::with_pool(pool.clone()).await;
    let admin = signup(&app, name, email).await;
    professional(&owner).await;
    let write = token(&app, &admin, "read_write").await;
    let simulation = create(&app, &write, "Nightly positions").await;
    Bank {
        pool,
        owner,
        app,
        admin,
        write,
        simulation,
    }
}

async fn add(b: &Bank, body: Value) -> Value {
    let reply = api(
        &b.app,
        "POST",
        "/api/v1/connections",
        Some(&b.write),
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body
}

async fn run(b: &Bank, id: &str) -> Value {
    let path = format!("/api/v1/connections/{id}/run");
    let reply = api(&b.app, "POST", &path, Some(&b.write), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

async fn versions(b: &Bank) -> Vec<Value> {
    let path = format!("/api/v1/simulations/{}/versions", b.simulation);
    let reply = api(&b.app, "GET", &path, Some(&b.write), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_nightly_sftp_file_becomes_one_draft_version_and_results_land_back_on_approval() {
    let b = bank("Nightly Bank", "admin@nightly.example").await;
    let sftp = SftpServer::start().await;
    std::fs::write(
        sftp.folder("outgoing/positions_2026-12-03.xlsx"),
        workbook(12),
    )
    .expect("file");
    std::fs::write(sftp.folder("outgoing/readme.txt"), "not a match").expect("file");

    let source = add(
        &b,
        json!({
            "direction": "import", "name": "Data warehouse", "transport": "sftp",
            "location": sftp.location("outgoing"), "auth": "key", "secret": sftp.client_key,
            "file_pattern": "positions_*.xlsx", "schedule": "0 2 * * 1-5",
            "time_zone": "Europe/Paris", "simulation_id": b.simulation,
        }),
    )
    .await;
    let id = source["connection_id"].as_str().expect("an id").to_owned();
    assert_eq!(source["has_secret"], true);
    assert!(
        !source.to_string().contains("PRIVATE KEY"),
        "never shown again"
    );
    assert!(source["next_run_at"].as_str().is_some(), "{source}");
    // Sealed: the key is nowhere in the database in clear.
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT sealed_secret FROM connections WHERE connection_id = $1::uuid")
            .bind(&id)
            .fetch_one(&b.owner)
            .await
            .expect("a sealed secret");
    assert!(!String::from_utf8_lossy(&sealed).contains("PRIVATE KEY"));

    // Test connection: the matching files, and the host key learnt.
    let path = format!("/api/v1/connections/{id}/test");
    let probe = api(&b.app, "POST", &path, Some(&b.write), None).await;
    assert_eq!(probe.status, StatusCode::OK, "{}", probe.text);
    assert_eq!(probe.body["files"], json!(["positions_2026-12-03.xlsx"]));
    assert_eq!(probe.body["host_key"], sftp.host_fingerprint.as_str());

    // The first run makes a draft version; the same file again is skipped.
    let first = run(&b, &id).await;
    assert_eq!(first["outcome"], "imported", "{first}");
    assert_eq!(first["version"], 2);
    assert_eq!(first["file_name"], "positions_2026-12-03.xlsx");
    let listed = versions(&b).await;
    assert_eq!(listed.len(), 2);
    let note = listed[1]["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("Scheduled import of positions_2026-12-03.xlsx"),
        "{note}"
    );
    assert_eq!(listed[1]["status"], "draft", "never approved by the import");
    assert_eq!(listed[1]["line_count"], 12);
    let again = run(&b, &id).await;
    assert_eq!(again["outcome"], "skipped", "{again}");
    assert_eq!(again["version"], 2);
    assert_eq!(versions(&b).await.len(), 2, "nothing new");

    // A newer file that is no workbook fails, with its reason, and the
    // admins are told.
    std::fs::write(
        sftp.folder("outgoing/positions_2026-12-04.xlsx"),
        b"garbage",
    )
    .expect("file");
    filetime_later(&sftp.folder("outgoing/positions_2026-12-04.xlsx"));
    let broken = run(&b, &id).await;
    assert_eq!(broken["outcome"], "failed", "{broken}");
    assert_eq!(broken["file_name"], "positions_2026-12-04.xlsx");
    let told: Vec<String> =
        sqlx::query_scalar("SELECT message FROM notifications WHERE kind = 'integrations'")
            .fetch_all(&b.owner)
            .await
            .expect("notifications");
    assert!(
        told.iter().any(|m| m.contains("“Data warehouse” failed")),
        "{told:?}"
    );
    let event: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM connection_runs WHERE outcome = 'failed' AND message <> ''",
    )
    .fetch_one(&b.owner)
    .await
    .expect("runs");
    assert_eq!(event, 1);
    std::fs::remove_file(sftp.folder("outgoing/positions_2026-12-04.xlsx")).expect("gone");

    // The scheduler runs what is due, and only that.
    sqlx::query("UPDATE connections SET next_run_at = now()")
        .execute(&b.owner)
        .await
        .expect("due now");
    let settings = Arc::new(connection_settings());
    assert_eq!(runner::run_due(&b.pool, &settings).await.expect("runs"), 1);
    assert_eq!(runner::run_due(&b.pool, &settings).await.expect("runs"), 0);
    let history = api(
        &b.app,
        "GET",
        &format!("/api/v1/connections/{id}/runs"),
        Some(&b.write),
        None,
    )
    .await;
    let outcomes: Vec<(&str, &str)> = history
        .body
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            (
                r["trigger"].as_str().unwrap_or(""),
                r["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("schedule", "skipped"),
            ("manual", "failed"),
            ("manual", "skipped"),
            ("manual", "imported")
        ]
    );
    let health = api(
        &b.app,
        "GET",
        &format!("/api/v1/connections/{id}"),
        Some(&b.write),
        None,
    )
    .await;
    assert_eq!(
        health.body["status"]["health"], "healthy",
        "{}",
        health.text
    );
    assert_eq!(health.body["status"]["consecutive_failures"], 0);
    assert_eq!(
        health.body["status"]["days"].as_array().map(Vec::len),
        Some(30)
    );
    assert_eq!(health.body["host_key"], sftp.host_fingerprint.as_str());

    // Results go back when a version is approved (four eyes: the admin,
    // whose import made it, submits; an analyst the organisation lets
    // approve approves).
    let target = add(
        &b,
        json!({
            "direction": "export", "name": "Results to the warehouse", "transport": "sftp",
            "location": sftp.location("incoming"), "auth": "key", "secret": sftp.client_key,
            "content": "results_csv", "on_approval": true, "simulation_id": b.simulation,
        }),
    )
    .await;
    assert!(
        target["next_run_at"].is_null(),
        "on approval only: {target}"
    );
    let ana = join(
        &b.app,
        &b.admin,
        "ana@nightly.example",
        "Ana Analyst",
        "analyst",
    )
    .await;
    let approvers = b
        .app
        .call(
            Some(&b.admin),
            "set-approver-role",
            &[("approver_role", "analyst")],
        )
        .await;
    assert_eq!(approvers.status, StatusCode::OK, "{}", approvers.body);
    for (who, transition) in [(&b.admin, "submit"), (&ana, "approve")] {
        let reply = b
            .app
            .call(
                Some(who),
                "review-version",
                &[
                    ("id", &b.simulation),
                    ("version", "2"),
                    ("transition", transition),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert_eq!(runner::run_due(&b.pool, &settings).await.expect("runs"), 1);
    let sent = std::fs::read_to_string(sftp.folder("incoming/Nightly-positions-v2.csv"))
        .expect("the results landed");
    assert!(sent.starts_with("figure,value\n"), "{sent}");
    assert!(
        sent.lines().any(|l| l.starts_with("ratios.cet1,")),
        "{sent}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(sftp.folder("incoming"))
        .expect("a folder")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no partial file left: {leftovers:?}");

    // A server that shows another host key is refused.
    let pinned = json!({
        "direction": "import", "name": "Data warehouse", "transport": "sftp",
        "location": sftp.location("outgoing"), "auth": "key",
        "host_key": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "file_pattern": "positions_*.xlsx", "schedule": "0 2 * * 1-5",
        "time_zone": "Europe/Paris", "simulation_id": b.simulation,
    });
    let path = format!("/api/v1/connections/{id}");
    let changed = api(&b.app, "PUT", &path, Some(&b.write), Some(pinned)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["has_secret"], true, "the key is kept");
    let refused = run(&b, &id).await;
    assert_eq!(refused["outcome"], "failed");
    let why = refused["message"].as_str().unwrap_or_default();
    assert!(
        why.contains(&sftp.host_fingerprint) && why.contains("refused"),
        "{why}"
    );
}

/// What the HTTPS target received: its `Content-Disposition` and body.
type Delivered = (String, Vec<u8>);

/// Makes a file newer than the others (mtime has a second's grain).
fn filetime_later(path: &Path) {
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(later))
        .expect("a later time");
}

#[tokio::test]
async fn connections_are_checked_read_folders_and_https_and_keep_other_tenants_out() {
    let b = bank("Folder Bank", "admin@folder.example").await;
    let base = json!({
        "direction": "import", "name": "Drops", "transport": "folder", "location": "drops",
        "auth": "none", "file_pattern": "*.xlsx", "schedule": "15 6 * * *",
        "time_zone": "UTC", "simulation_id": b.simulation,
    });
    // Bad input is named, field by field, and nothing is stored.
    let cases = [
        ("schedule", json!({ "schedule": "61 2 * * *" })),
        ("time_zone", json!({ "time_zone": "Europe/Atlantis" })),
        ("location", json!({ "location": "../other" })),
        (
            "secret",
            json!({ "transport": "sftp", "auth": "key", "location": "sftp://u@127.0.0.1/x" }),
        ),
        ("file_pattern", json!({ "file_pattern": "" })),
        (
            "simulation_id",
            json!({ "simulation_id": "00000000-0000-0000-0000-000000000000" }),
        ),
    ];
    for (field, change) in cases {
        let mut body = base.clone();
        for (k, v) in change.as_object().expect("fields") {
            body[k] = v.clone();
        }
        let reply = api(
            &b.app,
            "POST",
            "/api/v1/connections",
            Some(&b.write),
            Some(body),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.text
        );
        assert!(reply.text.contains(field), "{field}: {}", reply.text);
    }
    let listed = api(&b.app, "GET", "/api/v1/connections", Some(&b.write), None).await;
    assert_eq!(listed.body, json!([]));

    // The organisation's own folder.
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT tenant_id FROM tenants")
        .fetch_one(&b.owner)
        .await
        .expect("a tenant");
    let drops = connections_root().join(tenant.to_string()).join("drops");
    std::fs::create_dir_all(&drops).expect("a folder");
    std::fs::write(drops.join("book.xlsx"), workbook(8)).expect("file");
    let folder = add(&b, base.clone()).await;
    let folder_id = folder["connection_id"].as_str().expect("an id");
    let imported = run(&b, folder_id).await;
    assert_eq!(imported["outcome"], "imported", "{imported}");

    // An HTTPS source with a bearer token; a wrong token is a reason.
    let served = workbook(6);
    let received: Arc<std::sync::Mutex<Vec<Delivered>>> = Arc::default();
    let inbox = received.clone();
    let app = axum::Router::new()
        .route(
            "/inbox",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let inbox = inbox.clone();
                    async move {
                        let named = headers
                            .get("content-disposition")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        inbox.lock().expect("inbox").push((named, body.to_vec()));
                        StatusCode::NO_CONTENT
                    }
                },
            ),
        )
        .route(
            "/exports/positions.xlsx",
            axum::routing::get(move |headers: axum::http::HeaderMap| {
                let served = served.clone();
                async move {
                    let good = headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some("Bearer dwh-token");
                    if good {
                        (StatusCode::OK, served)
                    } else {
                        (StatusCode::UNAUTHORIZED, b"who are you?".to_vec())
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let https = json!({
        "direction": "import", "name": "Warehouse API", "transport": "https",
        "location": format!("http://{addr}/exports/positions.xlsx"), "auth": "bearer",
        "secret": "wrong-token", "schedule": "0 3 * * *", "simulation_id": b.simulation,
    });
    let source = add(&b, https.clone()).await;
    let source_id = source["connection_id"].as_str().expect("an id");
    let refused = run(&b, source_id).await;
    assert_eq!(refused["outcome"], "failed");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("401"),
        "{refused}"
    );
    let mut fixed = https;
    fixed["secret"] = json!("dwh-token");
    let path = format!("/api/v1/connections/{source_id}");
    let put = api(&b.app, "PUT", &path, Some(&b.write), Some(fixed)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let fetched = run(&b, source_id).await;
    assert_eq!(fetched["outcome"], "imported", "{fetched}");
    assert_eq!(fetched["file_name"], "positions.xlsx");

    // A report pushed to an HTTPS address, as a PDF.
    let target = add(
        &b,
        json!({
            "direction": "export", "name": "Board pack", "transport": "https",
            "location": format!("http://{addr}/inbox"), "auth": "none",
            "content": "report_pdf", "schedule": "0 7 1 * *", "simulation_id": b.simulation,
        }),
    )
    .await;
    let sent = run(&b, target["connection_id"].as_str().expect("an id")).await;
    assert_eq!(sent["outcome"], "exported", "{sent}");
    let got = received.lock().expect("inbox").clone();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].0.contains("Nightly-positions-v3.pdf"),
        "{}",
        got[0].0
    );
    assert!(got[0].1.starts_with(b"%PDF"), "a PDF");

    // Another organisation finds none of it, whatever the door.
    let other_admin = signup(&b.app, "Other Bank", "admin@other.example").await;
    professional(&b.owner).await;
    let other = token(&b.app, &other_admin, "read_write").await;
    for (method, suffix) in [
        ("GET", ""),
        ("DELETE", ""),
        ("POST", "/run"),
        ("POST", "/test"),
        ("GET", "/runs"),
    ] {
        let path = format!("/api/v1/connections/{folder_id}{suffix}");
        let reply = api(&b.app, method, &path, Some(&other), None).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            reply.text
        );
    }
    let path = format!("/api/v1/connections/{folder_id}");
    let reply = api(&b.app, "PUT", &path, Some(&other), Some(base)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    let theirs = api(&b.app, "GET", "/api/v1/connections", Some(&other), None).await;
    assert_eq!(theirs.body, json!([]));
    // Nor may an analyst of the same organisation manage them.
    let ana = join(
        &b.app,
        &b.admin,
        "ana@folder.example",
        "Ana Analyst",
        "analyst",
    )
    .await;
    let ana_token = token(&b.app, &ana, "read_write").await;
    let reply = api(&b.app, "GET", "/api/v1/connections", Some(&ana_token), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    std::fs::remove_dir_all(connections_root().join(tenant.to_string())).ok();
}
