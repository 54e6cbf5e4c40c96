//! The database: connecting (to `DATABASE_URL` or the embedded cluster),
//! migrating, and one repository module per aggregate.

pub mod contact_requests;
pub mod embedded;
pub mod plans;

use crate::server::config::DatabaseConfig;
use embedded::EmbeddedPostgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// The database the embedded cluster serves the application from.
pub const EMBEDDED_DATABASE: &str = "prudentia";

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Embedded(#[from] embedded::EmbeddedError),
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    InvalidUrl(sqlx::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pool plus, when we started it, the cluster behind it (stopped on drop).
pub struct Database {
    pub pool: PgPool,
    pub cluster: Option<EmbeddedPostgres>,
}

impl Database {
    pub async fn open(config: &DatabaseConfig) -> Result<Self, DbError> {
        match config {
            DatabaseConfig::Url(url) => {
                let options = PgConnectOptions::from_str(url).map_err(DbError::InvalidUrl)?;
                Ok(Self {
                    pool: pool(options).await?,
                    cluster: None,
                })
            }
            DatabaseConfig::Embedded { data_dir } => {
                let root = data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&root))
                    .await
                    .map_err(|e| DbError::Connect(sqlx::Error::Io(std::io::Error::other(e))))??;
                create_database_if_missing(&cluster, EMBEDDED_DATABASE).await?;
                Ok(Self {
                    pool: pool(cluster.connect_options(EMBEDDED_DATABASE)).await?,
                    cluster: Some(cluster),
                })
            }
        }
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool first so PostgreSQL sees no client during its shutdown.
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(mut cluster) = self.cluster.take() {
            let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
        }
    }
}

async fn pool(options: PgConnectOptions) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(DbError::Connect)
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
