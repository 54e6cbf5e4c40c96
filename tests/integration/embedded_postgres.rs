use prudentia::server::db::embedded::{EmbeddedError, EmbeddedPostgres};
use sqlx::{Connection, PgConnection};

async fn connect(cluster: &EmbeddedPostgres) -> PgConnection {
    PgConnection::connect_with(&cluster.connect_options("postgres"))
        .await
        .expect("connects over the unix socket")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_stops_and_reuses_its_data() {
    let dir = tempfile::Builder::new()
        .prefix("prudentia-embedded-")
        .tempdir()
        .expect("tempdir");
    let root = dir.path().to_path_buf();

    let mut first = tokio::task::spawn_blocking({
        let root = root.clone();
        move || EmbeddedPostgres::start(&root)
    })
    .await
    .expect("join")
    .expect("first start initialises and starts the cluster");
    assert!(first.data_dir().join("PG_VERSION").is_file());

    let mut conn = connect(&first).await;
    sqlx::query("CREATE TABLE kept (value text)")
        .execute(&mut conn)
        .await
        .expect("create");
    sqlx::query("INSERT INTO kept VALUES ('survives a restart')")
        .execute(&mut conn)
        .await
        .expect("insert");
    // Only the unix socket: the cluster has no TCP listener.
    let listen: String = sqlx::query_scalar("SHOW listen_addresses")
        .fetch_one(&mut conn)
        .await
        .expect("show");
    assert_eq!(listen, "");
    conn.close().await.expect("close");

    // A second server on the same data is refused with our explanation.
    let second = EmbeddedPostgres::start(&root);
    assert!(
        matches!(second, Err(EmbeddedError::InUse { .. })),
        "second start on a running cluster must be refused, got {second:?}"
    );

    tokio::task::spawn_blocking(move || first.stop())
        .await
        .expect("stop");
    assert!(
        !root.join("postgres/postmaster.pid").exists(),
        "a clean stop removes postmaster.pid"
    );

    // A pid file left by a server that died (here: a pid that is alive but
    // is no PostgreSQL, as after a crash and pid reuse, or a zombie) does
    // not hold the data directory.
    let stale = format!(
        "{}\n{}\n0\n5432\n\n\n0 0\nready\n",
        std::process::id(),
        root.join("postgres").display()
    );
    std::fs::write(root.join("postgres/postmaster.pid"), stale).expect("stale pid file");
    let again = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&root))
        .await
        .expect("join")
        .expect("restart reuses the existing cluster");
    let mut conn = connect(&again).await;
    let value: String = sqlx::query_scalar("SELECT value FROM kept")
        .fetch_one(&mut conn)
        .await
        .expect("data kept across restarts");
    assert_eq!(value, "survives a restart");
    conn.close().await.expect("close");
    tokio::task::spawn_blocking(move || drop(again))
        .await
        .expect("drop stops it");
}
