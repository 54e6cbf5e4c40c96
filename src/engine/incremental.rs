//! Incremental recomputation for the what-if editor (issue: "a lever that
//! scales a segment or changes a parameter updates the results without a
//! pass over all lines; a single-line edit costs O(1)").
//!
//! The engine keeps each line's contribution to the aggregates. An edit
//! takes the contributions of the lines it touches out and puts the new
//! ones in; levers that touch no line (capital actions, requirements and
//! buffers, LCR/NSFR items, non-credit parameters) only re-run the tail of
//! the computation. Parameters of the credit rules (risk weights, CCFs,
//! haircuts…) change every line's weight and rebuild the pass; that is the
//! documented fallback. Results equal a full computation of the data set
//! the edits make, to 1e-9 relative (tested).
//!
//! A lever scaling a whole exposure class (the dashboard's class sliders)
//! does not visit the class's lines: every figure moves by (factor − 1) ×
//! the class's sums, its groups one by one, and the factor waits on the
//! lines until an edit needs one of them. Real estate valued by its
//! property is linear only until its LTV crosses a band bound: the
//! `kinked` book weighs those lines band by band at the new scale, and the
//! `split` book the crr3 split loans on a property value on either side of
//! their secured caps. The crr3 SME supporting factor follows each
//! counterparty's total: the `sme` book moves the RWA of a counterparty's
//! SME lines by its new factor, and each line takes it when next read.

use super::aggregate::{self, CreditAggregates, GroupSums, Segment, line_factor};
use super::capital::TierSums;
use super::credit::{self, KindTable, Scaling};
use super::dataset::{DataSet, Exposure, ExposureClass};
use super::kinked::{Book, Entry, RwaFigures};
use super::large_exposures::GroupRanking;
use super::portfolio::{NONE, Portfolio};
use super::profile::Profile;
use super::results::{LineResult, Results};
use super::rules::Rules;
use super::scenario::{
    Edit, Filter, LineIndex, apply_edit_with, non_negative_factor, scale_collateral, scale_line,
    scale_undrawn, shift_line,
};
use super::sme::SmeBook;
use super::split::{self, SplitBook};
use super::{CreditPass, credit_pass, finish};
use rustc_hash::{FxHashMap, FxHashSet};

/// Parameter prefixes that only the tail of the computation reads.
const TAIL_PREFIXES: [&str; 6] = ["oprisk.", "req.", "mda.", "lcr.", "nsfr.", "le."];

pub struct IncrementalEngine {
    data: DataSet,
    portfolio: Portfolio,
    profile: Profile,
    rules: Rules,
    kinds: KindTable,
    /// Each line's outcome, factor and contribution; the figures are the
    /// segments' sums.
    pass: CreditPass,
    groups: GroupSums,
    ranking: GroupRanking,
    /// Kept across edits: `apply_edit` would index a million ids again
    /// for each `set_line`.
    line_index: LineIndex,
    /// The lines of each class, so a lever on a class reads only its lines.
    class_lines: Vec<Vec<usize>>,
    /// Each class's sums, for the class levers.
    segments: Vec<Segment>,
    /// Each class's amounts as a multiple of the data set's, the product of
    /// its levers, which the aggregates and segments have.
    scale: Vec<f64>,
    /// The class scale each line's amounts, outcome and contribution have:
    /// a line lacks `scale / scaled` (1 once settled).
    scaled: Vec<f64>,
    /// Each class's real-estate lines valued by their property.
    books: Vec<Book>,
    /// Each class's crr3 split loans on a property value.
    splits: Vec<SplitBook>,
    /// Each class's lines evaluated again at every class lever
    /// (`Scaling::Fragile`).
    fragile: Vec<FxHashSet<usize>>,
    /// crr3 SME supporting factor: each counterparty's SME sums and lines,
    /// so a change re-weights only that counterparty.
    sme: SmeBook,
    /// The capital tiers, which a capital action moves by its amount.
    capital: TierSums,
    results: Results,
}

impl IncrementalEngine {
    pub fn new(data: DataSet, profile: Profile) -> IncrementalEngine {
        let rules = Rules::from_profile(&profile);
        let portfolio = Portfolio::compile(&data);
        let kinds = KindTable::new(&rules, &portfolio);
        let pass = credit_pass(&portfolio, &kinds, &rules);
        let mut engine = IncrementalEngine {
            line_index: LineIndex::of(&data),
            class_lines: class_lines(&data),
            segments: Vec::new(),
            scale: vec![1.0; ExposureClass::ALL.len()],
            scaled: vec![1.0; data.exposures.len()],
            books: Vec::new(),
            splits: Vec::new(),
            fragile: Vec::new(),
            ranking: GroupRanking::default(),
            groups: GroupSums::default(),
            results: Results::default(),
            sme: SmeBook::new(),
            capital: TierSums::default(),
            data,
            portfolio,
            profile,
            rules,
            kinds,
            pass,
        };
        for item in &engine.data.capital {
            engine.capital.add(item);
        }
        engine.index_counterparties();
        engine.index_segments();
        engine.refinish();
        engine
    }

    pub fn results(&self) -> &Results {
        &self.results
    }

    /// The data set with every edit applied (class levers are applied to
    /// the lines first: O(lines) after one).
    pub fn data(&mut self) -> &DataSet {
        for i in 0..self.data.exposures.len() {
            self.settle(i);
        }
        &self.data
    }

    /// A group's large-exposure amount (§9, after exemptions) as the edits
    /// have it, listed or not; none for a group no line references.
    pub fn group_exposure(&self, group: &str) -> Option<f64> {
        let id = self.portfolio.groups.get(group)?;
        self.groups.amount(id).map(|a| a.max(0.0))
    }

    /// Every group above `amount`, the largest first.
    pub fn groups_above(&self, amount: f64) -> Vec<(String, f64)> {
        let mut above: Vec<(String, f64)> = self
            .groups
            .present()
            .into_iter()
            .filter(|(a, _)| *a > amount)
            .map(|(a, id)| (self.portfolio.groups.name(id).to_owned(), a))
            .collect();
        above.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        above
    }

    /// One exposure line as the edits have it: O(1).
    pub fn exposure(&self, id: &str) -> Option<Exposure> {
        let i = self.line_index.get(id)?;
        let mut line = self.data.exposures[i].clone();
        let lacks = self.lacks(i);
        if lacks != 1.0 {
            scale_line(&mut line, lacks);
        }
        Some(line)
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// One line's current result with the rule that set its weight: O(1).
    pub fn line(&self, id: &str) -> Option<LineResult> {
        let i = self.line_index.get(id)?;
        let line = &self.data.exposures[i];
        let factor = self.factor_now(i);
        let mut result = super::line_result(line, &self.pass.outcomes[i], factor, true);
        // A class lever the line still lacks scales E* and RWA, and the
        // weight of a line valued by its property only through its LTV.
        let lacks = self.lacks(i);
        if lacks != 1.0 {
            if matches!(
                self.pass.contributions[i].scaling,
                Scaling::Kinked | Scaling::Split
            ) {
                let compiled = self.portfolio.line(i).scaled(lacks);
                let outcome = credit::evaluate(&self.rules, self.kinds.of(&compiled), &compiled);
                result = super::line_result(line, &outcome, factor, true);
            } else {
                result.exposure *= lacks;
                result.rwa *= lacks;
            }
        }
        Some(result)
    }

    /// Applies one scenario edit and returns the updated results. A refused
    /// edit (unknown id, bad value) changes nothing.
    pub fn apply(&mut self, edit: &Edit) -> Result<&Results, String> {
        match edit {
            // Segment levers touch the segment's lines only (the class index
            // narrows the search when the filter names a class).
            Edit::ScaleExposures { filter, factor } => {
                non_negative_factor(*factor)?;
                match filter.class {
                    Some(class) if self.scales_whole_class(filter, *factor) => {
                        self.scale_class(class, *factor);
                    }
                    _ => {
                        let lines = self.segment(filter);
                        for &i in &lines {
                            self.settle(i);
                            scale_line(&mut self.data.exposures[i], *factor);
                        }
                        self.recompute_lines(&lines, true);
                    }
                }
            }
            Edit::ShiftRatings { filter, notches } => {
                self.edit_lines(filter, |line| shift_line(line, *notches));
            }
            Edit::ScaleUndrawn { filter, factor } => {
                non_negative_factor(*factor)?;
                self.edit_lines(filter, |line| scale_undrawn(line, *factor));
            }
            Edit::ScaleCollateral { filter, factor } => {
                non_negative_factor(*factor)?;
                self.edit_lines(filter, |line| scale_collateral(line, *factor));
            }
            Edit::SetLine { id, .. } => {
                let i = self
                    .line_index
                    .get(id)
                    .ok_or_else(|| format!("no exposure line has id \"{id}\""))?;
                self.settle(i);
                let class_before = self.data.exposures[i].class;
                self.apply_to_data(edit)?;
                // `set_line` cannot change an id, so the line index stays valid.
                let class_after = self.data.exposures[i].class;
                if class_after != class_before {
                    self.class_lines[class_before as usize].retain(|j| *j != i);
                    self.class_lines[class_after as usize].push(i);
                }
                self.recompute_lines(&[i], false);
            }
            Edit::SetParameter { key, .. } => {
                let rules_changed = self.apply_to_data(edit)?;
                if rules_changed && !TAIL_PREFIXES.iter().any(|p| key.starts_with(p)) {
                    for i in 0..self.data.exposures.len() {
                        self.settle(i);
                    }
                    self.rebuild();
                }
            }
            Edit::AddCapital { .. } => {
                self.apply_to_data(edit)?;
                if let Some(item) = self.data.capital.last() {
                    self.capital.add(item);
                }
            }
            _ => {
                self.apply_to_data(edit)?;
            }
        }
        self.refinish();
        Ok(&self.results)
    }

    /// Changes each line a filter selects, as it is now, and recomputes them.
    fn edit_lines(&mut self, filter: &Filter, change: impl Fn(&mut Exposure)) {
        let lines = self.segment(filter);
        for &i in &lines {
            self.settle(i);
            change(&mut self.data.exposures[i]);
        }
        self.recompute_lines(&lines, true);
    }

    /// The edit on the data set and profile; whether the profile changed.
    fn apply_to_data(&mut self, edit: &Edit) -> Result<bool, String> {
        let mut data = std::mem::take(&mut self.data);
        let mut profile = self.profile.clone();
        let applied = apply_edit_with(edit, &mut data, &mut profile, &mut self.line_index);
        self.data = data;
        applied?;
        let changed = profile != self.profile;
        self.profile = profile;
        Ok(changed)
    }

    /// The lines a filter selects, in data order.
    fn segment(&self, filter: &Filter) -> Vec<usize> {
        let selector = filter.selector();
        let matches = |i: &usize| selector.matches(&self.data.exposures[*i]);
        match (filter.class, &filter.ids) {
            (Some(class), _) => {
                let mut lines: Vec<usize> = self.class_lines[class as usize]
                    .iter()
                    .copied()
                    .filter(matches)
                    .collect();
                lines.sort_unstable();
                lines
            }
            (None, Some(ids)) => {
                let mut lines: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| self.line_index.get(id))
                    .filter(matches)
                    .collect();
                lines.sort_unstable();
                lines.dedup();
                lines
            }
            (None, None) => (0..self.data.exposures.len()).filter(matches).collect(),
        }
    }

    /// A class-only filter, a factor above 0 (0 empties parts and moves
    /// defaulted lines between rules) and no crr3 SME line in the class.
    fn scales_whole_class(&self, filter: &Filter, factor: f64) -> bool {
        let class_only = Filter {
            class: filter.class,
            ..Filter::default()
        };
        // The class's scale stays a normal number: levers by tiny factors
        // would otherwise reach 0 and leave lines lacking 0 / 0.
        let scale_kept = |c: ExposureClass| {
            let to = self.scale[c as usize] * factor;
            to.is_normal() && to < 1e300
        };
        *filter == class_only
            && factor > 0.0
            && filter
                .class
                .is_some_and(|c| self.segments[c as usize].unscalable == 0 && scale_kept(c))
    }

    /// O(the class's groups), and a few searches per band for its lines
    /// valued by their property: the lines wait for the factor.
    fn scale_class(&mut self, class: ExposureClass, factor: f64) {
        let c = class as usize;
        let from = self.scale[c];
        let to = from * factor;
        let before = self.kinked_figures(c, from);
        let ranking = &mut self.ranking;
        self.segments[c].scale(factor, &mut self.groups, |group, before, after| {
            ranking.update(group, before, after);
        });
        self.scale[c] = to;
        if let Some(before) = before {
            // The sums scaled these lines linearly; some changed band or
            // crossed their secured cap.
            let after = self.kinked_figures(c, to).unwrap_or_default();
            RwaFigures::correct(&before, &after, factor, &mut self.segments[c].sums);
        }
        if self.rules.sme_factor {
            // The sums scaled the SME lines at their counterparties' old
            // factors.
            self.sme
                .scale_class(c, factor, &self.rules, &mut self.segments);
        }
        let fragile: Vec<usize> = self.fragile[c].iter().copied().collect();
        if fragile.is_empty() {
            return;
        }
        // The sums hold these lines scaled linearly: take that out and put
        // their own results in.
        let mut groups = FxHashMap::default();
        for i in fragile {
            let linear = self.pass.contributions[i].scaled(self.lacks(i));
            self.settle(i);
            self.pass.contributions[i] = linear;
            let factor = self.pass.factors[i];
            self.replace_contribution(i, factor, &mut groups);
        }
        self.rerank(groups);
    }

    /// The RWA figures of the class's lines that scale linearly only
    /// piecewise, at class scale `scale`; None when it has none.
    fn kinked_figures(&self, c: usize, scale: f64) -> Option<RwaFigures> {
        let (book, splits) = (&self.books[c], &self.splits[c]);
        if book.is_empty() && splits.is_empty() {
            return None;
        }
        let mut figures = book.figures(&self.rules, &self.kinds, scale);
        let own = |i: usize, scale: f64| {
            let line = self.portfolio.line(i).scaled(scale / self.scaled[i]);
            let outcome = credit::evaluate(&self.rules, self.kinds.of(&line), &line);
            // No unsecured part.
            !outcome.parts.present[2]
        };
        splits.add_figures(&self.rules, &self.kinds, scale, own, &mut figures);
        Some(figures)
    }

    /// The factor line `i` lacks of its class's levers.
    fn lacks(&self, i: usize) -> f64 {
        let class = self.data.exposures[i].class as usize;
        self.scale[class] / self.scaled[i]
    }

    /// Applies to line `i` the class levers it lacks, and the SME factor
    /// its counterparty has since, so it can be edited or read on its own;
    /// the aggregates already have them.
    fn settle(&mut self, i: usize) {
        let lacks = self.lacks(i);
        if lacks == 1.0 && self.factor_now(i) == self.pass.factors[i] {
            return;
        }
        if lacks != 1.0 {
            scale_line(&mut self.data.exposures[i], lacks);
            self.scaled[i] = self.scale[self.data.exposures[i].class as usize];
            self.portfolio.refresh(i, &self.data.exposures[i]);
            self.kinds.extend(&self.rules, &self.portfolio);
            let line = self.portfolio.line(i);
            self.pass.outcomes[i] = credit::evaluate(&self.rules, self.kinds.of(line), line);
        }
        let factor = self.factor_of(i);
        let line = self.portfolio.line(i);
        self.pass.contributions[i] = aggregate::contribution(
            line,
            self.portfolio.line_ids(i),
            self.kinds.of(line),
            &self.pass.outcomes[i],
            factor,
            &self.rules,
        );
        self.pass.factors[i] = factor;
    }

    /// The SME factor the aggregates hold for line `i`: its counterparty's
    /// (which a class lever may have moved since the line was weighed),
    /// else the one it was weighed with.
    fn factor_now(&self, i: usize) -> f64 {
        let cp = self.portfolio.line_ids(i).counterparty;
        if self.rules.sme_factor && cp != NONE && self.kinds.of(self.portfolio.line(i)).sme_eligible
        {
            self.sme.factor(cp, &self.rules)
        } else {
            self.pass.factors[i]
        }
    }

    fn rebuild(&mut self) {
        self.rules = Rules::from_profile(&self.profile);
        self.kinds = KindTable::new(&self.rules, &self.portfolio);
        self.pass = credit_pass(&self.portfolio, &self.kinds, &self.rules);
        self.ranking = GroupRanking::default();
        self.index_counterparties();
        self.index_segments();
    }

    fn index_segments(&mut self) {
        self.segments = vec![Segment::default(); ExposureClass::ALL.len()];
        self.groups = GroupSums::default();
        for c in &self.pass.contributions {
            self.segments[usize::from(c.segment)].apply(c, 1.0);
            self.groups.apply(c, 1.0);
        }
        self.books = vec![Book::default(); ExposureClass::ALL.len()];
        self.splits = vec![SplitBook::default(); ExposureClass::ALL.len()];
        self.fragile = vec![FxHashSet::default(); ExposureClass::ALL.len()];
        for i in 0..self.pass.contributions.len() {
            self.book(i);
        }
        for book in &mut self.books {
            book.sort();
        }
        for book in &mut self.splits {
            book.sort();
        }
    }

    fn refinish(&mut self) {
        // The figures are the classes' sums added up: a class scaled close
        // to 0 then holds close to 0, where the global sums would keep the
        // rounding of every lever that moved it.
        let mut totals = CreditAggregates::default();
        for segment in &self.segments {
            totals.add_segment(segment);
        }
        let ranking = &mut self.ranking;
        let names = &self.portfolio.groups;
        let profile = &self.profile;
        let groups = &self.groups;
        self.results = finish(
            &self.data,
            self.capital.results(),
            profile,
            &totals,
            &self.portfolio.countries,
            |tier1| ranking.list(&groups.amounts, &groups.refs, names, tier1, profile),
        );
    }

    fn index_counterparties(&mut self) {
        self.sme = SmeBook::new();
        if !self.rules.sme_factor {
            return;
        }
        self.sme.reserve(self.portfolio.counterparties.len());
        for i in 0..self.portfolio.len() {
            let counterparty = self.portfolio.line_ids(i).counterparty;
            if counterparty == NONE {
                continue;
            }
            self.sme.lines[counterparty as usize].push(i);
            let kind = self.kinds.of(self.portfolio.line(i));
            if kind.sme_eligible {
                let class = kind.traits.class as usize;
                self.sme
                    .add(counterparty, class, &self.pass.outcomes[i], 1.0);
            }
        }
    }

    /// Brings every line of the counterparty but the edited ones (sorted,
    /// already settled, their data changed) to the SME factor the
    /// aggregates hold, before an edit moves its total.
    fn settle_counterparty(&mut self, counterparty: u32, edited: &[usize]) {
        let members = std::mem::take(&mut self.sme.lines[counterparty as usize]);
        for &j in &members {
            if edited.binary_search(&j).is_err() {
                self.settle(j);
            }
        }
        self.sme.lines[counterparty as usize] = members;
    }

    /// Takes the lines' contributions out, re-evaluates them, puts them back.
    /// `ids_kept`: the edit changed no id (group, country, counterparty).
    fn recompute_lines(&mut self, lines: &[usize], ids_kept: bool) {
        debug_assert!(lines.is_sorted());
        // The counterparties whose SME total the edit moves: their lines are
        // brought to the factor the aggregates hold before it moves, and
        // take the new one at the end.
        let mut affected: FxHashSet<u32> = FxHashSet::default();
        // Each touched group's amount before the edit.
        let mut groups: FxHashMap<u32, Option<f64>> = FxHashMap::default();
        let sme = self.rules.sme_factor;
        for &i in lines {
            let old = *self.portfolio.line(i);
            let old_ids = *self.portfolio.line_ids(i);
            if sme && old_ids.counterparty != NONE && affected.insert(old_ids.counterparty) {
                self.settle_counterparty(old_ids.counterparty, lines);
            }
            if ids_kept {
                self.portfolio.refresh(i, &self.data.exposures[i]);
            } else {
                self.portfolio.recompile(i, &self.data.exposures[i]);
            }
            let line = *self.portfolio.line(i);
            let ids = *self.portfolio.line_ids(i);
            self.kinds.extend(&self.rules, &self.portfolio);
            let outcome = credit::evaluate(&self.rules, self.kinds.of(&line), &line);
            if sme {
                self.sme.reserve(self.portfolio.counterparties.len());
                let (before, after) = (old_ids.counterparty, ids.counterparty);
                if after != NONE && affected.insert(after) {
                    self.settle_counterparty(after, lines);
                }
                if before != NONE {
                    let kind = self.kinds.of(&old);
                    if kind.sme_eligible {
                        let class = kind.traits.class as usize;
                        self.sme.add(before, class, &self.pass.outcomes[i], -1.0);
                    }
                    if before != after {
                        self.sme.lines[before as usize].retain(|j| *j != i);
                    }
                }
                if after != NONE {
                    let kind = self.kinds.of(&line);
                    if kind.sme_eligible {
                        self.sme
                            .add(after, kind.traits.class as usize, &outcome, 1.0);
                    }
                    if before != after {
                        self.sme.lines[after as usize].push(i);
                    }
                }
            }
            self.pass.outcomes[i] = outcome;
            let factor = self.factor_of(i);
            self.replace_contribution(i, factor, &mut groups);
        }
        // The lines of the same counterparties take the new factor.
        for cp in affected {
            let members = std::mem::take(&mut self.sme.lines[cp as usize]);
            for &j in &members {
                let factor = self.factor_of(j);
                if factor != self.pass.factors[j] {
                    self.replace_contribution(j, factor, &mut groups);
                }
            }
            self.sme.lines[cp as usize] = members;
        }
        self.rerank(groups);
        self.resum_whole_classes(lines);
    }

    /// Sums again, from its lines, each class the edit went through whole:
    /// its sums carry the rounding of every lever that scaled them, and
    /// lines taken out one by one would leave it where the answer is 0
    /// (a class scaled by 0 after a lever).
    fn resum_whole_classes(&mut self, lines: &[usize]) {
        let mut touched = vec![0usize; ExposureClass::ALL.len()];
        for &i in lines {
            touched[self.data.exposures[i].class as usize] += 1;
        }
        for (c, n) in touched.into_iter().enumerate() {
            if n == 0 || n != self.class_lines[c].len() {
                continue;
            }
            let mut segment = Segment::default();
            for &i in &self.class_lines[c] {
                segment.apply(&self.pass.contributions[i], 1.0);
            }
            self.segments[c] = segment;
        }
    }

    fn rerank(&mut self, groups: FxHashMap<u32, Option<f64>>) {
        for (group, before) in groups {
            let after = self.groups.amount(group);
            self.ranking.update(group, before, after);
        }
    }

    /// Line `i`'s SME factor from its counterparty's total as the book
    /// has it now, or from its own E.
    fn factor_of(&self, i: usize) -> f64 {
        let line = self.portfolio.line(i);
        let ids = self.portfolio.line_ids(i);
        let kind = self.kinds.of(line);
        if self.rules.sme_factor && kind.sme_eligible && ids.counterparty != NONE {
            self.sme.factor(ids.counterparty, &self.rules)
        } else {
            line_factor(kind, ids, self.pass.outcomes[i].exposure, &[], &self.rules)
        }
    }

    fn replace_contribution(
        &mut self,
        i: usize,
        factor: f64,
        groups: &mut FxHashMap<u32, Option<f64>>,
    ) {
        let old = std::mem::take(&mut self.pass.contributions[i]);
        self.books[usize::from(old.segment)].remove(i);
        self.splits[usize::from(old.segment)].remove(i);
        self.fragile[usize::from(old.segment)].remove(&i);
        for (group, _) in &old.large[..usize::from(old.large_count)] {
            let before = self.groups.amount(*group);
            groups.entry(*group).or_insert(before);
        }
        self.groups.apply(&old, -1.0);
        self.segments[usize::from(old.segment)].apply(&old, -1.0);
        let line = self.portfolio.line(i);
        let new = aggregate::contribution(
            line,
            self.portfolio.line_ids(i),
            self.kinds.of(line),
            &self.pass.outcomes[i],
            factor,
            &self.rules,
        );
        for (group, _) in &new.large[..usize::from(new.large_count)] {
            let before = self.groups.amount(*group);
            groups.entry(*group).or_insert(before);
        }
        self.groups.apply(&new, 1.0);
        self.segments[usize::from(new.segment)].apply(&new, 1.0);
        // The line is now as its class's levers make it.
        self.scaled[i] = self.scale[usize::from(new.segment)];
        self.pass.factors[i] = factor;
        self.pass.contributions[i] = new;
        self.book(i);
    }

    /// Puts line `i` in its class's book if it is valued by its property
    /// or split on it, among its class's fragile lines if it is one.
    fn book(&mut self, i: usize) {
        let c = &self.pass.contributions[i];
        let segment = usize::from(c.segment);
        let line = self.portfolio.line(i);
        let outcome = &self.pass.outcomes[i];
        match c.scaling {
            Scaling::Fragile => {
                self.fragile[segment].insert(i);
            }
            Scaling::Kinked => {
                let entry = Entry::of(line, outcome, self.scaled[i]);
                self.books[segment].add(i, line, entry);
            }
            Scaling::Split => {
                let cap = credit::secured_amount(&self.rules, line);
                let entry = split::Entry::of(i, line, outcome, cap, self.scaled[i]);
                self.splits[segment].add(i, line, entry);
            }
            Scaling::Linear | Scaling::Unscalable => {}
        }
    }
}

fn class_lines(data: &DataSet) -> Vec<Vec<usize>> {
    let mut lines = vec![Vec::new(); ExposureClass::ALL.len()];
    for (i, line) in data.exposures.iter().enumerate() {
        lines[line.class as usize].push(i);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::{Scenario, apply_edit};
    use crate::engine::{ComputeOptions, compute};
    use crate::samples::generate;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Every number equal to 1e-9 relative, every other value identical.
    fn assert_same(a: &Value, b: &Value, path: &str) {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                assert!(
                    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                    "{path}: {x} vs {y}"
                );
            }
            (Value::Object(x), Value::Object(y)) => {
                assert_eq!(
                    x.keys().collect::<Vec<_>>(),
                    y.keys().collect::<Vec<_>>(),
                    "{path}"
                );
                for (k, v) in x {
                    assert_same(v, &y[k], &format!("{path}.{k}"));
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{path} length");
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    assert_same(v, w, &format!("{path}[{i}]"));
                }
            }
            _ => assert_eq!(a, b, "{path}"),
        }
    }

    /// The same edits applied to a plain copy of the data set, computed in
    /// full: what the engine must equal without settling its pending
    /// class factors.
    struct Mirror {
        data: DataSet,
        profile: Profile,
    }

    impl Mirror {
        fn new(engine: &mut IncrementalEngine) -> Mirror {
            Mirror {
                data: engine.data().clone(),
                profile: engine.profile().clone(),
            }
        }

        fn apply(&mut self, edit: &Edit) {
            apply_edit(edit, &mut self.data, &mut self.profile).expect("mirror applies");
        }
    }

    fn check(engine: &IncrementalEngine, mirror: &Mirror) {
        let full = compute(&mirror.data, &mirror.profile, &ComputeOptions::default());
        let a = serde_json::to_value(engine.results()).expect("json");
        let b = serde_json::to_value(&full).expect("json");
        assert_same(&a, &b, "results");
    }

    /// Every line's result and amounts read from the engine equal the
    /// mirror's, and so does the whole data set once settled.
    fn check_lines(engine: &mut IncrementalEngine, mirror: &Mirror) {
        let options = ComputeOptions {
            lines: true,
            explain: true,
        };
        let full = compute(&mirror.data, &mirror.profile, &options);
        for expected in full.lines.expect("lines") {
            let got = engine.line(&expected.id).expect("line");
            let a = serde_json::to_value(&got).expect("json");
            let b = serde_json::to_value(&expected).expect("json");
            assert_same(&a, &b, &expected.id);
        }
        for line in &mirror.data.exposures {
            let got = serde_json::to_value(engine.exposure(&line.id)).expect("json");
            let want = serde_json::to_value(line).expect("json");
            assert_same(&got, &want, &line.id);
        }
        let settled = serde_json::to_value(engine.data()).expect("json");
        assert_same(
            &settled,
            &serde_json::to_value(&mirror.data).expect("json"),
            "data",
        );
    }

    const EDITS: &str = r#"{"edits": [
        {"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": -5.0e7},
        {"op": "set_requirement", "key": "p2r", "value": 0.03},
        {"op": "set_requirement", "key": "ccyb_rates.DE", "value": 0.02},
        {"op": "scale_items", "section": "lcr.outflows", "category": "retail_stable", "factor": 1.4},
        {"op": "set_parameter", "key": "lcr.inflow_cap", "value": 0.5},
        {"op": "scale_exposures", "filter": {"class": "corporate", "country": "FR"}, "factor": 1.3},
        {"op": "scale_exposures", "filter": {"class": "retail"}, "factor": 0.0},
        {"op": "shift_ratings", "filter": {"class": "bank"}, "notches": 2},
        {"op": "set_line", "id": "L-0000010", "field": "drawn", "value": 12345678},
        {"op": "set_line", "id": "L-0000011", "field": "group_id", "value": "GRP-ATLAS"},
        {"op": "set_line", "id": "L-0000012", "field": "defaulted", "value": true},
        {"op": "set_line", "id": "L-0000013", "field": "sme", "value": true},
        {"op": "set_line", "id": "L-0000014", "field": "class", "value": "equity"},
        {"op": "scale_exposures", "filter": {"class": "equity"}, "factor": 1.5},
        {"op": "scale_exposures", "filter": {"class": "corporate"}, "factor": 1.2},
        {"op": "scale_exposures", "filter": {"class": "bank"}, "factor": 0.7},
        {"op": "scale_exposures", "filter": {"class": "real_estate"}, "factor": 1.1},
        {"op": "set_line", "id": "L-0000020", "field": "undrawn", "value": 5000},
        {"op": "scale_exposures", "filter": {"class": "corporate"}, "factor": 0.5},
        {"op": "set_line", "id": "L-LE00", "field": "class", "value": "bank"},
        {"op": "scale_exposures", "filter": {"class": "bank"}, "factor": 3.0},
        {"op": "shift_ratings", "filter": {"ids": ["L-0000014", "L-0000015", "nope"]}, "notches": -1},
        {"op": "set_parameter", "key": "rw.corporate.cqs3", "value": 1.0},
        {"op": "scale_exposures", "filter": {"ids": ["L-LE00", "L-LE01"]}, "factor": 2.0}
    ]}"#;

    #[test]
    fn every_edit_gives_the_full_computation_figures() {
        for profile in ["basel31", "crr3"] {
            let data = generate(3_000, 11);
            let mut engine =
                IncrementalEngine::new(data, Profile::named(profile).expect("profile"));
            let mut mirror = Mirror::new(&mut engine);
            check(&engine, &mirror);
            let scenario = Scenario::from_json_str(EDITS).expect("edits");
            for edit in &scenario.edits {
                engine.apply(edit).expect("edit applies");
                mirror.apply(edit);
                check(&engine, &mirror);
            }
            check_lines(&mut engine, &mirror);
        }
    }

    #[test]
    fn a_class_lever_waits_on_the_lines_and_moves_the_figures() {
        let mut engine = IncrementalEngine::new(
            generate(2_000, 7),
            Profile::named("basel31").expect("profile"),
        );
        let mut mirror = Mirror::new(&mut engine);
        let corporate = |factor: f64| Edit::ScaleExposures {
            filter: Filter {
                class: Some(ExposureClass::Corporate),
                ..Filter::default()
            },
            factor,
        };
        for factor in [1.25, 0.5, 3.0] {
            engine.apply(&corporate(factor)).expect("applies");
            mirror.apply(&corporate(factor));
            check(&engine, &mirror);
        }
        let i = engine.line_index.get("L-LE00").expect("line");
        assert!(
            (engine.lacks(i) - 1.875).abs() < 1e-12,
            "the lines still wait for 1.25 × 0.5 × 3"
        );
        check_lines(&mut engine, &mirror);
        assert_eq!(engine.lacks(i), 1.0, "reading the data set settles them");
        // Scaled by 0 after the levers, the class holds exactly nothing.
        engine.apply(&corporate(0.0)).expect("applies");
        mirror.apply(&corporate(0.0));
        check(&engine, &mirror);
        let class = &engine.results().rwa.by_class["corporate"];
        assert_eq!((class.exposure, class.rwa), (0.0, 0.0));
    }

    #[test]
    fn real_estate_scales_between_kinks_and_crr3_sme_lines_by_counterparty() {
        let data = generate(2_000, 7);
        let basel =
            IncrementalEngine::new(data.clone(), Profile::named("basel31").expect("profile"));
        let crr3 = IncrementalEngine::new(data, Profile::named("crr3").expect("profile"));
        let unscalable =
            |e: &IncrementalEngine, class: ExposureClass| e.segments[class as usize].unscalable;
        let kinks =
            |e: &IncrementalEngine, class: ExposureClass| !e.books[class as usize].is_empty();
        assert_eq!(unscalable(&basel, ExposureClass::RealEstate), 0);
        assert!(
            kinks(&basel, ExposureClass::RealEstate),
            "properties valued, not scaled"
        );
        assert!(!kinks(&basel, ExposureClass::Corporate));
        assert_eq!(unscalable(&crr3, ExposureClass::RealEstate), 0);
        assert!(
            !crr3.splits[ExposureClass::RealEstate as usize].is_empty(),
            "loan splitting on a property value"
        );
        assert!(basel.splits[ExposureClass::RealEstate as usize].is_empty());
        assert_eq!(
            unscalable(&crr3, ExposureClass::Corporate),
            0,
            "SME lines scale with their counterparty's factor"
        );
        assert!(!crr3.sme.is_empty(ExposureClass::Corporate));
        assert!(basel.sme.is_empty(ExposureClass::Corporate));
        assert_eq!(unscalable(&crr3, ExposureClass::Bank), 0);
    }

    #[test]
    fn a_real_estate_lever_recomputes_the_lines_whose_band_changes() {
        for profile in ["basel31", "crr3"] {
            let mut engine = IncrementalEngine::new(
                generate(3_000, 13),
                Profile::named(profile).expect("profile"),
            );
            let mut mirror = Mirror::new(&mut engine);
            let real_estate = |factor: f64| Edit::ScaleExposures {
                filter: Filter {
                    class: Some(ExposureClass::RealEstate),
                    ..Filter::default()
                },
                factor,
            };
            let before: Vec<Option<LineResult>> = mirror
                .data
                .exposures
                .iter()
                .map(|l| engine.line(&l.id))
                .collect();
            for factor in [1.3, 0.6, 1.05, 2.0, 0.25] {
                engine.apply(&real_estate(factor)).expect("applies");
                mirror.apply(&real_estate(factor));
                check(&engine, &mirror);
            }
            let moved = mirror
                .data
                .exposures
                .iter()
                .zip(&before)
                .filter(|(l, b)| {
                    let now = engine.line(&l.id);
                    now.as_ref().map(|n| &n.rule) != b.as_ref().map(|b| &b.rule)
                })
                .count();
            assert!(moved > 0, "{profile}: some lines changed band on the way");
            check_lines(&mut engine, &mirror);
        }
    }

    fn class_lever(class: ExposureClass, factor: f64) -> Edit {
        Edit::ScaleExposures {
            filter: Filter {
                class: Some(class),
                ..Filter::default()
            },
            factor,
        }
    }

    /// The engine's figures equal a full computation of its own data set
    /// (the lines settled): nothing it holds drifts from its lines.
    fn check_settled(engine: &mut IncrementalEngine) {
        let profile = engine.profile().clone();
        let full = compute(engine.data(), &profile, &ComputeOptions::default());
        let a = serde_json::to_value(engine.results()).expect("json");
        let b = serde_json::to_value(&full).expect("json");
        assert_same(&a, &b, "results");
    }

    #[test]
    fn lines_on_a_band_bound_or_the_provisions_threshold_follow_their_own_amounts() {
        let mut data = generate(500, 21);
        // LTV 75 %, then exactly 60 % (the top of a band) after × 0.8.
        let mut mortgage = Exposure::new("EDGE-RRE", ExposureClass::RealEstate, 60_000.0);
        mortgage.re_type = Some(crate::engine::dataset::ReType::Rre);
        mortgage.property_value = Some(80_000.0);
        // Provisions exactly 20 % of drawn: the defaulted rule's threshold.
        let mut defaulted = Exposure::new("EDGE-DEF", ExposureClass::Corporate, 1_000.0);
        defaulted.defaulted = true;
        defaulted.specific_provisions = Some(200.0);
        data.exposures.extend([mortgage, defaulted]);
        let mut engine = IncrementalEngine::new(data, Profile::named("basel31").expect("profile"));
        let mut mirror = Mirror::new(&mut engine);
        let edits = [
            class_lever(ExposureClass::RealEstate, 0.8),
            class_lever(ExposureClass::Corporate, 0.57),
            class_lever(ExposureClass::Corporate, 1.3),
            class_lever(ExposureClass::RealEstate, 1.25),
            class_lever(ExposureClass::RealEstate, 0.8),
        ];
        for edit in &edits {
            engine.apply(edit).expect("applies");
            mirror.apply(edit);
            check(&engine, &mirror);
        }
        let rule = |e: &IncrementalEngine| e.line("EDGE-RRE").expect("line").rule;
        assert_eq!(
            rule(&engine),
            compute(
                &mirror.data,
                &mirror.profile,
                &ComputeOptions {
                    lines: true,
                    explain: true
                }
            )
            .lines
            .expect("lines")
            .into_iter()
            .find(|l| l.id == "EDGE-RRE")
            .expect("line")
            .rule,
            "the ≤ 60 % band"
        );
        // An edit of the line afterwards takes out what the figures hold.
        let edit = Edit::SetLine {
            id: "EDGE-RRE".into(),
            field: "ltv".into(),
            value: 0.5.into(),
        };
        engine.apply(&edit).expect("applies");
        mirror.apply(&edit);
        check(&engine, &mirror);
        check_settled(&mut engine);
    }

    #[test]
    fn crr3_split_loans_at_their_cap_and_sme_counterparties_over_the_threshold() {
        let mut data = generate(600, 23);
        // Secured caps of 0.55 × the property value, reached at × 1.1 (the
        // first two exactly as the lines compute it), × 2 and never.
        for (k, (drawn, value)) in [
            (100.0, 200.0),
            (1_000.0, 2_000.0),
            (55.0, 200.0),
            (3e5, 1e5),
        ]
        .into_iter()
        .enumerate()
        {
            let mut loan =
                Exposure::new(format!("EDGE-SPLIT-{k}"), ExposureClass::RealEstate, drawn);
            loan.re_type = Some(crate::engine::dataset::ReType::Rre);
            loan.re_criteria_met = true;
            loan.property_value = Some(value);
            data.exposures.push(loan);
        }
        // One SME counterparty at 2.4 m: × 1.1 takes it over the 2.5 m
        // threshold of its supporting factor, through both classes.
        for (k, class) in [ExposureClass::Corporate, ExposureClass::Retail]
            .into_iter()
            .enumerate()
        {
            let mut line = Exposure::new(format!("EDGE-SME-{k}"), class, 1.2e6);
            line.sme = true;
            line.counterparty_id = Some("CP-EDGE".into());
            data.exposures.push(line);
        }
        let mut engine = IncrementalEngine::new(data, Profile::named("crr3").expect("profile"));
        assert!(!engine.splits[ExposureClass::RealEstate as usize].is_empty());
        let mut mirror = Mirror::new(&mut engine);
        let edits = [
            class_lever(ExposureClass::RealEstate, 1.1),
            class_lever(ExposureClass::Corporate, 1.1),
            class_lever(ExposureClass::RealEstate, 1.0 / 1.1),
            class_lever(ExposureClass::Retail, 1.3),
            class_lever(ExposureClass::RealEstate, 2.0),
            Edit::SetLine {
                id: "EDGE-SME-0".into(),
                field: "drawn".into(),
                value: 2e6.into(),
            },
            class_lever(ExposureClass::Corporate, 0.5),
            Edit::SetLine {
                id: "EDGE-SPLIT-0".into(),
                field: "property_value".into(),
                value: 1e3.into(),
            },
            class_lever(ExposureClass::RealEstate, 0.7),
        ];
        for edit in &edits {
            engine.apply(edit).expect("applies");
            mirror.apply(edit);
            check(&engine, &mirror);
        }
        check_lines(&mut engine, &mirror);
    }

    #[test]
    fn a_split_loan_at_its_cap_after_a_lever_has_no_unsecured_part() {
        // Alone in the book, so its unsecured part is the only line in its
        // bucket: the 75 % bucket shows whether the lever left one.
        let mut data = generate(40, 3);
        data.exposures.clear();
        for (k, (drawn, value)) in [(100.0, 200.0), (1_000.0, 2_000.0), (1e4, 2e4)]
            .into_iter()
            .enumerate()
        {
            let mut loan =
                Exposure::new(format!("EDGE-SPLIT-{k}"), ExposureClass::RealEstate, drawn);
            loan.re_type = Some(crate::engine::dataset::ReType::Rre);
            loan.counterparty_type = Some(crate::engine::dataset::CounterpartyType::Individual);
            loan.property_value = Some(value);
            data.exposures.push(loan);
        }
        let mut engine = IncrementalEngine::new(data, Profile::named("crr3").expect("profile"));
        // Each lever from lines as they stand: a class's levers compound
        // into one factor, which rounds apart from the lines scaled lever by
        // lever, and at a cap the rounding decides whether a part exists.
        for factor in [1.1, 1.0 / 1.1, 1.1, 1.05] {
            check_settled(&mut engine);
            engine
                .apply(&class_lever(ExposureClass::RealEstate, factor))
                .expect("applies");
            check_settled(&mut engine);
        }
    }

    #[test]
    fn a_lever_that_would_take_a_class_scale_to_zero_goes_line_by_line() {
        let mut engine = IncrementalEngine::new(
            generate(500, 21),
            Profile::named("basel31").expect("profile"),
        );
        let mut mirror = Mirror::new(&mut engine);
        let tiny = class_lever(ExposureClass::RealEstate, 1e-200);
        let edit = Edit::SetLine {
            id: "L-0000003".into(),
            field: "drawn".into(),
            value: 1_000.0.into(),
        };
        for edit in [&tiny, &tiny, &edit] {
            engine.apply(edit).expect("applies");
            mirror.apply(edit);
            check(&engine, &mirror);
        }
        assert!(engine.scale.iter().all(|s| s.is_normal()));
        check_lines(&mut engine, &mirror);
    }

    #[test]
    fn a_refused_edit_changes_nothing() {
        let mut engine = IncrementalEngine::new(
            generate(200, 3),
            Profile::named("basel31").expect("profile"),
        );
        let before = engine.results().clone();
        let scenario = Scenario::from_json_str(
            r#"{"edits": [{"op": "set_line", "id": "L-0000001", "field": "drawn", "value": -3},
                          {"op": "set_line", "id": "nope", "field": "drawn", "value": 3}]}"#,
        )
        .expect("edits");
        for edit in &scenario.edits {
            assert!(engine.apply(edit).is_err());
            assert_eq!(engine.results(), &before);
        }
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let ids = (0..300usize).prop_map(|i| format!("L-{i:07}"));
        prop_oneof![
            (-1e8..1e8f64).prop_map(|amount| Edit::AddCapital {
                tier: crate::engine::dataset::Tier::Cet1,
                label: String::new(),
                amount
            }),
            (ids.clone(), 0.0..5e7f64).prop_map(|(id, v)| Edit::SetLine {
                id,
                field: "drawn".into(),
                value: v.into()
            }),
            (ids.clone(), 0.0..1.5f64).prop_map(|(id, v)| Edit::SetLine {
                id,
                field: "ltv".into(),
                value: v.into()
            }),
            (ids.clone(), any::<bool>()).prop_map(|(id, v)| Edit::SetLine {
                id,
                field: "sme".into(),
                value: v.into()
            }),
            (ids.clone(), 0..300usize).prop_map(|(id, other)| Edit::SetLine {
                id,
                field: "counterparty_id".into(),
                value: format!("CP-{other:06}").into()
            }),
            (ids, 1e4..5e7f64).prop_map(|(id, v)| Edit::SetLine {
                id,
                field: "property_value".into(),
                value: v.into()
            }),
            (
                proptest::sample::select(vec!["FR", "DE", "NL"]),
                0.0..3.0f64
            )
                .prop_map(|(c, factor)| Edit::ScaleExposures {
                    filter: crate::engine::scenario::Filter {
                        country: Some(c.into()),
                        ..Default::default()
                    },
                    factor,
                }),
            (-3..4i32).prop_map(|notches| Edit::ShiftRatings {
                filter: Default::default(),
                notches
            }),
            (
                proptest::sample::select(vec![ExposureClass::Corporate, ExposureClass::Retail]),
                0.0..3.0f64
            )
                .prop_map(|(class, factor)| Edit::ScaleCollateral {
                    filter: Filter {
                        class: Some(class),
                        ..Filter::default()
                    },
                    factor,
                }),
            (0.0..2.0f64).prop_map(|factor| Edit::ScaleUndrawn {
                filter: Filter {
                    off_balance_type: Some(
                        crate::engine::dataset::OffBalanceType::UnconditionallyCancellable
                    ),
                    ..Filter::default()
                },
                factor,
            }),
            (
                proptest::sample::select(vec![
                    ExposureClass::Corporate,
                    ExposureClass::Retail,
                    ExposureClass::RealEstate,
                    ExposureClass::Bank,
                ]),
                prop_oneof![Just(0.0), Just(1.0), 0.0..3.0f64]
            )
                .prop_map(|(class, factor)| Edit::ScaleExposures {
                    filter: Filter {
                        class: Some(class),
                        ..Filter::default()
                    },
                    factor,
                }),
            (
                proptest::sample::select(vec![ExposureClass::Corporate, ExposureClass::Retail]),
                -2..3i32
            )
                .prop_map(|(class, notches)| Edit::ShiftRatings {
                    filter: Filter {
                        class: Some(class),
                        ..Filter::default()
                    },
                    notches
                }),
            (0.0..0.05f64).prop_map(|v| Edit::SetRequirement {
                key: "p2r".into(),
                value: v.into()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn incremental_equals_full(edits in proptest::collection::vec(edit(), 1..8), crr3 in any::<bool>()) {
            let profile = Profile::named(if crr3 { "crr3" } else { "basel31" }).expect("profile");
            let mut engine = IncrementalEngine::new(generate(300, 5), profile);
            let mut mirror = Mirror::new(&mut engine);
            for edit in &edits {
                engine.apply(edit).expect("generated edits are valid");
                mirror.apply(edit);
                check(&engine, &mirror);
            }
            check_lines(&mut engine, &mirror);
        }
    }
}
