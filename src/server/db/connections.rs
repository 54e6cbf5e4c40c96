//! Scheduled import sources and export targets, and their runs. Every
//! query runs in the tenant's scope (row-level security) and names the
//! tenant, but `due`, which serves the scheduler across tenants.

use crate::model::account::{TenantId, UserId};
use crate::model::connections::{
    Auth, Connection, ConnectionId, Content, Day, Direction, Health, HealthReport, NewConnection,
    Outcome, Run, RunId, Transport, Trigger,
};
use crate::model::simulation::SimulationId;
use crate::model::time::Timestamp;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    connection_id: Uuid,
    direction: String,
    name: String,
    transport: String,
    location: String,
    auth: String,
    has_secret: bool,
    host_key: Option<String>,
    file_pattern: String,
    content: Option<String>,
    schedule: Option<String>,
    time_zone: String,
    on_approval: bool,
    simulation_id: Uuid,
    simulation: String,
    enabled: bool,
    next_run_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT c.connection_id, c.direction, c.name, c.transport, c.location, c.auth,
                             c.sealed_secret IS NOT NULL AS has_secret, c.host_key, c.file_pattern,
                             c.content, c.schedule, c.time_zone, c.on_approval, c.simulation_id,
                             s.name AS simulation, c.enabled, c.next_run_at, c.created_at
                        FROM connections c
                        JOIN simulations s ON s.tenant_id = c.tenant_id
                                          AND s.simulation_id = c.simulation_id
                       WHERE c.tenant_id = $1";

impl Row {
    fn connection(self) -> Connection {
        Connection {
            connection_id: ConnectionId(self.connection_id),
            direction: Direction::parse(&self.direction).unwrap_or(Direction::Import),
            name: self.name,
            transport: Transport::parse(&self.transport).unwrap_or(Transport::Folder),
            location: self.location,
            auth: Auth::parse(&self.auth).unwrap_or(Auth::None),
            has_secret: self.has_secret,
            host_key: self.host_key,
            file_pattern: self.file_pattern,
            content: self.content.as_deref().and_then(Content::parse),
            schedule: self.schedule.unwrap_or_default(),
            schedule_text: String::new(),
            time_zone: self.time_zone,
            on_approval: self.on_approval,
            simulation_id: self.simulation_id.to_string(),
            simulation: self.simulation,
            enabled: self.enabled,
            next_run_at: self.next_run_at.map(Timestamp::from_utc),
            created_at: Timestamp::from_utc(self.created_at),
            status: HealthReport::default(),
        }
    }
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<Connection>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY c.direction DESC, c.name"))
        .bind(tenant.0)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Row::connection).collect())
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
) -> Result<Option<Connection>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} AND c.connection_id = $2"))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(Row::connection))
}

/// The stored secret, sealed.
pub async fn sealed_secret(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT sealed_secret FROM connections WHERE tenant_id = $1 AND connection_id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

/// What a connection is written with besides the admin's fields.
pub struct Written<'a> {
    pub new: &'a NewConnection,
    pub simulation: SimulationId,
    /// `None` keeps the stored secret (a change without one).
    pub sealed: Option<Vec<u8>>,
    pub next_run_at: Option<DateTime<Utc>>,
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    written: &Written<'_>,
    by: UserId,
) -> Result<(), sqlx::Error> {
    let new = written.new;
    sqlx::query(
        "INSERT INTO connections (tenant_id, connection_id, direction, name, transport, location,
                                  auth, sealed_secret, host_key, file_pattern, content, schedule,
                                  time_zone, on_approval, simulation_id, enabled, next_run_at,
                                  created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULLIF($12, ''), $13, $14, $15,
                 $16, $17, $18)",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(new.direction.as_str())
    .bind(&new.name)
    .bind(new.transport.as_str())
    .bind(&new.location)
    .bind(new.auth.as_str())
    .bind(&written.sealed)
    .bind(&new.host_key)
    .bind(&new.file_pattern)
    .bind(new.content.map(Content::as_str))
    .bind(&new.schedule)
    .bind(&new.time_zone)
    .bind(new.on_approval)
    .bind(written.simulation.0)
    .bind(new.enabled)
    .bind(written.next_run_at)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the admin's fields; a new address or host forgets the host key
/// learnt unless one is given.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    written: &Written<'_>,
) -> Result<bool, sqlx::Error> {
    let new = written.new;
    let done = sqlx::query(
        "UPDATE connections
            SET name = $3, transport = $4,
                host_key = CASE WHEN $9::text IS NOT NULL THEN $9
                                WHEN location = $5 THEN host_key END,
                location = $5, auth = $6,
                sealed_secret = CASE WHEN $7::bytea IS NOT NULL THEN $7
                                     WHEN $6 = 'none' THEN NULL ELSE sealed_secret END,
                file_pattern = $8, content = $10, schedule = NULLIF($11, ''), time_zone = $12,
                on_approval = $13, simulation_id = $14, enabled = $15, next_run_at = $16
          WHERE tenant_id = $1 AND connection_id = $2 AND direction = $17",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(&new.name)
    .bind(new.transport.as_str())
    .bind(&new.location)
    .bind(new.auth.as_str())
    .bind(&written.sealed)
    .bind(&new.file_pattern)
    .bind(&new.host_key)
    .bind(new.content.map(Content::as_str))
    .bind(&new.schedule)
    .bind(&new.time_zone)
    .bind(new.on_approval)
    .bind(written.simulation.0)
    .bind(new.enabled)
    .bind(written.next_run_at)
    .bind(new.direction.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM connections WHERE tenant_id = $1 AND connection_id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps the host key a first connection learnt.
pub async fn learn_host_key(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE connections SET host_key = $3
          WHERE tenant_id = $1 AND connection_id = $2 AND host_key IS NULL",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// The connections due now, across tenants (the scheduler's view).
pub async fn due(
    conn: &mut PgConnection,
    limit: i32,
) -> Result<Vec<(TenantId, ConnectionId)>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as("SELECT * FROM app_due_connections($1)")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(t, c)| (TenantId(t), ConnectionId(c)))
        .collect())
}

/// What a claimed run works on.
#[derive(sqlx::FromRow)]
pub struct Claimed {
    pub schedule: Option<String>,
    pub time_zone: String,
    /// The version an approval asks to send.
    pub approved_version: Option<i32>,
    /// Who set it up (a user id).
    pub created_by: Option<Uuid>,
}

/// Marks the connection running, unless it already is (another server, or
/// a run by hand); `due_only` claims it only when its time has come.
pub async fn claim(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    due_only: bool,
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE connections SET running_since = now()
          WHERE tenant_id = $1 AND connection_id = $2
            AND (running_since IS NULL OR running_since < now() - interval '1 hour')
            AND (NOT $3 OR (enabled AND next_run_at <= now()))
          RETURNING schedule, time_zone, approved_version, created_by",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(due_only)
    .fetch_optional(conn)
    .await
}

/// What a run did, kept in its history.
pub struct NewRun<'a> {
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub outcome: Outcome,
    pub file_name: Option<&'a str>,
    pub sha256: Option<&'a str>,
    pub bytes: Option<i64>,
    pub version: Option<i32>,
    pub message: &'a str,
}

/// Records the run and frees the connection for its next one, due at
/// `next_run_at` (a run by hand leaves the schedule as it was); an
/// approval served is forgotten.
pub async fn finish(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    run: &NewRun<'_>,
    next_run_at: Option<DateTime<Utc>>,
) -> Result<RunId, sqlx::Error> {
    let run_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO connection_runs (tenant_id, run_id, connection_id, trigger, started_at,
                                      duration_ms, outcome, file_name, sha256, bytes, version_no,
                                      message)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant.0)
    .bind(run_id)
    .bind(id.0)
    .bind(run.trigger.as_str())
    .bind(run.started_at)
    .bind(run.duration_ms)
    .bind(run.outcome.as_str())
    .bind(run.file_name)
    .bind(run.sha256)
    .bind(run.bytes)
    .bind(run.version)
    .bind(run.message)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE connections
            SET running_since = NULL,
                -- An approval that came during another run is still owed.
                next_run_at = CASE WHEN approved_version IS NOT NULL AND NOT $4 THEN now()
                                   WHEN $5 THEN next_run_at
                                   ELSE $3 END,
                approved_version = CASE WHEN $4 THEN NULL ELSE approved_version END
          WHERE tenant_id = $1 AND connection_id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(next_run_at)
    .bind(run.trigger == Trigger::Approval)
    .bind(run.trigger == Trigger::Manual)
    .execute(conn)
    .await?;
    Ok(RunId(run_id))
}

/// Whether a file with this SHA-256 was imported by this source before.
pub async fn already_imported(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    sha256: &str,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT version_no FROM connection_runs
          WHERE tenant_id = $1 AND connection_id = $2 AND sha256 = $3 AND outcome = 'imported'
          ORDER BY started_at DESC LIMIT 1",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(sha256)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

#[derive(sqlx::FromRow)]
struct RunRow {
    run_id: Uuid,
    trigger: String,
    started_at: DateTime<Utc>,
    duration_ms: i32,
    outcome: String,
    file_name: Option<String>,
    sha256: Option<String>,
    bytes: Option<i64>,
    version_no: Option<i32>,
    message: String,
}

pub async fn runs(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ConnectionId,
    limit: i64,
) -> Result<Vec<Run>, sqlx::Error> {
    let rows: Vec<RunRow> = sqlx::query_as(
        "SELECT run_id, trigger, started_at, duration_ms, outcome, file_name, sha256, bytes,
                version_no, message
           FROM connection_runs WHERE tenant_id = $1 AND connection_id = $2
          ORDER BY started_at DESC LIMIT $3",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Run {
            run_id: RunId(r.run_id),
            trigger: Trigger::parse(&r.trigger).unwrap_or(Trigger::Manual),
            started_at: Timestamp::from_utc(r.started_at),
            duration_ms: r.duration_ms,
            outcome: Outcome::parse(&r.outcome).unwrap_or(Outcome::Failed),
            file_name: r.file_name,
            sha256: r.sha256,
            bytes: r.bytes,
            version: r.version_no,
            message: r.message,
        })
        .collect())
}

/// The columns a health is told from: the latest run, the latest
/// success, the failures since, the average duration and each day's runs
/// (as `[date, succeeded, failed]`).
#[derive(sqlx::FromRow)]
pub(super) struct StatusColumns {
    enabled: bool,
    last_run_at: Option<DateTime<Utc>>,
    last_success_at: Option<DateTime<Utc>>,
    consecutive_failures: i64,
    average_ms: Option<f64>,
    last_error: Option<String>,
    days: sqlx::types::Json<Vec<(String, i64, i64)>>,
}

impl StatusColumns {
    pub(super) fn status(self) -> HealthReport {
        HealthReport {
            health: Some(Health::of(
                self.enabled,
                self.last_run_at.is_some(),
                self.last_error.is_some(),
            )),
            last_run_at: self.last_run_at.map(Timestamp::from_utc),
            last_success_at: self.last_success_at.map(Timestamp::from_utc),
            consecutive_failures: self.consecutive_failures,
            average_ms: self.average_ms.map(|ms| ms.round() as i64),
            last_error: self.last_error,
            days: self.days.0.into_iter().map(Day::from).collect(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    connection_id: Uuid,
    #[sqlx(flatten)]
    columns: StatusColumns,
}

/// Every connection's health from its runs: the latest, the latest
/// success, the failures since, the average duration and the runs of each
/// of the last 30 days.
pub async fn statuses(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<(ConnectionId, HealthReport)>, sqlx::Error> {
    let rows: Vec<StatusRow> = sqlx::query_as(
        "SELECT c.connection_id,
                last.started_at AS last_run_at,
                ok.started_at AS last_success_at,
                (SELECT count(*) FROM connection_runs r
                  WHERE r.tenant_id = c.tenant_id AND r.connection_id = c.connection_id
                    AND r.outcome = 'failed'
                    AND r.started_at > coalesce(ok.started_at, '-infinity')) AS consecutive_failures,
                (SELECT avg(duration_ms)::float8 FROM connection_runs r
                  WHERE r.tenant_id = c.tenant_id AND r.connection_id = c.connection_id
                    AND r.started_at > now() - interval '30 days') AS average_ms,
                CASE WHEN last.outcome = 'failed' THEN last.message END AS last_error,
                (SELECT jsonb_agg(jsonb_build_array(day, good, bad) ORDER BY day)
                   FROM (SELECT d.day::date::text AS day,
                                count(r.*) FILTER (WHERE r.outcome <> 'failed') AS good,
                                count(r.*) FILTER (WHERE r.outcome = 'failed') AS bad
                           FROM generate_series((current_date - 29)::timestamptz,
                                                current_date::timestamptz, interval '1 day') d(day)
                           LEFT JOIN connection_runs r
                             ON r.tenant_id = c.tenant_id AND r.connection_id = c.connection_id
                            AND r.started_at >= d.day AND r.started_at < d.day + interval '1 day'
                          GROUP BY d.day) per_day) AS days,
                c.enabled
           FROM connections c
           LEFT JOIN LATERAL (SELECT started_at, outcome, message FROM connection_runs r
                               WHERE r.tenant_id = c.tenant_id AND r.connection_id = c.connection_id
                               ORDER BY started_at DESC LIMIT 1) last ON true
           LEFT JOIN LATERAL (SELECT started_at FROM connection_runs r
                               WHERE r.tenant_id = c.tenant_id AND r.connection_id = c.connection_id
                                 AND r.outcome <> 'failed'
                               ORDER BY started_at DESC LIMIT 1) ok ON true
          WHERE c.tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (ConnectionId(r.connection_id), r.columns.status()))
        .collect())
}

/// The exports following `simulation`'s approvals, made due now for
/// `version` (in the approval's transaction: sent if it commits).
pub async fn due_on_approval(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE connections SET next_run_at = now(), approved_version = $3
          WHERE tenant_id = $1 AND simulation_id = $2 AND direction = 'export'
            AND on_approval AND enabled",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets runs older than 90 days, whatever their tenant.
pub async fn expire(conn: &mut PgConnection) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT app_expire_connection_runs()")
        .fetch_one(conn)
        .await
}
