//! Anomalies a person dismissed, and the thresholds each organisation's
//! detection runs with. Every query runs in the tenant's scope, where
//! row-level security hides other tenants' rows, and names the tenant.

use crate::intel::anomalies::{Anomaly, Dismissal, Kind, Section};
use crate::model::account::{TenantId, UserId};
use crate::model::simulation::SimulationId;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::PgConnection;

/// A dismissal as stored: the finding it names and who judged it.
pub struct Dismissed {
    pub line_id: Option<String>,
    pub section: String,
    pub field: String,
    pub kind: String,
    pub value: f64,
    pub dismissal: Dismissal,
}

impl Dismissed {
    /// Whether this dismissal is of `anomaly` (the same finding on the same value).
    pub fn covers(&self, anomaly: &Anomaly) -> bool {
        let (Some(section), Some(kind)) = (
            Section::ALL.into_iter().find(|s| s.key() == self.section),
            Kind::ALL.into_iter().find(|k| k.key() == self.kind),
        ) else {
            return false;
        };
        anomaly.same_finding(
            self.line_id.as_deref(),
            section,
            &self.field,
            kind,
            self.value,
        )
    }
}

type DismissedRow = (
    String,
    String,
    String,
    String,
    f64,
    String,
    String,
    DateTime<Utc>,
);

/// The dismissals of a simulation's versions up to `version`.
pub async fn dismissals(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
) -> Result<Vec<Dismissed>, sqlx::Error> {
    let rows: Vec<DismissedRow> = sqlx::query_as(
        "SELECT d.line_id, d.section, d.field, d.kind, d.value, d.reason, u.email, d.created_at
           FROM anomaly_dismissals d JOIN users u ON u.user_id = d.dismissed_by
          WHERE d.tenant_id = $1 AND d.simulation_id = $2 AND d.version_no <= $3
          ORDER BY d.created_at",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(version)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(line_id, section, field, kind, value, reason, by, at)| Dismissed {
                line_id: (!line_id.is_empty()).then_some(line_id),
                section,
                field,
                kind,
                value,
                dismissal: Dismissal {
                    by,
                    at: at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    reason,
                },
            },
        )
        .collect())
}

/// Records that `user` judged `anomaly` of a version not an error; false
/// when it was already dismissed in that version.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
    anomaly: &Anomaly,
    reason: &str,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO anomaly_dismissals (tenant_id, simulation_id, version_no, line_id, section,
                field, kind, value, score, reason, dismissed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(version)
    .bind(anomaly.id.as_deref().unwrap_or(""))
    .bind(anomaly.section.key())
    .bind(&anomaly.field)
    .bind(anomaly.kind.key())
    .bind(anomaly.value)
    .bind(anomaly.score)
    .bind(reason)
    .bind(user.0)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// The scores of the organisation's `limit` most recent dismissed outliers.
pub async fn recent_outlier_scores(
    conn: &mut PgConnection,
    tenant: TenantId,
    limit: i64,
) -> Result<Vec<f64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT score FROM anomaly_dismissals
          WHERE tenant_id = $1 AND kind = 'outlier'
          ORDER BY created_at DESC LIMIT $2",
    )
    .bind(tenant.0)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// An organisation's stored thresholds: outlier z, alert budget, whether
/// an admin fixed them, when they last changed.
pub struct StoredThresholds {
    pub outlier_z: f64,
    pub alert_budget: f64,
    pub fixed: bool,
    pub updated_at: DateTime<Utc>,
}

pub async fn thresholds(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<StoredThresholds>, sqlx::Error> {
    let row: Option<(f64, f64, bool, DateTime<Utc>)> = sqlx::query_as(
        "SELECT outlier_z, alert_budget, fixed, updated_at FROM anomaly_thresholds
          WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(outlier_z, alert_budget, fixed, updated_at)| StoredThresholds {
            outlier_z,
            alert_budget,
            fixed,
            updated_at,
        },
    ))
}

pub async fn save_thresholds(
    conn: &mut PgConnection,
    tenant: TenantId,
    outlier_z: f64,
    alert_budget: f64,
    fixed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO anomaly_thresholds (tenant_id, outlier_z, alert_budget, fixed)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id) DO UPDATE
            SET outlier_z = $2, alert_budget = $3, fixed = $4, updated_at = now()",
    )
    .bind(tenant.0)
    .bind(outlier_z)
    .bind(alert_budget)
    .bind(fixed)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Back to the defaults, learning again from dismissals.
pub async fn reset_thresholds(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM anomaly_thresholds WHERE tenant_id = $1")
        .bind(tenant.0)
        .execute(conn)
        .await
        .map(|_| ())
}
