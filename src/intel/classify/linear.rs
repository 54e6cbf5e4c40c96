//! Multinomial logistic regression over hashed features, trained by
//! AdaGrad in a seeded order (the same data and seed give the same model
//! on every machine), then calibrated by one temperature.

use super::features::{DIM, extract};
use crate::engine::dataset::{Exposure, ExposureClass};
use crate::samples::Rng;

pub const CLASSES: usize = ExposureClass::ALL.len();
const EPOCHS: usize = 6;
const RATE: f32 = 0.4;

/// One line as the model reads it: (bucket, value) pairs.
pub type Sparse = Vec<(u32, f32)>;

pub fn sparse(line: &Exposure) -> Sparse {
    let mut out = Vec::with_capacity(96);
    extract(line, &mut |f| out.push((f.index, f.value)));
    out
}

#[derive(Clone)]
pub struct Weights {
    /// Feature-major: the 13 class weights of one bucket side by side.
    pub values: Vec<f32>,
    pub temperature: f32,
}

impl Weights {
    pub fn zero() -> Weights {
        Weights {
            values: vec![0.0; DIM * CLASSES],
            temperature: 1.0,
        }
    }

    pub fn row(&self, index: u32) -> &[f32] {
        let start = index as usize * CLASSES;
        &self.values[start..start + CLASSES]
    }

    pub fn logits(&self, x: &[(u32, f32)]) -> [f32; CLASSES] {
        let mut z = [0.0; CLASSES];
        for &(index, value) in x {
            for (zk, wk) in z.iter_mut().zip(self.row(index)) {
                *zk += wk * value;
            }
        }
        z
    }

    /// Calibrated class probabilities.
    pub fn probabilities(&self, x: &[(u32, f32)]) -> [f32; CLASSES] {
        softmax(self.logits(x), self.temperature)
    }
}

pub fn softmax(z: [f32; CLASSES], temperature: f32) -> [f32; CLASSES] {
    let top = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut p = z.map(|zk| ((zk - top) / temperature).exp());
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|pk| *pk /= sum);
    p
}

/// Trains on `(features, class index)` pairs; `seed` fixes the order.
pub fn train(samples: &[(Sparse, usize)], seed: u64) -> Weights {
    let mut weights = Weights::zero();
    let mut squares = vec![1e-6_f32; DIM * CLASSES];
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
                let start = index as usize * CLASSES;
                for k in 0..CLASSES {
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
pub fn fit_temperature(logits: &[([f32; CLASSES], usize)]) -> f32 {
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
