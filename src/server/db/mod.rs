//! The database: connecting (to `DATABASE_URL` or the embedded cluster),
//! migrating, and one repository module per aggregate.

pub mod account_tokens;
pub mod anomalies;
pub mod api_tokens;
pub mod audit;
pub mod class_models;
pub mod connections;
pub mod contact_requests;
pub mod embedded;
pub mod failover;
pub mod idempotency_keys;
pub mod imports;
pub mod invitations;
pub mod live;
pub mod notifications;
pub mod operations;
pub mod outbound_emails;
pub mod plans;
pub mod rate_limits;
pub mod reports;
pub mod reviews;
pub mod rule_profiles;
pub mod scope;
pub mod simulations;
pub mod suggestions;
pub mod teams;
pub mod tenants;
pub mod users;
pub mod webhooks;

use crate::server::config::{DatabaseConfig, PoolSettings};
use embedded::EmbeddedPostgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Duration;

/// The database the embedded cluster serves the application from.
pub const EMBEDDED_DATABASE: &str = "prudentia";

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Embedded(#[from] embedded::EmbeddedError),
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    InvalidUrl(#[from] failover::HostsError),
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The role the application's queries run as: it owns no table, so the
/// row-level security policies apply to it (migration 0002).
pub const APP_ROLE: &str = "prudentia_app";

/// The role the application logs in as (migration 0009): a member of
/// [`APP_ROLE`] that inherits none of its rights and owns nothing, so a
/// `RESET ROLE` leaves a session with no rights at all.
pub const LOGIN_ROLE: &str = "prudentia_login";

/// A pool plus, when we started it, the cluster behind it (stopped on drop).
/// The pool runs as [`APP_ROLE`] (logged in as [`LOGIN_ROLE`]); migrations
/// use their own connection as the schema's owner.
pub struct Database {
    pub pool: PgPool,
    pub cluster: Option<EmbeddedPostgres>,
    owner: PgConnectOptions,
    /// With several hosts, the watch that follows the primary.
    failover: Option<tokio::task::JoinHandle<()>>,
}

/// How long a server starting while a standby is being promoted waits for
/// a host that accepts writes.
const PRIMARY_WAIT: Duration = Duration::from_secs(30);

impl Database {
    pub async fn open(config: &DatabaseConfig) -> Result<Self, DbError> {
        Self::open_with(config, PoolSettings::default()).await
    }

    pub async fn open_with(
        config: &DatabaseConfig,
        settings: PoolSettings,
    ) -> Result<Self, DbError> {
        match config {
            DatabaseConfig::Url { app, owner } => {
                let app_hosts = failover::hosts(app)?;
                let owner_hosts = match owner {
                    Some(url) => failover::hosts(url)?,
                    None => {
                        tracing::warn!(
                            "PRUDENTIA_OWNER_DATABASE_URL is not set: the application logs in as \
                             the schema's owner (set it, and DATABASE_URL to a role that only \
                             belongs to prudentia_app)"
                        );
                        app_hosts.clone()
                    }
                };
                if app_hosts.len() == 1 {
                    return Ok(Self {
                        pool: app_pool_with(app_hosts[0].clone(), settings),
                        cluster: None,
                        owner: owner_hosts[0].clone(),
                        failover: None,
                    });
                }
                let app = failover::primary(&app_hosts, PRIMARY_WAIT).await;
                let pool = app_pool_with(app, settings);
                Ok(Self {
                    failover: Some(failover::watch(pool.clone(), app_hosts)),
                    pool,
                    cluster: None,
                    owner: failover::primary(&owner_hosts, PRIMARY_WAIT).await,
                })
            }
            DatabaseConfig::Embedded { data_dir } => {
                let root = data_dir.clone();
                let wal = crate::server::backup::Store::of(&root).wal();
                let cluster = tokio::task::spawn_blocking(move || {
                    EmbeddedPostgres::start_with(&root, Some(&wal))
                })
                .await
                .map_err(|e| DbError::Connect(sqlx::Error::Io(std::io::Error::other(e))))??;
                create_database_if_missing(&cluster, EMBEDDED_DATABASE).await?;
                let owner = cluster.connect_options(EMBEDDED_DATABASE);
                Ok(Self {
                    pool: app_pool_with(owner.clone().username(LOGIN_ROLE), settings),
                    cluster: Some(cluster),
                    owner,
                    failover: None,
                })
            }
        }
    }

    /// A connection as the schema's owner, which row-level security does
    /// not restrict: migrations and the audit chain check of every tenant.
    pub async fn owner_connection(&self) -> Result<PgConnection, DbError> {
        PgConnection::connect_with(&self.owner)
            .await
            .map_err(DbError::Connect)
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        let mut owner = self.owner_connection().await?;
        MIGRATOR.run(&mut owner).await?;
        owner.close().await.map_err(DbError::Connect)?;
        Ok(())
    }

    /// Closes the pool first so PostgreSQL sees no client during its shutdown.
    pub async fn close(mut self) {
        if let Some(watch) = self.failover.take() {
            watch.abort();
        }
        self.pool.close().await;
        if let Some(mut cluster) = self.cluster.take() {
            let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
        }
    }
}

/// A pool whose connections run as [`APP_ROLE`]. It connects lazily: the
/// role exists once the migrations ran, and `serve` migrates (on its own
/// connection) before it takes a request.
pub fn app_pool(options: PgConnectOptions) -> PgPool {
    app_pool_with(options, PoolSettings::default())
}

pub fn app_pool_with(options: PgConnectOptions, settings: PoolSettings) -> PgPool {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs.into()))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::query(&format!("SET ROLE {APP_ROLE}"))
                    .execute(conn)
                    .await
                    .map(|_| ())
            })
        })
        .connect_lazy_with(options)
}

pub async fn create_database_if_missing(
    cluster: &EmbeddedPostgres,
    name: &str,
) -> Result<(), DbError> {
    let mut admin = PgConnection::connect_with(&cluster.connect_options("postgres"))
        .await
        .map_err(DbError::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .map_err(DbError::Connect)?;
    if !exists {
        // Identifiers cannot be bound as parameters; the name is ours, quoted anyway.
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        sqlx::query(&sql)
            .execute(&mut admin)
            .await
            .map_err(DbError::Connect)?;
    }
    admin.close().await.map_err(DbError::Connect)?;
    Ok(())
}
