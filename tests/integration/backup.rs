//! Backups of the private cluster, for real: a base backup and the WAL
//! archive restore to a moment between two writes (the first there, the
//! second not), or to the end of the archive; a restore never lands on a
//! cluster; `verify` passes a sound backup and fails a damaged one.

use crate::support::{SmtpServer, free_port};
use prudentia::server::backup::{self, BackupError, Store};
use prudentia::server::config::DatabaseConfig;
use prudentia::server::db::Database;
use prudentia::server::db::embedded::EmbeddedPostgres;
use sqlx::{Connection, PgConnection};
use std::path::Path;

async fn rows(root: &Path) -> Vec<i32> {
    let root = root.to_path_buf();
    let mut cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&root))
        .await
        .expect("a thread")
        .expect("the restored cluster starts");
    let options = cluster.connect_options(prudentia::server::db::EMBEDDED_DATABASE);
    let mut conn = PgConnection::connect_with(&options)
        .await
        .expect("a connection");
    let found = sqlx::query_scalar("SELECT n FROM drill ORDER BY n")
        .fetch_all(&mut conn)
        .await
        .expect("the table");
    conn.close().await.ok();
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .ok();
    found
}

/// Ends the current WAL segment and waits until the archive holds it.
/// Every file under `dir`.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

async fn archived(conn: &mut PgConnection) {
    let segment: String = sqlx::query_scalar("SELECT pg_walfile_name(pg_switch_wal())")
        .fetch_one(&mut *conn)
        .await
        .expect("a switch");
    for _ in 0..200 {
        let last: Option<String> =
            sqlx::query_scalar("SELECT last_archived_wal FROM pg_stat_archiver")
                .fetch_one(&mut *conn)
                .await
                .expect("the archiver");
        if last.is_some_and(|l| l >= segment) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("segment {segment} was not archived");
}

#[tokio::test]
async fn a_backup_restores_to_a_moment_between_two_writes_and_verify_fails_a_damaged_one() {
    let root = tempfile::tempdir().expect("a folder");
    let config = DatabaseConfig::Embedded {
        data_dir: root.path().to_path_buf(),
    };
    let database = Database::open(&config).await.expect("the private cluster");
    database.migrate().await.expect("migrations");
    let mut conn = database.owner_connection().await.expect("a connection");
    sqlx::query("CREATE TABLE drill (n integer PRIMARY KEY)")
        .execute(&mut conn)
        .await
        .expect("a table");

    let data_dir = root.path().to_path_buf();
    let made = tokio::task::spawn_blocking(move || backup::create_now(&data_dir))
        .await
        .expect("a thread")
        .expect("a base backup of the running cluster");
    let store = Store::of(root.path());
    assert_eq!(store.list().expect("the list").len(), 1);
    assert!(made.bytes > 0);

    sqlx::query("INSERT INTO drill VALUES (1)")
        .execute(&mut conn)
        .await
        .expect("the first write");
    let between: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&mut conn)
        .await
        .expect("a moment");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    sqlx::query("INSERT INTO drill VALUES (2)")
        .execute(&mut conn)
        .await
        .expect("the second write");
    archived(&mut conn).await;

    let to_moment = tempfile::tempdir().expect("a folder");
    let restored = backup::restore(&store, Some(between), to_moment.path())
        .await
        .expect("a point-in-time restore");
    assert_eq!(restored.backup, made.label);
    assert_eq!(
        rows(to_moment.path()).await,
        [1],
        "the first write, not the second"
    );

    let to_end = tempfile::tempdir().expect("a folder");
    backup::restore(&store, None, to_end.path())
        .await
        .expect("a restore to the end of the archive");
    assert_eq!(rows(to_end.path()).await, [1, 2]);

    // The copy that leaves the machine is sealed: nothing in it is readable
    // without the key, and what `unseal` opens restores as well.
    let key = backup::sealed::CopyKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
        .expect("a key");
    let copy = tempfile::tempdir().expect("a folder");
    let copied = backup::replicate(&store, copy.path(), Some(&key)).expect("a sealed copy");
    assert!(copied > 1, "{copied}");
    assert_eq!(
        backup::replicate(&store, copy.path(), Some(&key)).expect("again"),
        0,
        "nothing twice"
    );
    let plain: Vec<_> = walkdir(copy.path())
        .into_iter()
        .filter(|f| !f.to_string_lossy().ends_with(backup::sealed::SUFFIX))
        .collect();
    assert!(plain.is_empty(), "{plain:?}");
    let elsewhere = tempfile::tempdir().expect("a folder");
    let opened = backup::sealed::unseal(&key, copy.path(), &Store::of(elsewhere.path()).dir)
        .expect("unsealed");
    assert_eq!(opened, copied);
    let from_copy = tempfile::tempdir().expect("a folder");
    backup::restore(&Store::of(elsewhere.path()), None, from_copy.path())
        .await
        .expect("a restore from the opened copy");
    assert_eq!(rows(from_copy.path()).await, [1, 2]);

    // Never over a cluster, running or not.
    let again = backup::restore(&store, None, to_end.path()).await;
    assert!(matches!(again, Err(BackupError::Occupied(_))), "{again:?}");
    let live = backup::restore(&store, None, root.path()).await;
    assert!(matches!(live, Err(BackupError::Occupied(_))), "{live:?}");
    // Nor to before the first backup.
    let early = backup::restore(
        &store,
        Some(made.started_at - chrono::Duration::hours(1)),
        to_moment.path().join("x").as_path(),
    )
    .await;
    assert!(matches!(early, Err(BackupError::TooEarly(..))), "{early:?}");

    let verified = backup::verify(&store)
        .await
        .expect("a sound backup verifies");
    assert_eq!(
        verified.migrations,
        prudentia::server::db::MIGRATOR.iter().count()
    );
    assert!(
        verified
            .tables
            .iter()
            .any(|(t, n)| t == "public.drill" && *n == 2),
        "{:?}",
        verified.tables
    );

    // A damaged base backup fails, loudly.
    let base = root
        .path()
        .join("backups/base")
        .join(&made.label)
        .join("base.tar.gz");
    let whole = std::fs::read(&base).expect("the backup");
    std::fs::write(&base, &whole[..whole.len() / 2]).expect("damage");
    // The scheduled verification mails the operator over real SMTP.
    let smtp = SmtpServer::start(free_port());
    let alert = backup::Alert {
        mailer: prudentia::server::mailer::Mailer::new(
            &format!("smtp://127.0.0.1:{}", smtp.port),
            "Prudentia <ops@prudentia.example>",
        )
        .expect("a mailer"),
        to: "operator@prudentia.example".parse().expect("an address"),
    };
    let damaged = backup::verify_and_report(&store, Some(&alert)).await;
    assert!(
        matches!(damaged, Err(BackupError::Damaged(_))),
        "{damaged:?}"
    );
    let mail = smtp.received();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(
        mail[0].contains("Subject: Prudentia: backup verification FAILED"),
        "{}",
        mail[0]
    );
    assert!(
        mail[0].contains("To: operator@prudentia.example"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("the backup is damaged"), "{}", mail[0]);
    // The command says so too, and exits non-zero.
    let command = |action: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_prudentia"))
            .args(["backup", action, "--data-dir"])
            .arg(root.path())
            .output()
            .expect("prudentia backup")
    };
    let listed = command("list");
    assert!(listed.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(listed[0]["label"], made.label.as_str());
    let verified = command("verify");
    assert!(!verified.status.success());
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(said.contains("the backup is damaged"), "{said}");

    drop(conn);
    database.close().await;
}
