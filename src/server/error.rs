//! Where internal errors become the public `AppError`: the cause is logged
//! here, once, and never sent to the client.

use crate::model::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // Every pooled connection busy: the request did nothing, and a
        // retry in a moment will likely pass.
        if matches!(error, sqlx::Error::PoolTimedOut) {
            tracing::warn!("no database connection free in time: request turned away");
            return AppError::Busy {
                retry_after_secs: 1,
            };
        }
        // The database is down or restarting (SQLSTATE classes 08 and 57):
        // nothing was done, and the client may retry in a moment.
        let unavailable = match &error {
            sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            _ => false,
        };
        if unavailable {
            tracing::error!(%error, "database unavailable");
            return AppError::Busy {
                retry_after_secs: 5,
            };
        }
        // PostgreSQL rolled the transaction back (a deadlock, a
        // serialization failure: class 40), or it met a standby during a
        // failover (25006, read-only): nothing was written, and the same
        // request will likely pass in a moment.
        let retry = match &error {
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|code| code.starts_with("40") || code == "25006"),
            _ => false,
        };
        if retry {
            tracing::warn!(%error, "transaction rolled back by the database: request turned away");
            return AppError::Busy {
                retry_after_secs: 1,
            };
        }
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

impl From<crate::server::db::tenants::StorageExceeded> for AppError {
    fn from(error: crate::server::db::tenants::StorageExceeded) -> Self {
        use crate::server::db::tenants::StorageExceeded;
        match error {
            StorageExceeded::Over { used_mb, limit_mb } => AppError::QuotaExceeded(format!(
                "This would take your organisation's storage to {used_mb} MB, past its {limit_mb} MB. \
                 Delete simulations, reports or uploads you no longer need, or change plan."
            )),
            StorageExceeded::Database(error) => error.into(),
        }
    }
}
