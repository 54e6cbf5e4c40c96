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
