//! Server functions of the organisation's rule profiles.

use crate::model::error::AppError;
use crate::model::rule_profile::{
    ParameterChange, ProfileBuffers, RuleProfileSummary, RuleProfileView,
};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "rule-profiles")]
pub async fn list_rule_profiles() -> Result<Vec<RuleProfileSummary>, AppError> {
    use crate::server::{auth, rule_profiles, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        rule_profiles::list(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Each profile's management buffers at its latest version.
#[server(prefix = "/api", endpoint = "rule-profile-buffers")]
pub async fn management_buffers() -> Result<Vec<ProfileBuffers>, AppError> {
    use crate::server::{auth, rule_profiles, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        rule_profiles::buffers(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// A profile at a version (`None`: the latest).
#[server(prefix = "/api", endpoint = "rule-profile")]
pub async fn open_rule_profile(
    id: String,
    version: Option<i32>,
) -> Result<RuleProfileView, AppError> {
    use crate::server::{auth, rule_profiles, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        rule_profiles::view(&state.pool, caller, id.parse()?, version).await
    }
    .await;
    super::reply(result)
}

/// A new profile derived from `base` (basel31 or crr3); returns its id.
#[server(prefix = "/api", endpoint = "create-rule-profile")]
pub async fn create_rule_profile(name: String, base: String) -> Result<String, AppError> {
    use crate::model::rule_profile::{parse_base, parse_name};
    use crate::server::{auth, rule_profiles, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let name = parse_name(&name)?;
        let base = parse_base(&base)?;
        let id = rule_profiles::create(&state.pool, caller, name, base).await?;
        Ok(id.to_string())
    }
    .await;
    super::reply(result)
}

/// A new version with `changes` (a JSON object of key → value) applied to
/// the latest; returns its number.
#[server(prefix = "/api", endpoint = "save-rule-profile")]
pub async fn save_rule_profile(id: String, changes: String, note: String) -> Result<i32, AppError> {
    use crate::server::{auth, rule_profiles, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        rule_profiles::save_version(&state.pool, caller, id.parse()?, &changes, &note).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "compare-rule-profile")]
pub async fn compare_rule_profile(
    id: String,
    from: i32,
    to: i32,
) -> Result<Vec<ParameterChange>, AppError> {
    use crate::server::{auth, rule_profiles, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        rule_profiles::compare(&state.pool, caller, id.parse()?, from, to).await
    }
    .await;
    super::reply(result)
}

/// Recomputes a simulation's latest version with a profile version, as a
/// new simulation version; returns its number.
#[server(prefix = "/api", endpoint = "apply-rules")]
pub async fn apply_rules(
    simulation: String,
    profile: String,
    version: i32,
) -> Result<i32, AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::apply_rules(
            &state.pool,
            &state.public_url(),
            caller,
            simulation.parse()?,
            profile.parse()?,
            version,
        )
        .await
    }
    .await;
    super::reply(result)
}
