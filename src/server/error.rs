//! Where internal errors become the public `AppError`: the cause is logged
//! here, once, and never sent to the client.

use crate::model::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}
