//! Multinomial logistic regression over hashed features, trained by
//! AdaGrad in a seeded order (the same data and seed give the same model
//! on every machine), then calibrated by one temperature. `K` outputs: the
//! exposure classes, or the counterparty types.

use super::features::{DIM, class_index, extract, type_index};
use crate::engine::dataset::{CounterpartyType, Exposure, ExposureClass};
use crate::samples::Rng;

pub const CLASSES: usize = ExposureClass::ALL.len();
pub const KINDS: usize = CounterpartyType::ALL.len();
const EPOCHS: usize = 6;
const RATE: f32 = 0.4;

/// One line as the model reads it: (bucket, value) pairs.
pub type Sparse = Vec<(u32, f32)>;

pub fn sparse(line: &Exposure) -> Sparse {
    let mut out = Vec::with_capacity(96);
    extract(line, &mut |f| out.push((f.index, f.value)));
    out
}

/// What the counterparty-type model reads: the line without its own
/// type, and its class.
pub fn kind_sparse(line: &Exposure, class: ExposureClass) -> Sparse {
    let own = line.counterparty_type.map(type_index);
    let mut out = Vec::with_capacity(96);
    extract(line, &mut |f| {
        if Some(f.index) != own {
            out.push((f.index, f.value));
        }
    });
    out.push((class_index(class), 1.0));
    out
}

#[derive(Clone)]
pub struct Weights<const K: usize> {
    /// Feature-major: the `K` output weights of one bucket side by side.
    pub values: Vec<f32>,
    pub temperature: f32,
}

impl<const K: usize> Weights<K> {
    pub fn zero() -> Weights<K> {
        Weights {
            values: vec![0.0; DIM * K],
            temperature: 1.0,
        }
    }

    pub fn row(&self, index: u32) -> &[f32] {
        let start = index as usize * K;
        &self.values[start..start + K]
    }

    pub fn logits(&self, x: &[(u32, f32)]) -> [f32; K] {
        let mut z = [0.0; K];
        for &(index, value) in x {
            for (zk, wk) in z.iter_mut().zip(self.row(index)) {
                *zk += wk * value;
            }
        }
        z
    }

    /// Calibrated probabilities.
    pub fn probabilities(&self, x: &[(u32, f32)]) -> [f32; K] {
        softmax(self.logits(x), self.temperature)
    }

    /// The buckets a training touched, for storage.
    pub fn rows(&self) -> Vec<(u32, Vec<f32>)> {
        self.values
            .chunks(K)
            .enumerate()
            .filter(|(_, row)| row.iter().any(|w| *w != 0.0))
            .map(|(index, row)| (index as u32, row.to_vec()))
            .collect()
    }

    /// Weights from stored rows; an error names a row that does not fit.
    pub fn from_rows(rows: Vec<(u32, Vec<f32>)>, temperature: f32) -> Result<Weights<K>, String> {
        let mut weights = Weights::zero();
        weights.temperature = temperature;
        for (index, row) in rows {
            let start = index as usize * K;
            match weights.values.get_mut(start..start + K) {
                Some(slot) if row.len() == K => slot.copy_from_slice(&row),
                _ => return Err(format!("row {index} does not fit")),
            }
        }
        Ok(weights)
    }
}

pub fn softmax<const K: usize>(z: [f32; K], temperature: f32) -> [f32; K] {
    let top = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut p = z.map(|zk| ((zk - top) / temperature).exp());
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|pk| *pk /= sum);
    p
}

/// Trains on `(features, output index)` pairs; `seed` fixes the order.
pub fn train<const K: usize>(samples: &[(Sparse, usize)], seed: u64) -> Weights<K> {
    let mut weights = Weights::zero();
    let mut squares = vec![1e-6_f32; DIM * K];
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let mut rng = Rng(seed);
    for _ in 0..EPOCHS {
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let (x, label) = &samples[i];
            let p = softmax(weights.logits(x), 1.0);
            for &(index, value) in x {
                let start = index as usize * K;
                for k in 0..K {
                    let target = if k == *label { 1.0 } else { 0.0 };
                    let gradient = (p[k] - target) * value;
                    if gradient != 0.0 {
                        let square = &mut squares[start + k];
                        *square += gradient * gradient;
                        weights.values[start + k] -= RATE * gradient / square.sqrt();
                    }
                }
            }
        }
    }
    weights
}

/// The temperature minimising the negative log-likelihood of the held-out
/// lines (golden-section search on its logarithm).
pub fn fit_temperature<const K: usize>(logits: &[([f32; K], usize)]) -> f32 {
    let loss = |log_t: f64| -> f64 {
        let t = log_t.exp() as f32;
        logits
            .iter()
            .map(|(z, label)| -f64::from(softmax(*z, t)[*label].max(1e-12)).ln())
            .sum()
    };
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut low, mut high) = ((0.05f64).ln(), (20f64).ln());
    for _ in 0..60 {
        let a = high - ratio * (high - low);
        let b = low + ratio * (high - low);
        if loss(a) < loss(b) {
            high = b;
        } else {
            low = a;
        }
    }
    ((low + high) / 2.0).exp() as f32
}
