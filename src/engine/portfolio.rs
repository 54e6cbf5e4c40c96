//! The exposure lines compiled once for the per-line pass: ratings resolved
//! to credit quality steps, strings interned to small ids, absent amounts
//! read as 0. A compiled line is its amounts, its large-exposure group and
//! its kind (the traits it shares with other lines) in one 64-byte cache
//! line, against 400 bytes for an `Exposure`; its other ids sit beside it.
//! The pass streams through memory and never hashes a string.

use super::aggregate::Interner;
use super::dataset::{
    CollateralType, CounterpartyType, DataSet, Exposure, ExposureClass, OffBalanceType, OtherType,
    ReType, RetailType, ScraGrade, SlType,
};
use super::rating::{Cqs, Rating};
use super::rules::Maturity;
use rustc_hash::FxHashMap;

/// An id slot with no value (no country, no group…).
pub const NONE: u32 = u32::MAX;

/// What the rules read of a line besides its amounts and ids. Lines with
/// the same traits share a kind, and what the traits alone decide (the
/// class's risk weight, the guarantor's, the CCF…) is decided once per kind
/// for a profile (`credit::KindTable`), not once per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Traits {
    pub class: ExposureClass,
    pub counterparty_type: Option<CounterpartyType>,
    /// The rating's step, else `cqs` (§3.2).
    pub cqs: Option<Cqs>,
    pub issuer_cqs: Option<Cqs>,
    pub guarantor_cqs: Option<Cqs>,
    pub scra_grade: Option<ScraGrade>,
    pub issuer_scra_grade: Option<ScraGrade>,
    pub sl_type: Option<SlType>,
    pub retail_type: Option<RetailType>,
    pub other_type: Option<OtherType>,
    pub re_type: Option<ReType>,
    pub off_balance_type: Option<OffBalanceType>,
    pub collateral_type: Option<CollateralType>,
    pub guarantor_class: Option<ExposureClass>,
    pub short_term: bool,
    pub sme: bool,
    pub investment_grade: bool,
    pub mdb_qualifying: bool,
    pub re_criteria_met: bool,
    pub defaulted: bool,
    pub currency_mismatch: bool,
    /// The collateral is in another currency than the exposure (Hfx).
    pub collateral_fx: bool,
    /// `collateral_residual_maturity_years`, by haircut band.
    pub collateral_maturity: Maturity,
}

/// What the rules of §3, §5.1, §9 and §11 read of one exposure line's
/// amounts; its traits are those of its kind.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(align(64))]
pub struct Line {
    pub drawn: f64,
    pub undrawn: f64,
    pub specific_provisions: f64,
    pub collateral_value: f64,
    pub guaranteed_amount: f64,
    /// `ltv` and `property_value`, NaN when absent (a data set holds no
    /// NaN): an `Option<f64>` takes twice the room, and the pass reads every
    /// byte of every line.
    ltv: f64,
    property_value: f64,
    /// The line's group among the watched ones (`Portfolio::watched`), or
    /// NONE.
    pub watched: u32,
    /// The index of the line's traits in `Portfolio::kinds`.
    pub kind: u32,
}

/// The ids of a line that most rules do not read, beside it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LineIds {
    /// `group_id`, else `counterparty_id`: the large-exposure group.
    pub group: u32,
    pub guarantor_group: u32,
    /// The guarantor's group among the watched ones, or NONE.
    pub watched_guarantor: u32,
    pub country: u32,
    pub counterparty: u32,
}

/// The full pass sums the amounts of this many groups at most: the largest
/// by a bound that holds under any profile ([`Unwatched`]).
pub const WATCHED: usize = 4096;

/// What no group outside the watched ones can exceed, under a profile
/// whose largest CCF (or leverage CCF floor) is `c`: `drawn_and_guaranteed`
/// plus `c` times `undrawn`. A group's amount (ratios.md §9) is at most its
/// lines' drawn plus CCF × undrawn amounts, plus what guarantees move to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unwatched {
    pub drawn_and_guaranteed: f64,
    pub undrawn: f64,
}

impl Unwatched {
    pub fn bound(&self, c: f64) -> f64 {
        self.drawn_and_guaranteed + c * self.undrawn
    }
}

fn present(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

impl Line {
    pub fn ltv(&self) -> Option<f64> {
        present(self.ltv)
    }

    pub fn property_value(&self) -> Option<f64> {
        present(self.property_value)
    }

    /// A line of the same kind and group carrying only `drawn` and
    /// `guaranteed`: lines of one kind and one weight added up (the kinked
    /// book weighs a band as one line).
    pub fn carrying(self, drawn: f64, guaranteed: f64) -> Line {
        Line {
            drawn,
            undrawn: 0.0,
            specific_provisions: 0.0,
            collateral_value: 0.0,
            guaranteed_amount: guaranteed,
            ..self
        }
    }

    /// The line with another LTV and property value.
    pub fn valued(self, ltv: Option<f64>, property_value: Option<f64>) -> Line {
        Line {
            ltv: ltv.unwrap_or(f64::NAN),
            property_value: property_value.unwrap_or(f64::NAN),
            ..self
        }
    }

    /// The line with every amount times `k`, as `scenario::scale_line`
    /// scales an exposure (not the property value).
    pub fn scaled(&self, k: f64) -> Line {
        Line {
            drawn: self.drawn * k,
            undrawn: self.undrawn * k,
            specific_provisions: self.specific_provisions * k,
            collateral_value: self.collateral_value * k,
            guaranteed_amount: self.guaranteed_amount * k,
            ..*self
        }
    }
}

fn step(rating: Rating) -> Option<Cqs> {
    rating.notch().map(|n| n.cqs())
}

/// The compiled lines of a data set, grouped by kind with the way back to
/// the data set's order, and the names behind their ids.
#[derive(Clone, Debug, Default)]
pub struct Portfolio {
    /// The lines grouped by kind: lines of one kind take the same branches
    /// through the rules, so in this order the pass predicts its branches.
    lines: Vec<Line>,
    /// The other ids of each line of `lines`.
    ids: Vec<LineIds>,
    /// Where the data set's line `i` sits in `lines`.
    slots: Vec<u32>,
    pub groups: Interner,
    pub countries: Interner,
    pub counterparties: Interner,
    /// The distinct traits of the lines, in order of first appearance.
    pub kinds: Vec<Traits>,
    /// The group ids of the watched groups.
    pub watched: Vec<u32>,
    /// None once a line changed after compiling: the bound is then unknown.
    pub unwatched: Option<Unwatched>,
    kind_ids: FxHashMap<Traits, u32>,
    reporting_currency: String,
}

/// Lines compiled in the data set's order, with ids and kinds of their
/// own: a run of a data set's lines compiled apart from the others (a
/// large data set is read in pieces side by side), or all of them.
#[derive(Debug)]
pub struct Piece(Portfolio);

impl Piece {
    /// An empty piece of a data set whose reporting currency is `currency`
    /// (EUR when absent), with room for `lines` lines.
    pub fn new(currency: Option<&str>, lines: usize) -> Piece {
        Piece(Portfolio {
            lines: Vec::with_capacity(lines),
            ids: Vec::with_capacity(lines),
            reporting_currency: currency.unwrap_or("EUR").to_owned(),
            ..Portfolio::default()
        })
    }

    /// Compiles the next line.
    pub fn push(&mut self, exposure: &Exposure) {
        let (line, ids) = self.0.compile_line(exposure);
        self.0.lines.push(line);
        self.0.ids.push(ids);
    }
}

/// How a later piece's ids and kinds read in the portfolio its pieces make.
struct Renumbering {
    groups: Vec<u32>,
    countries: Vec<u32>,
    counterparties: Vec<u32>,
    kinds: Vec<u32>,
}

impl Renumbering {
    /// Interns `next`'s names and kinds into `base`: those new to it are
    /// numbered in the order `next` met them, as if its lines had been
    /// compiled there.
    fn into(base: &mut Portfolio, next: &Portfolio) -> Renumbering {
        let renumber = |into: &mut Interner, from: &Interner| -> Vec<u32> {
            (0..from.len() as u32)
                .map(|i| into.id(from.name(i)))
                .collect()
        };
        Renumbering {
            groups: renumber(&mut base.groups, &next.groups),
            countries: renumber(&mut base.countries, &next.countries),
            counterparties: renumber(&mut base.counterparties, &next.counterparties),
            kinds: next.kinds.iter().map(|t| base.kind(*t)).collect(),
        }
    }

    fn kind(this: Option<&Renumbering>, kind: u32) -> u32 {
        this.map_or(kind, |r| r.kinds[kind as usize])
    }

    fn ids(this: Option<&Renumbering>, ids: &LineIds) -> LineIds {
        let Some(r) = this else { return *ids };
        let map = |table: &[u32], id: u32| if id == NONE { NONE } else { table[id as usize] };
        LineIds {
            group: map(&r.groups, ids.group),
            guarantor_group: map(&r.groups, ids.guarantor_group),
            watched_guarantor: NONE,
            country: map(&r.countries, ids.country),
            counterparty: map(&r.counterparties, ids.counterparty),
        }
    }
}

impl Portfolio {
    pub fn compile(data: &DataSet) -> Portfolio {
        let mut piece = Piece::new(data.currency.as_deref(), data.exposures.len());
        for exposure in &data.exposures {
            piece.push(exposure);
        }
        Portfolio::from_pieces(vec![piece])
    }

    /// The portfolio of a data set's lines compiled in consecutive pieces
    /// (of one reporting currency), in order: the same as compiling them in
    /// one run. The first piece's names and kinds keep their numbers.
    pub fn from_pieces(pieces: Vec<Piece>) -> Portfolio {
        let mut pieces = pieces.into_iter();
        let Piece(mut portfolio) = pieces.next().unwrap_or_else(|| Piece::new(None, 0));
        let first = (
            std::mem::take(&mut portfolio.lines),
            std::mem::take(&mut portfolio.ids),
            None,
        );
        let mut parts = vec![first];
        for Piece(next) in pieces {
            let renumbering = Renumbering::into(&mut portfolio, &next);
            parts.push((next.lines, next.ids, Some(renumbering)));
        }
        // Grouped by kind, within a kind in the data set's order: a
        // counting sort, one pass to count and one to place.
        let mut next_slot = vec![0u32; portfolio.kinds.len() + 1];
        for (lines, _, renumbering) in &parts {
            for line in lines {
                next_slot[Renumbering::kind(renumbering.as_ref(), line.kind) as usize + 1] += 1;
            }
        }
        for k in 1..next_slot.len() {
            next_slot[k] += next_slot[k - 1];
        }
        let count = parts.iter().map(|(lines, _, _)| lines.len()).sum();
        let Some(&filler) = parts.iter().find_map(|(lines, _, _)| lines.first()) else {
            portfolio.watch();
            return portfolio;
        };
        // Every slot is written below; the filler only makes the room.
        portfolio.lines = vec![filler; count];
        portfolio.ids = vec![LineIds::default(); count];
        portfolio.slots = Vec::with_capacity(count);
        for (lines, ids, renumbering) in &parts {
            let renumbering = renumbering.as_ref();
            for (line, ids) in lines.iter().zip(ids) {
                let kind = Renumbering::kind(renumbering, line.kind);
                let slot = next_slot[kind as usize];
                next_slot[kind as usize] += 1;
                portfolio.slots.push(slot);
                portfolio.lines[slot as usize] = Line { kind, ..*line };
                portfolio.ids[slot as usize] = Renumbering::ids(renumbering, ids);
            }
        }
        portfolio.watch();
        portfolio
    }

    /// Picks the watched groups: the largest by drawn + undrawn + guarantees
    /// moved to them, so that the groups left out are far below any listing.
    fn watch(&mut self) {
        let n = self.groups.len();
        let (mut drawn, mut undrawn) = (vec![0.0; n], vec![0.0; n]);
        for (line, ids) in self.lines.iter().zip(&self.ids) {
            if ids.group != NONE {
                drawn[ids.group as usize] += line.drawn.max(0.0);
                undrawn[ids.group as usize] += line.undrawn.max(0.0);
            }
            if ids.guarantor_group != NONE {
                drawn[ids.guarantor_group as usize] += line.guaranteed_amount.max(0.0);
            }
        }
        let mut by_size: Vec<u32> = (0..n as u32).collect();
        let size = |g: &u32| drawn[*g as usize] + undrawn[*g as usize];
        if n > WATCHED {
            by_size.select_nth_unstable_by(WATCHED, |a, b| size(b).total_cmp(&size(a)));
        }
        let (watched, unwatched) = by_size.split_at(n.min(WATCHED));
        let max = |values: &[f64]| {
            unwatched
                .iter()
                .map(|g| values[*g as usize])
                .fold(f64::NEG_INFINITY, f64::max)
        };
        self.unwatched = Some(Unwatched {
            drawn_and_guaranteed: max(&drawn),
            undrawn: max(&undrawn).max(0.0),
        });
        self.watched = watched.to_vec();
        let mut slot = vec![NONE; n];
        for (s, g) in self.watched.iter().enumerate() {
            slot[*g as usize] = s as u32;
        }
        let slot_of = |g: u32| if g == NONE { NONE } else { slot[g as usize] };
        for (line, ids) in self.lines.iter_mut().zip(&mut self.ids) {
            line.watched = slot_of(ids.group);
            ids.watched_guarantor = slot_of(ids.guarantor_group);
        }
    }

    /// Every line, grouped by kind (not in the data set's order).
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The other ids of every line, in the order of [`Portfolio::lines`].
    pub fn ids(&self) -> &[LineIds] {
        &self.ids
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The data set's line `i`.
    pub fn line(&self, i: usize) -> &Line {
        &self.lines[self.slot(i)]
    }

    /// The other ids of the data set's line `i`.
    pub fn line_ids(&self, i: usize) -> &LineIds {
        &self.ids[self.slot(i)]
    }

    pub fn traits(&self, line: &Line) -> &Traits {
        &self.kinds[line.kind as usize]
    }

    /// Where the data set's line `i` sits in [`Portfolio::lines`].
    pub fn slot(&self, i: usize) -> usize {
        self.slots[i] as usize
    }

    /// Compiles the data set's line `i` again after an edit of its exposure.
    pub fn recompile(&mut self, i: usize, exposure: &Exposure) {
        let slot = self.slot(i);
        (self.lines[slot], self.ids[slot]) = self.compile_line(exposure);
        self.unwatched = None;
    }

    /// Compiles the data set's line `i` again after an edit that keeps its
    /// ids (amounts, ratings): no string is looked up.
    pub fn refresh(&mut self, i: usize, exposure: &Exposure) {
        let slot = self.slot(i);
        let watched = self.lines[slot].watched;
        let (values, traits) = self.values(exposure);
        self.lines[slot] = Line {
            watched,
            kind: self.kind(traits),
            ..values
        };
        self.unwatched = None;
    }

    fn kind(&mut self, traits: Traits) -> u32 {
        if let Some(id) = self.kind_ids.get(&traits) {
            return *id;
        }
        let id = self.kinds.len() as u32;
        self.kinds.push(traits);
        self.kind_ids.insert(traits, id);
        id
    }

    fn compile_line(&mut self, e: &Exposure) -> (Line, LineIds) {
        let id = |interner: &mut Interner, key: Option<&str>| key.map_or(NONE, |k| interner.id(k));
        let (values, traits) = self.values(e);
        let line = Line {
            kind: self.kind(traits),
            ..values
        };
        let ids = LineIds {
            group: id(
                &mut self.groups,
                e.group_id.as_deref().or(e.counterparty_id.as_deref()),
            ),
            guarantor_group: id(&mut self.groups, e.guarantor_group_id.as_deref()),
            watched_guarantor: NONE,
            country: id(&mut self.countries, e.country.as_deref()),
            counterparty: id(&mut self.counterparties, e.counterparty_id.as_deref()),
        };
        (line, ids)
    }

    /// The amounts (watched group and kind left at NONE) and the traits.
    fn values(&self, e: &Exposure) -> (Line, Traits) {
        let line_currency = e.currency.as_deref().unwrap_or(&self.reporting_currency);
        let collateral_currency = e.collateral_currency.as_deref().unwrap_or(line_currency);
        let line = Line {
            drawn: e.drawn.unwrap_or(0.0),
            undrawn: e.undrawn.unwrap_or(0.0),
            specific_provisions: e.specific_provisions.unwrap_or(0.0),
            collateral_value: e.collateral_value.unwrap_or(0.0),
            guaranteed_amount: e.guaranteed_amount.unwrap_or(0.0),
            ltv: e.ltv.unwrap_or(f64::NAN),
            property_value: e.property_value.unwrap_or(f64::NAN),
            watched: NONE,
            kind: NONE,
        };
        let traits = Traits {
            class: e.class,
            counterparty_type: e.counterparty_type,
            cqs: step(e.rating).or(e.cqs),
            issuer_cqs: step(e.issuer_rating),
            guarantor_cqs: step(e.guarantor_rating),
            scra_grade: e.scra_grade,
            issuer_scra_grade: e.issuer_scra_grade,
            sl_type: e.sl_type,
            retail_type: e.retail_type,
            other_type: e.other_type,
            re_type: e.re_type,
            off_balance_type: e.off_balance_type,
            collateral_type: e.collateral_type,
            guarantor_class: e.guarantor_class,
            short_term: e.short_term,
            sme: e.sme,
            investment_grade: e.investment_grade,
            mdb_qualifying: e.mdb_qualifying,
            re_criteria_met: e.re_criteria_met,
            defaulted: e.defaulted,
            currency_mismatch: e.currency_mismatch,
            collateral_fx: !collateral_currency.eq_ignore_ascii_case(line_currency),
            collateral_maturity: Maturity::of(e.collateral_residual_maturity_years),
        };
        (line, traits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compiled_line_is_small_and_keeps_what_the_rules_read() {
        assert_eq!(std::mem::size_of::<Line>(), 64, "one cache line");
        let mut data = DataSet {
            currency: Some("EUR".into()),
            ..DataSet::default()
        };
        let mut e = Exposure::new("L1", ExposureClass::Corporate, 10.0);
        e.rating = Rating::parse("Baa2").expect("rating");
        e.collateral_currency = Some("usd".into());
        e.currency = Some("USD".into());
        e.group_id = Some("G".into());
        e.counterparty_id = Some("C".into());
        data.exposures.push(e.clone());
        e.group_id = None;
        data.exposures.push(e);
        let p = Portfolio::compile(&data);
        assert_eq!(p.traits(p.line(0)).cqs, Cqs::new(3));
        assert!(
            !p.traits(p.line(0)).collateral_fx,
            "currencies compare case-insensitively"
        );
        assert_eq!(p.groups.name(p.line_ids(0).group), "G");
        assert_eq!(
            p.groups.name(p.line_ids(1).group),
            "C",
            "counterparty when no group"
        );
        assert_eq!(p.line_ids(0).country, NONE);
    }
}
