//! Server functions of the suggestions: the organisation's changes to the
//! shipped catalogue of actions, read by the dashboard's panel and changed
//! on the organisation page (admins).

use crate::intel::suggest::Targets;
use crate::intel::suggest::catalogue::Override;
use crate::model::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "suggestion-catalogue")]
pub async fn suggestion_catalogue() -> Result<Vec<Override>, AppError> {
    use crate::server::{auth, state::app_state, suggestions};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        suggestions::overrides(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// One action as typed on the organisation page: whether plans may use it,
/// its bound in millions of euros and its cost in percent a year (empty:
/// the shipped one).
#[server(prefix = "/api", endpoint = "set-suggestion-action")]
pub async fn set_suggestion_action(
    action: String,
    enabled: Option<String>,
    max_m: String,
    cost_percent: String,
) -> Result<Vec<Override>, AppError> {
    use crate::model::error::FieldErrors;
    use crate::server::{auth, state::app_state, suggestions};
    let number = |field: &str, text: &str, scale: f64| -> Result<Option<f64>, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.replace(',', ".")
            .parse::<f64>()
            .map(|v| Some(v * scale))
            .map_err(|_| AppError::Validation(FieldErrors::single(field, "A number, such as 250.")))
    };
    let result = async {
        let kind = action
            .try_into()
            .map_err(|e: String| AppError::Validation(FieldErrors::single("action", e)))?;
        let change = Override {
            kind,
            enabled: enabled.is_some(),
            max: number("max", &max_m, 1e6)?,
            cost: number("cost", &cost_percent, 0.01)?,
        };
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        suggestions::set_one(&state.pool, caller, change).await
    }
    .await;
    super::reply(result)
}

/// The targets set for a simulation's plans (a ratio left out takes its
/// requirement plus the management buffer).
#[server(prefix = "/api", endpoint = "simulation-targets")]
pub async fn simulation_targets(id: String) -> Result<Targets, AppError> {
    use crate::server::{auth, state::app_state, suggestions};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        suggestions::targets(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

/// The targets as typed in the panel, in percent; each named
/// `targets[KEY]` in the form, KEY a ratio's key.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TargetFields {
    pub cet1: String,
    pub tier1: String,
    pub total_capital: String,
    pub leverage: String,
    pub lcr: String,
    pub nsfr: String,
    pub large_exposure: String,
}

/// Sets a simulation's targets (empty: the requirement plus the management
/// buffer).
#[server(prefix = "/api", endpoint = "set-simulation-targets")]
pub async fn set_simulation_targets(
    id: String,
    targets: TargetFields,
) -> Result<Targets, AppError> {
    use crate::model::error::FieldErrors;
    use crate::server::{auth, state::app_state, suggestions};
    let percent = |field: &str, text: &str| -> Result<Option<f64>, AppError> {
        let text = text.trim().trim_end_matches('%').trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.replace(',', ".")
            .parse::<f64>()
            .map(|v| Some(v / 100.0))
            .map_err(|_| {
                AppError::Validation(FieldErrors::single(field, "A percentage, such as 11.5."))
            })
    };
    let result = async {
        let f = &targets;
        let targets = Targets {
            cet1: percent("cet1", &f.cet1)?,
            tier1: percent("tier1", &f.tier1)?,
            total_capital: percent("total_capital", &f.total_capital)?,
            leverage: percent("leverage", &f.leverage)?,
            lcr: percent("lcr", &f.lcr)?,
            nsfr: percent("nsfr", &f.nsfr)?,
            large_exposure: percent("large_exposure", &f.large_exposure)?,
        };
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        suggestions::set_targets(&state.pool, caller, id.parse()?, targets).await
    }
    .await;
    super::reply(result)
}
