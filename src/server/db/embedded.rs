//! A private PostgreSQL cluster run by Prudentia itself when no `DATABASE_URL`
//! is given, so that `make run` needs no database set up by hand.
//!
//! The cluster listens only on a unix socket inside its own data directory
//! (no TCP at all), so nothing outside this machine's file permissions can
//! reach it. PostgreSQL refuses to run as root; when we are root the cluster
//! runs as an unprivileged system user created on first use.

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User, chown, geteuid};
use sqlx::postgres::PgConnectOptions;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The system user that owns and runs the cluster when Prudentia runs as root.
const CLUSTER_USER: &str = "prudentia";
/// The cluster's superuser role (independent of the operating-system user).
pub const SUPERUSER: &str = "postgres";
pub(crate) const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes by the kernel.
const MAX_SOCKET_PATH: usize = 100;
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found on PATH nor in \
         /usr/lib/postgresql/*/bin; install PostgreSQL or set DATABASE_URL"
    )]
    BinariesNotFound,
    #[error("could not prepare the system user `{CLUSTER_USER}` that runs PostgreSQL: {0}")]
    User(String),
    #[error("initdb failed for {dir}: {detail}")]
    Initdb { dir: PathBuf, detail: String },
    #[error(
        "the data directory {dir} is already in use by PostgreSQL process {pid} \
         (is another Prudentia running?); stop it or choose another PRUDENTIA_DATA_DIR"
    )]
    InUse { dir: PathBuf, pid: i32 },
    #[error("PostgreSQL exited during start-up; see its log at {log}")]
    Exited { log: PathBuf },
    #[error("PostgreSQL did not become ready within {}s; see its log at {log}", READY_TIMEOUT.as_secs())]
    NotReady { log: PathBuf },
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let path = path.to_path_buf();
    move |source| EmbeddedError::Io {
        action,
        path,
        source,
    }
}

/// A running cluster. Dropping it stops PostgreSQL (fast shutdown).
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    postmaster: Option<Child>,
    watchdog: Option<Child>,
}

impl EmbeddedPostgres {
    /// Starts the cluster stored in `root/postgres` (creating it on first use)
    /// and waits until it accepts connections. Its log goes to
    /// `root/postgres.log`.
    pub fn start(root: &Path) -> Result<Self, EmbeddedError> {
        Self::start_with(root, None)
    }

    /// [`start`](Self::start), archiving every WAL segment into `wal_archive`
    /// (at least once a minute: `archive_timeout`), so a base backup and
    /// the archive restore to any moment since (see `server::backup`).
    pub fn start_with(root: &Path, wal_archive: Option<&Path>) -> Result<Self, EmbeddedError> {
        let bin = find_binaries()?;
        fs::create_dir_all(root).map_err(io("creating", root))?;
        let root = root.canonicalize().map_err(io("resolving", root))?;
        let data_dir = root.join("postgres");
        let log_path = root.join("postgres.log");
        let owner = cluster_owner()?;
        if owner.is_some() {
            // The cluster user must be able to reach its data directory.
            fs::set_permissions(&root, fs::Permissions::from_mode(0o711))
                .map_err(io("setting permissions on", &root))?;
        }

        if !data_dir.join("PG_VERSION").exists() {
            init_cluster(&bin, &data_dir, owner.as_ref())?;
        }
        refuse_if_in_use(&data_dir)?;

        let socket_dir = socket_dir_for(&data_dir, owner.as_ref())?;
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io("opening", &log_path))?;
        let log_err = log.try_clone().map_err(io("opening", &log_path))?;
        let mut command = Command::new(bin.join("postgres"));
        if let Some(archive) = wal_archive {
            command.args(archiving(archive, owner.as_ref())?);
        }
        command
            .arg("-D")
            .arg(&data_dir)
            .arg("-k")
            .arg(&socket_dir)
            .args(["-p", &PORT.to_string()])
            // An empty list: no TCP socket at all, only the unix socket.
            .args(["-c", "listen_addresses="])
            .args(["-c", "unix_socket_permissions=0700"])
            .args(["-c", "max_connections=200"])
            .current_dir(&data_dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group: a Ctrl-C in the terminal reaches only us,
            // and we stop PostgreSQL after the HTTP server has drained.
            .process_group(0);
        as_cluster_user(&mut command, owner.as_ref());
        let postmaster = command
            .spawn()
            .map_err(io("starting postgres from", &bin))?;

        let mut cluster = Self {
            data_dir,
            socket_dir,
            postmaster: Some(postmaster),
            watchdog: None,
        };
        cluster.watchdog = spawn_watchdog(cluster.pid()).ok();
        cluster.wait_until_ready(&log_path)?;
        tracing::info!(data_dir = %cluster.data_dir.display(), "embedded PostgreSQL ready");
        Ok(cluster)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Connection options for `database` over the cluster's unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    fn pid(&self) -> Option<i32> {
        self.postmaster
            .as_ref()
            .and_then(|c| i32::try_from(c.id()).ok())
    }

    /// PostgreSQL writes "ready" on line 8 of `postmaster.pid` once it accepts
    /// connections; reading it avoids guessing with connection retries.
    fn wait_until_ready(&mut self, log: &Path) -> Result<(), EmbeddedError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let pid_file = self.data_dir.join("postmaster.pid");
        loop {
            if let Some(child) = self.postmaster.as_mut()
                && let Ok(Some(_)) = child.try_wait()
            {
                self.postmaster = None;
                return Err(EmbeddedError::Exited {
                    log: log.to_path_buf(),
                });
            }
            // Our postmaster's file, not one a crashed server left behind.
            let ours = self.pid().map(|pid| pid.to_string());
            if let Ok(content) = fs::read_to_string(&pid_file)
                && content.lines().next().map(str::trim) == ours.as_deref()
                && content.lines().nth(7).map(str::trim) == Some("ready")
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(EmbeddedError::NotReady {
                    log: log.to_path_buf(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fast shutdown: running transactions are rolled back, data is safe.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.postmaster.take() {
            if let Ok(pid) = i32::try_from(child.id()) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
            }
            let deadline = Instant::now() + STOP_TIMEOUT;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                tracing::warn!("PostgreSQL did not stop in time; sending an immediate shutdown");
                if let Ok(pid) = i32::try_from(child.id()) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGQUIT);
                }
                let _ = child.wait();
            }
            tracing::info!(data_dir = %self.data_dir.display(), "embedded PostgreSQL stopped");
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `initdb` and `postgres` from PATH, else the newest `/usr/lib/postgresql/*/bin`.
pub(crate) fn find_binaries() -> Result<PathBuf, EmbeddedError> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
    });
    if let Some(dir) = on_path {
        return Ok(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or(EmbeddedError::BinariesNotFound)
}

/// `Some(user)` when we are root and must hand the cluster to an
/// unprivileged user; `None` when we can run PostgreSQL as ourselves.
pub(crate) fn cluster_owner() -> Result<Option<User>, EmbeddedError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    if let Some(user) = lookup_user()? {
        return Ok(Some(user));
    }
    let status = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
        ])
        .arg(CLUSTER_USER)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| EmbeddedError::User(format!("running useradd: {e}")))?;
    // Another process may have created it meanwhile; look again either way.
    match lookup_user()? {
        Some(user) => Ok(Some(user)),
        None => Err(EmbeddedError::User(format!("useradd exited with {status}"))),
    }
}

/// The settings that copy each finished WAL segment into `archive`: whole
/// (written beside, flushed, renamed), never over one already there.
fn archiving(archive: &Path, owner: Option<&User>) -> Result<Vec<String>, EmbeddedError> {
    fs::create_dir_all(archive).map_err(io("creating", archive))?;
    let archive = archive.canonicalize().map_err(io("resolving", archive))?;
    fs::set_permissions(&archive, fs::Permissions::from_mode(0o700))
        .map_err(io("setting permissions on", &archive))?;
    give_to(&archive, owner)?;
    let dir = archive.display().to_string();
    if dir.contains(['\'', '%']) {
        return Err(EmbeddedError::Io {
            action: "archiving WAL into",
            path: archive,
            source: std::io::Error::other("the path may not hold ' or %"),
        });
    }
    let command = format!(
        "test ! -f '{dir}/%f' && cp '%p' '{dir}/%f.part' && sync '{dir}/%f.part' \
         && mv '{dir}/%f.part' '{dir}/%f'"
    );
    Ok(vec![
        "-c".into(),
        "archive_mode=on".into(),
        "-c".into(),
        format!("archive_command={command}"),
        "-c".into(),
        "archive_timeout=60".into(),
    ])
}

fn lookup_user() -> Result<Option<User>, EmbeddedError> {
    User::from_name(CLUSTER_USER).map_err(|e| EmbeddedError::User(e.to_string()))
}

pub(crate) fn as_cluster_user(command: &mut Command, owner: Option<&User>) {
    if let Some(user) = owner {
        command
            .uid(user.uid.as_raw())
            .gid(user.gid.as_raw())
            .env("HOME", &user.dir)
            .env("USER", CLUSTER_USER);
    }
}

pub(crate) fn give_to(path: &Path, owner: Option<&User>) -> Result<(), EmbeddedError> {
    if let Some(user) = owner {
        chown(path, Some(user.uid), Some(user.gid)).map_err(|e| EmbeddedError::Io {
            action: "changing the owner of",
            path: path.to_path_buf(),
            source: e.into(),
        })?;
    }
    Ok(())
}

fn init_cluster(bin: &Path, data_dir: &Path, owner: Option<&User>) -> Result<(), EmbeddedError> {
    fs::create_dir_all(data_dir).map_err(io("creating", data_dir))?;
    fs::set_permissions(data_dir, fs::Permissions::from_mode(0o700))
        .map_err(io("setting permissions on", data_dir))?;
    give_to(data_dir, owner)?;
    let mut command = Command::new(bin.join("initdb"));
    command
        .arg("-D")
        .arg(data_dir)
        .args(["-U", SUPERUSER, "-E", "UTF8", "--no-locale"])
        // Only the unix socket exists, and its directory is private to the
        // cluster's owner (and root), so local trust is safe; TCP is refused.
        .args(["--auth-local=trust", "--auth-host=reject"])
        .current_dir(data_dir)
        .stdin(Stdio::null());
    as_cluster_user(&mut command, owner);
    let output = command.output().map_err(io("running initdb from", bin))?;
    if !output.status.success() {
        return Err(EmbeddedError::Initdb {
            dir: data_dir.to_path_buf(),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

/// PostgreSQL would refuse to start anyway; this says why in our words. A
/// pid file whose server is gone (killed, crashed) is removed, with the
/// socket's lock file: PostgreSQL would otherwise take a zombie or a
/// reused pid for a live server and refuse to start.
fn refuse_if_in_use(data_dir: &Path) -> Result<(), EmbeddedError> {
    let Ok(content) = fs::read_to_string(data_dir.join("postmaster.pid")) else {
        return Ok(());
    };
    let Some(pid) = content
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        return Ok(());
    };
    if pid > 0 && postgres_alive(pid) {
        return Err(EmbeddedError::InUse {
            dir: data_dir.to_path_buf(),
            pid,
        });
    }
    tracing::warn!(
        pid,
        "PostgreSQL did not stop cleanly last time: removing its stale pid file"
    );
    let pid_file = data_dir.join("postmaster.pid");
    fs::remove_file(&pid_file).map_err(io("removing the stale", &pid_file))?;
    let socket_lock = data_dir.join(format!(".s.PGSQL.{PORT}.lock"));
    if socket_lock.exists() {
        fs::remove_file(&socket_lock).map_err(io("removing the stale", &socket_lock))?;
    }
    Ok(())
}

/// Whether `pid` is a live PostgreSQL process. After a crash the pid file
/// stays behind, and its process may be a zombie nobody reaped (in a
/// container whose init does not) or the number may belong to another
/// program by now: neither holds the data directory, and PostgreSQL itself
/// starts over such a file.
fn postgres_alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // "pid (comm) state …": the command name may hold spaces.
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(head, tail)| {
            head.ends_with("(postgres") && !tail.trim_start().starts_with(['Z', 'X'])
        }),
        Err(_) => kill(Pid::from_raw(pid), None).is_ok() && !Path::new("/proc/self").exists(),
    }
}

/// The socket lives in the data directory unless that path is too long for a
/// unix socket; then in a private directory under /tmp named after it.
pub(crate) fn socket_dir_for(
    data_dir: &Path,
    owner: Option<&User>,
) -> Result<PathBuf, EmbeddedError> {
    let socket = data_dir.join(format!(".s.PGSQL.{PORT}"));
    if socket.as_os_str().len() <= MAX_SOCKET_PATH {
        return Ok(data_dir.to_path_buf());
    }
    let hash = data_dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    let dir = std::env::temp_dir().join(format!("prudentia-pg-{hash:016x}"));
    fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
        .map_err(io("setting permissions on", &dir))?;
    give_to(&dir, owner)?;
    Ok(dir)
}

/// If this process dies without stopping the cluster (SIGKILL, crash), a tiny
/// shell loop notices and stops PostgreSQL, so no server outlives us.
fn spawn_watchdog(postmaster: Option<i32>) -> std::io::Result<Child> {
    let pg = postmaster.ok_or_else(|| std::io::Error::other("postmaster has no pid"))?;
    Command::new("sh")
        .args([
            "-c",
            r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -INT "$2" 2>/dev/null"#,
            "prudentia-pg-watchdog",
        ])
        .arg(std::process::id().to_string())
        .arg(pg.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
}
