//! crr3 loan splitting under class levers (ratios.md §3.4): a line is
//! secured up to a share of its property's value, which a lever does not
//! move, and weighed at the counterparty's weight above it. Scaled by F, a
//! line of E* and secured cap S is wholly secured while F × E* ≤ S, and
//! from there holds S secured and F × E* − S unsecured: linear on either
//! side of F = S / E*, a kink that is each line's own.
//!
//! The book keeps these lines per kind in order of E* / S at F = 1, with
//! running sums of E* and S. At any F the wholly secured lines are a prefix
//! found by binary search, and each side's parts follow from its sums.
//! Lines whose guarantee competes with the blended weight are not in the
//! book (they are weighed again at each lever).

use super::credit::{self, KindRules, KindTable, LineOutcome};
use super::kinked::{KindShelf, RwaFigures, Shelf, Shelved, merge_changes};
use super::portfolio::Line;
use super::rules::Rules;

/// One line in the book, at F = 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    index: u32,
    kind: u32,
    /// E* over the secured cap: the line is wholly secured while
    /// `ratio` × F ≤ 1.
    ratio: f64,
    exposure: f64,
    cap: f64,
}

/// A ratio × F within this relative distance of 1 is decided as the line
/// itself computes it: the two round apart.
const NEAR: f64 = 1e-12;

impl Entry {
    /// Line `index` as evaluated, its amounts `scale` times the data set's;
    /// `cap` is its secured cap (`credit::secured_amount`).
    pub fn of(index: usize, line: &Line, outcome: &LineOutcome, cap: f64, scale: f64) -> Entry {
        let exposure = outcome.exposure_after_crm / scale;
        Entry {
            index: index as u32,
            kind: line.kind,
            ratio: exposure / cap,
            exposure,
            cap,
        }
    }

    fn secured_whole(&self, scale: f64, own: &impl Fn(usize, f64) -> bool) -> bool {
        let at = self.ratio * scale;
        if (at - 1.0).abs() <= NEAR {
            own(self.index as usize, scale)
        } else {
            at <= 1.0
        }
    }
}

/// crr3 split loans on a property value, by kind.
pub type SplitBook = Shelf<Entry, KindBook>;

/// The lines of one kind: sorted at the last indexing, and those put in or
/// taken out since.
#[derive(Clone, Debug)]
pub struct KindBook {
    /// A line of the kind, for its traits.
    template: Line,
    sorted: Vec<Entry>,
    /// Running sums over `sorted`: E*, cap.
    running: Vec<(f64, f64)>,
    changes: Vec<(Entry, f64)>,
}

/// The lines on one side of their kinks: count, E* and caps at F = 1.
#[derive(Clone, Copy, Debug, Default)]
struct Side {
    lines: i64,
    exposure: f64,
    cap: f64,
}

impl Side {
    fn add(&mut self, entry: &Entry, sign: f64) {
        self.lines += sign as i64;
        self.exposure += sign * entry.exposure;
        self.cap += sign * entry.cap;
    }
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
            running: vec![(0.0, 0.0)],
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

impl SplitBook {
    /// Adds the book's RWA figures with every amount `scale` times the
    /// data set's; `own(i, scale)` says whether line `i`, scaled so, is
    /// wholly secured as it computes it (asked only near its kink).
    pub fn add_figures(
        &self,
        rules: &Rules,
        kinds: &KindTable,
        scale: f64,
        own: impl Fn(usize, f64) -> bool,
        out: &mut RwaFigures,
    ) {
        for book in self.kinds() {
            book.add_figures(rules, kinds.of(&book.template), scale, &own, out);
        }
    }
}

impl KindBook {
    fn sort(&mut self) {
        // A line's entries are told apart by its index and values.
        let key = |e: &Entry| (e.index, e.exposure.to_bits(), e.cap.to_bits());
        merge_changes(&mut self.sorted, &mut self.changes, key);
        self.sorted.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
        self.running = Vec::with_capacity(self.sorted.len() + 1);
        let (mut e, mut c) = (0.0, 0.0);
        self.running.push((e, c));
        for entry in &self.sorted {
            e += entry.exposure;
            c += entry.cap;
            self.running.push((e, c));
        }
    }

    /// The two sides of the kink at `scale`, each weighed as one line.
    fn add_figures(
        &self,
        rules: &Rules,
        kind: &KindRules,
        scale: f64,
        own: &impl Fn(usize, f64) -> bool,
        out: &mut RwaFigures,
    ) {
        let Some((secured_rw, rest_rw)) = credit::split_weights(rules, kind) else {
            return;
        };
        let end = self.sorted.partition_point(|e| e.ratio * scale <= 1.0);
        let n = self.sorted.len();
        let mut whole = Side {
            lines: end as i64,
            exposure: self.running[end].0,
            cap: self.running[end].1,
        };
        let mut split = Side {
            lines: (n - end) as i64,
            exposure: self.running[n].0 - self.running[end].0,
            cap: self.running[n].1 - self.running[end].1,
        };
        // Entries by their kink whose own computation puts them on the
        // other side than the book's order.
        let from = self
            .sorted
            .partition_point(|e| e.ratio * scale < 1.0 - NEAR);
        for entry in self.sorted[from..]
            .iter()
            .take_while(|e| e.ratio * scale <= 1.0 + NEAR)
        {
            let ordered = entry.ratio * scale <= 1.0;
            if ordered != entry.secured_whole(scale, own) {
                let (out_of, into) = if ordered {
                    (&mut whole, &mut split)
                } else {
                    (&mut split, &mut whole)
                };
                out_of.add(entry, -1.0);
                into.add(entry, 1.0);
            }
        }
        for (entry, sign) in &self.changes {
            let side = if entry.secured_whole(scale, own) {
                &mut whole
            } else {
                &mut split
            };
            side.add(entry, *sign);
        }
        // Each part as the lines compute it, their parts counted even where
        // a line at its cap leaves a rest that rounds to nothing.
        let class = usize::from(kind.class_index);
        let (secured, rest) = (whole.exposure * scale, split.exposure * scale - split.cap);
        out.add_part(class, secured_rw, secured, whole.lines);
        out.add_part(class, secured_rw, split.cap, split.lines);
        out.add_part(class, rest_rw, rest, split.lines);
    }
}
