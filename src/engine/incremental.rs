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
//! documented fallback. Results always equal a full computation (tested).

use super::aggregate::{self, line_factor, sme_eligible};
use super::credit::{self, KindTable};
use super::dataset::DataSet;
use super::dataset::ExposureClass;
use super::large_exposures::GroupRanking;
use super::portfolio::{NONE, Portfolio};
use super::profile::Profile;
use super::results::{LineResult, Results};
use super::rules::Rules;
use super::scenario::{Edit, Filter, apply_edit, non_negative_factor, scale_line, shift_line};
use super::sum::Sum;
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
    pass: CreditPass,
    ranking: GroupRanking,
    line_index: FxHashMap<String, usize>,
    /// The lines of each class, so a lever on a class reads only its lines.
    class_lines: Vec<Vec<usize>>,
    /// crr3 SME supporting factor: E of each counterparty's SME lines, and
    /// its lines, by counterparty id, so a change re-weights only that
    /// counterparty.
    sme_totals: Vec<Sum>,
    counterparty_lines: Vec<Vec<usize>>,
    results: Results,
}

impl IncrementalEngine {
    pub fn new(data: DataSet, profile: Profile) -> IncrementalEngine {
        let rules = Rules::from_profile(&profile);
        let portfolio = Portfolio::compile(&data);
        let kinds = KindTable::new(&rules, &portfolio);
        let pass = credit_pass(&portfolio, &kinds, &rules);
        let mut engine = IncrementalEngine {
            line_index: data
                .exposures
                .iter()
                .enumerate()
                .map(|(i, l)| (l.id.clone(), i))
                .collect(),
            class_lines: class_lines(&data),
            ranking: GroupRanking::new(&pass.aggregates.groups, &pass.aggregates.group_refs),
            results: Results::default(),
            sme_totals: Vec::new(),
            counterparty_lines: Vec::new(),
            data,
            portfolio,
            profile,
            rules,
            kinds,
            pass,
        };
        engine.index_counterparties();
        engine.refinish();
        engine
    }

    pub fn results(&self) -> &Results {
        &self.results
    }

    pub fn data(&self) -> &DataSet {
        &self.data
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// One line's current result with the rule that set its weight: O(1).
    pub fn line(&self, id: &str) -> Option<LineResult> {
        let i = *self.line_index.get(id)?;
        Some(super::line_result(
            &self.data.exposures[i],
            &self.pass.outcomes[i],
            self.pass.factors[i],
            true,
        ))
    }

    /// Applies one scenario edit and returns the updated results. A refused
    /// edit (unknown id, bad value) changes nothing.
    pub fn apply(&mut self, edit: &Edit) -> Result<&Results, String> {
        match edit {
            // Segment levers touch the segment's lines only (the class index
            // narrows the search when the filter names a class).
            Edit::ScaleExposures { filter, factor } => {
                non_negative_factor(*factor)?;
                let lines = self.segment(filter);
                for &i in &lines {
                    scale_line(&mut self.data.exposures[i], *factor);
                }
                self.recompute_lines(&lines, true);
            }
            Edit::ShiftRatings { filter, notches } => {
                let lines = self.segment(filter);
                for &i in &lines {
                    shift_line(&mut self.data.exposures[i], *notches);
                }
                self.recompute_lines(&lines, true);
            }
            Edit::SetLine { id, .. } => {
                let i = *self
                    .line_index
                    .get(id)
                    .ok_or_else(|| format!("no exposure line has id \"{id}\""))?;
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
                    self.rebuild();
                }
            }
            _ => {
                self.apply_to_data(edit)?;
            }
        }
        self.refinish();
        Ok(&self.results)
    }

    /// The edit on the data set and profile; whether the profile changed.
    fn apply_to_data(&mut self, edit: &Edit) -> Result<bool, String> {
        let mut data = std::mem::take(&mut self.data);
        let mut profile = self.profile.clone();
        let applied = apply_edit(edit, &mut data, &mut profile);
        self.data = data;
        applied?;
        let changed = profile != self.profile;
        self.profile = profile;
        Ok(changed)
    }

    /// The lines a filter selects, in data order.
    fn segment(&self, filter: &Filter) -> Vec<usize> {
        let matches = |i: &usize| filter.matches(&self.data.exposures[*i]);
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
                    .filter_map(|id| self.line_index.get(id).copied())
                    .filter(matches)
                    .collect();
                lines.sort_unstable();
                lines.dedup();
                lines
            }
            (None, None) => (0..self.data.exposures.len()).filter(matches).collect(),
        }
    }

    fn rebuild(&mut self) {
        self.rules = Rules::from_profile(&self.profile);
        self.kinds = KindTable::new(&self.rules, &self.portfolio);
        self.pass = credit_pass(&self.portfolio, &self.kinds, &self.rules);
        self.ranking = GroupRanking::new(
            &self.pass.aggregates.groups,
            &self.pass.aggregates.group_refs,
        );
        self.index_counterparties();
    }

    fn refinish(&mut self) {
        let ranking = &self.ranking;
        let names = &self.portfolio.groups;
        let profile = &self.profile;
        self.results = finish(
            &self.data,
            profile,
            &self.pass.aggregates,
            &self.portfolio.countries,
            |tier1| ranking.list(names, tier1, profile),
        );
    }

    fn index_counterparties(&mut self) {
        self.sme_totals = aggregate::sme_totals(&self.portfolio, &self.kinds, &self.rules);
        self.counterparty_lines.clear();
        if !self.rules.sme_factor {
            return;
        }
        self.counterparty_lines
            .resize(self.portfolio.counterparties.len(), Vec::new());
        for i in 0..self.portfolio.len() {
            let line = self.portfolio.line(i);
            if line.counterparty != NONE {
                self.counterparty_lines[line.counterparty as usize].push(i);
            }
        }
    }

    /// Takes the lines' contributions out, re-evaluates them, puts them back.
    /// `ids_kept`: the edit changed no id (group, country, counterparty).
    fn recompute_lines(&mut self, lines: &[usize], ids_kept: bool) {
        let mut affected: FxHashSet<u32> = FxHashSet::default();
        let mut groups: FxHashSet<u32> = FxHashSet::default();
        for &i in lines {
            let old = *self.portfolio.line(i);
            if ids_kept {
                self.portfolio.refresh(i, &self.data.exposures[i]);
            } else {
                self.portfolio.recompile(i, &self.data.exposures[i]);
            }
            let line = *self.portfolio.line(i);
            self.kinds.extend(&self.rules, &self.portfolio);
            let outcome = credit::evaluate(&self.rules, self.kinds.of(&line), &line);
            if self.rules.sme_factor {
                let known = self.portfolio.counterparties.len();
                self.sme_totals.resize(known, Sum::default());
                self.counterparty_lines.resize(known, Vec::new());
                if old.counterparty != NONE {
                    let cp = old.counterparty as usize;
                    if sme_eligible(&old) {
                        self.sme_totals[cp].add(-self.pass.outcomes[i].exposure);
                    }
                    if old.counterparty != line.counterparty {
                        self.counterparty_lines[cp].retain(|j| *j != i);
                    }
                    affected.insert(old.counterparty);
                }
                if line.counterparty != NONE {
                    let cp = line.counterparty as usize;
                    if sme_eligible(&line) {
                        self.sme_totals[cp].add(outcome.exposure);
                    }
                    if old.counterparty != line.counterparty {
                        self.counterparty_lines[cp].push(i);
                    }
                    affected.insert(line.counterparty);
                }
            }
            self.pass.outcomes[i] = outcome;
            let factor = self.factor_of(i);
            self.replace_contribution(i, factor, &mut groups);
        }
        // Other SME lines of the same counterparties take the new factor.
        for cp in affected {
            let members = std::mem::take(&mut self.counterparty_lines[cp as usize]);
            for &j in &members {
                let factor = self.factor_of(j);
                if factor != self.pass.factors[j] {
                    self.replace_contribution(j, factor, &mut groups);
                }
            }
            self.counterparty_lines[cp as usize] = members;
        }
        self.rerank(groups);
    }

    /// Groups move in the ranking one by one; when a quarter of them or
    /// more changed, building it anew is cheaper.
    fn rerank(&mut self, groups: FxHashSet<u32>) {
        let aggregates = &self.pass.aggregates;
        if groups.len().saturating_mul(4) > aggregates.groups.len() {
            self.ranking = GroupRanking::new(&aggregates.groups, &aggregates.group_refs);
            return;
        }
        for group in groups {
            let g = group as usize;
            let amount = (aggregates.group_refs[g] > 0).then(|| aggregates.groups[g].value());
            self.ranking.update(group, amount);
        }
    }

    fn factor_of(&self, i: usize) -> f64 {
        line_factor(
            self.portfolio.line(i),
            self.pass.outcomes[i].exposure,
            &self.sme_totals,
            &self.rules,
        )
    }

    fn replace_contribution(&mut self, i: usize, factor: f64, groups: &mut FxHashSet<u32>) {
        let old = std::mem::take(&mut self.pass.contributions[i]);
        self.pass.aggregates.apply(&old, -1.0);
        let line = self.portfolio.line(i);
        let new = aggregate::contribution(
            line,
            self.kinds.of(line),
            &self.pass.outcomes[i],
            factor,
            &self.rules,
        );
        self.pass.aggregates.apply(&new, 1.0);
        for (group, _) in old.large[..usize::from(old.large_count)]
            .iter()
            .chain(&new.large[..usize::from(new.large_count)])
        {
            groups.insert(*group);
        }
        self.pass.factors[i] = factor;
        self.pass.contributions[i] = new;
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
    use crate::engine::scenario::Scenario;
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

    fn check(engine: &IncrementalEngine) {
        let full = compute(engine.data(), engine.profile(), &ComputeOptions::default());
        let a = serde_json::to_value(engine.results()).expect("json");
        let b = serde_json::to_value(&full).expect("json");
        assert_same(&a, &b, "results");
    }

    /// Every line's result read from the engine equals the full pass's.
    fn check_lines(engine: &IncrementalEngine) {
        let options = ComputeOptions {
            lines: true,
            explain: true,
        };
        let full = compute(engine.data(), engine.profile(), &options);
        for expected in full.lines.expect("lines") {
            let got = engine.line(&expected.id).expect("line");
            let a = serde_json::to_value(&got).expect("json");
            let b = serde_json::to_value(&expected).expect("json");
            assert_same(&a, &b, &expected.id);
        }
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
            check(&engine);
            let scenario = Scenario::from_json_str(EDITS).expect("edits");
            for edit in &scenario.edits {
                engine.apply(edit).expect("edit applies");
                check(&engine);
            }
            check_lines(&engine);
        }
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
            (ids, any::<bool>()).prop_map(|(id, v)| Edit::SetLine {
                id,
                field: "sme".into(),
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
            (0.0..0.05f64).prop_map(|v| Edit::SetRequirement {
                key: "p2r".into(),
                value: v.into()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn incremental_equals_full(edits in proptest::collection::vec(edit(), 1..8), crr3 in any::<bool>()) {
            let profile = Profile::named(if crr3 { "crr3" } else { "basel31" }).expect("profile");
            let mut engine = IncrementalEngine::new(generate(300, 5), profile);
            for edit in &edits {
                engine.apply(edit).expect("generated edits are valid");
                check(&engine);
            }
        }
    }
}
