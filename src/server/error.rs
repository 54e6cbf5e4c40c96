//! Where internal errors become the public `AppError`: the cause is logged
//! here, once, and never sent to the client.

use crate::model::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // Every pooled connection busy: the request did nothing, and a
        // retry in a moment will likely pass.
        if matches!(error, sqlx::Error::PoolTimedOut) {
            tracing::warn!("no database connection free in time: request turned away");
            return AppError::Busy { retry_after_secs: 1 };
        }
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}
