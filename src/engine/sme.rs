//! The crr3 SME supporting factor under class levers (ratios.md §11). A
//! line's factor follows its counterparty's total E over all its SME lines,
//! so a lever on one class moves the factor of that counterparty's lines in
//! every class. The book keeps, per counterparty and class, the E and the
//! RWA before the factor of its SME lines: a class lever then costs one
//! step per counterparty with SME lines in the class, whatever the number
//! of lines, and the lines take their new factor when next read.

use super::aggregate::{BUCKETS, Segment, sme_factor};
use super::credit::LineOutcome;
use super::dataset::ExposureClass;
use super::rules::Rules;
use super::sum::Sum;
use rustc_hash::FxHashSet;

/// One counterparty's SME lines in one class: their count, E, and RWA
/// before the factor, in total and by risk-weight bucket.
#[derive(Clone, Debug, PartialEq)]
struct Share {
    class: u8,
    lines: u32,
    exposure: f64,
    rwa: f64,
    buckets: [f64; BUCKETS],
}

impl Share {
    fn new(class: u8) -> Share {
        Share {
            class,
            lines: 0,
            exposure: 0.0,
            rwa: 0.0,
            buckets: [0.0; BUCKETS],
        }
    }

    fn add(&mut self, outcome: &LineOutcome, sign: f64) {
        if sign > 0.0 {
            self.lines += 1;
        } else {
            self.lines = self.lines.saturating_sub(1);
        }
        if self.lines == 0 {
            // The last line out leaves exactly nothing, not its rounding.
            *self = Share::new(self.class);
            return;
        }
        self.exposure += sign * outcome.exposure;
        self.rwa += sign * outcome.rwa;
        for part in outcome.parts.iter() {
            self.buckets[part.bucket] += sign * part.exposure * part.rw;
        }
    }

    fn scale(&mut self, k: f64) {
        self.exposure *= k;
        self.rwa *= k;
        for rwa in &mut self.buckets {
            *rwa *= k;
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct SmeBook {
    /// E of every counterparty's SME lines, by counterparty id: what
    /// `aggregate::line_factor` reads.
    pub totals: Vec<Sum>,
    /// Every line of each counterparty (SME or not: a `set_line` can make
    /// one SME).
    pub lines: Vec<Vec<usize>>,
    shares: Vec<Vec<Share>>,
    /// The counterparties with SME lines in each class.
    in_class: Vec<FxHashSet<u32>>,
}

impl SmeBook {
    pub fn new() -> SmeBook {
        SmeBook {
            in_class: vec![FxHashSet::default(); ExposureClass::ALL.len()],
            ..SmeBook::default()
        }
    }

    /// Makes room for counterparty ids below `known`.
    pub fn reserve(&mut self, known: usize) {
        if self.totals.len() < known {
            self.totals.resize(known, Sum::default());
            self.lines.resize(known, Vec::new());
            self.shares.resize(known, Vec::new());
        }
    }

    /// Adds (`sign` = 1) or takes out (−1) one SME line of class `class`
    /// with this outcome (its RWA before the factor).
    pub fn add(&mut self, counterparty: u32, class: u8, outcome: &LineOutcome, sign: f64) {
        let cp = counterparty as usize;
        self.reserve(cp + 1);
        self.totals[cp].add(sign * outcome.exposure);
        let shares = &mut self.shares[cp];
        let at = match shares.iter().position(|s| s.class == class) {
            Some(at) => at,
            None => {
                shares.push(Share::new(class));
                shares.len() - 1
            }
        };
        shares[at].add(outcome, sign);
        let set = &mut self.in_class[usize::from(class)];
        if shares[at].lines == 0 {
            shares.swap_remove(at);
            set.remove(&counterparty);
            if shares.is_empty() {
                // The total of no line is 0, not the rounding of its past.
                self.totals[cp] = Sum::default();
            }
        } else {
            set.insert(counterparty);
        }
    }

    /// No counterparty has an SME line in the class.
    pub fn is_empty(&self, class: ExposureClass) -> bool {
        self.in_class
            .get(class as usize)
            .is_none_or(|set| set.is_empty())
    }

    /// The SME factor the aggregates hold for the counterparty's lines.
    pub fn factor(&self, counterparty: u32, rules: &Rules) -> f64 {
        sme_factor(self.totals[counterparty as usize].value(), rules)
    }

    /// Scales the SME lines of `class` by `k` in the book (the class's
    /// segment has scaled them at their old factor) and moves every class's
    /// RWA sums by what the new factors of their counterparties change.
    pub fn scale_class(&mut self, class: usize, k: f64, rules: &Rules, segments: &mut [Segment]) {
        for &cp in &self.in_class[class] {
            let cp = cp as usize;
            let before = sme_factor(self.totals[cp].value(), rules);
            for share in &mut self.shares[cp] {
                if usize::from(share.class) == class {
                    self.totals[cp].add((k - 1.0) * share.exposure);
                    share.scale(k);
                }
            }
            let change = sme_factor(self.totals[cp].value(), rules) - before;
            if change == 0.0 {
                continue;
            }
            for share in &self.shares[cp] {
                let sums = &mut segments[usize::from(share.class)].sums;
                sums.credit.add(change * share.rwa);
                // SME lines are not defaulted: their class key is their class.
                sums.by_class[usize::from(share.class)]
                    .1
                    .add(change * share.rwa);
                for (bucket, rwa) in share.buckets.iter().enumerate() {
                    if *rwa != 0.0 {
                        sums.by_bucket[bucket].1.add(change * rwa);
                    }
                }
            }
        }
    }
}
