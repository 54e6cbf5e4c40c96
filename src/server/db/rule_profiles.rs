//! Rule profiles and their immutable versions. Every query runs in the
//! tenant's scope, where row-level security hides other tenants' rows.

use crate::model::account::{TenantId, UserId};
use crate::model::rule_profile::{RuleProfileId, RuleProfileSummary, RuleVersionSummary, RulesRef};
use crate::model::time::Timestamp;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;
use std::collections::BTreeMap;
use uuid::Uuid;

type SummaryRow = (Uuid, String, String, i32, DateTime<Utc>);

const SUMMARY: &str = "SELECT p.profile_id, p.name, p.base, max(v.version_no), max(v.created_at)
                         FROM rule_profiles p
                         JOIN rule_profile_versions v USING (tenant_id, profile_id)";

fn summary_of((id, name, base, latest, updated): SummaryRow) -> RuleProfileSummary {
    RuleProfileSummary {
        profile_id: RuleProfileId(id),
        name,
        base,
        latest_version: latest,
        updated_at: Timestamp::from_utc(updated),
    }
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<RuleProfileSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY} GROUP BY p.profile_id, p.name, p.base ORDER BY p.name"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(summary_of).collect())
}

pub async fn summary(
    conn: &mut PgConnection,
    id: RuleProfileId,
) -> Result<Option<RuleProfileSummary>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY} WHERE p.profile_id = $1 GROUP BY p.profile_id, p.name, p.base"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(summary_of))
}

/// `None` when the tenant already has a profile of that name.
pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    name: &str,
    base: &str,
) -> Result<Option<RuleProfileId>, sqlx::Error> {
    let id = Uuid::now_v7();
    let done = sqlx::query(
        "INSERT INTO rule_profiles (tenant_id, profile_id, name, base, created_by)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, name) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(name)
    .bind(base)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(RuleProfileId(id)))
}

/// Locks the profile against concurrent versions; its latest version.
pub async fn lock(conn: &mut PgConnection, id: RuleProfileId) -> Result<Option<i32>, sqlx::Error> {
    let found: Option<Uuid> =
        sqlx::query_scalar("SELECT profile_id FROM rule_profiles WHERE profile_id = $1 FOR UPDATE")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
    if found.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT coalesce(max(version_no), 0) FROM rule_profile_versions WHERE profile_id = $1",
    )
    .bind(id.0)
    .fetch_one(conn)
    .await
    .map(Some)
}

pub async fn add_version(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    id: RuleProfileId,
    version_no: i32,
    parameters: &BTreeMap<String, f64>,
    note: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO rule_profile_versions
             (tenant_id, profile_id, version_no, parameters, note, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(version_no)
    .bind(Json(parameters))
    .bind(note)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn versions(
    conn: &mut PgConnection,
    id: RuleProfileId,
) -> Result<Vec<RuleVersionSummary>, sqlx::Error> {
    let rows: Vec<(i32, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT v.version_no, v.note, u.display_name, v.created_at
           FROM rule_profile_versions v
           JOIN users u ON u.user_id = v.created_by
          WHERE v.profile_id = $1
          ORDER BY v.version_no DESC",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version_no, note, author, created)| RuleVersionSummary {
            version_no,
            note,
            author,
            created_at: Timestamp::from_utc(created),
        })
        .collect())
}

pub async fn parameters(
    conn: &mut PgConnection,
    id: RuleProfileId,
    version_no: i32,
) -> Result<Option<BTreeMap<String, f64>>, sqlx::Error> {
    let row: Option<Json<BTreeMap<String, f64>>> = sqlx::query_scalar(
        "SELECT parameters FROM rule_profile_versions WHERE profile_id = $1 AND version_no = $2",
    )
    .bind(id.0)
    .bind(version_no)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|p| p.0))
}

/// The rules a simulation version was computed with, when a profile of
/// the organisation's.
pub async fn of_simulation_version(
    conn: &mut PgConnection,
    simulation: Uuid,
    version_no: i32,
) -> Result<Option<RulesRef>, sqlx::Error> {
    let row: Option<(Uuid, i32, String)> = sqlx::query_as(
        "SELECT p.profile_id, v.rule_profile_version, p.name
           FROM simulation_versions v
           JOIN rule_profiles p ON p.tenant_id = v.tenant_id AND p.profile_id = v.rule_profile_id
          WHERE v.simulation_id = $1 AND v.version_no = $2",
    )
    .bind(simulation)
    .bind(version_no)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, version_no, name)| RulesRef {
        profile_id: RuleProfileId(id),
        version_no,
        name,
    }))
}
