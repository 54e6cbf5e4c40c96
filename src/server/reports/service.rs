//! Generating, listing, downloading, deleting and e-mailing reports, and
//! the templates and branding they use. Permissions: analysts and admins
//! generate and send; every member reads the reports of the simulations
//! they can see; the author or an admin deletes; admins brand.

use super::tables::{self, Columns, Table, Value as Cell};
use super::{pdf, workbook};
use crate::charts;
use crate::engine::dataset::DataSet;
use crate::engine::profile::Profile;
use crate::engine::results::Results;
use crate::engine::scenario::Scenario;
use crate::engine::{ComputeOptions, compute, resolve_profile};
use crate::model::account::{Permission, Role};
use crate::model::error::{AppError, FieldErrors};
use crate::model::money::{amount, percent};
use crate::model::report::{
    Branding, ReportFormat, ReportId, ReportSummary, ReportTemplate, TemplateId, parse_colour,
    parse_recipients,
};
use crate::model::rule_profile::RulesRef;
use crate::model::simulation::{ScenarioId, SimulationId};
use crate::model::webhooks::EventType;
use crate::server::auth::Caller;
use crate::server::db::outbound_emails::{self, Email};
use crate::server::db::{reports, rule_profiles, scope, simulations as sims};
use crate::server::{audit, simulations};
use serde_json::{Value, json};
use sqlx::PgPool;

/// The largest logo, and the kinds accepted (checked by content).
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

pub struct Request {
    pub simulation: SimulationId,
    pub version: Option<i32>,
    pub scenario: Option<ScenarioId>,
    pub template: Option<TemplateId>,
    pub format: ReportFormat,
}

fn ratio(x: f64) -> String {
    percent(Some(x))
}

fn cell(value: Cell) -> String {
    match value {
        Cell::Amount(a) => amount(a),
        Cell::Ratio(r) => ratio(r),
        Cell::None => "–".into(),
    }
}

/// A table as the PDF template reads it, every figure formatted. CR5's
/// many columns are shown in millions to fit a page.
fn table_json(table: &Table) -> Value {
    let millions = table.code == "CR5";
    let format = |value: Cell| match value {
        Cell::Amount(a) if millions => format!("{:.1}", a / 1e6),
        other => cell(other),
    };
    json!({
        "code": table.code,
        "title": table.title,
        "unit": millions.then_some("Amounts in millions of the reporting currency."),
        "columns": table.columns,
        "rows": table.rows.iter().map(|r| json!({
            "reference": r.reference,
            "label": r.label,
            "total": r.total,
            "cells": r.cells.iter().map(|c| format(*c)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Each key metric against its requirement, with the status the dashboard
/// shows (one rule: `model::status`).
fn metrics(r: &Results) -> Vec<Value> {
    crate::model::status::metrics(r)
        .iter()
        .map(|m| {
            json!({
                "label": m.label,
                "value": m.value.map_or_else(|| "–".into(), ratio),
                "requirement": ratio(m.requirement),
                "headroom": m.headroom().map_or_else(|| "–".into(), ratio),
                "status": m.status.map_or("n/a", crate::model::status::Status::label),
            })
        })
        .collect()
}

fn summary(bank: &str, r: &Results, scenario: Option<(&str, &Results)>) -> Vec<String> {
    let mut points = Vec::new();
    if let Some(cet1) = r.ratios.cet1 {
        let headroom = r
            .headroom
            .cet1_amount
            .map(amount)
            .unwrap_or_else(|| "–".into());
        points.push(format!(
            "{bank} has a CET1 ratio of {} against a requirement of {} (headroom {headroom}).",
            ratio(cet1),
            ratio(r.requirements.cet1)
        ));
    }
    points.push(format!(
        "Risk-weighted assets total {}, of which credit risk {} and operational risk {}.",
        amount(r.rwa.total),
        amount(r.rwa.credit),
        amount(r.rwa.operational)
    ));
    if let Some(leverage) = r.ratios.leverage {
        points.push(format!(
            "The leverage ratio is {} (requirement {}).",
            ratio(leverage),
            ratio(r.requirements.leverage)
        ));
    }
    match (r.ratios.lcr, r.ratios.nsfr) {
        (Some(lcr), Some(nsfr)) => points.push(format!(
            "Liquidity: LCR {} and NSFR {}.",
            ratio(lcr),
            ratio(nsfr)
        )),
        (Some(lcr), None) => points.push(format!("Liquidity: LCR {}.", ratio(lcr))),
        _ => {}
    }
    let breaches: Vec<_> = r
        .large_exposures
        .iter()
        .filter(|l| l.breach == Some(true))
        .collect();
    if let Some(first) = breaches.first() {
        points.push(format!(
            "{} large exposure(s) exceed the limit of {} of Tier 1.",
            breaches.len(),
            ratio(first.limit)
        ));
    }
    if let Some((name, s)) = scenario
        && let (Some(before), Some(after)) = (r.ratios.cet1, s.ratios.cet1)
    {
        points.push(format!(
            "Under the scenario “{name}”, CET1 moves from {} to {} ({:+.2} points).",
            ratio(before),
            ratio(after),
            (after - before) * 100.0
        ));
    }
    points
}

fn deltas(base: &Results, after: &Results) -> Vec<Value> {
    let rows: [(&str, Option<f64>, Option<f64>, bool); 9] = [
        ("CET1 ratio", base.ratios.cet1, after.ratios.cet1, true),
        ("Tier 1 ratio", base.ratios.tier1, after.ratios.tier1, true),
        (
            "Total capital ratio",
            base.ratios.total_capital,
            after.ratios.total_capital,
            true,
        ),
        (
            "Leverage ratio",
            base.ratios.leverage,
            after.ratios.leverage,
            true,
        ),
        ("LCR", base.ratios.lcr, after.ratios.lcr, true),
        ("NSFR", base.ratios.nsfr, after.ratios.nsfr, true),
        (
            "CET1 capital",
            Some(base.capital.cet1),
            Some(after.capital.cet1),
            false,
        ),
        (
            "Total RWA",
            Some(base.rwa.total),
            Some(after.rwa.total),
            false,
        ),
        (
            "Credit risk RWA",
            Some(base.rwa.credit),
            Some(after.rwa.credit),
            false,
        ),
    ];
    rows.iter()
        .map(|(label, b, a, is_ratio)| {
            let f = |x: Option<f64>| {
                x.map_or_else(
                    || "–".to_string(),
                    |v| if *is_ratio { ratio(v) } else { amount(v) },
                )
            };
            let change = match (b, a) {
                (Some(b), Some(a)) if *is_ratio => format!("{:+.2} pts", (a - b) * 100.0),
                (Some(b), Some(a)) => format!("{}{}", if a >= b { "+" } else { "" }, amount(a - b)),
                _ => "–".into(),
            };
            json!({ "label": label, "baseline": f(*b), "scenario": f(*a), "change": change })
        })
        .collect()
}

fn colour(hex: &str) -> u32 {
    u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0x1f3a5f)
}

/// Everything a report is made of, computed off the request threads.
struct Figures {
    data: DataSet,
    profile: Profile,
    baseline: Results,
    scenario: Option<(String, Vec<String>, Results)>,
}

fn figures(data: DataSet, scenario: Option<(String, Scenario)>) -> Result<Figures, AppError> {
    let profile = resolve_profile(&data, None)
        .map_err(|e| AppError::Validation(FieldErrors::single("simulation", e.to_string())))?;
    let options = ComputeOptions {
        lines: true,
        explain: false,
    };
    let baseline = compute(&data, &profile, &options);
    let scenario = match scenario {
        None => None,
        Some((name, s)) => {
            let (changed, changed_profile) = s.apply(&data, &profile).map_err(|e| {
                AppError::Validation(FieldErrors::single("scenario", e.to_string()))
            })?;
            let edits = s
                .edits
                .iter()
                .map(|e| serde_json::to_string(e).unwrap_or_default())
                .collect();
            Some((name, edits, compute(&changed, &changed_profile, &options)))
        }
    };
    Ok(Figures {
        data,
        profile,
        baseline,
        scenario,
    })
}

struct Context {
    simulation: String,
    version: i32,
    template: ReportTemplate,
    branding: Branding,
    logo: Option<(Vec<u8>, String)>,
    author: String,
    parameters: Value,
    /// The organisation's rule profile version, when the version was
    /// computed with one.
    rules: Option<RulesRef>,
}

fn render(format: ReportFormat, f: &Figures, c: &Context) -> Result<Vec<u8>, AppError> {
    let scenario = f.scenario.as_ref().map(|(name, _, r)| (name.as_str(), r));
    let columns = Columns {
        baseline: &f.baseline,
        scenario,
    };
    let tables = vec![
        tables::km1(&columns),
        tables::ov1(&columns),
        tables::cr5(&f.baseline),
    ];
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, what, "report rendering failed");
        AppError::Internal
    };
    match format {
        ReportFormat::Xlsx => {
            workbook::report(&tables, &f.data, colour(&c.branding.primary_colour))
                .map_err(|e| internal("xlsx", &e))
        }
        ReportFormat::Pdf => {
            let after = scenario.map_or(&f.baseline, |(_, r)| r);
            let mut files = vec![
                (
                    "/charts/capital.svg".to_string(),
                    charts::capital_stack(after).into_bytes(),
                ),
                (
                    "/charts/rwa-class.svg".to_string(),
                    charts::rwa_by_class(&f.baseline, after).into_bytes(),
                ),
                (
                    "/charts/rwa-bucket.svg".to_string(),
                    charts::rwa_by_bucket(&f.baseline, after).into_bytes(),
                ),
                (
                    "/charts/liquidity.svg".to_string(),
                    charts::liquidity(after).into_bytes(),
                ),
            ];
            let chart_list = json!([
                { "title": "Capital stack against requirements", "file": "/charts/capital.svg" },
                { "title": "RWA by exposure class", "file": "/charts/rwa-class.svg" },
                { "title": "RWA by risk-weight bucket", "file": "/charts/rwa-bucket.svg" },
                { "title": "Liquidity", "file": "/charts/liquidity.svg" },
            ]);
            let logo = c.logo.as_ref().map(|(bytes, kind)| {
                let path = format!("/logo.{kind}");
                files.push((path.clone(), bytes.clone()));
                path
            });
            let defaults = Profile::named(&f.profile.name).ok();
            let overrides: Vec<Value> = f
                .data
                .overrides
                .iter()
                .map(|(key, value)| {
                    let default = defaults
                        .as_ref()
                        .and_then(|p| p.parameters.get(key))
                        .map_or("–".into(), |v| v.to_string());
                    json!({ "key": key, "profile": default, "value": value.to_string() })
                })
                .collect();
            let now = chrono::Utc::now();
            let data = json!({
                "title": c.template.title,
                "bank": if f.data.name.is_empty() { &c.simulation } else { &f.data.name },
                "reporting_date": f.data.reporting_date.clone().unwrap_or_else(|| "not given".into()),
                "simulation": c.simulation,
                "version": c.version,
                "scenario": f.scenario.as_ref().map(|(n, _, _)| n),
                "author": c.author,
                "generated_at": now.format("%Y-%m-%d %H:%M UTC").to_string(),
                "profile": match &c.rules {
                    Some(rules) => format!("{} (derived from {})", rules.label(), f.profile.name),
                    None => f.profile.name.clone(),
                },
                "primary": c.branding.primary_colour,
                "accent": c.branding.accent_colour,
                "footer": c.template.footer,
                "logo": logo,
                "sections": c.template.sections.iter().map(|s| s.key()).collect::<Vec<_>>(),
                "summary": summary(&c.simulation, &f.baseline, scenario),
                "metrics": metrics(after),
                "charts": chart_list,
                "tables": tables.iter().map(table_json).collect::<Vec<_>>(),
                "deltas": scenario.map(|(_, r)| deltas(&f.baseline, r)).unwrap_or_default(),
                "edits": f.scenario.as_ref().map(|(_, e, _)| e.clone()).unwrap_or_default(),
                "overrides": overrides,
                "parameters": describe(&c.parameters),
            });
            use chrono::Datelike;
            let today = (now.year(), now.month() as u8, now.day() as u8);
            pdf::render(&data, files, today).map_err(|e| internal("pdf", &e))
        }
    }
}

/// The report's parameters as a sentence for its appendix.
fn describe(parameters: &Value) -> String {
    let text = |key: &str| {
        parameters
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let sections: Vec<&str> = parameters
        .get("sections")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let scenario = match parameters.get("scenario").and_then(Value::as_str) {
        Some(name) => format!("scenario “{name}”"),
        None => "baseline only".into(),
    };
    format!(
        "template “{}”, version {}, {scenario}, sections {}",
        text("template"),
        parameters
            .get("version")
            .and_then(Value::as_i64)
            .unwrap_or_default(),
        sections.join(", ")
    )
}

async fn template_of(
    tx: &mut sqlx::PgConnection,
    id: Option<TemplateId>,
) -> Result<ReportTemplate, AppError> {
    match id {
        None => Ok(ReportTemplate::standard()),
        Some(id) => reports::template_by_id(tx, id)
            .await?
            .ok_or(AppError::NotFound),
    }
}

/// Generates a report of a visible simulation's version (and scenario),
/// stores it in the history and returns its id.
pub async fn generate(
    pool: &PgPool,
    caller: Caller,
    request: Request,
) -> Result<ReportId, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = simulations::visible(&mut tx, caller, request.simulation).await?;
    let version = request.version.unwrap_or(summary.latest_version);
    let data = sims::load(&mut tx, request.simulation, version)
        .await?
        .ok_or(AppError::NotFound)?;
    let scenario = match request.scenario {
        None => None,
        Some(id) => {
            let found = sims::scenarios(&mut tx, request.simulation)
                .await?
                .into_iter()
                .find(|s| s.scenario_id == id)
                .ok_or(AppError::NotFound)?;
            let parsed = simulations::parse_edits(&found.edits_json)?;
            Some((found.name, parsed))
        }
    };
    let template = template_of(&mut tx, request.template).await?;
    let branding = reports::branding(&mut tx).await?;
    let logo = reports::logo(&mut tx).await?;
    let author = crate::server::db::users::by_id(&mut tx, caller.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let rules =
        rule_profiles::of_simulation_version(&mut tx, request.simulation.0, version).await?;
    tx.commit().await?;
    let parameters = json!({
        "format": request.format.key(),
        "version": version,
        "scenario": scenario.as_ref().map(|(n, _)| n.clone()),
        "template": template.name,
        "sections": template.sections.iter().map(|s| s.key()).collect::<Vec<_>>(),
    });
    let title = match &scenario {
        Some((name, _)) => format!("{} – {} – {name}", template.title, summary.name),
        None => format!("{} – {}", template.title, summary.name),
    };
    let context = Context {
        simulation: summary.name.clone(),
        version,
        template,
        branding,
        logo,
        author,
        parameters: parameters.clone(),
        rules,
    };
    let format = request.format;
    let content = crate::server::heavy::run(Some(caller.tenant_id), "report", move || {
        let f = figures(data.decode()?, scenario)?;
        render(format, &f, &context)
    })
    .await??;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let id = reports::insert(
        &mut tx,
        caller.tenant_id,
        caller.user_id,
        &reports::NewReport {
            simulation: request.simulation,
            version_no: version,
            scenario: request.scenario,
            format,
            title: &title,
            parameters: &parameters,
            content: &content,
        },
    )
    .await?;
    crate::server::db::tenants::within_storage(&mut tx).await?;
    audit::record(
        &mut tx,
        caller,
        "report.generated",
        &format!("report “{title}”"),
        json!({ "format": format.key(), "bytes": content.len(), "version": version }),
    )
    .await?;
    let generated = json!({
        "report_id": id,
        "simulation_id": request.simulation,
        "version": version,
        "title": title,
        "format": format.key(),
    });
    crate::server::webhooks::emit(
        &mut tx,
        caller.tenant_id,
        EventType::ReportGenerated,
        generated,
    )
    .await?;
    tx.commit().await?;
    crate::server::metrics::report(format.key());
    tracing::info!(tenant = %caller.tenant_id, report = %id, bytes = content.len(), "report generated");
    Ok(id)
}

pub async fn list(pool: &PgPool, caller: Caller) -> Result<Vec<ReportSummary>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let list = reports::list(&mut tx, caller.user_id, caller.role == Role::Admin, 200).await?;
    tx.commit().await?;
    Ok(list)
}

/// A report whose simulation the caller can see, else "not found".
async fn visible_report(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: ReportId,
) -> Result<(ReportSummary, crate::model::account::UserId), AppError> {
    let (report, author) = reports::get(tx, id).await?.ok_or(AppError::NotFound)?;
    simulations::visible(tx, caller, report.simulation_id.parse()?).await?;
    Ok((report, author))
}

/// A report's description, if the caller can see its simulation.
pub async fn get(pool: &PgPool, caller: Caller, id: ReportId) -> Result<ReportSummary, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (report, _) = visible_report(&mut tx, caller, id).await?;
    tx.commit().await?;
    Ok(report)
}

pub async fn download(
    pool: &PgPool,
    caller: Caller,
    id: ReportId,
) -> Result<(ReportSummary, Vec<u8>), AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (report, _) = visible_report(&mut tx, caller, id).await?;
    let content = reports::content(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((report, content))
}

pub async fn delete(pool: &PgPool, caller: Caller, id: ReportId) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (report, author) = visible_report(&mut tx, caller, id).await?;
    if author != caller.user_id && caller.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    reports::delete(&mut tx, id).await?;
    audit::record(
        &mut tx,
        caller,
        "report.deleted",
        &format!("report “{}”", report.title),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Queues the report for each recipient, attached or as a link to its
/// page in Prudentia; the mail sender delivers it.
pub async fn send(
    pool: &PgPool,
    caller: Caller,
    id: ReportId,
    recipients: &str,
    message: &str,
    attach: bool,
    base_url: &str,
) -> Result<usize, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let recipients = parse_recipients(recipients)?;
    let message = message.trim();
    if message.chars().count() > 2000 {
        return Err(AppError::Validation(FieldErrors::single(
            "message",
            "The message holds at most 2,000 characters.",
        )));
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (report, _) = visible_report(&mut tx, caller, id).await?;
    crate::server::mail_limits::check_recipients(&mut tx, &recipients).await?;
    crate::server::mail_limits::admit(&mut tx, caller, recipients.len()).await?;
    let sender = crate::server::db::users::by_id(&mut tx, caller.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let subject = format!("Prudentia report: {}", report.title);
    let link = format!("{base_url}/api/reports/{id}/download");
    let body = if attach {
        format!(
            "{sender} sent you the report “{}” (attached).\n\n{message}\n",
            report.title
        )
    } else {
        format!(
            "{sender} shared the report “{}” with you:\n{link}\n(sign in to Prudentia to open it)\n\n{message}\n",
            report.title
        )
    };
    for recipient in &recipients {
        outbound_emails::enqueue(
            &mut tx,
            caller.tenant_id,
            &Email {
                recipient,
                subject: &subject,
                body_text: &body,
                report: attach.then_some(id),
                sender: Some(caller.user_id),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        caller,
        "report.sent",
        &format!("report “{}”", report.title),
        json!({ "recipients": recipients, "attached": attach }),
    )
    .await?;
    tx.commit().await?;
    Ok(recipients.len())
}

pub async fn templates(pool: &PgPool, caller: Caller) -> Result<Vec<ReportTemplate>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let mut list = vec![ReportTemplate::standard()];
    list.extend(reports::templates(&mut tx).await?);
    tx.commit().await?;
    Ok(list)
}

pub async fn save_template(
    pool: &PgPool,
    caller: Caller,
    template: ReportTemplate,
) -> Result<TemplateId, AppError> {
    let caller = caller.require(Permission::EditData)?;
    if template
        .name
        .eq_ignore_ascii_case(&ReportTemplate::standard().name)
    {
        return Err(AppError::Validation(FieldErrors::single(
            "name",
            "“Standard” is the built-in template; choose another name.",
        )));
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let id = reports::save_template(&mut tx, caller.tenant_id, &template).await?;
    audit::record(&mut tx, caller, "report_template.saved", &format!("template “{}”", template.name), json!({ "sections": template.sections.iter().map(|s| s.key()).collect::<Vec<_>>(), "title": template.title })).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_template(
    pool: &PgPool,
    caller: Caller,
    id: TemplateId,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if !reports::delete_template(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        caller,
        "report_template.deleted",
        &id.to_string(),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn branding(pool: &PgPool, caller: Caller) -> Result<Branding, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let branding = reports::branding(&mut tx).await?;
    tx.commit().await?;
    Ok(branding)
}

pub async fn set_colours(
    pool: &PgPool,
    caller: Caller,
    primary: &str,
    accent: &str,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let primary = parse_colour("primary", primary)?;
    let accent = parse_colour("accent", accent)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = reports::branding(&mut tx).await?;
    reports::set_colours(&mut tx, caller.tenant_id, &primary, &accent).await?;
    audit::record(&mut tx, caller, "branding.colours", "report branding", json!({ "before": [before.primary_colour, before.accent_colour], "after": [primary, accent] })).await?;
    tx.commit().await?;
    Ok(())
}

/// The kind of an image, from its first bytes (never from its name).
pub fn logo_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        let text = head.trim_start_matches('\u{feff}').trim_start();
        (text.starts_with("<svg") || (text.starts_with("<?xml") && head.contains("<svg")))
            .then_some("svg")
    }
}

pub async fn set_logo(
    pool: &PgPool,
    caller: Caller,
    bytes: Option<Vec<u8>>,
) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let field = |m: &str| AppError::Validation(FieldErrors::single("logo", m));
    let logo = match &bytes {
        None => None,
        Some(b) if b.is_empty() => return Err(field("Choose an image file.")),
        Some(b) if b.len() > MAX_LOGO_BYTES => {
            return Err(field("The logo may be at most 512 KiB."));
        }
        Some(b) => Some((
            b.as_slice(),
            logo_kind(b).ok_or_else(|| field("The logo must be a PNG, JPEG or SVG image."))?,
        )),
    };
    if let Some((bytes, kind)) = logo {
        // The image must lay out, or every later report would fail.
        pdf::check_image(bytes, kind)
            .map_err(|_| field("The image cannot be read; export it again as PNG, JPEG or SVG."))?;
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    reports::set_logo(&mut tx, caller.tenant_id, logo).await?;
    crate::server::db::tenants::within_storage(&mut tx).await?;
    audit::record(
        &mut tx,
        caller,
        if logo.is_some() {
            "branding.logo_set"
        } else {
            "branding.logo_removed"
        },
        "report branding",
        json!({ "bytes": bytes.map(|b| b.len()) }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The tenant's logo, to show on the branding page.
pub async fn logo(pool: &PgPool, caller: Caller) -> Result<Option<(Vec<u8>, String)>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let logo = reports::logo(&mut tx).await?;
    tx.commit().await?;
    Ok(logo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_recognised_by_content() {
        assert_eq!(logo_kind(b"\x89PNG\r\n\x1a\nrest"), Some("png"));
        assert_eq!(logo_kind(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(
            logo_kind(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some("svg")
        );
        assert_eq!(logo_kind(b"GIF89a"), None);
        assert_eq!(logo_kind(b"MZ\x90\x00"), None);
    }
}
