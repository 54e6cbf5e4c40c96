//! Server functions of the model card page: the classification model in
//! force, a training now, an earlier version put back.

use crate::model::classification::ModelCardView;
use crate::model::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "classification-model")]
pub async fn classification_model() -> Result<ModelCardView, AppError> {
    use crate::server::{auth, classification, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        classification::card_view(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Trains on the organisation's labelled lines; the new version.
#[server(prefix = "/api", endpoint = "train-classification-model")]
pub async fn train_classification_model() -> Result<i32, AppError> {
    use crate::server::{auth, classification, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        classification::train_now(&state.pool, caller).await
    }
    .await;
    super::reply(result)
}

/// Puts an earlier version back in force (admins).
#[server(prefix = "/api", endpoint = "put-classification-model")]
pub async fn put_classification_model(version: i32) -> Result<(), AppError> {
    use crate::server::{auth, classification, state::app_state};
    let result = async {
        let state = app_state()?;
        let caller = auth::signed_in(&state.pool).await?;
        classification::put_back(&state.pool, caller, version).await
    }
    .await;
    super::reply(result)
}
