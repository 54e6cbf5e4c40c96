//! Simulations, their versions and exposure lines, and scenarios. Every
//! function runs inside a tenant scope (`scope::begin`).

use crate::engine::dataset::DataSet;
use crate::engine::results::{Ratios, Results};
use crate::model::account::{TeamId, TenantId, UserId};
use crate::model::error::AppError;
use crate::model::rule_profile::RulesRef;
use crate::model::simulation::decode_lines;
use crate::model::simulation::{
    ScenarioSummary, Sharing, SimulationId, SimulationSummary, VersionSummary,
};
use crate::model::time::Timestamp;
use crate::model::workflow::ReviewStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// Who may read a simulation: its author, the tenant when shared with it, a
/// team it is shared with, and admins.
pub(crate) const VISIBLE: &str = "(s.created_by = $1 OR s.shared_with_tenant OR $2
     OR s.shared_team_id IN (SELECT team_id FROM team_members WHERE user_id = $1))";

#[derive(sqlx::FromRow)]
struct SummaryRow {
    simulation_id: Uuid,
    name: String,
    author: String,
    reporting_date: Option<NaiveDate>,
    latest_version: i32,
    line_count: i32,
    scenario_count: i64,
    deleted_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl From<SummaryRow> for SimulationSummary {
    fn from(r: SummaryRow) -> Self {
        SimulationSummary {
            simulation_id: SimulationId(r.simulation_id),
            name: r.name,
            author: r.author,
            reporting_date: r.reporting_date.map(|d| d.to_string()),
            latest_version: r.latest_version,
            line_count: r.line_count,
            scenario_count: r.scenario_count,
            deleted: r.deleted_at.is_some(),
            updated_at: Timestamp::from_utc(r.updated_at),
        }
    }
}

fn summary_sql(filter: &str) -> String {
    format!(
        "SELECT s.simulation_id, s.name, u.display_name AS author, v.reporting_date,
                v.version_no AS latest_version, v.line_count,
                (SELECT count(*) FROM scenarios c WHERE c.simulation_id = s.simulation_id) AS scenario_count,
                s.deleted_at, s.updated_at
           FROM simulations s
           JOIN users u ON u.user_id = s.created_by
           JOIN LATERAL (SELECT * FROM simulation_versions v
                          WHERE v.simulation_id = s.simulation_id
                          ORDER BY version_no DESC LIMIT 1) v ON true
          WHERE {VISIBLE} AND {filter}"
    )
}

pub async fn list(
    conn: &mut PgConnection,
    user: UserId,
    admin: bool,
    deleted: bool,
) -> Result<Vec<SimulationSummary>, sqlx::Error> {
    let filter = if deleted {
        "s.deleted_at IS NOT NULL ORDER BY s.deleted_at DESC"
    } else {
        "s.deleted_at IS NULL ORDER BY s.updated_at DESC"
    };
    let rows: Vec<SummaryRow> = sqlx::query_as(&summary_sql(filter))
        .bind(user.0)
        .bind(admin)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Which simulations a page of the API lists, besides visibility.
pub struct PageFilter<'a> {
    pub name: Option<&'a str>,
    pub mine: bool,
    pub reporting_date: Option<NaiveDate>,
    /// The last id of the previous page (ids grow with time: UUID v7).
    pub after: Option<SimulationId>,
    pub limit: i64,
}

/// Live visible simulations, newest first, a page at a time.
pub async fn page(
    conn: &mut PgConnection,
    user: UserId,
    admin: bool,
    filter: &PageFilter<'_>,
) -> Result<Vec<SimulationSummary>, sqlx::Error> {
    let pattern = filter.name.map(|n| {
        let escaped = n
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let rows: Vec<SummaryRow> = sqlx::query_as(&summary_sql(
        "s.deleted_at IS NULL
         AND ($3::text IS NULL OR s.name ILIKE $3)
         AND (NOT $4 OR s.created_by = $1)
         AND ($5::date IS NULL OR v.reporting_date = $5)
         AND ($6::uuid IS NULL OR s.simulation_id < $6)
         ORDER BY s.simulation_id DESC LIMIT $7",
    ))
    .bind(user.0)
    .bind(admin)
    .bind(pattern)
    .bind(filter.mine)
    .bind(filter.reporting_date)
    .bind(filter.after.map(|a| a.0))
    .bind(filter.limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A visible, not deleted simulation.
pub async fn get(
    conn: &mut PgConnection,
    user: UserId,
    admin: bool,
    id: SimulationId,
) -> Result<Option<SimulationSummary>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(&summary_sql(
        "s.deleted_at IS NULL AND s.simulation_id = $3",
    ))
    .bind(user.0)
    .bind(admin)
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn count_live(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM simulations WHERE deleted_at IS NULL")
        .fetch_one(conn)
        .await
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    name: &str,
) -> Result<SimulationId, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO simulations (tenant_id, simulation_id, name, created_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(name)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(SimulationId(id))
}

/// What a version stores: its data, the baseline results, the lines
/// packed (the form every reader decodes) and why it was saved.
pub struct NewVersion<'a> {
    pub data: &'a DataSet,
    pub results: &'a Results,
    pub packed: &'a [u8],
    pub note: &'a str,
    /// The organisation's rule profile version it was computed with.
    pub rules: Option<&'a RulesRef>,
}

/// Stores `data` as the next version with its baseline `results`, its
/// lines in one packed value. The caller holds the simulation's lock
/// ([`lock`]).
pub async fn add_version(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    user: UserId,
    new: &NewVersion<'_>,
) -> Result<i32, sqlx::Error> {
    let NewVersion {
        data,
        results,
        packed,
        note,
        rules,
    } = *new;
    let version: i32 = sqlx::query_scalar(
        "SELECT coalesce(max(version_no), 0) + 1 FROM simulation_versions WHERE simulation_id = $1",
    )
    .bind(simulation.0)
    .fetch_one(&mut *conn)
    .await?;
    let header = data.header();
    let reporting_date = data
        .reporting_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    sqlx::query(
        "INSERT INTO simulation_versions (tenant_id, simulation_id, version_no, reporting_date,
                                          header, line_count, created_by, results, note,
                                          lines_packed, rule_profile_id, rule_profile_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(version)
    .bind(reporting_date)
    .bind(sqlx::types::Json(&header))
    .bind(data.exposures.len() as i32)
    .bind(user.0)
    .bind(sqlx::types::Json(results))
    .bind(note)
    .bind(packed)
    .bind(rules.map(|r| r.profile_id.0))
    .bind(rules.map(|r| r.version_no))
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE simulations SET updated_at = now() WHERE simulation_id = $1")
        .bind(simulation.0)
        .execute(&mut *conn)
        .await?;
    measure(conn, simulation, version).await?;
    Ok(version)
}

/// Records what a version takes on disk (its lines, packed copy and
/// header), which the organisation's storage quota adds up.
async fn measure(
    conn: &mut PgConnection,
    simulation: SimulationId,
    version: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE simulation_versions v
            SET stored_bytes = pg_column_size(v.header) + coalesce(octet_length(v.lines_packed), 0)
                + (SELECT coalesce(sum(pg_column_size(l.line)), 0) FROM exposure_lines l
                    WHERE l.simulation_id = v.simulation_id AND l.version_no = v.version_no)
          WHERE v.simulation_id = $1 AND v.version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Copies a version of `from` as version 1 of `to`, lines included, inside
/// the database.
pub async fn copy_version(
    conn: &mut PgConnection,
    from: SimulationId,
    version: i32,
    to: SimulationId,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO simulation_versions (tenant_id, simulation_id, version_no, reporting_date,
                                          header, line_count, created_by, results, note,
                                          lines_packed)
         SELECT tenant_id, $3, 1, reporting_date, header, line_count, $4, results, '',
                lines_packed
           FROM simulation_versions WHERE simulation_id = $1 AND version_no = $2",
    )
    .bind(from.0)
    .bind(version)
    .bind(to.0)
    .bind(user.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO exposure_lines (tenant_id, simulation_id, version_no, line_no, line)
         SELECT tenant_id, $3, 1, line_no, line
           FROM exposure_lines WHERE simulation_id = $1 AND version_no = $2",
    )
    .bind(from.0)
    .bind(version)
    .bind(to.0)
    .execute(&mut *conn)
    .await?;
    measure(conn, to, 1).await
}

/// Locks a simulation's row until the transaction ends, so two new
/// versions cannot take the same number; its latest version, `None` when
/// it is not there.
pub async fn lock(conn: &mut PgConnection, id: SimulationId) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT max(v.version_no) FROM simulation_versions v
                  WHERE v.simulation_id = s.simulation_id)
           FROM simulations s WHERE s.simulation_id = $1 AND s.deleted_at IS NULL
            FOR UPDATE OF s",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

/// A version's data set without its lines, and its stored baseline results
/// (absent for versions stored before results were kept).
pub async fn header(
    conn: &mut PgConnection,
    simulation: SimulationId,
    version: i32,
) -> Result<Option<(DataSet, Option<Results>)>, sqlx::Error> {
    type Row = (
        sqlx::types::Json<DataSet>,
        Option<sqlx::types::Json<Results>>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT header, results FROM simulation_versions
          WHERE simulation_id = $1 AND version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(header, results)| (header.0, results.map(|r| r.0))))
}

/// Fills in the results of a version stored without them.
pub async fn store_results(
    conn: &mut PgConnection,
    simulation: SimulationId,
    version: i32,
    results: &Results,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE simulation_versions SET results = $3
          WHERE simulation_id = $1 AND version_no = $2 AND results IS NULL",
    )
    .bind(simulation.0)
    .bind(version)
    .bind(sqlx::types::Json(results))
    .execute(conn)
    .await?;
    Ok(())
}

/// A version's lines as the browser downloads them: `Some(None)` for a
/// version stored before they were kept packed.
pub async fn packed_lines(
    conn: &mut PgConnection,
    simulation: SimulationId,
    version: i32,
) -> Result<Option<Option<Vec<u8>>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT lines_packed FROM simulation_versions WHERE simulation_id = $1 AND version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .fetch_optional(conn)
    .await
}

/// Moves the lines of a version stored as rows into their packed form:
/// the rows go, so a version keeps its lines once.
pub async fn store_packed_lines(
    conn: &mut PgConnection,
    simulation: SimulationId,
    version: i32,
    packed: &[u8],
) -> Result<(), sqlx::Error> {
    let moved = sqlx::query(
        "UPDATE simulation_versions SET lines_packed = $3
          WHERE simulation_id = $1 AND version_no = $2 AND lines_packed IS NULL",
    )
    .bind(simulation.0)
    .bind(version)
    .bind(packed)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() == 1 {
        sqlx::query("DELETE FROM exposure_lines WHERE simulation_id = $1 AND version_no = $2")
            .bind(simulation.0)
            .bind(version)
            .execute(&mut *conn)
            .await?;
        measure(conn, simulation, version).await?;
    }
    Ok(())
}

/// Every version, oldest first, with its baseline's ratios.
pub async fn versions(
    conn: &mut PgConnection,
    simulation: SimulationId,
) -> Result<Vec<VersionSummary>, sqlx::Error> {
    type Row = (
        i32,
        String,
        String,
        DateTime<Utc>,
        i32,
        Option<sqlx::types::Json<Ratios>>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT v.version_no, v.note, u.display_name, v.created_at, v.line_count,
                v.results -> 'ratios', r.status,
                p.name || ' v' || v.rule_profile_version
           FROM simulation_versions v
           JOIN users u ON u.user_id = v.created_by
      LEFT JOIN version_reviews r USING (tenant_id, simulation_id, version_no)
      LEFT JOIN rule_profiles p
             ON p.tenant_id = v.tenant_id AND p.profile_id = v.rule_profile_id
          WHERE v.simulation_id = $1
          ORDER BY v.version_no",
    )
    .bind(simulation.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(version_no, note, author, created, line_count, ratios, status, rules)| {
                VersionSummary {
                    version_no,
                    note,
                    author,
                    created_at: Timestamp::from_utc(created),
                    line_count,
                    ratios: ratios.map(|r| r.0).unwrap_or_default(),
                    status: status
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(ReviewStatus::Draft),
                    rules,
                }
            },
        )
        .collect())
}

pub async fn sharing(
    conn: &mut PgConnection,
    id: SimulationId,
) -> Result<Option<(UserId, Sharing)>, sqlx::Error> {
    let row: Option<(Uuid, bool, Option<Uuid>)> = sqlx::query_as(
        "SELECT created_by, shared_with_tenant, shared_team_id FROM simulations
          WHERE simulation_id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(author, tenant, team)| {
        let sharing = match (tenant, team) {
            (true, _) => Sharing::Tenant,
            (false, Some(team)) => Sharing::Team(TeamId(team)),
            (false, None) => Sharing::Private,
        };
        (UserId(author), sharing)
    }))
}

pub async fn set_sharing(
    conn: &mut PgConnection,
    id: SimulationId,
    sharing: Sharing,
) -> Result<bool, sqlx::Error> {
    let (tenant, team) = match sharing {
        Sharing::Private => (false, None),
        Sharing::Tenant => (true, None),
        Sharing::Team(team) => (false, Some(team.0)),
    };
    let done = sqlx::query(
        "UPDATE simulations SET shared_with_tenant = $2, shared_team_id = $3
          WHERE simulation_id = $1 AND deleted_at IS NULL",
    )
    .bind(id.0)
    .bind(tenant)
    .bind(team)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A version's data set as stored: the header read, the lines still in
/// their stored form. Decoding 100k lines takes a worker's time, so
/// [`StoredDataSet::decode`] is called on one (`heavy::run`), never on a
/// request thread.
pub struct StoredDataSet {
    header: DataSet,
    lines: StoredLines,
}

enum StoredLines {
    /// gzip-compressed MessagePack, as the browser downloads them.
    Packed(Vec<u8>),
    /// One JSON text per line: a version stored before lines were packed.
    Rows(Vec<String>),
}

impl StoredDataSet {
    /// The data set, lines in their order.
    pub fn decode(self) -> Result<DataSet, AppError> {
        let mut data = self.header;
        data.exposures = match self.lines {
            StoredLines::Packed(packed) => {
                let bytes = crate::server::simulations::unpack_lines(&packed)?;
                decode_lines(&bytes).map_err(|error| {
                    tracing::error!(%error, "stored lines do not decode");
                    AppError::Internal
                })?
            }
            StoredLines::Rows(rows) => rows
                .iter()
                .map(|row| serde_json::from_str(row))
                .collect::<Result<_, _>>()
                .map_err(|error| {
                    tracing::error!(%error, "a stored line does not decode");
                    AppError::Internal
                })?,
        };
        Ok(data)
    }
}

/// The latest version of each live simulation, whose lines hold the
/// classes the organisation gave or confirmed.
pub async fn latest_versions(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<(SimulationId, i32)>, sqlx::Error> {
    let rows: Vec<(Uuid, i32)> = sqlx::query_as(
        "SELECT s.simulation_id, max(v.version_no) FROM simulations s
           JOIN simulation_versions v USING (tenant_id, simulation_id)
          WHERE s.tenant_id = $1 AND s.deleted_at IS NULL
          GROUP BY s.simulation_id ORDER BY s.simulation_id",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(simulation, version)| (SimulationId(simulation), version))
        .collect())
}

/// The data set of a version as stored (see [`StoredDataSet`]).
pub async fn load(
    conn: &mut PgConnection,
    simulation: SimulationId,
    version: i32,
) -> Result<Option<StoredDataSet>, sqlx::Error> {
    let stored: Option<(sqlx::types::Json<DataSet>, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT header, lines_packed FROM simulation_versions
          WHERE simulation_id = $1 AND version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((sqlx::types::Json(header), packed)) = stored else {
        return Ok(None);
    };
    let lines = match packed {
        Some(packed) => StoredLines::Packed(packed),
        None => StoredLines::Rows(
            sqlx::query_scalar(
                "SELECT line::text FROM exposure_lines
                  WHERE simulation_id = $1 AND version_no = $2 ORDER BY line_no",
            )
            .bind(simulation.0)
            .bind(version)
            .fetch_all(conn)
            .await?,
        ),
    };
    Ok(Some(StoredDataSet { header, lines }))
}

pub async fn rename(
    conn: &mut PgConnection,
    id: SimulationId,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE simulations SET name = $2 WHERE simulation_id = $1 AND deleted_at IS NULL",
    )
    .bind(id.0)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Soft delete (`deleted` = true) or restore.
pub async fn set_deleted(
    conn: &mut PgConnection,
    id: SimulationId,
    deleted: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE simulations SET deleted_at = CASE WHEN $2 THEN now() END
          WHERE simulation_id = $1 AND (deleted_at IS NULL) = $2",
    )
    .bind(id.0)
    .bind(deleted)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn scenarios(
    conn: &mut PgConnection,
    simulation: SimulationId,
) -> Result<Vec<ScenarioSummary>, sqlx::Error> {
    type Row = (Uuid, String, sqlx::types::Json<Value>, i32, DateTime<Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT scenario_id, name, edits, version_no, updated_at FROM scenarios
          WHERE simulation_id = $1 ORDER BY name",
    )
    .bind(simulation.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, edits, version, updated)| ScenarioSummary {
            scenario_id: crate::model::simulation::ScenarioId(id),
            name,
            edits_json: edits.0.to_string(),
            version_no: version,
            updated_at: Timestamp::from_utc(updated),
        })
        .collect())
}

/// Creates the scenario, or replaces the one of the same name.
#[allow(clippy::too_many_arguments)]
pub async fn save_scenario(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    user: UserId,
    name: &str,
    edits: &Value,
    version: i32,
    results: &Value,
    profile: &Value,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO scenarios (tenant_id, scenario_id, simulation_id, name, edits, version_no,
                                results, profile, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, simulation_id, name) DO UPDATE
            SET edits = excluded.edits, version_no = excluded.version_no,
                results = excluded.results, profile = excluded.profile
         RETURNING scenario_id",
    )
    .bind(tenant.0)
    .bind(Uuid::now_v7())
    .bind(simulation.0)
    .bind(name)
    .bind(edits)
    .bind(version)
    .bind(results)
    .bind(profile)
    .bind(user.0)
    .fetch_one(conn)
    .await
}

/// One scenario of a simulation with its stored results.
pub async fn scenario(
    conn: &mut PgConnection,
    simulation: SimulationId,
    scenario: crate::model::simulation::ScenarioId,
) -> Result<Option<(ScenarioSummary, Results)>, sqlx::Error> {
    type Row = (
        Uuid,
        String,
        sqlx::types::Json<Value>,
        i32,
        DateTime<Utc>,
        sqlx::types::Json<Results>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT scenario_id, name, edits, version_no, updated_at, results FROM scenarios
          WHERE tenant_id = app_tenant() AND simulation_id = $1 AND scenario_id = $2",
    )
    .bind(simulation.0)
    .bind(scenario.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, name, edits, version, updated, results)| {
        (
            ScenarioSummary {
                scenario_id: crate::model::simulation::ScenarioId(id),
                name,
                edits_json: edits.0.to_string(),
                version_no: version,
                updated_at: Timestamp::from_utc(updated),
            },
            results.0,
        )
    }))
}
