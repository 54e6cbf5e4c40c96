//! Real-estate lines valued by their property under class levers. Scaling
//! such a line's amounts by F scales its LTV by F (the property keeps its
//! value), so at some F it crosses a band bound and takes another weight.
//! Its exposure figures stay linear in F; its RWA is linear between bounds.
//!
//! The book keeps these lines per kind, in order of their LTV at F = 1, with
//! running sums of their E* and guaranteed cover. The lines of one band at
//! any F are then a range found by binary search, and the band's RWA and
//! parts are those of one line carrying the range's sums, weighed by
//! `credit::evaluate` itself. A class lever costs a few searches per band
//! whatever the number of lines.

use super::aggregate::{BUCKETS, CLASS_KEYS, CreditAggregates, bucket_index};
use super::credit::{self, Borrower, KindRules, KindTable, LineOutcome};
use super::portfolio::Line;
use super::rules::Rules;
use rustc_hash::FxHashMap;

/// One line in the book, at F = 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    kind: u32,
    ltv: f64,
    exposure: f64,
    /// min(guaranteed amount, E*): the cover where the guarantor's weight
    /// is the lower one.
    cover: f64,
    /// The line's drawn and undrawn amounts and property value at the scale
    /// `at` it was put in with: near a bound, its band is decided from them
    /// as the line, settled at another scale, computes its LTV.
    drawn: f64,
    undrawn: f64,
    property_value: f64,
    at: f64,
}

/// An LTV within this relative distance of a bound is compared as the line
/// computes it, not from the book's LTV at F = 1: the two round apart.
const NEAR: f64 = 1e-12;

impl Entry {
    /// Line `line` as evaluated, its amounts `scale` times the data set's.
    pub fn of(line: &Line, outcome: &LineOutcome, scale: f64) -> Entry {
        let e = outcome.exposure_after_crm;
        Entry {
            kind: line.kind,
            ltv: credit::ltv(line) / scale,
            exposure: e / scale,
            cover: line.guaranteed_amount.clamp(0.0, e) / scale,
            drawn: line.drawn,
            undrawn: line.undrawn,
            property_value: line.property_value().unwrap_or(0.0),
            at: scale,
        }
    }

    /// The LTV of the line settled at class scale `scale`: its amounts
    /// times scale / at, as `IncrementalEngine::settle` scales them, over
    /// the property value, as `credit::ltv` divides.
    fn ltv_at(&self, scale: f64) -> f64 {
        let k = scale / self.at;
        if self.property_value > 0.0 {
            (self.drawn * k + self.undrawn * k) / self.property_value
        } else {
            f64::INFINITY
        }
    }

    fn near(&self, bound: f64, scale: f64) -> bool {
        (self.ltv * scale - bound).abs() <= NEAR * bound.abs()
    }
}

/// What the book's lines add to the RWA figures (credit RWA, each class
/// key's RWA, each bucket's exposure, RWA and parts) at one class scale.
#[derive(Clone, Debug, PartialEq)]
pub struct RwaFigures {
    pub credit: f64,
    pub class_rwa: [f64; CLASS_KEYS],
    pub buckets: [(f64, f64); BUCKETS],
    pub parts: [i64; BUCKETS],
}

impl Default for RwaFigures {
    fn default() -> Self {
        RwaFigures {
            credit: 0.0,
            class_rwa: [0.0; CLASS_KEYS],
            buckets: [(0.0, 0.0); BUCKETS],
            parts: [0; BUCKETS],
        }
    }
}

impl RwaFigures {
    /// Adds `parts` parts of class key `class` weighing `rw`, `exposure`
    /// in all.
    pub fn add_part(&mut self, class: usize, rw: f64, exposure: f64, parts: i64) {
        let rwa = exposure * rw;
        let bucket = bucket_index(rw);
        self.credit += rwa;
        self.class_rwa[class] += rwa;
        self.buckets[bucket].0 += exposure;
        self.buckets[bucket].1 += rwa;
        self.parts[bucket] += parts;
    }

    /// Adds a line that carries the sums of `lines` lines of one kind,
    /// `covered` of them with a guarantor's cover.
    pub fn add(&mut self, kind: &KindRules, outcome: &LineOutcome, lines: i64, covered: i64) {
        self.credit += outcome.rwa;
        self.class_rwa[usize::from(kind.class_index)] += outcome.rwa;
        for (slot, part) in outcome.parts.items.iter().enumerate() {
            if !outcome.parts.present[slot] {
                continue;
            }
            self.buckets[part.bucket].0 += part.exposure;
            self.buckets[part.bucket].1 += part.exposure * part.rw;
            // Every line has its borrower parts; a guarantor part where it
            // has a cover.
            self.parts[part.bucket] += if slot == 0 { covered } else { lines };
        }
    }

    /// Moves `sums`, which hold `before` scaled linearly by `factor`, to
    /// `after`.
    pub fn correct(
        before: &RwaFigures,
        after: &RwaFigures,
        factor: f64,
        sums: &mut CreditAggregates,
    ) {
        sums.credit.add(after.credit - factor * before.credit);
        for (k, (b, a)) in before.class_rwa.iter().zip(&after.class_rwa).enumerate() {
            sums.by_class[k].1.add(a - factor * b);
        }
        for (k, (b, a)) in before.buckets.iter().zip(&after.buckets).enumerate() {
            sums.by_bucket[k].0.add(a.0 - factor * b.0);
            sums.by_bucket[k].1.add(a.1 - factor * b.1);
            let parts = i64::from(sums.bucket_parts[k]) + after.parts[k] - before.parts[k];
            sums.bucket_parts[k] = u32::try_from(parts).unwrap_or(0);
        }
    }
}

/// Puts a book's changes into its entries: each entry put in joins them,
/// each taken out drops one equal entry (`key` tells entries apart), from
/// the entries or from a change put in before it.
pub fn merge_changes<E: Copy, K: std::hash::Hash + Eq>(
    sorted: &mut Vec<E>,
    changes: &mut Vec<(E, f64)>,
    key: impl Fn(&E) -> K,
) {
    let mut kept: FxHashMap<K, i64> = FxHashMap::default();
    for (entry, sign) in changes.iter() {
        *kept.entry(key(entry)).or_default() += *sign as i64;
    }
    sorted.retain(|e| match kept.get_mut(&key(e)) {
        Some(n) if *n < 0 => {
            *n += 1;
            false
        }
        _ => true,
    });
    for (entry, _) in changes.iter() {
        if let Some(n) = kept.get_mut(&key(entry))
            && *n > 0
        {
            *n -= 1;
            sorted.push(*entry);
        }
    }
    changes.clear();
}

/// A book of lines by kind: each kind's book, and each line's entry so
/// that it is taken out as it was put in. The kinked and split books are
/// two shelves of different entries.
#[derive(Clone, Debug)]
pub struct Shelf<E, B> {
    kinds: Vec<B>,
    of_kind: FxHashMap<u32, usize>,
    entries: FxHashMap<usize, E>,
}

impl<E, B> Default for Shelf<E, B> {
    fn default() -> Self {
        Shelf {
            kinds: Vec::new(),
            of_kind: FxHashMap::default(),
            entries: FxHashMap::default(),
        }
    }
}

/// An entry of a shelf: the kind of its line.
pub trait Shelved: Copy {
    fn kind(&self) -> u32;
}

/// One kind's book on a shelf: entries sorted at the last indexing, and
/// the changes since.
pub trait KindShelf<E> {
    fn new(template: Line) -> Self;
    fn changes(&mut self) -> &mut Vec<(E, f64)>;
    fn sort(&mut self);
}

impl<E: Shelved, B: KindShelf<E>> Shelf<E, B> {
    /// Puts line `i` in; `line` is its compiled line.
    pub fn add(&mut self, i: usize, line: &Line, entry: E) {
        let at = *self.of_kind.entry(entry.kind()).or_insert_with(|| {
            self.kinds.push(B::new(*line));
            self.kinds.len() - 1
        });
        self.change(at, entry, 1.0);
        self.entries.insert(i, entry);
    }

    /// Takes line `i` out, if it is in.
    pub fn remove(&mut self, i: usize) {
        if let Some(entry) = self.entries.remove(&i) {
            self.change(self.of_kind[&entry.kind()], entry, -1.0);
        }
    }

    /// A kind's changes are sorted in once they are many: each figure
    /// reads the changes one by one.
    fn change(&mut self, at: usize, entry: E, sign: f64) {
        let book = &mut self.kinds[at];
        book.changes().push((entry, sign));
        if book.changes().len() > 4096 {
            book.sort();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sorts every kind's changes in (after the lines are first put in).
    pub fn sort(&mut self) {
        for kind in &mut self.kinds {
            kind.sort();
        }
    }

    pub fn kinds(&self) -> &[B] {
        &self.kinds
    }
}

/// Real-estate lines valued by their property, by kind.
pub type Book = Shelf<Entry, KindBook>;

/// The lines of one kind: sorted at the last indexing, and those put in or
/// taken out since.
#[derive(Clone, Debug)]
pub struct KindBook {
    /// A line of the kind, for its traits.
    template: Line,
    sorted: Vec<Entry>,
    /// Running sums over `sorted`: E*, cover, lines with a cover.
    running: Vec<(f64, f64, u32)>,
    changes: Vec<(Entry, f64)>,
}

impl Shelved for Entry {
    fn kind(&self) -> u32 {
        self.kind
    }
}

impl KindShelf<Entry> for KindBook {
    fn new(template: Line) -> KindBook {
        KindBook {
            template,
            sorted: Vec::new(),
            running: vec![(0.0, 0.0, 0)],
            changes: Vec::new(),
        }
    }

    fn changes(&mut self) -> &mut Vec<(Entry, f64)> {
        &mut self.changes
    }

    fn sort(&mut self) {
        KindBook::sort(self);
    }
}

impl Book {
    /// The book's RWA figures with every amount `scale` times the data
    /// set's.
    pub fn figures(&self, rules: &Rules, kinds: &KindTable, scale: f64) -> RwaFigures {
        let mut figures = RwaFigures::default();
        for book in self.kinds() {
            book.add_figures(rules, kinds.of(&book.template), scale, &mut figures);
        }
        figures
    }
}

impl KindBook {
    fn sort(&mut self) {
        let key = |e: &Entry| {
            [
                e.ltv,
                e.exposure,
                e.cover,
                e.drawn,
                e.undrawn,
                e.property_value,
                e.at,
            ]
            .map(f64::to_bits)
        };
        merge_changes(&mut self.sorted, &mut self.changes, key);
        self.sorted.sort_by(|a, b| a.ltv.total_cmp(&b.ltv));
        self.running = Vec::with_capacity(self.sorted.len() + 1);
        let (mut e, mut c, mut n) = (0.0, 0.0, 0);
        self.running.push((e, c, n));
        for entry in &self.sorted {
            e += entry.exposure;
            c += entry.cover;
            n += u32::from(entry.cover > 0.0);
            self.running.push((e, c, n));
        }
    }

    /// Each band's lines weighed as one line carrying their sums.
    fn add_figures(&self, rules: &Rules, kind: &KindRules, scale: f64, out: &mut RwaFigures) {
        let Borrower::RealEstate(plan) = kind.borrower else {
            return;
        };
        let Some(bounds) = credit::ltv_bounds(rules, &plan) else {
            return;
        };
        let position = |ltv: f64| self.sorted.partition_point(|e| e.ltv * scale <= ltv);
        // Entries near a bound whose own LTV puts them in the other band
        // than the book's order: (exposure, cover, lines, covered lines)
        // moved between the bands on either side.
        let mut moved = vec![(0.0, 0.0, 0i64, 0i64); bounds.len() + 1];
        for (below, bound) in bounds.iter().enumerate() {
            let from = self
                .sorted
                .partition_point(|e| e.ltv * scale < bound * (1.0 - NEAR));
            for entry in self.sorted[from..]
                .iter()
                .take_while(|e| e.near(*bound, scale))
            {
                let (ordered, own) = (entry.ltv * scale <= *bound, entry.ltv_at(scale) <= *bound);
                if ordered == own {
                    continue;
                }
                let (out_of, into) = if ordered {
                    (below, below + 1)
                } else {
                    (below + 1, below)
                };
                let covered = i64::from(entry.cover > 0.0);
                for (band, sign) in [(out_of, -1.0), (into, 1.0)] {
                    moved[band].0 += sign * entry.exposure;
                    moved[band].1 += sign * entry.cover;
                    moved[band].2 += sign as i64;
                    moved[band].3 += sign as i64 * covered;
                }
            }
        }
        let mut start = 0;
        for band in 0..=bounds.len() {
            // An LTV at a bound belongs to the band the bound closes.
            let (end, representative) = match bounds.get(band) {
                Some(bound) => (position(*bound), *bound),
                None => (self.sorted.len(), f64::INFINITY),
            };
            let in_band = |entry: &Entry| {
                let ltv = entry.ltv_at(scale);
                (band == 0 || ltv > bounds[band - 1]) && bounds.get(band).is_none_or(|b| ltv <= *b)
            };
            let (mut e, mut c) = (
                self.running[end].0 - self.running[start].0 + moved[band].0,
                self.running[end].1 - self.running[start].1 + moved[band].1,
            );
            let mut lines = (end - start) as i64 + moved[band].2;
            let mut covered =
                i64::from(self.running[end].2 - self.running[start].2) + moved[band].3;
            for (entry, sign) in self.changes.iter().filter(|(e, _)| in_band(e)) {
                e += sign * entry.exposure;
                c += sign * entry.cover;
                lines += *sign as i64;
                covered += if entry.cover > 0.0 { *sign as i64 } else { 0 };
            }
            start = end;
            if lines == 0 {
                continue;
            }
            let line = self
                .template
                .carrying(e * scale, c * scale)
                .valued(Some(representative), None);
            let outcome = credit::evaluate(rules, kind, &line);
            out.add(kind, &outcome, lines, covered);
        }
    }
}
