//! Configuration, layered as defaults < environment variables < command-line
//! flags (clap reads both). Every variable is listed in `prudentia --help` and
//! in the README.

use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

/// Where the data lives.
#[derive(Clone, Debug)]
pub enum DatabaseConfig {
    /// An existing PostgreSQL server; Prudentia never starts its own. The
    /// application logs in with `app`; migrations with `owner` (the schema's
    /// owner), or with `app` too when it is the owner.
    Url { app: String, owner: Option<String> },
    /// The private cluster under `data_dir/postgres`, started and stopped by us.
    Embedded { data_dir: PathBuf },
}

#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// PostgreSQL URL. When absent, Prudentia runs a private cluster under --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL of the schema's owner, for migrations and `audit
    /// verify`. With it, DATABASE_URL logs in as a role that only belongs to
    /// prudentia_app (e.g. prudentia_login, which the migrations create).
    #[arg(long, env = "PRUDENTIA_OWNER_DATABASE_URL", hide_env_values = true)]
    pub owner_database_url: Option<String>,

    /// Folder for local data: the private PostgreSQL cluster and its log.
    #[arg(long, env = "PRUDENTIA_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,

    /// Database connections the server keeps at most.
    #[arg(long, env = "PRUDENTIA_DB_POOL_SIZE", default_value = "20")]
    pub db_pool_size: NonZeroU32,

    /// Seconds a request waits for a free connection before it is answered
    /// 503 (busy, retry) instead of queueing longer.
    #[arg(long, env = "PRUDENTIA_DB_ACQUIRE_TIMEOUT", default_value = "5")]
    pub db_acquire_timeout_secs: NonZeroU32,
}

/// The application pool's size and patience.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout_secs: u32,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 20,
            acquire_timeout_secs: 5,
        }
    }
}

impl DatabaseArgs {
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_pool_size.get(),
            acquire_timeout_secs: self.db_acquire_timeout_secs.get(),
        }
    }

    pub fn config(&self) -> DatabaseConfig {
        match self.database_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => DatabaseConfig::Url {
                app: url.to_owned(),
                owner: self
                    .owner_database_url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned),
            },
            _ => DatabaseConfig::Embedded {
                data_dir: self.data_dir.clone(),
            },
        }
    }
}

#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default: put a TLS proxy in front to publish).
    #[arg(long, env = "PRUDENTIA_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Contact requests accepted per client IP address and hour.
    #[arg(long, env = "PRUDENTIA_CONTACT_PER_HOUR", default_value = "5")]
    pub contact_per_hour: NonZeroU32,

    /// Password hashes computed at once (each takes 19 MiB and ~50 ms of a
    /// core); past that, log-ins are answered 503 with Retry-After.
    /// Defaults to the number of cores.
    #[arg(long, env = "PRUDENTIA_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<NonZeroU32>,

    /// Worker threads for heavy work (the engine, spreadsheets, reports);
    /// defaults to the number of cores.
    #[arg(long, env = "PRUDENTIA_HEAVY_WORKERS")]
    pub heavy_workers: Option<NonZeroU32>,

    /// Heavy jobs one organisation may run at once (past it: 429 with
    /// Retry-After); defaults to half the workers.
    #[arg(long, env = "PRUDENTIA_HEAVY_PER_TENANT")]
    pub heavy_per_tenant: Option<NonZeroU32>,

    /// Mails (reports, invitations) one member may send an hour.
    #[arg(long, env = "PRUDENTIA_MAIL_PER_MEMBER_HOUR", default_value = "50")]
    pub mail_per_member_hour: NonZeroU32,

    /// Mails one organisation's members may send an hour in all.
    #[arg(
        long,
        env = "PRUDENTIA_MAIL_PER_ORGANISATION_HOUR",
        default_value = "300"
    )]
    pub mail_per_organisation_hour: NonZeroU32,

    /// Take the client address from the right-most X-Forwarded-For entry
    /// (only behind a reverse proxy that sets it).
    #[arg(long, env = "PRUDENTIA_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Mark the session cookie Secure (set it when users reach us over HTTPS).
    #[arg(long, env = "PRUDENTIA_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// The public address of the application (e.g. https://prudentia.bank.eu):
    /// every link in mail and pages, the origin browsers must send, the Host
    /// accepted. Defaults to http://ADDR; other Hosts are answered 421.
    #[arg(long, env = "PRUDENTIA_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The SMTP server that delivers mail, as smtp://host:port (plain, for a
    /// local relay), smtp://user:pass@host:587?tls=required or
    /// smtps://host:465. Without it mail stays queued.
    #[arg(long, env = "PRUDENTIA_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of every mail.
    #[arg(
        long,
        env = "PRUDENTIA_MAIL_FROM",
        default_value = "Prudentia <no-reply@prudentia.local>"
    )]
    pub mail_from: String,

    /// Let webhooks reach loopback, private and link-local addresses, over
    /// plain http too: for a receiver inside the bank's network, and tests.
    /// Off, only https to public addresses (no SSRF into our network).
    #[arg(
        long,
        env = "PRUDENTIA_WEBHOOKS_ALLOW_PRIVATE",
        default_value_t = false
    )]
    pub webhooks_allow_private: bool,

    /// The key that seals the secrets of scheduled imports and exports
    /// (passwords, private keys, tokens): 32 bytes in base64. Without it
    /// (or the file below) no secret can be stored.
    #[arg(long, env = "PRUDENTIA_SECRETS_KEY", hide_env_values = true)]
    pub secrets_key: Option<String>,

    /// A file holding that key, for deployments that mount secrets as files.
    #[arg(long, env = "PRUDENTIA_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<std::path::PathBuf>,

    /// The folder whose subfolders (one per organisation, named by its id)
    /// scheduled imports may read and exports write. Without it folder
    /// connections are off.
    #[arg(long, env = "PRUDENTIA_CONNECTIONS_ROOT")]
    pub connections_root: Option<std::path::PathBuf>,

    /// Let SFTP and HTTPS connections reach loopback and private addresses
    /// (an SFTP server inside the bank's network, tests). Off, only public
    /// addresses.
    #[arg(
        long,
        env = "PRUDENTIA_CONNECTIONS_ALLOW_PRIVATE",
        default_value_t = false
    )]
    pub connections_allow_private: bool,

    /// A PEM certificate chain: with `--tls-key`, Prudentia serves HTTPS
    /// itself (HTTP/2, HSTS, secure cookies), reloading both on SIGHUP.
    #[arg(long, env = "PRUDENTIA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The certificate's private key (PEM).
    #[arg(long, env = "PRUDENTIA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// With HTTPS, a plain listener that redirects every request to it,
    /// e.g. 0.0.0.0:80.
    #[arg(long, env = "PRUDENTIA_HTTP_REDIRECT_ADDR")]
    pub http_redirect_addr: Option<SocketAddr>,

    /// When the private cluster takes a base backup (cron, UTC); `off`
    /// for never. Its WAL is archived continuously whatever this says.
    #[arg(long, env = "PRUDENTIA_BACKUP_SCHEDULE", default_value = "30 2 * * *")]
    pub backup_schedule: String,

    /// When the newest backup is restored into a scratch cluster and
    /// checked (cron, UTC); `off` for never.
    #[arg(
        long,
        env = "PRUDENTIA_BACKUP_VERIFY_SCHEDULE",
        default_value = "0 4 * * 0"
    )]
    pub backup_verify_schedule: String,

    /// Days base backups are kept (the newest always is), with the WAL
    /// the oldest kept one needs.
    #[arg(long, env = "PRUDENTIA_BACKUP_KEEP_DAYS", default_value_t = 35)]
    pub backup_keep_days: i64,

    /// A second location (another disk, a mount) every backup file is
    /// copied to after each scheduled backup.
    #[arg(long, env = "PRUDENTIA_BACKUP_COPY_DIR")]
    pub backup_copy_dir: Option<std::path::PathBuf>,

    /// Seals the copy (XChaCha20-Poly1305; base64 of 32 bytes): the second
    /// location then holds nothing readable without it.
    #[arg(long, env = "PRUDENTIA_BACKUP_COPY_KEY", hide_env_values = true)]
    pub backup_copy_key: Option<String>,

    /// The operator's address: a failed backup or backup verification is
    /// mailed there at once (over PRUDENTIA_SMTP_URL).
    #[arg(long, env = "PRUDENTIA_OPERATIONS_EMAIL")]
    pub operations_email: Option<String>,

    /// The bearer token `GET /metrics` answers to on the main address.
    /// Unset, it answers 404 there.
    #[arg(long, env = "PRUDENTIA_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// An address of its own for `GET /metrics`, without a token (keep it
    /// inside the monitoring network), e.g. 127.0.0.1:9464.
    #[arg(long, env = "PRUDENTIA_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// How often queued mail is looked at, in seconds.
    #[arg(long, env = "PRUDENTIA_MAIL_POLL_SECONDS", default_value_t = 5)]
    pub mail_poll_seconds: u64,

    /// API calls a second per token (bursts aside); the daily quota per
    /// organisation comes from its plan.
    #[arg(long, env = "PRUDENTIA_API_RATE", default_value = "20")]
    pub api_rate_per_second: NonZeroU32,

    /// The burst of calls a token may make at once.
    #[arg(long, env = "PRUDENTIA_API_BURST", default_value = "40")]
    pub api_burst: NonZeroU32,

    /// Create the demo organisation and its three accounts (one per role)
    /// if missing, and print their log-in. For evaluation, never production.
    #[arg(long, env = "PRUDENTIA_DEMO", default_value_t = false)]
    pub demo: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The address users reach the application at, and the Host values a
/// request may carry: the public one, the listening address, and
/// `localhost` when listening on loopback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    origin: String,
    hosts: Vec<String>,
}

impl PublicUrl {
    /// `configured` (PRUDENTIA_PUBLIC_URL), else `http://` + the listening
    /// address.
    pub fn new(configured: Option<&str>, listening: SocketAddr) -> Result<Self, String> {
        let origin = match configured.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Self::parse_origin(url)?,
            None => format!("http://{listening}"),
        };
        let public_host = origin
            .split_once("://")
            .map_or("", |(_, host)| host)
            .to_ascii_lowercase();
        let mut hosts = vec![public_host, listening.to_string()];
        if listening.ip().is_loopback() {
            hosts.push(format!("localhost:{}", listening.port()));
        }
        Ok(Self { origin, hosts })
    }

    fn parse_origin(url: &str) -> Result<String, String> {
        let invalid = || {
            format!(
                "PRUDENTIA_PUBLIC_URL must be an http(s) address with a host and no path, \
                 like https://prudentia.bank.eu; got {url:?}"
            )
        };
        let uri: http::Uri = url.parse().map_err(|_| invalid())?;
        let scheme = uri
            .scheme_str()
            .filter(|s| matches!(*s, "http" | "https"))
            .ok_or_else(invalid)?;
        let authority = uri.authority().ok_or_else(invalid)?;
        if !matches!(uri.path(), "" | "/")
            || uri.query().is_some()
            || authority.as_str().contains('@')
        {
            return Err(invalid());
        }
        Ok(format!(
            "{scheme}://{}",
            authority.as_str().to_ascii_lowercase()
        ))
    }

    /// `scheme://host[:port]`, the value browsers send as `Origin`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether a request's Host header names us.
    pub fn accepts_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn the_public_url_is_an_origin_and_names_the_hosts_accepted() {
        let addr = "127.0.0.1:3000".parse().expect("address");
        let default = PublicUrl::new(None, addr).expect("default");
        assert_eq!(default.origin(), "http://127.0.0.1:3000");
        assert!(default.accepts_host("127.0.0.1:3000"));
        assert!(default.accepts_host("LOCALHOST:3000"));
        assert!(!default.accepts_host("evil.example"));
        let public = PublicUrl::new(Some("https://Prudentia.Bank.eu/"), addr).expect("public");
        assert_eq!(public.origin(), "https://prudentia.bank.eu");
        assert!(public.accepts_host("prudentia.bank.eu"));
        for wrong in [
            "ftp://x.eu",
            "prudentia.bank.eu",
            "https://x.eu/app",
            "https://u:p@x.eu",
        ] {
            assert!(PublicUrl::new(Some(wrong), addr).is_err(), "{wrong}");
        }
    }
}
