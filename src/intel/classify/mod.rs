//! Classification of exposure lines into the 13 regulatory classes from
//! what a bank's file has (names, product, description, sector, type,
//! amounts…), never from `class` itself. The regulation decides first (a
//! line with `re_type` is real estate…); a linear model over hashed text
//! and field features decides the rest, with a calibrated confidence, the
//! runner-up classes and the features that drove it. A second model of
//! the same kind guesses the counterparty type of a line that has none,
//! from the same fields and the class.

pub mod books;
mod features;
mod linear;
pub mod metrics;
#[cfg(test)]
mod tests;

use crate::engine::dataset::{CounterpartyType, Exposure, ExposureClass};
pub use crate::model::import::TypeGuess;
use features::extract;
use linear::{CLASSES, KINDS, Sparse, Weights, fit_temperature, kind_sparse, sparse, train as fit};
use metrics::{Evaluation, Scored, calibration_error, evaluate, precise_threshold};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// What a training produced, shown on the model card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Card {
    /// Labelled lines read (training and hold-out together).
    pub lines: usize,
    pub trained_lines: usize,
    pub seed: u64,
    /// Measured on the hold-out: the counterparties of about a fifth of
    /// the lines, unseen in training, so a new client is what is measured.
    pub holdout: Evaluation,
    /// The softmax temperature fitted on the hold-out.
    pub temperature: f32,
    /// The counterparty-type model, when the history had enough lines
    /// with a type (absent from models trained before it existed).
    #[serde(default)]
    pub counterparty_types: Option<TypeCard>,
}

/// The counterparty-type model measured on the same held-out clients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TypeCard {
    pub lines: usize,
    pub accuracy: f64,
    pub ece: f64,
    /// The confidence from which a guessed type is given to a line.
    pub threshold: f64,
    pub temperature: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Alternative {
    pub class: ExposureClass,
    pub confidence: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decided {
    /// The regulation decides from a field of the line.
    Rule,
    Model,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Prediction {
    pub id: String,
    pub class: ExposureClass,
    pub confidence: f64,
    pub alternatives: Vec<Alternative>,
    pub reasons: Vec<String>,
    pub decided_by: Decided,
    /// Only for a line without a counterparty type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_type: Option<TypeGuess>,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ClassifyError {
    #[error("training needs at least {MIN_LINES} labelled lines, got {0}")]
    TooFewLines(usize),
    #[error("training needs lines of at least two classes")]
    OneClass,
    #[error("the model file could not be read: {0}")]
    Unreadable(String),
}

const MIN_LINES: usize = 50;
const FORMAT: u32 = 1;

pub struct Model {
    weights: Weights<CLASSES>,
    kinds: Option<Weights<KINDS>>,
    card: Card,
}

/// The stored form: only the buckets a training touched.
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    card: Card,
    rows: Vec<(u32, Vec<f32>)>,
    /// The counterparty-type model's rows (none in older files).
    #[serde(default)]
    kind_rows: Vec<(u32, Vec<f32>)>,
}

fn class_index(class: ExposureClass) -> usize {
    ExposureClass::ALL
        .iter()
        .position(|c| *c == class)
        .unwrap_or_default()
}

fn kind_index(kind: CounterpartyType) -> usize {
    CounterpartyType::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

/// The class the regulation gives a line from one of its fields.
fn by_rule(line: &Exposure) -> Option<(ExposureClass, String)> {
    if let Some(kind) = line.re_type {
        return Some((
            ExposureClass::RealEstate,
            format!("re_type {kind:?} makes it real estate"),
        ));
    }
    if let Some(kind) = line.sl_type {
        return Some((
            ExposureClass::SpecialisedLending,
            format!("sl_type {kind:?} makes it specialised lending"),
        ));
    }
    if let Some(kind) = line.retail_type {
        return Some((
            ExposureClass::Retail,
            format!("retail_type {kind:?} makes it retail"),
        ));
    }
    if let Some(kind) = line.other_type {
        return Some((
            ExposureClass::OtherAssets,
            format!("other_type {kind:?} makes it an other asset"),
        ));
    }
    line.mdb_qualifying.then(|| {
        (
            ExposureClass::Mdb,
            "a qualifying MDB (mdb_qualifying)".to_owned(),
        )
    })
}

/// A counterparty's lines go to the hold-out together (about one in five).
fn held_out(line: &Exposure, seed: u64) -> bool {
    let key = line.counterparty_id.as_deref().unwrap_or(&line.id);
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for byte in key.bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 29)).is_multiple_of(5)
}

/// Trains a model on labelled lines (their `class`), measures it on the
/// counterparties held out, and calibrates it there.
pub fn train(lines: &[Exposure], seed: u64) -> Result<Model, ClassifyError> {
    if lines.len() < MIN_LINES {
        return Err(ClassifyError::TooFewLines(lines.len()));
    }
    if lines.iter().all(|l| l.class == lines[0].class) {
        return Err(ClassifyError::OneClass);
    }
    let (holdout, training): (Vec<&Exposure>, Vec<&Exposure>) =
        lines.iter().partition(|l| held_out(l, seed));
    let samples: Vec<(Sparse, usize)> = training
        .iter()
        .map(|l| (sparse(l), class_index(l.class)))
        .collect();
    let mut weights = fit(&samples, seed);
    let logits: Vec<([f32; CLASSES], usize)> = holdout
        .iter()
        .map(|l| (weights.logits(&sparse(l)), class_index(l.class)))
        .collect();
    weights.temperature = fit_temperature(&logits);
    let scored: Vec<Scored> = logits
        .into_iter()
        .map(|(z, label)| Scored {
            label,
            probabilities: linear::softmax(z, weights.temperature),
        })
        .collect();
    let (kinds, type_card) = match train_kinds(lines, seed) {
        Some((kinds, card)) => (Some(kinds), Some(card)),
        None => (None, None),
    };
    let card = Card {
        lines: lines.len(),
        trained_lines: training.len(),
        seed,
        holdout: evaluate(&scored),
        temperature: weights.temperature,
        counterparty_types: type_card,
    };
    Ok(Model {
        weights,
        kinds,
        card,
    })
}

/// The counterparty-type model, trained on the lines that have a type,
/// with the same clients held out; none when too few lines have one.
fn train_kinds(lines: &[Exposure], seed: u64) -> Option<(Weights<KINDS>, TypeCard)> {
    let typed: Vec<(&Exposure, CounterpartyType)> = lines
        .iter()
        .filter_map(|l| l.counterparty_type.map(|k| (l, k)))
        .collect();
    if typed.len() < MIN_LINES || typed.iter().all(|(_, k)| *k == typed[0].1) {
        return None;
    }
    let (holdout, training): (Vec<_>, Vec<_>) = typed.iter().partition(|(l, _)| held_out(l, seed));
    let samples: Vec<(Sparse, usize)> = training
        .iter()
        .map(|(l, k)| (kind_sparse(l, l.class), kind_index(*k)))
        .collect();
    let mut weights: Weights<KINDS> = fit(&samples, seed);
    let logits: Vec<([f32; KINDS], usize)> = holdout
        .iter()
        .map(|(l, k)| (weights.logits(&kind_sparse(l, l.class)), kind_index(*k)))
        .collect();
    weights.temperature = fit_temperature(&logits);
    let outcomes: Vec<(f64, bool)> = logits
        .iter()
        .map(|(z, label)| {
            let (best, p) = top(&linear::softmax(*z, weights.temperature));
            (p, best == *label)
        })
        .collect();
    let right = outcomes.iter().filter(|(_, r)| *r).count();
    let card = TypeCard {
        lines: outcomes.len(),
        accuracy: right as f64 / outcomes.len().max(1) as f64,
        ece: calibration_error(&outcomes),
        threshold: precise_threshold(&outcomes, 0.99),
        temperature: weights.temperature,
    };
    Some((weights, card))
}

/// The most probable output and its probability.
fn top<const K: usize>(p: &[f32; K]) -> (usize, f64) {
    let best = (0..K).fold(0, |best, k| if p[k] > p[best] { k } else { best });
    (best, f64::from(p[best]))
}

impl Model {
    pub fn card(&self) -> &Card {
        &self.card
    }

    /// The confidence below which a person confirms the class.
    pub fn threshold(&self) -> f64 {
        self.card.holdout.threshold
    }

    /// The confidence from which a guessed counterparty type is given to
    /// a line; none when the model has no counterparty-type part.
    pub fn type_threshold(&self) -> Option<f64> {
        self.card.counterparty_types.as_ref().map(|c| c.threshold)
    }

    /// The counterparty type of a line that has none, knowing its class.
    pub fn guess_type(&self, line: &Exposure, class: ExposureClass) -> Option<TypeGuess> {
        if line.counterparty_type.is_some() {
            return None;
        }
        let kinds = self.kinds.as_ref()?;
        let (best, confidence) = top(&kinds.probabilities(&kind_sparse(line, class)));
        Some(TypeGuess {
            kind: CounterpartyType::ALL[best],
            confidence,
        })
    }

    pub fn predict(&self, line: &Exposure) -> Prediction {
        if let Some((class, reason)) = by_rule(line) {
            return Prediction {
                id: line.id.clone(),
                class,
                confidence: 1.0,
                alternatives: Vec::new(),
                reasons: vec![reason],
                decided_by: Decided::Rule,
                counterparty_type: self.guess_type(line, class),
            };
        }
        let mut read = Vec::with_capacity(96);
        extract(line, &mut |f| read.push((f.index, f.value, f.source)));
        let x: Sparse = read.iter().map(|(i, v, _)| (*i, *v)).collect();
        let p = self.weights.probabilities(&x);
        let mut order: Vec<usize> = (0..CLASSES).collect();
        order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
        let (best, second) = (order[0], order[1]);
        Prediction {
            id: line.id.clone(),
            class: ExposureClass::ALL[best],
            confidence: f64::from(p[best]),
            alternatives: order[1..3]
                .iter()
                .map(|k| Alternative {
                    class: ExposureClass::ALL[*k],
                    confidence: f64::from(p[*k]),
                })
                .collect(),
            reasons: self.reasons(line, &read, best, second),
            decided_by: Decided::Model,
            counterparty_type: self.guess_type(line, ExposureClass::ALL[best]),
        }
    }

    /// The sources (a word, a code, a field) that most set `best` above
    /// `second`, described by reading the line again.
    fn reasons(
        &self,
        line: &Exposure,
        read: &[(u32, f32, u16)],
        best: usize,
        second: usize,
    ) -> Vec<String> {
        let mut by_source: Vec<(u16, f32)> = Vec::new();
        for &(index, value, source) in read {
            let row = self.weights.row(index);
            let lift = (row[best] - row[second]) * value;
            match by_source.last_mut() {
                Some((s, sum)) if *s == source => *sum += lift,
                _ => by_source.push((source, lift)),
            }
        }
        by_source.sort_by(|a, b| b.1.total_cmp(&a.1));
        let wanted: Vec<u16> = by_source
            .iter()
            .take(3)
            .filter(|(_, lift)| *lift > 0.0)
            .map(|(s, _)| *s)
            .collect();
        let mut said: Vec<(usize, String)> = Vec::new();
        extract(line, &mut |f| {
            if let Some(rank) = wanted.iter().position(|s| *s == f.source)
                && !said.iter().any(|(r, _)| *r == rank)
            {
                said.push((rank, (f.describe)()));
            }
        });
        said.sort();
        let mut reasons: Vec<String> = said.into_iter().map(|(_, text)| text).collect();
        reasons.dedup();
        reasons
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let stored = Stored {
            format: FORMAT,
            card: self.card.clone(),
            rows: self.weights.rows(),
            kind_rows: self.kinds.as_ref().map(Weights::rows).unwrap_or_default(),
        };
        rmp_serde::to_vec(&stored).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ClassifyError> {
        let unreadable = |e: String| ClassifyError::Unreadable(e);
        let stored: Stored = rmp_serde::from_slice(bytes).map_err(|e| unreadable(e.to_string()))?;
        if stored.format != FORMAT {
            return Err(unreadable(format!(
                "format {} is not {FORMAT}",
                stored.format
            )));
        }
        let weights =
            Weights::from_rows(stored.rows, stored.card.temperature).map_err(unreadable)?;
        let kinds = match &stored.card.counterparty_types {
            Some(c) => {
                Some(Weights::from_rows(stored.kind_rows, c.temperature).map_err(unreadable)?)
            }
            None => None,
        };
        Ok(Model {
            weights,
            kinds,
            card: stored.card,
        })
    }
}

/// Exposure lines as JSON objects whose `class` is missing or not a
/// class (a prediction never reads it): each reads with a placeholder
/// class. An error names the line, e.g. `exposures[3]: invalid type…`.
pub fn unlabelled(lines: Vec<serde_json::Value>) -> Result<Vec<Exposure>, String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, mut line)| {
            let Some(fields) = line.as_object_mut() else {
                return Err(format!("exposures[{i}]: an exposure line is a JSON object"));
            };
            fields.insert("class".into(), ExposureClass::OtherAssets.key().into());
            serde_json::from_value(line).map_err(|e| format!("exposures[{i}]: {e}"))
        })
        .collect()
}

/// The seed of the built-in model, so every server has the same one.
pub const BASE_SEED: u64 = 2026;

/// The built-in books: `dates` reporting dates of 8,000 lines of the
/// synthetic bank, the first all new counterparties, then a fifth new.
pub fn base_books(dates: usize) -> Vec<Exposure> {
    let mut bank = books::Bank::new(books::Style::House, BASE_SEED);
    let mut lines = bank.book(8_000, 1.0);
    for _ in 1..dates {
        lines.extend(bank.book(8_000, 0.2));
    }
    lines
}

/// The built-in model, trained on first use from three reporting dates of
/// the built-in books, so a new tenant gets predictions from its first
/// file.
pub fn base() -> &'static Model {
    static BASE: OnceLock<Model> = OnceLock::new();
    BASE.get_or_init(|| {
        train(&base_books(3), BASE_SEED)
            .unwrap_or_else(|e| unreachable!("the built-in books train: {e}"))
    })
}
