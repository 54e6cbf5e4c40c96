//! How good a model is on lines it never saw: accuracy, top-2 accuracy,
//! macro-F1, expected calibration error, the confusion matrix, precision
//! and recall per class, and the confidence above which it is right 99 %
//! of the time.

use super::linear::CLASSES;
use crate::engine::dataset::ExposureClass;
use serde::{Deserialize, Serialize};

/// One held-out line: its true class and the model's probabilities.
pub struct Scored {
    pub label: usize,
    pub probabilities: [f32; CLASSES],
}

impl Scored {
    fn ranked(&self) -> [usize; 2] {
        let mut order: Vec<usize> = (0..CLASSES).collect();
        order.sort_by(|a, b| self.probabilities[*b].total_cmp(&self.probabilities[*a]));
        [order[0], order[1]]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClassScore {
    pub class: ExposureClass,
    pub support: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub lines: usize,
    pub accuracy: f64,
    pub top2_accuracy: f64,
    pub macro_f1: f64,
    /// Expected calibration error over 15 equal-width confidence bins.
    pub ece: f64,
    /// The confidence from which predictions were at least 99 % right in
    /// every band above it; lines below it ask for a person.
    pub threshold: f64,
    pub classes: Vec<ClassScore>,
    /// `confusion[true][predicted]`, classes in `ExposureClass::ALL` order.
    pub confusion: Vec<Vec<usize>>,
}

pub fn evaluate(scored: &[Scored]) -> Evaluation {
    let mut confusion = vec![vec![0usize; CLASSES]; CLASSES];
    let mut top2 = 0;
    for s in scored {
        let [first, second] = s.ranked();
        confusion[s.label][first] += 1;
        top2 += usize::from(s.label == first || s.label == second);
    }
    let outcomes: Vec<(f64, bool)> = scored.iter().map(confidence).collect();
    let n = scored.len().max(1) as f64;
    let correct: usize = (0..CLASSES).map(|k| confusion[k][k]).sum();
    let classes: Vec<ClassScore> = ExposureClass::ALL
        .iter()
        .enumerate()
        .map(|(k, class)| class_score(*class, k, &confusion))
        .collect();
    let present: Vec<&ClassScore> = classes.iter().filter(|c| c.support > 0).collect();
    Evaluation {
        lines: scored.len(),
        accuracy: correct as f64 / n,
        top2_accuracy: top2 as f64 / n,
        macro_f1: present.iter().map(|c| c.f1).sum::<f64>() / present.len().max(1) as f64,
        ece: calibration_error(&outcomes),
        threshold: precise_threshold(&outcomes, 0.99),
        classes,
        confusion,
    }
}

fn class_score(class: ExposureClass, k: usize, confusion: &[Vec<usize>]) -> ClassScore {
    let support: usize = confusion[k].iter().sum();
    let predicted: usize = confusion.iter().map(|row| row[k]).sum();
    let hit = confusion[k][k] as f64;
    let precision = if predicted == 0 {
        0.0
    } else {
        hit / predicted as f64
    };
    let recall = if support == 0 {
        0.0
    } else {
        hit / support as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    ClassScore {
        class,
        support,
        precision,
        recall,
        f1,
    }
}

fn confidence(s: &Scored) -> (f64, bool) {
    let [first, _] = s.ranked();
    (f64::from(s.probabilities[first]), first == s.label)
}

/// Each prediction's confidence and whether it was right.
pub(super) fn calibration_error(outcomes: &[(f64, bool)]) -> f64 {
    const BINS: usize = 15;
    let mut bins = [(0usize, 0.0f64, 0usize); BINS];
    for &(conf, right) in outcomes {
        let bin = ((conf * BINS as f64) as usize).min(BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += conf;
        bins[bin].2 += usize::from(right);
    }
    let n = outcomes.len().max(1) as f64;
    bins.iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, sum, right)| {
            let c = *count as f64;
            c / n * (sum / c - *right as f64 / c).abs()
        })
        .sum()
}

/// The lowest confidence from which every band of predictions (0.05 wide,
/// from the top down) was right at least `target` of the time: a line
/// above it is as safe as the model ever is, a line below asks a person.
/// A band of fewer than 20 lines joins the band below it.
pub(super) fn precise_threshold(outcomes: &[(f64, bool)], target: f64) -> f64 {
    const BANDS: usize = 20;
    let mut bands = [(0usize, 0usize); BANDS];
    for &(conf, right) in outcomes {
        let band = ((conf * BANDS as f64) as usize).min(BANDS - 1);
        bands[band].0 += 1;
        bands[band].1 += usize::from(right);
    }
    let mut threshold = 1.0;
    let (mut count, mut right) = (0, 0);
    for band in (0..BANDS).rev() {
        count += bands[band].0;
        right += bands[band].1;
        if count < 20 {
            continue;
        }
        if (right as f64) < target * count as f64 {
            break;
        }
        threshold = band as f64 / BANDS as f64;
        (count, right) = (0, 0);
    }
    threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(label: usize, top: usize, confidence: f32) -> Scored {
        let mut probabilities = [(1.0 - confidence) / (CLASSES - 1) as f32; CLASSES];
        probabilities[top] = confidence;
        Scored {
            label,
            probabilities,
        }
    }

    #[test]
    fn perfect_and_confident_scores_one_with_no_calibration_error() {
        let all: Vec<Scored> = (0..CLASSES).map(|k| scored(k, k, 1.0)).collect();
        let e = evaluate(&all);
        assert_eq!((e.accuracy, e.macro_f1, e.top2_accuracy), (1.0, 1.0, 1.0));
        assert!(e.ece < 1e-9);
        assert_eq!(e.confusion[3][3], 1);
    }

    #[test]
    fn overconfidence_shows_as_calibration_error_and_a_higher_threshold() {
        // At 0.9: 80 right, 20 wrong; at 0.99: 100 right.
        let mut all: Vec<Scored> = (0..80).map(|_| scored(0, 0, 0.9)).collect();
        all.extend((0..20).map(|_| scored(1, 0, 0.9)));
        all.extend((0..100).map(|_| scored(2, 2, 0.99)));
        let e = evaluate(&all);
        assert!((e.accuracy - 0.9).abs() < 1e-9);
        // bin 0.9: conf 0.9, accuracy 0.8; bin 0.99: conf 0.99, accuracy 1.
        assert!((e.ece - (0.5 * 0.1 + 0.5 * 0.01)).abs() < 1e-6, "{}", e.ece);
        // The 0.95 band is always right, the 0.90 band is not.
        assert!((e.threshold - 0.95).abs() < 1e-9, "{}", e.threshold);
        assert_eq!(e.confusion[1][0], 20);
        assert_eq!(e.classes[1].recall, 0.0);
        assert!((e.classes[0].precision - 0.8).abs() < 1e-9);
    }

    #[test]
    fn a_small_band_joins_the_one_below_it() {
        // Five lines at 0.97 cannot vouch alone; with 95 right at 0.92 they can.
        let mut all: Vec<Scored> = (0..5).map(|_| scored(0, 0, 0.97)).collect();
        all.extend((0..95).map(|_| scored(0, 0, 0.92)));
        all.extend((0..30).map(|i| scored(usize::from(i % 2 == 0), 0, 0.6)));
        assert!((evaluate(&all).threshold - 0.9).abs() < 1e-9);
    }
}
