//! Server functions of personal API tokens (the tokens page).

use crate::model::api_token::{ApiToken, CreatedToken};
use crate::model::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "api-tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiToken>, AppError> {
    use crate::server::{auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        auth::tokens::list(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Creates a token; its text is in the answer and nowhere else, ever.
#[server(prefix = "/api", endpoint = "create-api-token")]
pub async fn create_api_token(
    name: String,
    scope: String,
    days: String,
) -> Result<CreatedToken, AppError> {
    use crate::model::api_token::parse_new_token;
    use crate::server::{auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        let (name, scope, days) = parse_new_token(&name, &scope, &days)?;
        let base = state.public_url();
        auth::tokens::create(
            &state.pool,
            &state.api.keys,
            caller,
            name,
            scope,
            days,
            &base,
        )
        .await
    }
    .await;
    super::reply(result)
}

#[server(prefix = "/api", endpoint = "revoke-api-token")]
pub async fn revoke_api_token(token_id: String) -> Result<(), AppError> {
    use crate::server::{auth, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        auth::tokens::revoke(&state.pool, caller, token_id.parse()?).await
    }
    .await;
    super::reply(result)
}
