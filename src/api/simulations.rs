//! Server functions of simulations and scenarios.

use crate::model::error::AppError;
use crate::model::simulation::{LinePage, SimulationSummary, SimulationView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "simulations")]
pub async fn list_simulations(deleted: bool) -> Result<Vec<SimulationSummary>, AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::list(&state.pool, caller, deleted).await
    }
    .await;
    super::reply(result)
}

/// A new simulation from the demo bank (`sample`), a synthetic portfolio of
/// `lines` lines (`synthetic`, to try Prudentia at scale) or a dataset.md
/// JSON text (`json`).
#[server(prefix = "/api", endpoint = "create-simulation")]
pub async fn create_simulation(
    name: String,
    source: String,
    data: String,
    lines: Option<String>,
) -> Result<String, AppError> {
    use crate::model::simulation::parse_name;
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let name = parse_name("name", &name)?;
        let data = match source.as_str() {
            "sample" => crate::samples::demo_bank(),
            "synthetic" => {
                let count = simulations::parse_synthetic_lines(lines.as_deref().unwrap_or(""))?;
                crate::server::heavy::run(
                    Some(caller.tenant_id),
                    "synthetic portfolio",
                    move || crate::samples::generate(count, 42),
                )
                .await?
            }
            _ => simulations::parse_data_set(&data)?,
        };
        let id = simulations::create(&state.pool, caller, name, data).await?;
        Ok(id.to_string())
    }
    .await;
    super::reply(result)
}

/// A simulation at a version (`None`: the latest).
#[server(prefix = "/api", endpoint = "simulation")]
pub async fn open_simulation(id: String, version: Option<i32>) -> Result<SimulationView, AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::open(&state.pool, caller, id.parse()?, version).await
    }
    .await;
    super::reply(result)
}

/// Stores the scenario (dataset.md's `edits` array) applied to the latest
/// version as a new version; returns its number.
#[server(prefix = "/api", endpoint = "save-version")]
pub async fn save_version(id: String, edits: String, note: String) -> Result<i32, AppError> {
    use crate::model::simulation::parse_note;
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let note = parse_note("note", &note)?;
        simulations::save_version(
            &state.pool,
            &state.public_url(),
            caller,
            id.parse()?,
            &edits,
            note,
        )
        .await
    }
    .await;
    super::reply(result)
}

/// Shares a simulation with the organisation (`tenant`), a team
/// (`team:ID`) or nobody (`private`).
#[server(prefix = "/api", endpoint = "share-simulation")]
pub async fn share_simulation(id: String, sharing: String) -> Result<(), AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::set_sharing(&state.pool, caller, id.parse()?, sharing.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "rename-simulation")]
pub async fn rename_simulation(id: String, name: String) -> Result<(), AppError> {
    use crate::model::simulation::parse_name;
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::rename(&state.pool, caller, id.parse()?, parse_name("name", &name)?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "clone-simulation")]
pub async fn clone_simulation(id: String, name: String) -> Result<String, AppError> {
    use crate::model::simulation::parse_name;
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let name = parse_name("name", &name)?;
        let copy = simulations::clone(&state.pool, caller, id.parse()?, name).await?;
        Ok(copy.to_string())
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "delete-simulation")]
pub async fn delete_simulation(id: String) -> Result<(), AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::delete(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "restore-simulation")]
pub async fn restore_simulation(id: String) -> Result<(), AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        simulations::restore(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

/// Saves the scenario (edits as dataset.md's `edits` array) after the
/// server recomputed it; returns the stored CET1 ratio.
#[server(prefix = "/api", endpoint = "save-scenario")]
pub async fn save_scenario(
    id: String,
    name: String,
    edits: String,
) -> Result<Option<f64>, AppError> {
    use crate::model::simulation::parse_name;
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let name = parse_name("name", &name)?;
        simulations::save_scenario(&state.pool, caller, id.parse()?, name, &edits)
            .await
            .map(|(_, cet1)| cet1)
    }
    .await;
    super::reply(result)
}

/// A page of the baseline's lines behind a figure (drill-down).
#[server(prefix = "/api", endpoint = "simulation-lines")]
pub async fn simulation_lines(
    id: String,
    version: Option<i32>,
    class: String,
    search: String,
    sort: String,
    page: usize,
) -> Result<LinePage, AppError> {
    use crate::server::{auth, simulations, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let non_empty = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        simulations::lines(
            &state.pool,
            caller,
            id.parse()?,
            simulations::LineSource::Version(version),
            non_empty(class),
            non_empty(search),
            sort.parse()?,
            page,
        )
        .await
    }
    .await;
    super::reply(result)
}

/// What a version's numbers say is wrong, with the jumps since the
/// version before it, the most severe first.
#[server(prefix = "/api", endpoint = "version-anomalies")]
pub async fn version_anomalies(
    id: String,
    version: i32,
) -> Result<Vec<crate::intel::anomalies::Anomaly>, AppError> {
    use crate::server::{anomalies, auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        anomalies::of_version(&state.pool, caller, id.parse()?, version).await
    }
    .await;
    super::reply(result)
}
