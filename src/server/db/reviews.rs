//! The review state and the comments of simulation versions. Every
//! function runs inside a tenant scope (`scope::begin`) and names the
//! tenant too.

use crate::model::account::{TenantId, UserId};
use crate::model::simulation::SimulationId;
use crate::model::workflow::{Comment, ReviewStatus};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A review as stored, with the display names of the people in it.
pub struct StoredReview {
    pub status: ReviewStatus,
    /// Who wrote the version.
    pub author: Option<UserId>,
    pub submitted_by: Option<UserId>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
}

/// The review of a version, locked until the transaction ends when `lock`.
pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
    lock: bool,
) -> Result<Option<StoredReview>, sqlx::Error> {
    type Row = (
        String,
        Option<Uuid>,
        Option<Uuid>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let sql = format!(
        "SELECT r.status, v.created_by, r.submitted_by, s.display_name, r.submitted_at,
                d.display_name, r.decided_at, r.rejection_reason
           FROM version_reviews r
           JOIN simulation_versions v USING (tenant_id, simulation_id, version_no)
      LEFT JOIN users s ON s.user_id = r.submitted_by
      LEFT JOIN users d ON d.user_id = r.decided_by
          WHERE r.tenant_id = $3 AND r.simulation_id = $1 AND r.version_no = $2 {}",
        if lock { "FOR UPDATE OF r" } else { "" }
    );
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(simulation.0)
        .bind(version)
        .bind(tenant.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(
        |(
            status,
            author,
            submitted_by,
            submitted_name,
            submitted_at,
            decided_name,
            decided_at,
            reason,
        )| {
            StoredReview {
                status: status.parse().unwrap_or(ReviewStatus::Draft),
                author: author.map(UserId),
                submitted_by: submitted_by.map(UserId),
                submitted_by_name: submitted_name,
                submitted_at,
                decided_by_name: decided_name,
                decided_at,
                rejection_reason: reason,
            }
        },
    ))
}

/// A new version starts as a draft.
pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO version_reviews (tenant_id, simulation_id, version_no) VALUES ($1, $2, $3)",
    )
    .bind(tenant.0)
    .bind(simulation.0)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn submit(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE version_reviews
            SET status = 'submitted', submitted_by = $3, submitted_at = now(),
                decided_by = NULL, decided_at = NULL
          WHERE tenant_id = $4 AND simulation_id = $1 AND version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .bind(by.0)
    .bind(tenant.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Approves, or sends back to draft with `reason`.
pub async fn decide(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
    by: UserId,
    rejection: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE version_reviews
            SET status = CASE WHEN $4::text IS NULL THEN 'approved' ELSE 'draft' END,
                decided_by = $3, decided_at = now(), rejection_reason = $4
          WHERE tenant_id = $5 AND simulation_id = $1 AND version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .bind(by.0)
    .bind(rejection)
    .bind(tenant.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn comments(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
) -> Result<Vec<Comment>, sqlx::Error> {
    let rows: Vec<(String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT u.display_name, c.body, c.created_at
           FROM version_comments c JOIN users u ON u.user_id = c.author_id
          WHERE c.tenant_id = $3 AND c.simulation_id = $1 AND c.version_no = $2
          ORDER BY c.created_at, c.comment_id",
    )
    .bind(simulation.0)
    .bind(version)
    .bind(tenant.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(author, body, at)| Comment {
            author,
            body,
            created_at: at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect())
}

pub async fn add_comment(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
    author: UserId,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO version_comments (tenant_id, comment_id, simulation_id, version_no, author_id, body)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(Uuid::now_v7())
    .bind(simulation.0)
    .bind(version)
    .bind(author.0)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who wrote a version.
pub async fn author(
    conn: &mut PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    version: i32,
) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "SELECT created_by FROM simulation_versions
          WHERE tenant_id = $3 AND simulation_id = $1 AND version_no = $2",
    )
    .bind(simulation.0)
    .bind(version)
    .bind(tenant.0)
    .fetch_optional(conn)
    .await?;
    Ok(id.map(UserId))
}

/// Who approves besides the admins (`analyst`), or nobody else (`admin`).
pub async fn approver_role(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT approver_role FROM tenants WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(conn)
        .await
}

pub async fn set_approver_role(
    conn: &mut PgConnection,
    tenant: TenantId,
    role: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tenants SET approver_role = $1 WHERE tenant_id = $2")
        .bind(role)
        .bind(tenant.0)
        .execute(conn)
        .await?;
    Ok(())
}
