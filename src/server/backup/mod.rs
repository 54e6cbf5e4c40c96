//! Backups of the private cluster with what PostgreSQL ships: its WAL is
//! archived continuously (`archive_command`, at least once a minute) into
//! `backups/wal`, `pg_basebackup` takes a compressed base backup into
//! `backups/base/<time>`, and a restore replays the archive onto the newest
//! base backup before the moment asked for (`recovery_target_time`) in a
//! new data folder. `verify` restores the newest backup into a scratch
//! cluster and checks it as a restore would be checked by hand.
//!
//! Why not pgBackRest: the cluster is ours and started by us, the tools
//! come with its binaries, and one folder of files is easy to copy
//! elsewhere; an external PostgreSQL is better served by pgBackRest (see
//! docs/disaster-recovery.md).

pub mod sealed;

use crate::server::connections::schedule::Schedule;
use crate::server::db::embedded::{
    self, EmbeddedError, EmbeddedPostgres, as_cluster_user, cluster_owner, find_binaries, give_to,
};
use crate::server::metrics;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a restore may take to replay the archive.
const RECOVERY_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Cluster(#[from] EmbeddedError),
    #[error("{0}")]
    Command(String),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no backup in {0}")]
    None(PathBuf),
    #[error("no backup finished before {0}: the oldest kept finished at {1}")]
    TooEarly(String, String),
    #[error("{0} holds a cluster already: restore into a new folder")]
    Occupied(PathBuf),
    #[error("the restored cluster did not come up: {0}")]
    Recovery(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the backup is damaged: {0}")]
    Damaged(String),
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_path_buf();
    move |source| BackupError::Io {
        action,
        path,
        source,
    }
}

/// One base backup, as `backup.json` records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BackupInfo {
    pub label: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub bytes: u64,
    /// The first WAL segment it needs: older ones may go.
    pub first_wal: String,
}

/// The backup folder: `wal/` (the archive) and `base/<label>/`.
#[derive(Clone, Debug)]
pub struct Store {
    pub dir: PathBuf,
}

impl Store {
    /// The private cluster's backups: `data_dir/backups`.
    pub fn of(data_dir: &Path) -> Store {
        Store {
            dir: data_dir.join("backups"),
        }
    }

    pub fn wal(&self) -> PathBuf {
        self.dir.join("wal")
    }

    fn base(&self) -> PathBuf {
        self.dir.join("base")
    }

    /// Every base backup, oldest first.
    pub fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        let base = self.base();
        let Ok(entries) = fs::read_dir(&base) else {
            return Ok(Vec::new());
        };
        let mut found: Vec<BackupInfo> = entries
            .flatten()
            .filter_map(|e| fs::read(e.path().join("backup.json")).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect();
        found.sort_by_key(|b| b.started_at);
        Ok(found)
    }
}

/// The folder of the server's own tools (`pg_basebackup`…): where the
/// `postgres` found really lives (PATH may hold links to it alone).
fn tools() -> Result<PathBuf, BackupError> {
    let postgres = find_binaries()?.join("postgres");
    let real = postgres
        .canonicalize()
        .map_err(io("resolving", &postgres))?;
    Ok(real
        .parent()
        .map_or_else(|| postgres.clone(), Path::to_path_buf))
}

/// Runs `command`, its failure told with what it wrote.
fn run(command: &mut Command, what: &str) -> Result<(), BackupError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BackupError::Command(format!("{what}: {e}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Command(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// A base backup of the running cluster whose data folder is `data_dir`.
pub fn create(data_dir: &Path, store: &Store) -> Result<BackupInfo, BackupError> {
    let owner = cluster_owner()?;
    let bin = tools()?;
    let started_at = Utc::now();
    let label = started_at.format("%Y%m%dT%H%M%SZ").to_string();
    for dir in [&store.dir, &store.base()] {
        fs::create_dir_all(dir).map_err(io("creating", dir))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io("setting permissions on", dir))?;
        give_to(dir, owner.as_ref())?;
    }
    let target = store.base().join(&label);
    let socket = embedded::socket_dir_for(&data_dir.join("postgres"), owner.as_ref())?;
    let mut command = Command::new(bin.join("pg_basebackup"));
    command
        .arg("-D")
        .arg(&target)
        .args([
            "-F", "tar", "-z", "-X", "stream", "-c", "fast", "-l", &label,
        ])
        .arg("-h")
        .arg(&socket)
        .args(["-p", &embedded::PORT.to_string(), "-U", embedded::SUPERUSER]);
    as_cluster_user(&mut command, owner.as_ref());
    run(&mut command, "pg_basebackup")?;
    let manifest = fs::read(target.join("backup_manifest")).map_err(io("reading", &target))?;
    let first_wal = first_segment(&manifest)
        .ok_or_else(|| BackupError::Damaged("its manifest names no WAL range".into()))?;
    let bytes = fs::read_dir(&target)
        .map_err(io("reading", &target))?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let info = BackupInfo {
        label,
        started_at,
        finished_at: Utc::now(),
        bytes,
        first_wal,
    };
    let json = serde_json::to_vec_pretty(&info).map_err(|e| BackupError::Command(e.to_string()))?;
    fs::write(target.join("backup.json"), json).map_err(io("writing", &target))?;
    tracing::info!(label = %info.label, bytes, "base backup taken");
    Ok(info)
}

/// A base backup of the private cluster in `root`: of the running one, or
/// of one started for it (archiving, as `serve` runs it) and stopped after.
pub fn create_now(root: &Path) -> Result<BackupInfo, BackupError> {
    let store = Store::of(root);
    match EmbeddedPostgres::start_with(root, Some(&store.wal())) {
        Ok(mut cluster) => {
            let made = create(root, &store);
            cluster.stop();
            made
        }
        Err(EmbeddedError::InUse { .. }) => create(root, &store),
        Err(other) => Err(other.into()),
    }
}

/// The WAL segment file a backup starts in, from its manifest's first WAL
/// range (timeline and LSN; 16 MB segments).
fn first_segment(manifest: &[u8]) -> Option<String> {
    let manifest: serde_json::Value = serde_json::from_slice(manifest).ok()?;
    let range = manifest.get("WAL-Ranges")?.get(0)?;
    let timeline = range.get("Timeline")?.as_u64()?;
    let (high, low) = range.get("Start-LSN")?.as_str()?.split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    Some(format!("{timeline:08X}{high:08X}{:08X}", low >> 24))
}

/// Keeps the backups of the last `days` days (and always the newest), and
/// the WAL the oldest kept one needs; returns how many backups went.
pub fn prune(store: &Store, days: i64) -> Result<usize, BackupError> {
    let backups = store.list()?;
    let cutoff = Utc::now() - chrono::Duration::days(days);
    let newest = backups.last().map(|b| b.label.clone());
    let (gone, kept): (Vec<_>, Vec<_>) = backups
        .into_iter()
        .partition(|b| b.finished_at < cutoff && Some(&b.label) != newest.as_ref());
    for backup in &gone {
        let dir = store.base().join(&backup.label);
        fs::remove_dir_all(&dir).map_err(io("removing", &dir))?;
    }
    if let Some(oldest) = kept.first() {
        let wal = store.wal();
        for entry in fs::read_dir(&wal).map_err(io("reading", &wal))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Segment names sort in WAL order; history files stay.
            if name.len() == 24 && name.as_str() < oldest.first_wal.as_str() {
                fs::remove_file(entry.path()).map_err(io("removing", &entry.path()))?;
            }
        }
    }
    Ok(gone.len())
}

/// Copies to `copy` every backup file it lacks (base backups and WAL), so
/// a second disk or mount holds the same, sealed under `key` when there is
/// one; returns how many were copied.
pub fn replicate(
    store: &Store,
    copy: &Path,
    key: Option<&sealed::CopyKey>,
) -> Result<usize, BackupError> {
    let mut copied = 0;
    let mut folders = vec![store.dir.clone()];
    while let Some(folder) = folders.pop() {
        let relative = folder.strip_prefix(&store.dir).unwrap_or(Path::new(""));
        let into = copy.join(relative);
        fs::create_dir_all(&into).map_err(io("creating", &into))?;
        for entry in fs::read_dir(&folder)
            .map_err(io("reading", &folder))?
            .flatten()
        {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            // `.part`: a WAL segment being archived right now.
            if name.ends_with(".part") || copied_already(&entry, &into, &name, key.is_some()) {
                continue;
            }
            let part = into.join(format!(".{name}.copying"));
            let target = match key {
                Some(key) => {
                    key.seal(&path, &part, &sealed::name_in_store(relative, &name))?;
                    into.join(format!("{name}{}", sealed::SUFFIX))
                }
                None => {
                    fs::copy(&path, &part).map_err(io("copying", &path))?;
                    into.join(&name)
                }
            };
            fs::rename(&part, &target).map_err(io("copying", &path))?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// A backup file never changes once written, and a copy lands whole
/// (renamed into place): a file of its name is the same file.
fn copied_already(entry: &fs::DirEntry, into: &Path, name: &str, sealed: bool) -> bool {
    if sealed {
        return into.join(format!("{name}{}", sealed::SUFFIX)).exists();
    }
    fs::metadata(into.join(name)).is_ok_and(|m| entry.metadata().is_ok_and(|e| e.len() == m.len()))
}

/// What a restore produced.
#[derive(Debug, Serialize)]
pub struct Restored {
    pub backup: String,
    pub to: Option<DateTime<Utc>>,
    pub seconds: f64,
}

/// Restores into `target/postgres` the newest backup that finished before
/// `to` (the newest of all without it), replaying the archive up to `to`
/// (to its end without it). `target` must hold no cluster; the restored
/// one is left stopped, ready for `PRUDENTIA_DATA_DIR=target`.
pub async fn restore(
    store: &Store,
    to: Option<DateTime<Utc>>,
    target: &Path,
) -> Result<Restored, BackupError> {
    let (restored, mut cluster) = restore_running(store, to, target).await?;
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .map_err(|e| BackupError::Recovery(e.to_string()))?;
    Ok(restored)
}

async fn restore_running(
    store: &Store,
    to: Option<DateTime<Utc>>,
    target: &Path,
) -> Result<(Restored, EmbeddedPostgres), BackupError> {
    let clock = Instant::now();
    let data = target.join("postgres");
    if data.join("PG_VERSION").exists() || data.join("postmaster.pid").exists() {
        return Err(BackupError::Occupied(target.to_path_buf()));
    }
    let backups = store.list()?;
    let chosen = match to {
        None => backups.last(),
        Some(to) => backups.iter().rev().find(|b| b.finished_at <= to),
    };
    let backup = match (chosen, backups.first(), to) {
        (Some(b), _, _) => b.clone(),
        (None, Some(oldest), Some(to)) => {
            return Err(BackupError::TooEarly(
                to.to_rfc3339_opts(SecondsFormat::Secs, true),
                oldest
                    .finished_at
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
            ));
        }
        _ => return Err(BackupError::None(store.dir.clone())),
    };
    let store = store.clone();
    let prepared = {
        let (data, label) = (data.clone(), backup.label.clone());
        tokio::task::spawn_blocking(move || unpack(&store, &label, &data, to))
            .await
            .map_err(|e| BackupError::Recovery(e.to_string()))?
    };
    prepared?;
    let root = target.to_path_buf();
    let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&root))
        .await
        .map_err(|e| BackupError::Recovery(e.to_string()))??;
    promoted(&cluster)
        .await
        .map_err(|e| BackupError::Recovery(why_stopped(target).unwrap_or(e.to_string())))?;
    let restored = Restored {
        backup: backup.label,
        to,
        seconds: clock.elapsed().as_secs_f64(),
    };
    tracing::info!(backup = %restored.backup, seconds = restored.seconds, "restored");
    Ok((restored, cluster))
}

/// Waits until the restored cluster has replayed what it should and left
/// recovery.
async fn promoted(cluster: &EmbeddedPostgres) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect_with(&cluster.connect_options("postgres")).await?;
    let deadline = Instant::now() + RECOVERY_TIMEOUT;
    while sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()")
        .fetch_one(&mut conn)
        .await?
    {
        if Instant::now() > deadline {
            return Err(sqlx::Error::Protocol(
                "the archive is still replaying after an hour".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    conn.close().await.ok();
    Ok(())
}

/// The restored server's last fatal complaint, from its log (such as
/// "recovery ended before configured recovery target was reached": the
/// archive does not reach the moment asked for yet).
fn why_stopped(target: &Path) -> Option<String> {
    let log = fs::read_to_string(target.join("postgres.log")).ok()?;
    log.lines().rev().find_map(|line| {
        line.split_once("FATAL:  ")
            .map(|(_, why)| why.trim().to_owned())
    })
}

/// Unpacks the backup `label` into `data` and sets it to replay the
/// archive up to `to`.
fn unpack(
    store: &Store,
    label: &str,
    data: &Path,
    to: Option<DateTime<Utc>>,
) -> Result<(), BackupError> {
    let owner = cluster_owner()?;
    let source = store.base().join(label);
    if let Some(root) = data.parent() {
        fs::create_dir_all(root).map_err(io("creating", root))?;
        // The cluster's user must reach its data folder.
        fs::set_permissions(root, fs::Permissions::from_mode(0o711))
            .map_err(io("setting permissions on", root))?;
    }
    fs::create_dir_all(data).map_err(io("creating", data))?;
    fs::set_permissions(data, fs::Permissions::from_mode(0o700))
        .map_err(io("setting permissions on", data))?;
    give_to(data, owner.as_ref())?;
    for (archive, into) in [
        ("base.tar.gz", data.to_path_buf()),
        ("pg_wal.tar.gz", data.join("pg_wal")),
    ] {
        let mut command = Command::new("tar");
        command
            .arg("-xzf")
            .arg(source.join(archive))
            .arg("-C")
            .arg(&into);
        as_cluster_user(&mut command, owner.as_ref());
        run(
            &mut command,
            &format!("unpacking {archive} of backup {label}"),
        )
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    }
    // The source's socket lock (its socket lives in its data folder) came
    // along; left, the restored server would take it for a live one.
    let lock = data.join(format!(".s.PGSQL.{}.lock", embedded::PORT));
    if lock.exists() {
        fs::remove_file(&lock).map_err(io("removing", &lock))?;
    }
    let wal = store
        .wal()
        .canonicalize()
        .map_err(io("resolving", &store.wal()))?;
    let mut settings = format!(
        "\n# Set by prudentia backup restore.\nrestore_command = 'cp \"{}/%f\" \"%p\"'\n\
         recovery_target_action = 'promote'\n",
        wal.display()
    );
    if let Some(to) = to {
        settings.push_str(&format!(
            "recovery_target_time = '{}'\n",
            to.format("%Y-%m-%d %H:%M:%S%.6f+00")
        ));
    }
    let auto = data.join("postgresql.auto.conf");
    let mut conf = fs::read_to_string(&auto).unwrap_or_default();
    conf.push_str(&settings);
    fs::write(&auto, conf).map_err(io("writing", &auto))?;
    let signal = data.join("recovery.signal");
    fs::write(&signal, "").map_err(io("writing", &signal))?;
    for path in [auto, signal] {
        give_to(&path, owner.as_ref())?;
    }
    Ok(())
}

/// What `verify` found in the newest backup, restored.
#[derive(Debug, Serialize)]
pub struct Verified {
    pub backup: String,
    pub restore_seconds: f64,
    pub migrations: usize,
    pub tables: Vec<(String, i64)>,
    pub audit_events: i64,
    pub audit_chains: usize,
}

/// Restores the newest backup into a scratch folder and checks it: the
/// migrations applied are ours, byte for byte; every table reads; every
/// audit chain is intact. Fails loudly on anything else.
pub async fn verify(store: &Store) -> Result<Verified, BackupError> {
    let scratch = std::env::temp_dir().join(format!("prudentia-verify-{}", uuid::Uuid::now_v7()));
    let result = verify_in(store, &scratch).await;
    fs::remove_dir_all(&scratch).ok();
    result
}

async fn verify_in(store: &Store, scratch: &Path) -> Result<Verified, BackupError> {
    let (restored, mut cluster) = restore_running(store, None, scratch).await?;
    let checked = async {
        let options = cluster.connect_options(crate::server::db::EMBEDDED_DATABASE);
        let mut conn = PgConnection::connect_with(&options).await?;
        let migrations = migrations_match(&mut conn).await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(relname)
               FROM pg_stat_user_tables ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await?;
        let mut tables = Vec::with_capacity(names.len());
        for name in names {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {name}"))
                .fetch_one(&mut conn)
                .await?;
            tables.push((name, rows));
        }
        let chains = crate::server::audit::verify_all(&mut conn, None).await?;
        let broken: usize = chains.iter().map(|(_, c)| c.broken.len()).sum();
        if broken > 0 {
            return Err(BackupError::Damaged(format!(
                "{broken} audit events fail their chain"
            )));
        }
        conn.close().await.ok();
        Ok(Verified {
            backup: restored.backup.clone(),
            restore_seconds: restored.seconds,
            migrations,
            tables,
            audit_events: chains.iter().map(|(_, c)| c.events).sum(),
            audit_chains: chains.len(),
        })
    }
    .await;
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .ok();
    checked
}

/// Every migration the backup applied is one of ours with the same
/// checksum; returns how many.
async fn migrations_match(conn: &mut PgConnection) -> Result<usize, BackupError> {
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (version, checksum) in &applied {
        let ours = crate::server::db::MIGRATOR
            .iter()
            .find(|m| m.version == *version)
            .ok_or_else(|| BackupError::Damaged(format!("migration {version} is not ours")))?;
        if ours.checksum.as_ref() != checksum.as_slice() {
            return Err(BackupError::Damaged(format!(
                "migration {version} differs from ours"
            )));
        }
    }
    Ok(applied.len())
}

/// When the private cluster is backed up and its newest backup verified,
/// how long backups are kept, and where they are copied.
pub struct Plan {
    pub create: Option<Schedule>,
    pub verify: Option<Schedule>,
    pub keep_days: i64,
    pub copy: Option<PathBuf>,
    pub copy_key: Option<std::sync::Arc<sealed::CopyKey>>,
    pub alert: Option<std::sync::Arc<Alert>>,
}

/// Where a failed backup or verification is reported beyond the log and
/// the metrics: the operator's mailbox (`PRUDENTIA_OPERATIONS_EMAIL`).
pub struct Alert {
    pub mailer: crate::server::mailer::Mailer,
    pub to: lettre::message::Mailbox,
}

impl Alert {
    async fn send(&self, subject: &str, body: String) {
        if let Err(error) = self.mailer.alert(&self.to, subject, body).await {
            tracing::error!(%error, "the operator could not be alerted by mail");
        }
    }
}

#[derive(Clone, Copy)]
enum Task {
    Create,
    Verify,
}

/// Takes and verifies backups on the plan's schedules, each outcome a
/// metric (and an error in the log when it fails).
pub fn spawn_schedule(root: PathBuf, plan: Plan) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            let next = [
                (Task::Create, plan.create.as_ref()),
                (Task::Verify, plan.verify.as_ref()),
            ]
            .into_iter()
            .filter_map(|(task, s)| Some((s?.next_after(now)?, task)))
            .min_by_key(|(at, _)| *at);
            let Some((at, task)) = next else { return };
            tokio::time::sleep((at - now).to_std().unwrap_or_default()).await;
            match task {
                Task::Create => scheduled_create(&root, &plan).await,
                Task::Verify => {
                    let _ = verify_and_report(&Store::of(&root), plan.alert.as_deref()).await;
                }
            }
        }
    })
}

async fn scheduled_create(root: &Path, plan: &Plan) {
    let (root, keep, copy) = (root.to_path_buf(), plan.keep_days, plan.copy.clone());
    let key = plan.copy_key.clone();
    let done = tokio::task::spawn_blocking(move || {
        let store = Store::of(&root);
        let made = create_now(&root)?;
        prune(&store, keep)?;
        if let Some(copy) = copy {
            replicate(&store, &copy, key.as_deref())?;
        }
        Ok::<_, BackupError>(made)
    })
    .await;
    match done {
        Ok(Ok(made)) => metrics::backup_taken(true, made.bytes),
        Ok(Err(error)) => {
            metrics::backup_taken(false, 0);
            tracing::error!(%error, "the scheduled backup failed");
            if let Some(alert) = &plan.alert {
                let body = format!("The scheduled backup failed:\n\n{error}");
                alert.send("Prudentia: scheduled backup FAILED", body).await;
            }
        }
        Err(error) => tracing::error!(%error, "the scheduled backup stopped"),
    }
}

/// Verifies the newest backup and reports the outcome: a metric either
/// way; on failure an error in the log and a mail to the operator.
pub async fn verify_and_report(
    store: &Store,
    alert: Option<&Alert>,
) -> Result<Verified, BackupError> {
    let verified = verify(store).await;
    match &verified {
        Ok(verified) => {
            metrics::backup_verified(Some(verified.restore_seconds));
            tracing::info!(backup = %verified.backup, seconds = verified.restore_seconds,
                           "the newest backup restores and checks out");
        }
        Err(error) => {
            metrics::backup_verified(None);
            tracing::error!(%error, "BACKUP VERIFICATION FAILED: the newest backup does not restore");
            if let Some(alert) = alert {
                let body = format!(
                    "The scheduled verification of the newest backup in {} failed:\n\n{error}\n\n\
                     Take a new base backup (prudentia backup create) and see \
                     docs/disaster-recovery.md.",
                    store.dir.display()
                );
                alert
                    .send("Prudentia: backup verification FAILED", body)
                    .await;
            }
        }
    }
    verified
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_segment_comes_from_the_manifests_wal_range() {
        let manifest = br#"{"WAL-Ranges": [{"Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100"}]}"#;
        assert_eq!(
            first_segment(manifest).as_deref(),
            Some("000000010000000000000002")
        );
        let later = br#"{"WAL-Ranges": [{"Timeline": 3, "Start-LSN": "1A/FF000060", "End-LSN": "1A/FF000100"}]}"#;
        assert_eq!(
            first_segment(later).as_deref(),
            Some("000000030000001A000000FF")
        );
        assert_eq!(first_segment(b"{}"), None);
    }
}
