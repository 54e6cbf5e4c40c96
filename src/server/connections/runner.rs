//! One run of a connection, and the scheduler that starts the ones due.
//!
//! A run acts as the person who set the connection up, with their role
//! today: someone who left, or may no longer edit data, makes it fail
//! with that reason. An import takes the newest matching file, skips it
//! when its SHA-256 was imported before, and makes a draft version of it;
//! an export sends a report or the results of the latest (or the
//! approved) version. Every run is kept with its outcome and reason; a
//! failure tells the admins and fires `import.scheduled_failed`.

use super::transport::Place;
use super::{Settings, place_of};
use crate::model::account::{Permission, TenantId};
use crate::model::connections::{
    Connection, ConnectionId, Content, Direction, Outcome, Run, Trigger,
};
use crate::model::error::AppError;
use crate::model::report::ReportFormat;
use crate::model::simulation::SimulationId;
use crate::model::webhooks::EventType;
use crate::model::workflow::NotificationKind;
use crate::server::auth::Caller;
use crate::server::db::{connections as db, scope, tenants};
use crate::server::{import, reports, simulations, webhooks, workflow};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Connections started per pass of the scheduler.
const BATCH: i32 = 20;

/// When and why a run began.
struct Started {
    trigger: Trigger,
    at: DateTime<Utc>,
    clock: Instant,
}

/// What a run found, before it is recorded.
struct Done {
    outcome: Outcome,
    file_name: Option<String>,
    sha256: Option<String>,
    bytes: Option<i64>,
    version: Option<i32>,
    message: String,
}

impl Done {
    fn failed(message: String) -> Done {
        Done {
            outcome: Outcome::Failed,
            file_name: None,
            sha256: None,
            bytes: None,
            version: None,
            message,
        }
    }
}

/// Runs the connection unless it is running already (then `None`);
/// `Trigger::Manual` runs it whenever, the others only when due.
pub async fn run(
    pool: &PgPool,
    settings: &Settings,
    tenant: TenantId,
    id: ConnectionId,
    trigger: Trigger,
) -> Result<Option<Run>, AppError> {
    let (at, clock) = (Utc::now(), Instant::now());
    let mut tx = scope::begin(pool, tenant).await?;
    let Some(claimed) = db::claim(&mut tx, tenant, id, trigger != Trigger::Manual).await? else {
        return Ok(None);
    };
    let connection = db::get(&mut tx, tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = match claimed.created_by {
        Some(user) => tenants::members(&mut tx)
            .await?
            .into_iter()
            .find(|m| m.user_id.0 == user),
        None => None,
    };
    tx.commit().await?;
    let trigger = match (trigger, claimed.approved_version) {
        (Trigger::Schedule, Some(_)) => Trigger::Approval,
        (trigger, _) => trigger,
    };
    let done = match owner {
        None => Done::failed(
            "the person who set up this connection is no longer a member: an admin must set \
             it up again"
                .to_owned(),
        ),
        Some(member) => {
            let caller = Caller {
                user_id: member.user_id,
                tenant_id: tenant,
                role: member.role,
                read_only: false,
            };
            let approved = claimed
                .approved_version
                .filter(|_| trigger == Trigger::Approval);
            attempt(pool, settings, caller, &connection, approved).await
        }
    };
    let next = claimed
        .schedule
        .as_deref()
        .and_then(|s| super::Schedule::parse(s, &claimed.time_zone).ok())
        .and_then(|s| s.next_after(Utc::now()));
    let started = Started { trigger, at, clock };
    let run = record(pool, settings, tenant, &connection, started, done, next).await?;
    Ok(Some(run))
}

async fn attempt(
    pool: &PgPool,
    settings: &Settings,
    caller: Caller,
    connection: &Connection,
    approved: Option<i32>,
) -> Done {
    if !caller.may(Permission::EditData) {
        return Done::failed(format!(
            "the person who set up this connection is now a {}, who may not {}",
            caller.role.label().to_lowercase(),
            match connection.direction {
                Direction::Import => "import data",
                Direction::Export => "export results",
            }
        ));
    }
    let place = match place_of(pool, settings, caller.tenant_id, connection).await {
        Ok(place) => place,
        Err(message) => return Done::failed(message),
    };
    let done = match connection.direction {
        Direction::Import => import_newest(pool, settings, caller, connection, &place).await,
        Direction::Export => export(pool, caller, connection, &place, approved).await,
    };
    super::learn(pool, caller.tenant_id, connection.connection_id, &place).await;
    done.unwrap_or_else(Done::failed)
}

async fn import_newest(
    pool: &PgPool,
    settings: &Settings,
    caller: Caller,
    connection: &Connection,
    place: &Place,
) -> Result<Done, String> {
    let pattern = &connection.file_pattern;
    let found = place.list(pattern).await.map_err(|e| e.to_string())?;
    let Some(newest) = found.into_iter().next() else {
        return Ok(Done {
            outcome: Outcome::NoFile,
            message: format!("no file matches {pattern}"),
            ..Done::failed(String::new())
        });
    };
    let content = place.fetch(&newest.name).await.map_err(|e| e.to_string())?;
    let sha256 = format!("{:x}", Sha256::digest(&content));
    let bytes = Some(content.len() as i64);
    let id = connection.connection_id;
    let earlier = {
        let mut tx = scope::begin(pool, caller.tenant_id)
            .await
            .map_err(|e| e.to_string())?;
        db::already_imported(&mut tx, caller.tenant_id, id, &sha256)
            .await
            .map_err(|e| e.to_string())?
    };
    let file = Some(newest.name.clone());
    if let Some(version) = earlier {
        return Ok(Done {
            outcome: Outcome::Skipped,
            file_name: file,
            sha256: Some(sha256),
            bytes,
            version: Some(version),
            message: format!("already imported as version {version}"),
        });
    }
    let simulation: SimulationId = connection
        .simulation_id
        .parse()
        .map_err(|_| "no simulation")?;
    let base = &settings.public_url;
    let made = import::scheduled(pool, base, caller, simulation, newest.name, content).await;
    Ok(match made {
        Ok(version) => Done {
            outcome: Outcome::Imported,
            file_name: file,
            sha256: Some(sha256),
            bytes,
            version: Some(version),
            message: format!("draft version {version} made"),
        },
        Err(error) => Done {
            file_name: file,
            sha256: Some(sha256),
            bytes,
            ..Done::failed(refusal(error))
        },
    })
}

/// An error of the importer as the run history says it.
fn refusal(error: AppError) -> String {
    match error {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict(message) => message,
        AppError::NotFound => "the simulation is gone or no longer visible".to_owned(),
        other => other.to_string(),
    }
}

async fn export(
    pool: &PgPool,
    caller: Caller,
    connection: &Connection,
    place: &Place,
    approved: Option<i32>,
) -> Result<Done, String> {
    let content = connection.content.ok_or("nothing to send")?;
    let simulation: SimulationId = connection
        .simulation_id
        .parse()
        .map_err(|_| "no simulation")?;
    let version = match approved {
        Some(version) => version,
        None => latest_version(pool, caller, simulation)
            .await
            .map_err(refusal)?,
    };
    let body = contents(pool, caller, simulation, version, content)
        .await
        .map_err(refusal)?;
    let name = format!(
        "{}-v{version}.{}",
        file_stem(&connection.simulation),
        content.extension()
    );
    let bytes = Some(body.len() as i64);
    place
        .put(&name, body, content.media_type())
        .await
        .map_err(|e| e.to_string())?;
    Ok(Done {
        outcome: Outcome::Exported,
        message: format!("{} of version {version} sent", content.label()),
        file_name: Some(name),
        sha256: None,
        bytes,
        version: Some(version),
    })
}

async fn latest_version(
    pool: &PgPool,
    caller: Caller,
    simulation: SimulationId,
) -> Result<i32, AppError> {
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = simulations::visible(&mut tx, caller, simulation).await?;
    tx.commit().await?;
    Ok(summary.latest_version)
}

/// A simulation's name as a file's: letters, digits and dashes.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let stem = stem
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "simulation".to_owned()
    } else {
        stem
    }
}

/// What an export sends: a report generated now (kept in the history like
/// any other), or the version's results.
async fn contents(
    pool: &PgPool,
    caller: Caller,
    simulation: SimulationId,
    version: i32,
    content: Content,
) -> Result<Vec<u8>, AppError> {
    let format = match content {
        Content::ReportPdf => ReportFormat::Pdf,
        Content::ReportXlsx => ReportFormat::Xlsx,
        Content::ResultsJson | Content::ResultsCsv => {
            let results = simulations::baseline(pool, caller, simulation, version).await?;
            let value = serde_json::to_value(&results).map_err(|_| AppError::Internal)?;
            return Ok(match content {
                Content::ResultsJson => value.to_string().into_bytes(),
                _ => figures_csv(&value),
            });
        }
    };
    let request = reports::service::Request {
        simulation,
        version: Some(version),
        scenario: None,
        template: None,
        format,
    };
    let id = reports::service::generate(pool, caller, request).await?;
    Ok(reports::service::download(pool, caller, id).await?.1)
}

/// The results as `figure,value` rows, one per number or text, named by
/// their path (`ratios.cet1`, `large_exposures.0.group`).
fn figures_csv(results: &Value) -> Vec<u8> {
    fn walk(path: &str, value: &Value, rows: &mut Vec<(String, String)>) {
        match value {
            Value::Object(fields) => {
                for (key, inner) in fields {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(&path, inner, rows);
                }
            }
            Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    walk(&format!("{path}.{i}"), inner, rows);
                }
            }
            Value::Null => {}
            Value::String(text) => rows.push((path.to_owned(), text.clone())),
            other => rows.push((path.to_owned(), other.to_string())),
        }
    }
    let mut rows = Vec::new();
    walk("", results, &mut rows);
    let mut out = csv::Writer::from_writer(Vec::new());
    let written = std::iter::once(("figure".to_owned(), "value".to_owned()))
        .chain(rows)
        .try_for_each(|row| out.write_record([row.0, row.1]));
    match (written, out.into_inner()) {
        (Ok(()), Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// Keeps the run, frees the connection, and tells who must know.
async fn record(
    pool: &PgPool,
    settings: &Settings,
    tenant: TenantId,
    connection: &Connection,
    started: Started,
    done: Done,
    next: Option<DateTime<Utc>>,
) -> Result<Run, AppError> {
    let run = db::NewRun {
        trigger: started.trigger,
        started_at: started.at,
        duration_ms: started.clock.elapsed().as_millis().min(i32::MAX as u128) as i32,
        outcome: done.outcome,
        file_name: done.file_name.as_deref(),
        sha256: done.sha256.as_deref(),
        bytes: done.bytes,
        version: done.version,
        message: &done.message,
    };
    let id = connection.connection_id;
    let mut tx = scope::begin(pool, tenant).await?;
    let run_id = db::finish(&mut tx, tenant, id, &run, next).await?;
    if done.outcome == Outcome::Failed {
        tell_of_failure(&mut tx, settings, tenant, connection, &done.message).await?;
    }
    let kept = db::runs(&mut tx, tenant, id, 5)
        .await?
        .into_iter()
        .find(|r| r.run_id == run_id)
        .ok_or(AppError::Internal)?;
    tx.commit().await?;
    crate::server::metrics::connection_run(connection.direction.as_str(), done.outcome.as_str());
    tracing::info!(tenant = %tenant, connection = %id, outcome = done.outcome.as_str(),
                   message = %done.message, "connection run");
    Ok(kept)
}

async fn tell_of_failure(
    tx: &mut sqlx::PgConnection,
    settings: &Settings,
    tenant: TenantId,
    connection: &Connection,
    reason: &str,
) -> Result<(), AppError> {
    let admins: Vec<_> = tenants::members(&mut *tx)
        .await?
        .into_iter()
        .filter(|m| m.role == crate::model::account::Role::Admin)
        .collect();
    let Some(first) = admins.first() else {
        return Ok(());
    };
    let what = match connection.direction {
        Direction::Import => "scheduled import",
        Direction::Export => "scheduled export",
    };
    let message = format!("The {what} “{}” failed: {reason}.", connection.name);
    let on_behalf = Caller {
        user_id: first.user_id,
        tenant_id: tenant,
        role: first.role,
        read_only: false,
    };
    let recipients: Vec<_> = admins.iter().map(|m| m.user_id).collect();
    let kind = NotificationKind::Integrations;
    let base = &settings.public_url;
    let link = "/app/connections";
    workflow::notify(tx, base, on_behalf, &recipients, kind, &message, link).await?;
    if connection.direction == Direction::Import {
        let data = json!({
            "connection_id": connection.connection_id,
            "name": connection.name,
            "simulation_id": connection.simulation_id,
            "reason": reason,
        });
        webhooks::emit(tx, tenant, EventType::ScheduledImportFailed, data).await?;
    }
    Ok(())
}

/// Starts every connection due now, a few at a time.
pub async fn run_due(pool: &PgPool, settings: &Arc<Settings>) -> Result<usize, AppError> {
    let due = {
        let mut conn = pool.acquire().await?;
        db::due(&mut conn, BATCH).await?
    };
    let mut ran = 0;
    for (tenant, id) in due {
        match run(pool, settings, tenant, id, Trigger::Schedule).await {
            Ok(Some(_)) => ran += 1,
            Ok(None) => {}
            Err(error) => tracing::error!(%error, connection = %id, "scheduled run failed"),
        }
    }
    Ok(ran)
}

/// The scheduler: looks for due connections every `every`.
pub fn spawn(
    pool: PgPool,
    settings: Arc<Settings>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = run_due(&pool, &settings).await {
                tracing::error!(%error, "the connection scheduler could not look for due runs");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_one_row_per_figure() {
        let results = json!({
            "ratios": { "cet1": 0.1425, "lcr": null },
            "large_exposures": [{ "group": "GRP-A", "share": 0.2 }],
            "profile": "crr3",
        });
        let csv = String::from_utf8(figures_csv(&results)).expect("text");
        let mut rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.remove(0), "figure,value");
        rows.sort_unstable();
        assert_eq!(
            rows,
            [
                "large_exposures.0.group,GRP-A",
                "large_exposures.0.share,0.2",
                "profile,crr3",
                "ratios.cet1,0.1425",
            ]
        );
    }

    #[test]
    fn a_file_is_named_after_its_simulation() {
        assert_eq!(file_stem("Q4 plan — stress (v2)"), "Q4-plan-stress-v2");
        assert_eq!(file_stem("///"), "simulation");
    }
}
