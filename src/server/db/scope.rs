//! The tenant scope of a transaction: the one place that sets
//! `app.tenant_id`, which every row-level security policy reads. The tenant
//! comes from the caller's session (see `auth::Caller`), never from input.

use crate::model::account::TenantId;
use sqlx::{PgPool, Postgres, Transaction};

/// A transaction in which exactly one tenant's rows exist.
pub async fn begin(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.0.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}
