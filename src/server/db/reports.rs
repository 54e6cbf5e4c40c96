//! Generated reports, report templates and the tenant's branding. Every
//! function runs inside a tenant scope (`scope::begin`).

use crate::model::account::{TenantId, UserId};
use crate::model::report::{
    Branding, ReportFormat, ReportId, ReportSection, ReportSummary, ReportTemplate, TemplateId,
};
use crate::model::simulation::{ScenarioId, SimulationId};
use crate::server::db::simulations::VISIBLE;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct NewReport<'a> {
    pub simulation: SimulationId,
    pub version_no: i32,
    pub scenario: Option<ScenarioId>,
    pub format: ReportFormat,
    pub title: &'a str,
    pub parameters: &'a Value,
    pub content: &'a [u8],
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    report: &NewReport<'_>,
) -> Result<ReportId, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO reports (tenant_id, report_id, simulation_id, version_no, scenario_id, format,
                              title, parameters, content, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(report.simulation.0)
    .bind(report.version_no)
    .bind(report.scenario.map(|s| s.0))
    .bind(report.format.key())
    .bind(report.title)
    .bind(sqlx::types::Json(report.parameters))
    .bind(report.content)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(ReportId(id))
}

type SummaryRow = (
    Uuid,
    String,
    String,
    String,
    Uuid,
    i32,
    Option<String>,
    Option<String>,
    i64,
    String,
    DateTime<Utc>,
    Uuid,
);

const SUMMARY: &str =
    "SELECT r.report_id, r.title, r.format, s.name, r.simulation_id, r.version_no,
        r.parameters->>'scenario', r.parameters->>'template', octet_length(r.content)::bigint,
        u.display_name, r.created_at, r.created_by
   FROM reports r
   JOIN simulations s ON s.tenant_id = r.tenant_id AND s.simulation_id = r.simulation_id
   JOIN users u ON u.user_id = r.created_by
  WHERE r.tenant_id = app_tenant()";

fn summary(row: SummaryRow) -> (ReportSummary, UserId) {
    let (
        id,
        title,
        format,
        simulation,
        simulation_id,
        version_no,
        scenario,
        template,
        size,
        author,
        created,
        by,
    ) = row;
    (
        ReportSummary {
            report_id: ReportId(id),
            title,
            format: format.parse().unwrap_or(ReportFormat::Pdf),
            simulation,
            simulation_id: simulation_id.to_string(),
            version_no,
            scenario,
            template: template.unwrap_or_default(),
            size_bytes: size,
            author,
            created_at: crate::model::time::Timestamp::from_utc(created),
        },
        UserId(by),
    )
}

/// The latest reports of the live simulations `user` may see (see
/// `simulations::VISIBLE`).
pub async fn list(
    conn: &mut PgConnection,
    user: UserId,
    admin: bool,
    limit: i64,
) -> Result<Vec<ReportSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY} AND {VISIBLE} AND s.deleted_at IS NULL
         ORDER BY r.created_at DESC LIMIT $3"
    ))
    .bind(user.0)
    .bind(admin)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| summary(r).0).collect())
}

pub async fn get(
    conn: &mut PgConnection,
    id: ReportId,
) -> Result<Option<(ReportSummary, UserId)>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY} AND r.report_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(summary))
}

pub async fn content(
    conn: &mut PgConnection,
    id: ReportId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT content FROM reports WHERE tenant_id = app_tenant() AND report_id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
}

pub async fn delete(conn: &mut PgConnection, id: ReportId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM reports WHERE tenant_id = app_tenant() AND report_id = $1")
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

type TemplateRow = (Uuid, String, String, Vec<String>, String);

fn template(row: TemplateRow) -> ReportTemplate {
    let (id, name, title, sections, footer) = row;
    ReportTemplate {
        template_id: Some(TemplateId(id)),
        name,
        title,
        sections: sections
            .iter()
            .filter_map(|s| s.parse::<ReportSection>().ok())
            .collect(),
        footer,
    }
}

pub async fn templates(conn: &mut PgConnection) -> Result<Vec<ReportTemplate>, sqlx::Error> {
    let rows: Vec<TemplateRow> = sqlx::query_as(
        "SELECT template_id, name, title, sections, footer FROM report_templates
          WHERE tenant_id = app_tenant() ORDER BY name",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(template).collect())
}

pub async fn template_by_id(
    conn: &mut PgConnection,
    id: TemplateId,
) -> Result<Option<ReportTemplate>, sqlx::Error> {
    let row: Option<TemplateRow> = sqlx::query_as(
        "SELECT template_id, name, title, sections, footer FROM report_templates
          WHERE tenant_id = app_tenant() AND template_id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(template))
}

/// Creates the template, or replaces the one of the same name.
pub async fn save_template(
    conn: &mut PgConnection,
    tenant: TenantId,
    t: &ReportTemplate,
) -> Result<TemplateId, sqlx::Error> {
    let sections: Vec<&str> = t.sections.iter().map(|s| s.key()).collect();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO report_templates (tenant_id, template_id, name, title, sections, footer)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, name)
         DO UPDATE SET title = EXCLUDED.title, sections = EXCLUDED.sections, footer = EXCLUDED.footer
         RETURNING template_id",
    )
    .bind(tenant.0)
    .bind(Uuid::now_v7())
    .bind(&t.name)
    .bind(&t.title)
    .bind(&sections)
    .bind(&t.footer)
    .fetch_one(conn)
    .await?;
    Ok(TemplateId(id))
}

pub async fn delete_template(conn: &mut PgConnection, id: TemplateId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM report_templates WHERE tenant_id = app_tenant() AND template_id = $1",
    )
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn branding(conn: &mut PgConnection) -> Result<Branding, sqlx::Error> {
    let row: Option<(String, String, bool)> = sqlx::query_as(
        "SELECT primary_colour, accent_colour, logo IS NOT NULL FROM tenant_branding
          WHERE tenant_id = app_tenant()",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or_else(
        Branding::default,
        |(primary_colour, accent_colour, has_logo)| Branding {
            primary_colour,
            accent_colour,
            has_logo,
        },
    ))
}

/// The logo and its type (`png`, `jpg` or `svg`).
pub async fn logo(conn: &mut PgConnection) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = sqlx::query_as(
        "SELECT logo, logo_type FROM tenant_branding WHERE tenant_id = app_tenant()",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(logo, kind)| Some((logo?, kind?))))
}

pub async fn set_colours(
    conn: &mut PgConnection,
    tenant: TenantId,
    primary: &str,
    accent: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tenant_branding (tenant_id, primary_colour, accent_colour) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE
            SET primary_colour = EXCLUDED.primary_colour, accent_colour = EXCLUDED.accent_colour,
                updated_at = now()",
    )
    .bind(tenant.0)
    .bind(primary)
    .bind(accent)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_logo(
    conn: &mut PgConnection,
    tenant: TenantId,
    logo: Option<(&[u8], &str)>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tenant_branding (tenant_id, logo, logo_type) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE
            SET logo = EXCLUDED.logo, logo_type = EXCLUDED.logo_type, updated_at = now()",
    )
    .bind(tenant.0)
    .bind(logo.map(|l| l.0))
    .bind(logo.map(|l| l.1))
    .execute(conn)
    .await?;
    Ok(())
}
