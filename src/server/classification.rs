//! An organisation's classification model: trained on its own labelled
//! lines (with the built-in books for the vocabulary a young history
//! lacks), in the background after an import's corrections or on demand,
//! kept as versions one of which is in force; the built-in model until
//! the first training.

use super::db::{class_models, scope, simulations};
use super::{audit, heavy};
use crate::engine::dataset::Exposure;
use crate::intel::classify::{self, Card, Model};
use crate::model::account::{Permission, TenantId};
use crate::model::classification::{ClassQuality, Figures, ModelCardView, ModelRow};
use crate::model::error::{AppError, FieldErrors};
use crate::server::auth::Caller;
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use class_models::ModelVersion;

/// A bank's own line counts this many times at most: enough for its
/// corrections to outweigh the synthetic books, not enough to memorise.
const OWN_WEIGHT_CAP: usize = 50;
const SEED: u64 = 19;

/// The model that proposes an organisation's classes.
#[derive(Clone)]
pub enum InForce {
    BuiltIn,
    Own(i32, Arc<Model>),
}

impl InForce {
    /// The organisation's version; none for the built-in model.
    pub fn version(&self) -> Option<i32> {
        match self {
            InForce::BuiltIn => None,
            InForce::Own(version, _) => Some(*version),
        }
    }

    pub fn model(&self) -> &Model {
        match self {
            InForce::BuiltIn => classify::base(),
            InForce::Own(_, model) => model,
        }
    }
}

/// Models already read, by tenant: (version, model).
type Cache = Mutex<HashMap<TenantId, (i32, Arc<Model>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

pub async fn in_force(pool: &PgPool, tenant: TenantId) -> Result<InForce, AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    let Some(version) = class_models::in_force(&mut tx, tenant).await? else {
        return Ok(InForce::BuiltIn);
    };
    let cached = cache().lock().ok().and_then(|c| {
        c.get(&tenant)
            .filter(|(v, _)| *v == version)
            .map(|(_, m)| m.clone())
    });
    if let Some(model) = cached {
        return Ok(InForce::Own(version, model));
    }
    let bytes = class_models::bytes(&mut tx, tenant, version)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let model = heavy::run(Some(tenant), "classification model read", move || {
        Model::from_bytes(&bytes)
    })
    .await?
    .map_err(|error| {
        tracing::error!(%error, version, "a stored classification model cannot be read");
        AppError::Internal
    })?;
    let model = Arc::new(model);
    if let Ok(mut c) = cache().lock() {
        c.insert(tenant, (version, model.clone()));
    }
    Ok(InForce::Own(version, model))
}

/// Trains a new model on the organisation's labelled lines and puts it in
/// force; `None` when it has no labelled line yet.
pub async fn retrain(
    pool: &PgPool,
    tenant: TenantId,
    caller: Option<Caller>,
) -> Result<Option<ModelVersion>, AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    let mut stored = Vec::new();
    for (simulation, version) in simulations::latest_versions(&mut tx, tenant).await? {
        stored.extend(simulations::load(&mut tx, simulation, version).await?);
    }
    tx.commit().await?;
    let own: Vec<Exposure> = heavy::run(Some(tenant), "reading labelled lines", move || {
        stored
            .into_iter()
            .map(|data| data.decode().map(|data| data.exposures))
            .collect::<Result<Vec<_>, _>>()
    })
    .await??
    .into_iter()
    .flatten()
    .collect();
    if own.is_empty() {
        return Ok(None);
    }
    let (own, model) = heavy::run(Some(tenant), "classification training", move || {
        let mut lines = classify::base_books(2);
        let weight = (lines.len() / own.len()).clamp(1, OWN_WEIGHT_CAP);
        for line in &own {
            lines.extend(std::iter::repeat_n(line.clone(), weight));
        }
        classify::train(&lines, SEED).map(|model| (own.len(), model))
    })
    .await?
    .map_err(|error| {
        tracing::error!(%error, "the classification model could not be trained");
        AppError::Internal
    })?;
    let card = model.card().clone();
    let mut tx = scope::begin(pool, tenant).await?;
    let version = class_models::insert(
        &mut tx,
        tenant,
        caller.map(|c| c.user_id),
        own,
        &card,
        &model.to_bytes(),
    )
    .await?;
    let detail = json!({
        "version": version,
        "own_lines": own,
        "macro_f1": card.holdout.macro_f1,
        "accuracy": card.holdout.accuracy,
    });
    let (actor, label) = match caller {
        Some(caller) => (Some(caller.user_id), None),
        None => (None, Some("Prudentia (after an import's corrections)")),
    };
    audit::record_as(
        &mut tx,
        tenant,
        actor,
        label,
        "classification.model_trained",
        &format!("model {version}"),
        detail,
    )
    .await?;
    tx.commit().await?;
    if let Ok(mut c) = cache().lock() {
        c.insert(tenant, (version, Arc::new(model)));
    }
    let mut tx = scope::begin(pool, tenant).await?;
    let listed = class_models::list(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(listed.into_iter().find(|m| m.version == version))
}

/// [`retrain`] without making anyone wait: after an import's corrections.
pub fn retrain_later(pool: PgPool, tenant: TenantId) {
    tokio::spawn(async move {
        if let Err(error) = retrain(&pool, tenant, None).await {
            tracing::warn!(%error, "retraining the classification model failed");
        }
    });
}

/// The organisation's models, newest first.
pub async fn list(pool: &PgPool, caller: Caller) -> Result<Vec<ModelVersion>, AppError> {
    let caller = caller.require(Permission::Read)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let listed = class_models::list(&mut tx, caller.tenant_id).await?;
    tx.commit().await?;
    Ok(listed)
}

/// Puts an earlier model back in force (admins), audited.
pub async fn put_back(pool: &PgPool, caller: Caller, version: i32) -> Result<(), AppError> {
    let caller = caller.require(Permission::ManageTenant)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if !class_models::put_in_force(&mut tx, caller.tenant_id, version).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        caller,
        "classification.model_put_in_force",
        &format!("model {version}"),
        json!({ "version": version }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The model card page: the model in force, its hold-out figures and
/// confusion matrix, and the organisation's history (analysts and admins).
pub async fn card_view(pool: &PgPool, caller: Caller) -> Result<ModelCardView, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let model = in_force(pool, caller.tenant_id).await?;
    let history = list(pool, caller).await?;
    let version = model.version();
    let trained_at = history
        .iter()
        .find(|m| Some(m.version) == version)
        .map(|m| m.created_at.clone());
    heavy::run(Some(caller.tenant_id), "model card", move || {
        let card = model.model().card();
        let h = &card.holdout;
        let labels: Vec<&str> = h.classes.iter().map(|c| c.class.key()).collect();
        ModelCardView {
            version,
            trained_at,
            figures: figures(card),
            types: card
                .counterparty_types
                .as_ref()
                .map(|t| (t.accuracy, t.threshold)),
            confusion_svg: crate::charts::confusion(&h.confusion, &labels),
            history: history
                .into_iter()
                .map(|m| ModelRow {
                    version: m.version,
                    own_lines: m.own_lines,
                    figures: figures(&m.card),
                    created_at: m.created_at,
                    in_force: m.in_force,
                })
                .collect(),
        }
    })
    .await
}

/// A card's hold-out figures as the page shows them.
fn figures(card: &Card) -> Figures {
    let h = &card.holdout;
    Figures {
        lines: card.lines,
        holdout_lines: h.lines,
        macro_f1: h.macro_f1,
        accuracy: h.accuracy,
        top2_accuracy: h.top2_accuracy,
        ece: h.ece,
        threshold: h.threshold,
        classes: h
            .classes
            .iter()
            .map(|c| ClassQuality {
                class: c.class.key().to_owned(),
                support: c.support,
                precision: c.precision,
                recall: c.recall,
            })
            .collect(),
    }
}

/// Trains now for the model card page; the new version.
pub async fn train_now(pool: &PgPool, caller: Caller) -> Result<i32, AppError> {
    let caller = caller.require(Permission::EditData)?;
    retrain(pool, caller.tenant_id, Some(caller))
        .await?
        .map(|m| m.version)
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "model",
                "The organisation has no labelled line yet: import or create a simulation first.",
            ))
        })
}
