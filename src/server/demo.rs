//! The demo organisation `make run` starts with (`serve --demo`): three
//! accounts, one per role, with a password printed at start-up, and the
//! demo bank's simulation. Never on by default: a deployment must not carry
//! known credentials.

use crate::model::account::{Role, TenantId};
use crate::model::error::AppError;
use crate::server::auth::passwords;
use crate::server::db::{scope, simulations, tenants, users};
use sqlx::PgPool;
use uuid::Uuid;

pub const ORGANISATION: &str = "Demo Bank";
pub const PASSWORD: &str = "prudentia-demo";
pub const SIMULATION: &str = "Demo Bank — 31 Dec 2025";
pub const ACCOUNTS: [(&str, &str, Role); 3] = [
    ("demo@prudentia.example", "Dana Admin", Role::Admin),
    ("analyst@prudentia.example", "Alex Analyst", Role::Analyst),
    ("viewer@prudentia.example", "Vic Viewer", Role::Viewer),
];

/// Creates the demo organisation and its accounts unless the admin account
/// exists already (then it leaves everything as the demo users left it).
pub async fn ensure(pool: &PgPool) -> Result<(), AppError> {
    let mut conn = pool.acquire().await?;
    if users::by_email(&mut conn, ACCOUNTS[0].0).await?.is_some() {
        return Ok(());
    }
    drop(conn);
    let hash = passwords::hash(PASSWORD.to_owned()).await?;
    let tenant = TenantId(Uuid::now_v7());
    let mut tx = scope::begin(pool, tenant).await?;
    tenants::insert(&mut tx, tenant, ORGANISATION, "professional", None).await?;
    let mut admin = None;
    for (email, name, role) in ACCOUNTS {
        let user = match users::insert(&mut tx, email, name, &hash, true).await? {
            Some(user) => user,
            None => crate::model::account::UserId(
                users::by_email(&mut tx, email)
                    .await?
                    .ok_or(AppError::Internal)?
                    .user_id,
            ),
        };
        tenants::add_member(&mut tx, tenant, user, role).await?;
        admin = admin.or(Some(user));
    }
    let admin = admin.ok_or(AppError::Internal)?;
    let data = crate::samples::demo_bank();
    let profile = crate::engine::resolve_profile(&data, None).map_err(|_| AppError::Internal)?;
    let results = crate::engine::compute(&data, &profile, &Default::default());
    let packed = crate::server::simulations::pack_lines(&data.exposures)?;
    let simulation = simulations::create(&mut tx, tenant, admin, SIMULATION).await?;
    let version = simulations::NewVersion {
        data: &data,
        results: &results,
        packed: &packed,
        note: "",
        rules: None,
    };
    simulations::add_version(&mut tx, tenant, simulation, admin, &version).await?;
    tx.commit().await?;
    Ok(())
}
