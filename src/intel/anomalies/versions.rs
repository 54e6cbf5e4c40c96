//! What changed since the previous version: a line whose amount moved by
//! an exact power of ten (a unit error in this version's file), a line,
//! class total, capital or liquidity item that moved far more than a
//! quarter's business moves it.

use super::{
    Anomaly, Expected, Kind, Section, Severity, Thresholds, amount, power_of_ten, scale_fix,
};
use crate::engine::dataset::{CategoryItem, DataSet, Exposure};
use std::collections::{BTreeMap, HashMap};

/// A ratio within this of a power of ten is that power.
const EXACT: f64 = 0.02;

/// The items of each section other than exposures, keyed by what
/// identifies them from one version to the next.
type ItemsOf = fn(&DataSet) -> Vec<(String, f64)>;

const ITEM_SECTIONS: [(Section, ItemsOf); 6] = [
    (Section::Capital, |d| {
        d.capital
            .iter()
            .map(|c| (format!("{:?} {}", c.tier, c.label), c.amount))
            .collect()
    }),
    (Section::LcrHqla, |d| {
        d.lcr.as_ref().map_or_else(Vec::new, |l| {
            l.hqla
                .iter()
                .map(|h| (format!("{:?} {}", h.level, h.label), h.amount))
                .collect()
        })
    }),
    (Section::LcrOutflows, |d| {
        d.lcr.as_ref().map_or_else(Vec::new, |l| keyed(&l.outflows))
    }),
    (Section::LcrInflows, |d| {
        d.lcr.as_ref().map_or_else(Vec::new, |l| keyed(&l.inflows))
    }),
    (Section::NsfrAsf, |d| {
        d.nsfr.as_ref().map_or_else(Vec::new, |n| keyed(&n.asf))
    }),
    (Section::NsfrRsf, |d| {
        d.nsfr.as_ref().map_or_else(Vec::new, |n| keyed(&n.rsf))
    }),
];

pub(super) fn jumps(data: &DataSet, previous: &DataSet, t: &Thresholds) -> Vec<Anomaly> {
    let mut found = line_jumps(&data.exposures, &previous.exposures, t);
    found.extend(class_totals(&data.exposures, &previous.exposures, t));
    for (section, items_of) in ITEM_SECTIONS {
        found.extend(items(section, items_of(data), items_of(previous), t));
    }
    found
}

fn keyed(items: &[CategoryItem]) -> Vec<(String, f64)> {
    items
        .iter()
        .map(|i| (format!("{} {}", i.category, i.label), i.amount))
        .collect()
}

/// The power of ten `ratio` is, when it is one of a unit error's.
fn unit_error(ratio: f64) -> Option<i32> {
    [2, 3, 6, -3]
        .into_iter()
        .find(|k| (ratio / 10f64.powi(*k) - 1.0).abs() <= EXACT)
}

fn line_jumps(now: &[Exposure], before: &[Exposure], t: &Thresholds) -> Vec<Anomaly> {
    let earlier: HashMap<&str, f64> = before.iter().map(|l| (l.id.as_str(), amount(l))).collect();
    let mut found = Vec::new();
    for line in now {
        let value = amount(line);
        let Some(was) = earlier
            .get(line.id.as_str())
            .copied()
            .filter(|w| *w > 0.0 && value > 0.0)
        else {
            continue;
        };
        let ratio = value / was;
        let expected = Some(Expected {
            low: was / t.line_jump,
            high: was * t.line_jump,
        });
        let base = Anomaly {
            id: Some(line.id.clone()),
            class: Some(line.class.key().to_owned()),
            group: None,
            dismissed: None,
            section: Section::Exposures,
            field: "drawn".to_owned(),
            kind: Kind::Jump,
            severity: Severity::Medium,
            score: ratio.max(1.0 / ratio),
            value,
            expected,
            explanation: String::new(),
            fix: None,
        };
        if let Some(k) = unit_error(ratio) {
            found.push(Anomaly {
                kind: Kind::Scale,
                severity: Severity::High,
                score: f64::from(k.abs()),
                explanation: format!(
                    "{value:.0} is exactly {} times {} the {was:.0} of the previous version: a unit changed in the file?",
                    power_of_ten(k),
                    if k > 0 { "more than" } else { "less than" }
                ),
                fix: Some(scale_fix(
                    &line.id,
                    10f64.powi(-k),
                    format!("Divide by {}", power_of_ten(k)),
                )),
                ..base
            });
        } else if ratio > t.line_jump || ratio < 1.0 / t.line_jump {
            found.push(Anomaly {
                explanation: format!(
                    "{value:.0}, against {was:.0} in the previous version: {ratio:.1} times."
                ),
                ..base
            });
        }
    }
    found
}

fn class_totals(now: &[Exposure], before: &[Exposure], t: &Thresholds) -> Vec<Anomaly> {
    let totals = |lines: &[Exposure]| {
        let mut by_class: BTreeMap<&'static str, f64> = BTreeMap::new();
        for line in lines {
            *by_class.entry(line.class.key()).or_default() += amount(line);
        }
        by_class
    };
    let (now, before) = (totals(now), totals(before));
    now.iter()
        .filter_map(|(class, value)| {
            let was = before.get(class).copied().filter(|w| *w > 0.0)?;
            let change = value / was - 1.0;
            (change.abs() > t.total_jump).then(|| Anomaly {
                id: None,
                class: Some((*class).to_owned()),
                group: None,
                dismissed: None,
                section: Section::Exposures,
                field: format!("class_total.{class}"),
                kind: Kind::Jump,
                severity: Severity::Medium,
                score: change.abs(),
                value: *value,
                expected: Some(Expected { low: was * (1.0 - t.total_jump), high: was * (1.0 + t.total_jump) }),
                explanation: format!(
                    "The {class} exposures total {value:.0}, {:+.0} % on the previous version's {was:.0}.",
                    change * 100.0
                ),
                fix: None,
            })
        })
        .collect()
}

/// Items matched by their key (category and label) across two versions.
fn items(
    section: Section,
    now: Vec<(String, f64)>,
    before: Vec<(String, f64)>,
    t: &Thresholds,
) -> Vec<Anomaly> {
    let earlier: HashMap<String, f64> = before.into_iter().collect();
    now.into_iter()
        .filter_map(|(key, value)| {
            let was = earlier.get(&key).copied().filter(|w| w.abs() > 0.0)?;
            let change = value / was - 1.0;
            if change.abs() <= t.total_jump {
                return None;
            }
            let unit = unit_error(value / was);
            Some(Anomaly {
                id: None,
                class: None,
                group: None,
                dismissed: None,
                section,
                field: key.trim().to_owned(),
                kind: if unit.is_some() {
                    Kind::Scale
                } else {
                    Kind::Jump
                },
                severity: if unit.is_some() {
                    Severity::High
                } else {
                    Severity::Medium
                },
                score: change.abs(),
                value,
                expected: Some(Expected {
                    low: was * (1.0 - t.total_jump),
                    high: was * (1.0 + t.total_jump),
                }),
                explanation: match unit {
                    Some(k) => format!(
                        "{} is exactly {} times its previous {was:.0}: a unit changed?",
                        key.trim(),
                        power_of_ten(k)
                    ),
                    None => format!(
                        "{} moved {:+.0} % since the previous version ({was:.0} to {value:.0}).",
                        key.trim(),
                        change * 100.0
                    ),
                },
                fix: None,
            })
        })
        .collect()
}
