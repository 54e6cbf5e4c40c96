//! The levers and what they do, outside the view: their positions, the
//! scenario edits they stand for, and the incremental engine that follows
//! them lever by lever.

use crate::engine::dataset::{DataSet, ExposureClass, Tier};
use crate::engine::incremental::IncrementalEngine;
use crate::engine::profile::Profile;
use crate::engine::results::Results;
use crate::engine::scenario::{Edit, Filter, ItemSection, apply_edit};
use std::collections::BTreeMap;

/// The lever positions; `edits` turns them into a scenario of dataset.md.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Levers {
    /// CET1 issuance (+) or dividend / loss (−), in millions.
    pub(super) capital_m: f64,
    pub(super) p2r: Option<f64>,
    pub(super) ccyb: Option<f64>,
    /// Exposure scaling per class (absent = 1).
    pub(super) scale: BTreeMap<ExposureClass, f64>,
    pub(super) notches: i32,
    pub(super) outflows: f64,
    /// Rule parameters moved for the scenario (`set_parameter`), by key.
    pub(super) params: BTreeMap<String, f64>,
    /// Edits of single lines from the drill-down table, in order.
    pub(super) lines: Vec<LineEdit>,
    /// Fixes of anomalies, in the order they were applied.
    pub(super) fixes: Vec<Edit>,
}

impl Default for Levers {
    fn default() -> Self {
        Levers {
            capital_m: 0.0,
            p2r: None,
            ccyb: None,
            scale: BTreeMap::new(),
            notches: 0,
            outflows: 1.0,
            params: BTreeMap::new(),
            lines: Vec::new(),
            fixes: Vec::new(),
        }
    }
}

/// `set_line` of one field of one line (a null value removes the field).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct LineEdit {
    pub(super) id: String,
    pub(super) field: String,
    pub(super) value: serde_json::Value,
}

impl LineEdit {
    pub(super) fn edit(&self) -> Edit {
        Edit::SetLine {
            id: self.id.clone(),
            field: self.field.clone(),
            value: self.value.clone(),
        }
    }
}

/// The fields a line edit offers, with how their value is typed.
pub(super) const LINE_FIELDS: [(&str, &str, FieldKind); 9] = [
    ("drawn", "Drawn amount", FieldKind::Number),
    ("undrawn", "Undrawn amount", FieldKind::Number),
    (
        "specific_provisions",
        "Specific provisions",
        FieldKind::Number,
    ),
    ("collateral_value", "Collateral value", FieldKind::Number),
    ("ltv", "Loan-to-value (0.75 = 75 %)", FieldKind::Number),
    ("rating", "Rating (AAA … D)", FieldKind::Text),
    ("country", "Country (ISO code)", FieldKind::Text),
    ("group_id", "Group of connected clients", FieldKind::Text),
    ("defaulted", "Defaulted (yes / no)", FieldKind::Flag),
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum FieldKind {
    Number,
    Text,
    Flag,
}

/// The JSON value a typed text stands for in `field`; empty clears it.
pub(super) fn line_value(field: &str, text: &str) -> Result<serde_json::Value, String> {
    let text = text.trim();
    let kind = LINE_FIELDS
        .iter()
        .find(|f| f.0 == field)
        .map(|f| f.2)
        .ok_or_else(|| format!("\"{field}\" cannot be edited here"))?;
    if text.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    match kind {
        FieldKind::Number => text
            .replace([' ', '\u{a0}', '_'], "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(serde_json::Value::from)
            .ok_or_else(|| format!("\"{text}\" is not a number")),
        FieldKind::Text => Ok(serde_json::Value::from(text)),
        FieldKind::Flag => match text.to_lowercase().as_str() {
            "yes" | "true" | "oui" | "1" => Ok(true.into()),
            "no" | "false" | "non" | "0" => Ok(false.into()),
            _ => Err(format!("\"{text}\" is not yes or no")),
        },
    }
}

pub(super) const CAPITAL_LABEL: &str = "What-if capital action";

pub(super) fn capital_action(millions: f64) -> Edit {
    Edit::AddCapital {
        tier: Tier::Cet1,
        label: CAPITAL_LABEL.to_owned(),
        amount: millions * 1e6,
    }
}

pub(super) fn requirement(key: &str, value: f64) -> Edit {
    Edit::SetRequirement {
        key: key.to_owned(),
        value: value.into(),
    }
}

pub(super) fn parameter(key: &str, value: f64) -> Edit {
    Edit::SetParameter {
        key: key.to_owned(),
        value,
    }
}

pub(super) fn scale_class(class: ExposureClass, factor: f64) -> Edit {
    Edit::ScaleExposures {
        filter: Filter {
            class: Some(class),
            ..Filter::default()
        },
        factor,
    }
}

pub(super) fn scale_outflows(factor: f64) -> Edit {
    Edit::ScaleItems {
        section: ItemSection::LcrOutflows,
        category: None,
        factor,
    }
}

/// The factor that takes a scale lever from `from` to `to`: `Some(None)`
/// when it did not move, `None` when no factor can (back from zero).
pub(super) fn scale_step(from: f64, to: f64) -> Option<Option<f64>> {
    if from == to {
        Some(None)
    } else if from == 0.0 {
        None
    } else {
        Some(Some(to / from))
    }
}

impl Levers {
    /// The edits as the JSON a scenario or version form posts.
    pub(super) fn edits_json(&self) -> String {
        serde_json::to_string(&self.edits()).unwrap_or_default()
    }

    pub(super) fn edits(&self) -> Vec<Edit> {
        let mut edits = Vec::new();
        if self.capital_m != 0.0 {
            edits.push(capital_action(self.capital_m));
        }
        for (key, value) in [("p2r", self.p2r), ("ccyb", self.ccyb)] {
            edits.extend(value.map(|v| requirement(key, v)));
        }
        edits.extend(
            self.params
                .iter()
                .map(|(key, value)| parameter(key, *value)),
        );
        for (class, factor) in &self.scale {
            if *factor != 1.0 {
                edits.push(scale_class(*class, *factor));
            }
        }
        if self.notches != 0 {
            edits.push(Edit::ShiftRatings {
                filter: Filter::default(),
                notches: self.notches,
            });
        }
        if self.outflows != 1.0 {
            edits.push(scale_outflows(self.outflows));
        }
        edits.extend(self.lines.iter().map(LineEdit::edit));
        edits.extend(self.fixes.iter().cloned());
        edits
    }

    /// The edits that move an engine from `self` to `to` one lever at a
    /// time, or `None` when a change cannot be expressed as a step (a
    /// rating shift, a scale back from zero, a requirement back to the data
    /// set's own): the caller then rebuilds from the baseline.
    pub(super) fn steps_to(&self, to: &Levers) -> Option<Vec<Edit>> {
        if self.notches != to.notches {
            return None;
        }
        let mut steps = Vec::new();
        if self.capital_m != to.capital_m {
            steps.push(capital_action(to.capital_m - self.capital_m));
        }
        for (key, from, target) in [("p2r", self.p2r, to.p2r), ("ccyb", self.ccyb, to.ccyb)] {
            if from != target {
                steps.push(requirement(key, target?));
            }
        }
        // A parameter back to the profile's own value is a rebuild: the
        // step does not know that value.
        if self.params.keys().any(|k| !to.params.contains_key(k)) {
            return None;
        }
        for (key, value) in &to.params {
            if self.params.get(key) != Some(value) {
                steps.push(parameter(key, *value));
            }
        }
        let classes: std::collections::BTreeSet<_> =
            self.scale.keys().chain(to.scale.keys()).collect();
        for class in classes {
            let factor = |l: &Levers| l.scale.get(class).copied().unwrap_or(1.0);
            if let Some(f) = scale_step(factor(self), factor(to))? {
                steps.push(scale_class(*class, f));
            }
        }
        if let Some(f) = scale_step(self.outflows, to.outflows)? {
            steps.push(scale_outflows(f));
        }
        // Line edits come after the segment levers in `edits`: a step can
        // only add line edits at the end, and never scale under one.
        // Fixes come after the line edits, under the same rule.
        let added = to.lines.strip_prefix(self.lines.as_slice())?;
        let fixed = to.fixes.strip_prefix(self.fixes.as_slice())?;
        if (!to.lines.is_empty() || !to.fixes.is_empty())
            && steps
                .iter()
                .any(|e| matches!(e, Edit::ScaleExposures { .. }))
        {
            return None;
        }
        if !added.is_empty() && !self.fixes.is_empty() {
            return None;
        }
        steps.extend(added.iter().map(LineEdit::edit));
        steps.extend(fixed.iter().cloned());
        Some(steps)
    }
}

/// The engine at the lever positions it reflects.
pub(super) struct WhatIf {
    pub(super) engine: IncrementalEngine,
    pub(super) at: Levers,
}

impl WhatIf {
    pub(super) fn new(data: &DataSet, profile: &Profile) -> WhatIf {
        WhatIf {
            engine: IncrementalEngine::new(data.clone(), profile.clone()),
            at: Levers::default(),
        }
    }

    /// Moves to `to` incrementally when it can, else from the baseline.
    pub(super) fn move_to(
        &mut self,
        to: &Levers,
        data: &DataSet,
        profile: &Profile,
    ) -> Result<Results, String> {
        let steps = match self.at.steps_to(to) {
            Some(steps) => steps,
            None => {
                *self = WhatIf::new(data, profile);
                to.edits()
            }
        };
        for edit in &steps {
            self.engine.apply(edit)?;
        }
        self.at = to.clone();
        Ok(self.engine.results().clone())
    }
}

/// The what-if engine with the baseline it rebuilds from.
pub(super) struct LiveEngine {
    pub(super) whatif: WhatIf,
    pub(super) data: DataSet,
    pub(super) profile: Profile,
}

impl LiveEngine {
    pub(super) fn move_to(&mut self, to: &Levers) -> Result<Results, String> {
        self.whatif.move_to(to, &self.data, &self.profile)
    }

    /// Whether a line edit applies to the line as it is now, tried on a
    /// copy of that line alone.
    pub(super) fn check(&self, edit: &Edit) -> Result<(), String> {
        let Edit::SetLine { id, .. } = edit else {
            return Ok(());
        };
        let line = self
            .whatif
            .engine
            .exposure(id)
            .ok_or_else(|| format!("no exposure line has id \"{id}\""))?;
        let mut probe = DataSet {
            exposures: vec![line],
            ..DataSet::default()
        };
        apply_edit(edit, &mut probe, &mut self.profile.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::Scenario;
    use crate::engine::{ComputeOptions, compute, resolve_profile};
    use crate::samples::generate;

    /// Moving lever by lever (steps or rebuilds) gives the figures of the
    /// scenario the levers stand for.
    #[test]
    fn levers_moved_step_by_step_give_the_scenarios_figures() {
        let data = generate(800, 9);
        let profile = resolve_profile(&data, None).expect("profile");
        let mut whatif = WhatIf::new(&data, &profile);
        let mut levers = Levers::default();
        let corporate = data
            .exposures
            .iter()
            .find(|l| l.class == ExposureClass::Corporate)
            .expect("a corporate line")
            .id
            .clone();
        let fixed = corporate.clone();
        let set_drawn = move |l: &mut Levers, drawn: f64| {
            l.lines.push(LineEdit {
                id: corporate.clone(),
                field: "drawn".to_owned(),
                value: drawn.into(),
            })
        };
        type Move = Box<dyn Fn(&mut Levers)>;
        let moves: Vec<Move> = vec![
            Box::new(|l| l.capital_m = -120.0),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Corporate, 0.0);
            }),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Corporate, 1.3);
            }),
            Box::new({
                let set_drawn = set_drawn.clone();
                move |l| set_drawn(l, 4.0e8)
            }),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Corporate, 1.5);
            }),
            Box::new(move |l| set_drawn(l, 1.0e6)),
            Box::new(|l| {
                l.lines.remove(0);
            }),
            Box::new(|l| l.p2r = Some(0.031)),
            Box::new(|l| {
                l.params.insert("rw.corporate.unrated".to_owned(), 1.3);
            }),
            Box::new(|l| {
                l.params
                    .insert("lcr.outflow.retail_stable".to_owned(), 0.08);
            }),
            Box::new(|l| {
                l.params.remove("rw.corporate.unrated");
            }),
            Box::new(|l| l.notches = 2),
            Box::new(|l| l.outflows = 1.4),
            Box::new({
                let fixed = fixed.clone();
                move |l| {
                    l.fixes.push(Edit::ScaleExposures {
                        filter: Filter {
                            ids: Some(vec![fixed.clone()]),
                            ..Filter::default()
                        },
                        factor: 0.001,
                    })
                }
            }),
            Box::new(|l| {
                l.scale.insert(ExposureClass::Retail, 0.9);
            }),
            Box::new(|l| {
                l.fixes.clear();
            }),
        ];
        for change in &moves {
            change(&mut levers);
            let moved = whatif.move_to(&levers, &data, &profile).expect("moves");
            let scenario = Scenario {
                name: String::new(),
                edits: levers.edits(),
            };
            let (changed, changed_profile) = scenario.apply(&data, &profile).expect("applies");
            let full = compute(&changed, &changed_profile, &ComputeOptions::default());
            let (a, b) = (
                moved.ratios.cet1.expect("cet1"),
                full.ratios.cet1.expect("cet1"),
            );
            assert!((a - b).abs() <= 1e-9 * b.abs(), "{levers:?}: {a} vs {b}");
            assert_eq!(
                moved.ratios.lcr.map(|v| (v * 1e9).round()),
                full.ratios.lcr.map(|v| (v * 1e9).round())
            );
        }
    }
}
