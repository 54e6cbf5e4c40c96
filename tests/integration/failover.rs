//! A primary and its streaming standby on loopback: a server whose
//! DATABASE_URL lists both hosts writes to the primary; the primary is
//! killed, `scripts/pg-failover` promotes the standby, and the same pool
//! writes again, to the promoted host, without a restart.

use crate::support::{free_port, fresh_database};
use prudentia::server::config::{DatabaseConfig, PoolSettings};
use prudentia::server::db::Database;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Debian's PostgreSQL")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL version")
}

/// PostgreSQL refuses root: as root, run it as the embedded cluster's user
/// (made by the first `fresh_database`).
fn as_cluster_user(command: &mut Command) -> &mut Command {
    if nix::unistd::geteuid().is_root() {
        let user = nix::unistd::User::from_name("prudentia")
            .expect("the user table")
            .expect("the cluster user");
        command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    command.process_group(0)
}

fn run(command: &mut Command) {
    let out = as_cluster_user(command)
        .output()
        .expect("a PostgreSQL tool");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A postmaster killed with its whole process group when dropped.
struct Postgres(Child);

impl Postgres {
    fn start(data: &Path, port: u16) -> Postgres {
        let mut child = as_cluster_user(
            Command::new(bin().join("postgres"))
                .arg("-D")
                .arg(data)
                .arg("-k")
                .arg(data)
                .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .spawn()
        .expect("postgres");
        for _ in 0..300 {
            let ready = Command::new(bin().join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Postgres(child);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("postgres on {port} did not start");
    }

    fn kill(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.0.wait();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn the_pool_follows_the_standby_promoted_when_the_primary_is_killed() {
    fresh_database().await;
    let dir = tempfile::tempdir().expect("a folder");
    let clusters = dir.path().join("pg");
    std::fs::create_dir(&clusters).expect("a folder");
    if nix::unistd::geteuid().is_root() {
        let user = nix::unistd::User::from_name("prudentia")
            .expect("the user table")
            .expect("the cluster user");
        nix::unistd::chown(&clusters, Some(user.uid), Some(user.gid)).expect("chown");
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
    }
    let (primary_dir, standby_dir) = (clusters.join("primary"), clusters.join("standby"));
    let (p1, p2) = (free_port(), free_port());
    run(Command::new(bin().join("initdb"))
        .arg("-D")
        .arg(&primary_dir)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ]));
    let mut primary = Postgres::start(&primary_dir, p1);
    // Synchronous, set before the copy so the standby inherits the setting
    // as a real one does: the script must clear it on promotion, or every
    // commit on the promoted host would wait for a standby it does not have.
    for sql in [
        "ALTER SYSTEM SET synchronous_standby_names = 'standby1'",
        "SELECT pg_reload_conf()",
    ] {
        run(Command::new(bin().join("psql"))
            .args(["-h", "127.0.0.1", "-p", &p1.to_string(), "-U", "postgres"])
            .args(["-X", "-c", sql]));
    }
    run(Command::new(bin().join("pg_basebackup"))
        .args([
            "-d",
            &format!("host=127.0.0.1 port={p1} user=postgres application_name=standby1"),
        ])
        .arg("-D")
        .arg(&standby_dir)
        .args(["-R", "-X", "stream", "-c", "fast"]));
    let _standby = Postgres::start(&standby_dir, p2);

    let url = format!("postgres://postgres@127.0.0.1:{p2},127.0.0.1:{p1}/postgres");
    let database = Database::open_with(
        &DatabaseConfig::Url {
            app: url,
            owner: None,
        },
        PoolSettings {
            max_connections: 4,
            acquire_timeout_secs: 20,
        },
    )
    .await
    .expect("the hosts");
    // The standby is listed first; the primary is the one that takes writes.
    database.migrate().await.expect("migrations on the primary");
    let write = |key: &'static str| {
        let pool = database.pool.clone();
        async move {
            let insert = sqlx::query("INSERT INTO login_throttle (throttle_key) VALUES ($1)")
                .bind(key)
                .execute(&pool);
            tokio::time::timeout(Duration::from_secs(60), insert)
                .await
                .expect("a commit within a minute")
        }
    };
    write("before")
        .await
        .expect("a synchronous write to the primary");
    assert_eq!(database.pool.connect_options().get_port(), p1);

    primary.kill();
    let promoted = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-failover"))
        .args([
            "--primary",
            &format!("host=127.0.0.1 port={p1} user=postgres"),
        ])
        .args([
            "--standby",
            &format!("host=127.0.0.1 port={p2} user=postgres"),
        ])
        .env("PATH", format!("{}:/usr/bin:/bin", bin().display()))
        .output()
        .expect("the failover script");
    assert!(
        promoted.status.success(),
        "{}",
        String::from_utf8_lossy(&promoted.stdout)
    );

    // The same pool, no restart: the write waits for a connection, which
    // comes from the promoted host once the watch has moved the pool.
    write("after").await.expect("a write after the failover");
    assert_eq!(database.pool.connect_options().get_port(), p2);
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT throttle_key FROM login_throttle ORDER BY throttle_key")
            .fetch_all(&database.pool)
            .await
            .expect("a read");
    assert_eq!(keys, ["after", "before"], "the acknowledged write survived");
    database.close().await;
}
