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
    /// An existing PostgreSQL server; Prudentia never starts its own.
    Url(String),
    /// The private cluster under `data_dir/postgres`, started and stopped by us.
    Embedded { data_dir: PathBuf },
}

#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// PostgreSQL URL. When absent, Prudentia runs a private cluster under --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for local data: the private PostgreSQL cluster and its log.
    #[arg(long, env = "PRUDENTIA_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    pub fn config(&self) -> DatabaseConfig {
        match self.database_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => DatabaseConfig::Url(url.to_owned()),
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

    /// Take the client address from the right-most X-Forwarded-For entry
    /// (only behind a reverse proxy that sets it).
    #[arg(long, env = "PRUDENTIA_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Mark the session cookie Secure (set it when users reach us over HTTPS).
    #[arg(long, env = "PRUDENTIA_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// The public address of the application (e.g. https://prudentia.bank.eu),
    /// used in invitation links; defaults to the address of the request.
    #[arg(long, env = "PRUDENTIA_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The SMTP server that delivers mail, as smtp://host:port (plain, for a
    /// local relay), smtp://user:pass@host:587?tls=required or
    /// smtps://host:465. Without it mail stays queued.
    #[arg(long, env = "PRUDENTIA_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of every mail.
    #[arg(long, env = "PRUDENTIA_MAIL_FROM", default_value = "Prudentia <no-reply@prudentia.local>")]
    pub mail_from: String,

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
