//! Server functions of imports: the upload itself is a multipart form
//! (`server::http`); these read its proposal, preview and commit it.

use crate::model::error::AppError;
use crate::model::import::{ImportPreview, ImportProposal};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn mapping(json: &str) -> Result<crate::model::import::Mapping, AppError> {
    serde_json::from_str(json).map_err(|e| {
        AppError::Validation(crate::model::error::FieldErrors::single(
            "mapping",
            format!("The mapping is not readable: {e}"),
        ))
    })
}

#[server(prefix = "/api", endpoint = "import")]
pub async fn open_import(id: String) -> Result<ImportProposal, AppError> {
    use crate::server::{auth, import, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        import::open(&state.pool, caller, id.parse()?).await
    }
    .await;
    super::reply(result)
}

/// `mapping` is the proposal's `Mapping` as JSON, with the user's choices.
#[server(prefix = "/api", endpoint = "preview-import")]
pub async fn preview_import(id: String, mapping: String) -> Result<ImportPreview, AppError> {
    use crate::server::{auth, import, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        import::preview(&state.pool, caller, id.parse()?, self::mapping(&mapping)?).await
    }
    .await;
    super::reply(result)
}

/// Creates the simulation; returns its id.
#[server(prefix = "/api", endpoint = "commit-import")]
pub async fn commit_import(id: String, mapping: String, name: String) -> Result<String, AppError> {
    use crate::model::simulation::parse_name;
    use crate::server::{auth, import, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let name = parse_name("name", &name)?;
        let id = import::commit(
            &state.pool,
            caller,
            id.parse()?,
            self::mapping(&mapping)?,
            name,
        )
        .await?;
        Ok(id.to_string())
    }
    .await;
    super::reply(result)
}
