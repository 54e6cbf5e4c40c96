use crate::model::error::AppError;
use crate::model::plan::Plan;
use leptos::prelude::*;

/// The plans on sale, for the pricing table.
#[server(prefix = "/api", endpoint = "plans")]
pub async fn list_plans() -> Result<Vec<Plan>, AppError> {
    use crate::server::{db::plans, state::app_state};
    let result = async {
        let state = app_state()?;
        Ok(plans::list_public(&state.pool).await?)
    }
    .await;
    super::reply(result)
}
