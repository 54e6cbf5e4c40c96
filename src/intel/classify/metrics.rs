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
    /// The lowest confidence at or above which predictions were at least
    /// 99 % precise; lines below it ask for a person.
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
        ece: calibration_error(scored),
        threshold: precise_threshold(scored, 0.99),
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

fn calibration_error(scored: &[Scored]) -> f64 {
    const BINS: usize = 15;
    let mut bins = [(0usize, 0.0f64, 0usize); BINS];
    for s in scored {
        let (conf, right) = confidence(s);
        let bin = ((conf * BINS as f64) as usize).min(BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += conf;
        bins[bin].2 += usize::from(right);
    }
    let n = scored.len().max(1) as f64;
    bins.iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, sum, right)| {
            let c = *count as f64;
            c / n * (sum / c - *right as f64 / c).abs()
        })
        .sum()
}

/// The confidence of the longest most-confident prefix whose precision is
/// at least `target` (1.0 when no prefix reaches it: every line is asked).
pub fn precise_threshold(scored: &[Scored], target: f64) -> f64 {
    let mut by_confidence: Vec<(f64, bool)> = scored.iter().map(confidence).collect();
    by_confidence.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut right = 0usize;
    let mut threshold = 1.0;
    for (i, (conf, ok)) in by_confidence.iter().enumerate() {
        right += usize::from(*ok);
        let next_is_tied = by_confidence.get(i + 1).is_some_and(|n| n.0 == *conf);
        if !next_is_tied && right as f64 / (i + 1) as f64 >= target {
            threshold = *conf;
        }
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
        // Four right at 0.9, one wrong at 0.9, five right at 0.99.
        let mut all: Vec<Scored> = (0..4).map(|_| scored(0, 0, 0.9)).collect();
        all.push(scored(1, 0, 0.9));
        all.extend((0..5).map(|_| scored(2, 2, 0.99)));
        let e = evaluate(&all);
        assert!((e.accuracy - 0.9).abs() < 1e-9);
        // bin 0.9: conf 0.9, accuracy 0.8; bin 0.99: conf 0.99, accuracy 1.
        assert!((e.ece - (0.5 * 0.1 + 0.5 * 0.01)).abs() < 1e-6, "{}", e.ece);
        assert!((e.threshold - 0.99).abs() < 1e-6, "{}", e.threshold);
        assert_eq!(e.confusion[1][0], 1);
        assert_eq!(e.classes[1].recall, 0.0);
        assert!((e.classes[0].precision - 0.8).abs() < 1e-9);
    }
}
