//! The crr3 SME supporting factor under class levers (ratios.md §11). A
//! line's factor follows its counterparty's total E over all its SME lines,
//! so a lever on one class moves the factor of that counterparty's lines in
//! every class. The book keeps, per class, each counterparty's E and RWA
//! before the factor of its SME lines there, side by side in one array: a
//! class lever then costs one step per counterparty with SME lines in the
//! class, whatever the number of lines, and the lines take their new
//! factor when next read.

use super::aggregate::{BUCKETS, Segment, sme_factor};
use super::credit::LineOutcome;
use super::dataset::ExposureClass;
use super::rules::Rules;
use super::sum::Sum;
use rustc_hash::FxHashMap;

/// One counterparty's SME lines in one class: their count, E, and RWA
/// before the factor, in total and by risk-weight bucket, all `k` times
/// what is stored (`k` is the class levers since they were put in, which a
/// lever moves without touching the rest).
#[derive(Clone, Debug)]
struct Share {
    counterparty: u32,
    lines: u32,
    k: f64,
    exposure: f64,
    rwa: f64,
    /// Most lines have one part: its bucket inline, the others beside.
    first: (u8, f64),
    more: Vec<(u8, f64)>,
}

const NO_BUCKET: u8 = u8::MAX;

impl Share {
    fn new(counterparty: u32, k: f64) -> Share {
        Share {
            counterparty,
            lines: 0,
            k,
            exposure: 0.0,
            rwa: 0.0,
            first: (NO_BUCKET, 0.0),
            more: Vec::new(),
        }
    }

    fn exposure(&self) -> f64 {
        self.exposure * self.k
    }

    fn add(&mut self, outcome: &LineOutcome, sign: f64) {
        let w = sign / self.k;
        self.exposure += w * outcome.exposure;
        self.rwa += w * outcome.rwa;
        for part in outcome.parts.iter() {
            let rwa = w * part.exposure * part.rw;
            let bucket = part.bucket as u8;
            if self.first.0 == NO_BUCKET || self.first.0 == bucket {
                self.first = (bucket, self.first.1 + rwa);
            } else if let Some(slot) = self.more.iter_mut().find(|(b, _)| *b == bucket) {
                slot.1 += rwa;
            } else {
                self.more.push((bucket, rwa));
            }
        }
    }

    /// Moves `sums`, which hold these lines at `change` less factor.
    fn correct(&self, class: usize, change: f64, fix: &mut Fix) {
        let k = change * self.k;
        let fix = &mut fix.0[class];
        fix.rwa.add(k * self.rwa);
        if self.first.0 != NO_BUCKET {
            fix.buckets[usize::from(self.first.0)].add(k * self.first.1);
        }
        for (bucket, rwa) in &self.more {
            fix.buckets[usize::from(*bucket)].add(k * rwa);
        }
    }
}

/// What a lever's new factors add to each class's RWA sums, gathered
/// before they go into the classes' segments.
struct Fix(Vec<ClassFix>);

#[derive(Clone)]
struct ClassFix {
    rwa: Sum,
    buckets: [Sum; BUCKETS],
}

impl Fix {
    fn new() -> Fix {
        let none = ClassFix {
            rwa: Sum::default(),
            buckets: [Sum::default(); BUCKETS],
        };
        Fix(vec![none; ExposureClass::ALL.len()])
    }

    fn apply(self, segments: &mut [Segment]) {
        for (class, fix) in self.0.iter().enumerate() {
            let rwa = fix.rwa.value();
            if rwa == 0.0 {
                continue;
            }
            let sums = &mut segments[class].sums;
            sums.credit.add(rwa);
            // SME lines are not defaulted: their class key is their class.
            sums.by_class[class].1.add(rwa);
            for (bucket, sum) in fix.buckets.iter().enumerate() {
                let value = sum.value();
                if value != 0.0 {
                    sums.by_bucket[bucket].1.add(value);
                }
            }
        }
    }
}

/// One class's shares, side by side, and where each counterparty's is.
#[derive(Clone, Debug, Default)]
struct ClassShares {
    shares: Vec<Share>,
    slot: FxHashMap<u32, u32>,
}

impl ClassShares {
    fn get(&self, counterparty: u32) -> Option<&Share> {
        let at = *self.slot.get(&counterparty)?;
        self.shares.get(at as usize)
    }
}

#[derive(Clone, Debug, Default)]
pub struct SmeBook {
    /// Every line of each counterparty, by counterparty id (SME or not: a
    /// `set_line` can make one SME).
    pub lines: Vec<Vec<usize>>,
    /// The classes in which each counterparty has SME lines, one bit each.
    classes_of: Vec<u16>,
    classes: Vec<ClassShares>,
}

impl SmeBook {
    pub fn new() -> SmeBook {
        SmeBook {
            classes: vec![ClassShares::default(); ExposureClass::ALL.len()],
            ..SmeBook::default()
        }
    }

    /// Makes room for counterparty ids below `known`.
    pub fn reserve(&mut self, known: usize) {
        if self.lines.len() < known {
            self.lines.resize(known, Vec::new());
            self.classes_of.resize(known, 0);
        }
    }

    /// Adds (`sign` = 1) or takes out (−1) one SME line of class `class`
    /// with this outcome (its RWA before the factor) at the class's
    /// current scale `scale`.
    pub fn add(&mut self, counterparty: u32, class: usize, outcome: &LineOutcome, sign: f64) {
        self.reserve(counterparty as usize + 1);
        let book = &mut self.classes[class];
        let at = match book.slot.get(&counterparty) {
            Some(at) => *at as usize,
            None => {
                book.shares.push(Share::new(counterparty, 1.0));
                book.slot
                    .insert(counterparty, (book.shares.len() - 1) as u32);
                book.shares.len() - 1
            }
        };
        let share = &mut book.shares[at];
        if sign > 0.0 {
            share.lines += 1;
        } else {
            share.lines = share.lines.saturating_sub(1);
        }
        if share.lines > 0 {
            share.add(outcome, sign);
            self.classes_of[counterparty as usize] |= 1 << class;
            return;
        }
        // The last line out leaves nothing, not the rounding of its past.
        book.shares.swap_remove(at);
        book.slot.remove(&counterparty);
        if let Some(moved) = book.shares.get(at) {
            book.slot.insert(moved.counterparty, at as u32);
        }
        self.classes_of[counterparty as usize] &= !(1 << class);
    }

    /// E of the counterparty's SME lines in the classes of `mask`.
    fn exposure_in(&self, counterparty: u32, mask: u16) -> f64 {
        let mask = self.classes_of[counterparty as usize] & mask;
        (0..self.classes.len())
            .filter(|c| mask & (1 << c) != 0)
            .filter_map(|c| self.classes[c].get(counterparty))
            .map(Share::exposure)
            .sum()
    }

    /// The SME factor the aggregates hold for the counterparty's lines.
    pub fn factor(&self, counterparty: u32, rules: &Rules) -> f64 {
        sme_factor(self.exposure_in(counterparty, u16::MAX), rules)
    }

    /// No counterparty has an SME line in the class.
    pub fn is_empty(&self, class: ExposureClass) -> bool {
        self.classes[class as usize].shares.is_empty()
    }

    /// Scales the SME lines of `class` by `k` in the book (the class's
    /// segment has scaled them at their old factor) and moves the RWA sums
    /// by what the new factors of their counterparties change, in every
    /// class where those counterparties have SME lines.
    pub fn scale_class(&mut self, class: usize, k: f64, rules: &Rules, segments: &mut [Segment]) {
        let mut shares = std::mem::take(&mut self.classes[class].shares);
        let mut fix = Fix::new();
        for share in &mut shares {
            let cp = share.counterparty;
            let alone = self.classes_of[cp as usize] == 1 << class;
            let outside = if alone {
                0.0
            } else {
                self.exposure_in(cp, !(1 << class))
            };
            let before = sme_factor(outside + share.exposure(), rules);
            share.k *= k;
            let change = sme_factor(outside + share.exposure(), rules) - before;
            if change == 0.0 {
                continue;
            }
            share.correct(class, change, &mut fix);
            if !alone {
                for (c, book) in self.classes.iter().enumerate() {
                    if let Some(other) = book.get(cp).filter(|_| c != class) {
                        other.correct(c, change, &mut fix);
                    }
                }
            }
        }
        self.classes[class].shares = shares;
        fix.apply(segments);
    }
}
