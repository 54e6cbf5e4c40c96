//! Scheduled imports and exports (admins; also through `/api/v1`): where
//! files come from and go to, when, and with which secret — sealed with
//! the operator's key (`secrets`). The `runner` does one run; the
//! scheduler starts the ones due.

pub mod runner;
pub mod schedule;
pub mod sftp;
pub mod transport;

use crate::model::account::{Permission, TenantId};
use crate::model::connections::{
    Auth, Connection, ConnectionId, Direction, NewConnection, Probe, Run, Trigger,
};
use crate::model::error::{AppError, FieldErrors};
use crate::model::simulation::SimulationId;
use crate::model::text::capitalised;
use crate::server::audit;
use crate::server::auth::Caller;
use crate::server::db::{connections as db, scope};
use crate::server::secrets::Sealer;
use crate::server::simulations;
use chrono::Utc;
use schedule::Schedule;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::path::PathBuf;
use std::time::Instant;
use transport::{Limits, Place};
use uuid::Uuid;

/// How many runs a connection's history shows.
const HISTORY: i64 = 50;

/// What the operator set up for connections.
pub struct Settings {
    /// Seals secrets; without it, none can be stored.
    pub sealer: Option<Sealer>,
    /// Where folder connections live: each organisation has its folder
    /// inside, named by its id. Without it, folder connections are off.
    pub root: Option<PathBuf>,
    /// Loopback and private addresses may be reached (tests, an internal
    /// server), as for webhooks.
    pub allow_private: bool,
    /// The public address, for the links of notifications.
    pub public_url: String,
}

impl Settings {
    fn limits<'a>(&self, tenant: TenantId, host_key: Option<&'a str>) -> Limits<'a> {
        Limits {
            folder: self.root.as_ref().map(|r| r.join(tenant.to_string())),
            allow_private: self.allow_private,
            host_key,
        }
    }

    /// What a secret is bound to: its organisation and connection.
    fn bound_to(tenant: TenantId, id: ConnectionId) -> String {
        format!("{tenant}/{id}")
    }

    fn seal(&self, tenant: TenantId, id: ConnectionId, secret: &str) -> Result<Vec<u8>, AppError> {
        let sealer = self.sealer.as_ref().ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "secret",
                "Secrets cannot be stored: the operator has not set PRUDENTIA_SECRETS_KEY.",
            ))
        })?;
        Ok(sealer.seal(secret, &Self::bound_to(tenant, id)))
    }

    fn open(&self, tenant: TenantId, id: ConnectionId, sealed: &[u8]) -> Result<String, String> {
        let sealer = self
            .sealer
            .as_ref()
            .ok_or("the operator has not set PRUDENTIA_SECRETS_KEY")?;
        sealer
            .open(sealed, &Self::bound_to(tenant, id))
            .map_err(|e| e.to_string())
    }
}

fn field(name: &str, message: impl std::fmt::Display) -> AppError {
    AppError::Validation(FieldErrors::single(
        name,
        capitalised(&message.to_string()) + ".",
    ))
}

/// The connection, or "not found" (another organisation's looks the same).
async fn connection(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
) -> Result<Connection, AppError> {
    db::get(conn, tenant, id).await?.ok_or(AppError::NotFound)
}

/// The schedule's next moment after now, in words too.
fn next_run(new: &NewConnection) -> Result<(Option<chrono::DateTime<Utc>>, String), AppError> {
    if new.schedule.is_empty() {
        return Ok((None, String::new()));
    }
    let schedule = Schedule::parse(&new.schedule, &new.time_zone).map_err(|e| {
        let name = match e {
            schedule::ScheduleError::Zone(_) => "time_zone",
            schedule::ScheduleError::Cron(..) => "schedule",
        };
        field(name, e)
    })?;
    Ok((schedule.next_after(Utc::now()), schedule.describe()))
}

fn described(mut connection: Connection) -> Connection {
    if !connection.schedule.is_empty()
        && let Ok(schedule) = Schedule::parse(&connection.schedule, &connection.time_zone)
    {
        connection.schedule_text = schedule.describe();
    }
    connection
}

pub async fn list(pool: &PgPool, caller: Caller) -> Result<Vec<Connection>, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let mut list = db::list(&mut tx, caller.tenant_id).await?;
    let statuses = db::statuses(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    for connection in &mut list {
        if let Some((_, status)) = statuses
            .iter()
            .find(|(id, _)| *id == connection.connection_id)
        {
            connection.status = status.clone();
        }
    }
    Ok(list.into_iter().map(described).collect())
}

pub async fn get(pool: &PgPool, caller: Caller, id: ConnectionId) -> Result<Connection, AppError> {
    list(pool, caller)
        .await?
        .into_iter()
        .find(|c| c.connection_id == id)
        .ok_or(AppError::NotFound)
}

/// Checks what can be checked before storing: the schedule, the
/// simulation, the location (its address resolved where it has one).
async fn checked(
    settings: &Settings,
    conn: &mut PgConnection,
    caller: Caller,
    new: NewConnection,
) -> Result<(NewConnection, SimulationId, Option<chrono::DateTime<Utc>>), AppError> {
    let new = new.checked()?;
    let (next, _) = next_run(&new)?;
    let simulation: SimulationId = new.simulation_id.parse().map_err(|_| {
        field(
            "simulation_id",
            "choose one of the organisation's simulations",
        )
    })?;
    simulations::visible(conn, caller, simulation)
        .await
        .map_err(|_| {
            field(
                "simulation_id",
                "choose one of the organisation's simulations",
            )
        })?;
    Place::open(
        new.transport,
        &new.location,
        new.auth,
        new.secret.clone(),
        settings.limits(caller.tenant_id, None),
    )
    .await
    .map_err(|e| match e {
        transport::TransportError::Location(m) if m.contains("private key") => field("secret", m),
        other => field("location", other),
    })?;
    Ok((new, simulation, next))
}

pub async fn create(
    pool: &PgPool,
    settings: &Settings,
    caller: Caller,
    new: NewConnection,
) -> Result<Connection, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let id = ConnectionId(Uuid::now_v7());
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (new, simulation, next_run_at) = checked(settings, &mut tx, caller, new).await?;
    let sealed = sealed(settings, caller.tenant_id, id, &new, false)?;
    let written = db::Written {
        new: &new,
        simulation,
        sealed,
        next_run_at,
    };
    db::create(&mut tx, caller.tenant_id, id, &written, caller.user_id).await?;
    audit::record(
        &mut tx,
        caller,
        "connections.created",
        &format!("{} “{}”", new.direction.as_str(), new.name),
        json!({ "transport": new.transport.as_str(), "location": new.location, "schedule": new.schedule }),
    )
    .await?;
    tx.commit().await?;
    get(pool, caller, id).await
}

/// The secret given, sealed; none when none is needed or the stored one is
/// `kept` (a change that leaves the authentication as it was).
fn sealed(
    settings: &Settings,
    tenant: TenantId,
    id: ConnectionId,
    new: &NewConnection,
    kept: bool,
) -> Result<Option<Vec<u8>>, AppError> {
    let missing = match new.auth {
        Auth::None => return Ok(None),
        Auth::Password => "the password is missing",
        Auth::Key => "the private key is missing",
        Auth::Bearer => "the token is missing",
    };
    match &new.secret {
        Some(secret) => settings.seal(tenant, id, secret).map(Some),
        None if kept => Ok(None),
        None => Err(field("secret", missing)),
    }
}

pub async fn update(
    pool: &PgPool,
    settings: &Settings,
    caller: Caller,
    id: ConnectionId,
    new: NewConnection,
) -> Result<Connection, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = connection(&mut tx, caller.tenant_id, id).await?;
    let (new, simulation, next_run_at) = checked(settings, &mut tx, caller, new).await?;
    if new.direction != before.direction {
        return Err(field(
            "direction",
            "an import source cannot become an export target",
        ));
    }
    let kept = before.has_secret && before.auth == new.auth;
    let sealed = sealed(settings, caller.tenant_id, id, &new, kept)?;
    let written = db::Written {
        new: &new,
        simulation,
        sealed,
        next_run_at,
    };
    db::update(&mut tx, caller.tenant_id, id, &written).await?;
    audit::record(
        &mut tx,
        caller,
        "connections.updated",
        &format!("{} “{}”", new.direction.as_str(), new.name),
        json!({ "location": new.location, "schedule": new.schedule, "enabled": new.enabled,
                "secret_changed": new.secret.is_some() }),
    )
    .await?;
    tx.commit().await?;
    get(pool, caller, id).await
}

pub async fn delete(pool: &PgPool, caller: Caller, id: ConnectionId) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = connection(&mut tx, caller.tenant_id, id).await?;
    db::delete(&mut tx, caller.tenant_id, id).await?;
    audit::record(
        &mut tx,
        caller,
        "connections.deleted",
        &format!("{} “{}”", before.direction.as_str(), before.name),
        json!({ "location": before.location }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The connection's place, opened with its stored secret.
async fn place_of(
    pool: &PgPool,
    settings: &Settings,
    tenant: TenantId,
    connection: &Connection,
) -> Result<Place, String> {
    let id = connection.connection_id;
    let secret = {
        let mut tx = scope::begin(pool, tenant)
            .await
            .map_err(|e| e.to_string())?;
        let sealed = db::sealed_secret(&mut tx, tenant, id)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        match sealed {
            Some(sealed) => Some(settings.open(tenant, id, &sealed)?),
            None => None,
        }
    };
    let limits = settings.limits(tenant, connection.host_key.as_deref());
    Place::open(
        connection.transport,
        &connection.location,
        connection.auth,
        secret,
        limits,
    )
    .await
    .map_err(|e| e.to_string())
}

/// Keeps the host key an SFTP server showed at its first connection.
async fn learn(pool: &PgPool, tenant: TenantId, id: ConnectionId, place: &Place) {
    let Some(key) = place.host_key() else { return };
    let learnt = async {
        let mut tx = scope::begin(pool, tenant).await?;
        db::learn_host_key(&mut tx, tenant, id, &key).await?;
        tx.commit().await
    };
    if let Err(error) = learnt.await {
        tracing::error!(%error, "the host key could not be kept");
    }
}

/// "Test connection": reaches the place and lists what matches, without
/// importing or sending anything.
pub async fn probe(
    pool: &PgPool,
    settings: &Settings,
    caller: Caller,
    id: ConnectionId,
) -> Result<Probe, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let connection = get(pool, caller, id).await?;
    let started = Instant::now();
    let unreachable = |m: String| AppError::Conflict(capitalised(&m) + ".");
    let place = place_of(pool, settings, caller.tenant_id, &connection)
        .await
        .map_err(unreachable)?;
    let pattern = match connection.direction {
        Direction::Import => connection.file_pattern.as_str(),
        Direction::Export => "*",
    };
    let reached = place.list(pattern).await;
    learn(pool, caller.tenant_id, id, &place).await;
    let found = reached.map_err(|e| unreachable(e.to_string()))?;
    let files: Vec<String> = found.into_iter().take(20).map(|f| f.name).collect();
    let message = match (connection.direction, files.first()) {
        (Direction::Export, _) => format!("Reached: {} files there.", files.len()),
        (Direction::Import, None) => format!("Reached, but no file matches {pattern}."),
        (Direction::Import, Some(newest)) => {
            format!(
                "Reached: {} files match; the newest is {newest}.",
                files.len()
            )
        }
    };
    Ok(Probe {
        message,
        files,
        host_key: place.host_key().or(connection.host_key),
        latency_ms: started.elapsed().as_millis() as i64,
    })
}

/// Runs the connection now, whatever its schedule; its next scheduled run
/// stays as it was.
pub async fn run_now(
    pool: &PgPool,
    settings: &Settings,
    caller: Caller,
    id: ConnectionId,
) -> Result<Run, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    connection(&mut tx, caller.tenant_id, id).await?;
    tx.commit().await?;
    runner::run(pool, settings, caller.tenant_id, id, Trigger::Manual)
        .await?
        .ok_or_else(|| AppError::Conflict("This connection is running already.".into()))
}

pub async fn runs(pool: &PgPool, caller: Caller, id: ConnectionId) -> Result<Vec<Run>, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    connection(&mut tx, caller.tenant_id, id).await?;
    let runs = db::runs(&mut tx, caller.tenant_id, id, HISTORY).await?;
    tx.commit().await?;
    Ok(runs)
}

/// Called in the approval's transaction: the exports that follow this
/// simulation's approvals are due now, for this version.
pub async fn approved(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
) -> Result<(), sqlx::Error> {
    db::due_on_approval(conn, tenant, simulation, version).await
}
