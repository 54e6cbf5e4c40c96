//! The model card page's view of an organisation's classification model:
//! shared by the server, which builds it from the model, and the page.

use crate::model::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Precision and recall of one class on the hold-out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassQuality {
    pub class: String,
    pub support: usize,
    pub precision: f64,
    pub recall: f64,
}

/// A model's figures on its hold-out, shown on the card and compared
/// between versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Labelled lines read (training and hold-out together).
    pub lines: usize,
    pub holdout_lines: usize,
    pub macro_f1: f64,
    pub accuracy: f64,
    pub top2_accuracy: f64,
    pub ece: f64,
    pub threshold: f64,
    pub classes: Vec<ClassQuality>,
}

/// One trained version, as the history lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRow {
    pub version: i32,
    pub own_lines: i32,
    pub figures: Figures,
    pub created_at: Timestamp,
    pub in_force: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCardView {
    /// The organisation's version in force; none for the built-in model.
    pub version: Option<i32>,
    pub trained_at: Option<Timestamp>,
    pub figures: Figures,
    /// The counterparty-type part: hold-out accuracy and the confidence
    /// from which a guess fills a line; none when it did not train.
    pub types: Option<(f64, f64)>,
    /// The hold-out confusion matrix drawn as SVG.
    pub confusion_svg: String,
    pub history: Vec<ModelRow>,
}
