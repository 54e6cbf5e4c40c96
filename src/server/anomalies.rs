//! Anomalies as an organisation sees them: detected with its thresholds,
//! marked where a person already judged them not an error, and the
//! outlier threshold those judgements teach (every change audited).

use crate::intel::anomalies::{Anomaly, Dismissal, Kind, MAX_OUTLIER_Z, Thresholds, detect};
use crate::model::account::{Permission, TenantId};
use crate::model::anomalies::{Finding, ThresholdsView};
use crate::model::error::{AppError, FieldErrors};
use crate::model::simulation::SimulationId;
use crate::model::time::Timestamp;
use crate::server::auth::Caller;
use crate::server::db::anomalies::{self as db, Dismissed};
use crate::server::db::{scope, simulations};
use crate::server::{audit, heavy};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

/// How many of the latest dismissed outliers teach the threshold.
const LEARNT_FROM: i64 = 50;
const MAX_REASON: usize = 500;

/// The organisation's thresholds, the defaults until it has its own.
pub async fn thresholds(conn: &mut PgConnection, tenant: TenantId) -> Result<Thresholds, AppError> {
    let stored = db::thresholds(conn, tenant).await?;
    Ok(stored.map_or_else(Thresholds::default, |s| Thresholds {
        outlier_z: s.outlier_z,
        alert_budget: s.alert_budget,
        ..Thresholds::default()
    }))
}

/// What detection needs from the database for a simulation's version: the
/// organisation's thresholds and the dismissals so far.
pub(crate) async fn context(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: SimulationId,
    version: i32,
) -> Result<(Thresholds, Vec<Dismissed>), AppError> {
    let t = thresholds(conn, tenant).await?;
    Ok((t, db::dismissals(conn, tenant, id, version).await?))
}

/// Detects, then marks the findings a person already dismissed.
pub(crate) fn judged(
    data: &crate::engine::dataset::DataSet,
    previous: Option<&crate::engine::dataset::DataSet>,
    t: &Thresholds,
    dismissed: &[Dismissed],
) -> Vec<Anomaly> {
    let mut found = detect(data, previous, t);
    for anomaly in &mut found {
        anomaly.dismissed = dismissal_of(anomaly, dismissed);
    }
    found
}

/// The latest dismissal of this finding on this value, if any.
fn dismissal_of(anomaly: &Anomaly, dismissed: &[Dismissed]) -> Option<Dismissal> {
    dismissed
        .iter()
        .rev()
        .find(|d| d.covers(anomaly))
        .map(|d| d.dismissal.clone())
}

/// The anomalies of a visible simulation's version, with the jumps since
/// the version before it and the dismissals of this and earlier versions.
pub async fn of_version(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    version: i32,
) -> Result<Vec<Anomaly>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let (_, data) =
        crate::server::simulations::at_version(&mut tx, caller, id, Some(version)).await?;
    let previous = match version {
        1 => None,
        _ => simulations::load(&mut tx, id, version - 1).await?,
    };
    let (t, dismissed) = context(&mut tx, caller.tenant_id, id, version).await?;
    tx.commit().await?;
    heavy::run(Some(caller.tenant_id), "anomalies", move || {
        let data = data.decode()?;
        let previous = previous.map(|p| p.decode()).transpose()?;
        Ok::<_, AppError>(judged(&data, previous.as_ref(), &t, &dismissed))
    })
    .await?
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(FieldErrors::single(field, message))
}

/// Records that the caller judged a finding of a version not an error; a
/// dismissed outlier may move the organisation's outlier threshold.
pub async fn dismiss(
    pool: &PgPool,
    caller: Caller,
    id: SimulationId,
    version: i32,
    finding: Finding,
    reason: &str,
) -> Result<Anomaly, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "Say why this is not an error."));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(invalid(
            "reason",
            format!("At most {MAX_REASON} characters."),
        ));
    }
    // The finding must be one the version has: a dismissal records what
    // detection said (its value and score), never what a client claims.
    let found = of_version(pool, caller, id, version).await?;
    let mut anomaly = found
        .into_iter()
        .find(|a| Finding::of(a) == finding)
        .ok_or_else(|| {
            invalid(
                "anomaly",
                format!("Version {version} has no such anomaly: it may have been fixed."),
            )
        })?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let summary = crate::server::simulations::visible(&mut tx, caller, id).await?;
    if db::insert(
        &mut tx,
        caller.tenant_id,
        id,
        version,
        &anomaly,
        reason,
        caller.user_id,
    )
    .await?
    {
        audit::record(
            &mut tx,
            caller,
            "anomaly.dismissed",
            &format!("simulation “{}” version {version}", summary.name),
            json!({
                "line": anomaly.id, "section": anomaly.section, "field": anomaly.field,
                "kind": anomaly.kind, "value": anomaly.value, "score": anomaly.score,
                "reason": reason,
            }),
        )
        .await?;
        if anomaly.kind == Kind::Outlier {
            learn(&mut tx, caller).await?;
        }
    }
    let dismissed = db::dismissals(&mut tx, caller.tenant_id, id, version).await?;
    tx.commit().await?;
    anomaly.dismissed = dismissal_of(&anomaly, &dismissed);
    Ok(anomaly)
}

/// Moves the outlier threshold to what the recent dismissed outliers
/// teach, unless an admin fixed it; audited when it moves.
async fn learn(tx: &mut PgConnection, caller: Caller) -> Result<(), AppError> {
    let stored = db::thresholds(tx, caller.tenant_id).await?;
    if stored.as_ref().is_some_and(|s| s.fixed) {
        return Ok(());
    }
    let scores = db::recent_outlier_scores(tx, caller.tenant_id, LEARNT_FROM).await?;
    let current = thresholds(tx, caller.tenant_id).await?;
    let learnt = Thresholds::learnt_outlier_z(&scores);
    if (learnt - current.outlier_z).abs() < 1e-9 {
        return Ok(());
    }
    db::save_thresholds(tx, caller.tenant_id, learnt, current.alert_budget, false).await?;
    audit::record(
        tx,
        caller,
        "anomalies.threshold_learnt",
        "outlier threshold",
        json!({ "outlier_z": { "from": current.outlier_z, "to": learnt }, "dismissals": scores.len() }),
    )
    .await
}

/// The organisation's thresholds as its settings page shows them.
pub async fn view(pool: &PgPool, caller: Caller) -> Result<ThresholdsView, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let stored = db::thresholds(&mut tx, caller.tenant_id).await?;
    let learnt_from = db::recent_outlier_scores(&mut tx, caller.tenant_id, LEARNT_FROM)
        .await?
        .len();
    tx.commit().await?;
    let default = Thresholds::default();
    Ok(ThresholdsView {
        outlier_z: stored.as_ref().map_or(default.outlier_z, |s| s.outlier_z),
        alert_budget: stored
            .as_ref()
            .map_or(default.alert_budget, |s| s.alert_budget),
        fixed: stored.as_ref().is_some_and(|s| s.fixed),
        learnt_from,
        default_outlier_z: default.outlier_z,
        default_alert_budget: default.alert_budget,
        updated_at: stored.map(|s| Timestamp::from_utc(s.updated_at)),
    })
}

/// An admin sets both thresholds; dismissals stop moving them.
pub async fn set(
    pool: &PgPool,
    caller: Caller,
    outlier_z: f64,
    alert_budget: f64,
) -> Result<ThresholdsView, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    if !(1.0..=2.0 * MAX_OUTLIER_Z).contains(&outlier_z) {
        return Err(invalid(
            "outlier_z",
            format!(
                "Between 1 and {} (the default is {}).",
                2.0 * MAX_OUTLIER_Z,
                Thresholds::default().outlier_z
            ),
        ));
    }
    if !(alert_budget > 0.0 && alert_budget <= 0.2) {
        return Err(invalid(
            "alert_budget",
            "A share of lines above 0 and at most 0.2 (20 %).",
        ));
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = thresholds(&mut tx, caller.tenant_id).await?;
    db::save_thresholds(&mut tx, caller.tenant_id, outlier_z, alert_budget, true).await?;
    audit::record(
        &mut tx,
        caller,
        "anomalies.thresholds_set",
        "anomaly thresholds",
        json!({
            "outlier_z": { "from": before.outlier_z, "to": outlier_z },
            "alert_budget": { "from": before.alert_budget, "to": alert_budget },
        }),
    )
    .await?;
    tx.commit().await?;
    view(pool, caller).await
}

/// An admin puts the defaults back; dismissals teach again from the next one.
pub async fn reset(pool: &PgPool, caller: Caller) -> Result<ThresholdsView, AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let before = thresholds(&mut tx, caller.tenant_id).await?;
    db::reset_thresholds(&mut tx, caller.tenant_id).await?;
    let default = Thresholds::default();
    audit::record(
        &mut tx,
        caller,
        "anomalies.thresholds_reset",
        "anomaly thresholds",
        json!({
            "outlier_z": { "from": before.outlier_z, "to": default.outlier_z },
            "alert_budget": { "from": before.alert_budget, "to": default.alert_budget },
        }),
    )
    .await?;
    tx.commit().await?;
    view(pool, caller).await
}
