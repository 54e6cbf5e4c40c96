//! Server functions of the anomaly panel and the organisation's anomaly
//! settings: a finding dismissed, the thresholds seen, set or reset.

use crate::intel::anomalies::Anomaly;
use crate::model::anomalies::{Finding, ThresholdsView};
use crate::model::error::AppError;
use leptos::prelude::*;

/// Records that the caller judged a finding not an error, and why.
#[server(prefix = "/api", endpoint = "dismiss-anomaly")]
pub async fn dismiss_anomaly(
    simulation_id: String,
    version: i32,
    finding: Finding,
    reason: String,
) -> Result<Anomaly, AppError> {
    use crate::server::{anomalies, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let id = simulation_id.parse()?;
        anomalies::dismiss(&state.pool, caller, id, version, finding, &reason).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "anomaly-thresholds")]
pub async fn anomaly_thresholds() -> Result<ThresholdsView, AppError> {
    use crate::server::{anomalies, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        anomalies::view(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Sets both thresholds (admins), as typed in the organisation's page:
/// the budget in percent of lines.
#[server(prefix = "/api", endpoint = "set-anomaly-thresholds")]
pub async fn set_anomaly_thresholds(
    outlier_z: String,
    alert_budget_percent: String,
) -> Result<ThresholdsView, AppError> {
    use crate::model::error::FieldErrors;
    use crate::server::{anomalies, auth, state::app_state};
    let number = |field: &str, text: &str| {
        text.trim()
            .replace(',', ".")
            .parse::<f64>()
            .map_err(|_| AppError::Validation(FieldErrors::single(field, "A number, such as 3.5.")))
    };
    let result = async {
        let z = number("outlier_z", &outlier_z)?;
        let budget = number("alert_budget", &alert_budget_percent)? / 100.0;
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        anomalies::set(&state.pool, caller, z, budget).await
    }
    .await;
    super::reply(result)
}

/// Puts the default thresholds back (admins); dismissals teach again.
#[server(prefix = "/api", endpoint = "reset-anomaly-thresholds")]
pub async fn reset_anomaly_thresholds() -> Result<ThresholdsView, AppError> {
    use crate::server::{anomalies, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        anomalies::reset(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}
