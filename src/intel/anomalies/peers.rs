//! Amounts against their peers: lines of the same class, counterparty type
//! and product (or rating) form a peer group; an amount whose logarithm
//! lies far from the group's median, in units of the group's median
//! absolute deviation (a modified z-score), is an outlier, and a scale
//! error when dividing it by 100, 1,000 or 1,000,000 (or multiplying by
//! 1,000) brings it back among its peers. Two more signals catch what a
//! wide group hides: an amount ten times beyond every other of its group,
//! and a secured amount far above its property's value.

use super::{
    Anomaly, Expected, Kind, Section, Severity, Thresholds, amount, power_of_ten, scale_fix,
};
use crate::engine::dataset::Exposure;
use crate::model::text::capitalised;
use std::collections::HashMap;

/// The powers of ten a line typed in the wrong unit is off by.
const SCALES: [i32; 4] = [2, 3, 6, -3];
/// A spread below this (a factor of 1.26) is treated as this: a group of
/// equal amounts would otherwise flag any other amount.
const MIN_MAD: f64 = 0.1;
/// Modified z-scores within this are among the peers once a unit error is
/// undone. A hundredfold gap also occurs between genuine amounts, so that
/// explanation must land the line nearer its peers' centre.
fn among_peers(power: i32) -> f64 {
    if power == 2 { 1.0 } else { 2.0 }
}

/// An LTV above this (drawn plus undrawn over the property's value) is
/// no loan a bank grants: the amount or the value is wrong.
pub(super) const MAX_LTV: f64 = 1.5;
/// The lowest LTV a corrected amount may have: a factor that would leave
/// less is no unit error.
const MIN_LTV: f64 = 0.1;
/// Decades beyond every other amount of its group that make a line an
/// outlier however wide the group.
const GAP: f64 = 1.0;

/// The median and median absolute deviation of log10 amounts, and the two
/// smallest and two largest.
#[derive(Clone, Copy, Debug)]
struct Spread {
    median: f64,
    mad: f64,
    lowest: [f64; 2],
    highest: [f64; 2],
}

impl Spread {
    fn of(mut logs: Vec<f64>) -> Spread {
        let median = median_of(&mut logs);
        let (mut lowest, mut highest) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for &x in &logs {
            if x < lowest[0] {
                lowest = [x, lowest[0]];
            } else if x < lowest[1] {
                lowest[1] = x;
            }
            if x > highest[0] {
                highest = [x, highest[0]];
            } else if x > highest[1] {
                highest[1] = x;
            }
        }
        let mut deviations: Vec<f64> = logs.iter().map(|x| (x - median).abs()).collect();
        Spread {
            median,
            mad: median_of(&mut deviations).max(MIN_MAD),
            lowest,
            highest,
        }
    }

    fn z(&self, log: f64) -> f64 {
        0.6745 * (log - self.median) / self.mad
    }

    /// Decades the amount lies beyond every other of the group (0 inside).
    fn beyond(&self, log: f64) -> f64 {
        if log >= self.highest[0] && self.highest[1].is_finite() {
            log - self.highest[1]
        } else if log <= self.lowest[0] && self.lowest[1].is_finite() {
            self.lowest[1] - log
        } else {
            0.0
        }
    }
}

/// Drawn plus undrawn over the property's value, where the line has one.
fn implied_ltv(line: &Exposure) -> Option<f64> {
    line.property_value
        .filter(|v| *v > 0.0)
        .map(|v| amount(line) / v)
}

fn median_of(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

/// The peer group of a line: its class, counterparty type and product,
/// or its rating when it has no product.
fn group_of(line: &Exposure) -> String {
    let detail = match &line.product {
        Some(product) => product.trim().to_lowercase(),
        None => line
            .rating
            .notch()
            .map_or_else(|| "unrated".to_owned(), |n| n.cqs().step().to_string()),
    };
    format!("{}|{:?}|{detail}", line.class.key(), line.counterparty_type)
}

pub(super) fn scale_and_outliers(lines: &[Exposure], t: &Thresholds) -> Vec<Anomaly> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    let mut classes: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        if amount(line) > 0.0 {
            groups.entry(group_of(line)).or_default().push(i);
            classes.entry(line.class.key()).or_default().push(i);
        }
    }
    let spread = |members: &[usize]| {
        Spread::of(members.iter().map(|i| amount(&lines[*i]).log10()).collect())
    };
    let class_spread: HashMap<&str, Spread> = classes
        .iter()
        .filter(|(_, m)| m.len() >= t.min_peers)
        .map(|(k, m)| (*k, spread(m)))
        .collect();
    let mut found = Vec::new();
    for members in groups.values() {
        let own = (members.len() >= t.min_peers).then(|| spread(members));
        for i in members {
            let line = &lines[*i];
            let Some(peers) = own.or_else(|| class_spread.get(line.class.key()).copied()) else {
                continue;
            };
            found.extend(judge(line, peers, t));
        }
    }
    within_budget(found, lines.len(), t.alert_budget)
}

/// Outlier alerts a book of any size may raise: a budget in percent would
/// leave a small book almost none.
pub(super) const MIN_ALERTS: usize = 10;

/// Keeps the farthest outliers when there are more than the budget allows;
/// scale errors all stay.
fn within_budget(found: Vec<Anomaly>, lines: usize, budget: f64) -> Vec<Anomaly> {
    let allowed = ((lines as f64 * budget).ceil() as usize).max(MIN_ALERTS);
    let (mut outliers, mut kept): (Vec<Anomaly>, Vec<Anomaly>) =
        found.into_iter().partition(|a| a.kind == Kind::Outlier);
    if outliers.len() > allowed {
        outliers.sort_by(|a, b| b.score.total_cmp(&a.score));
        outliers.truncate(allowed);
    }
    kept.extend(outliers);
    kept
}

fn judge(line: &Exposure, peers: Spread, t: &Thresholds) -> Option<Anomaly> {
    let value = amount(line);
    let log = value.log10();
    let z = peers.z(log);
    let beyond = peers.beyond(log);
    let ltv = implied_ltv(line).filter(|x| *x > MAX_LTV);
    if z.abs() <= t.outlier_z && beyond < GAP && ltv.is_none() {
        return None;
    }
    let expected = Expected {
        low: 10f64.powf(peers.median - 3.0 * peers.mad),
        high: 10f64.powf(peers.median + 3.0 * peers.mad),
    };
    let field = if line.drawn.unwrap_or(0.0) >= line.undrawn.unwrap_or(0.0) {
        "drawn"
    } else {
        "undrawn"
    };
    // The unit error that brings the line back among its peers (and its
    // LTV back to one a bank grants), if one does.
    let fits = |k: i32, corrected: f64| match ltv {
        Some(x) => (MIN_LTV..=MAX_LTV).contains(&(x / 10f64.powi(k))) && corrected <= t.outlier_z,
        // Undoing the error must also bring the line much nearer: a line
        // merely on the far side of a wide group is an outlier.
        None => corrected <= among_peers(k) && corrected < z.abs() / 2.0,
    };
    let scale = SCALES
        .iter()
        .map(|k| (*k, peers.z(log - f64::from(*k)).abs()))
        .filter(|(k, corrected)| fits(*k, *corrected))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let anomaly = match scale {
        Some((k, _)) => {
            let times = power_of_ten(k);
            let verb = if k > 0 { "divide by" } else { "multiply by" };
            Anomaly {
                id: Some(line.id.clone()),
                class: Some(line.class.key().to_owned()),
                group: None,
                dismissed: None,
                section: Section::Exposures,
                field: field.to_owned(),
                kind: Kind::Scale,
                severity: Severity::High,
                score: f64::from(k.abs()),
                value,
                expected: Some(expected),
                explanation: format!(
                    "{value:.0} is about {} times {} its peers' typical {:.0}: an amount in the wrong unit? To {verb} {times} puts it among them.",
                    times,
                    if k > 0 { "above" } else { "below" },
                    10f64.powf(peers.median)
                ),
                fix: Some(scale_fix(
                    &line.id,
                    10f64.powi(-k),
                    format!("{} {times}", capitalised(verb)),
                )),
            }
        }
        None => Anomaly {
            id: Some(line.id.clone()),
            class: Some(line.class.key().to_owned()),
            group: None,
            dismissed: None,
            section: Section::Exposures,
            field: field.to_owned(),
            kind: Kind::Outlier,
            severity: if z.abs() > 2.0 * t.outlier_z || ltv.is_some() {
                Severity::High
            } else {
                Severity::Medium
            },
            score: z.abs().max(t.outlier_z + beyond),
            value,
            expected: Some(expected),
            explanation: outlier_text(value, z, beyond, ltv, peers),
            fix: None,
        },
    };
    Some(anomaly)
}

/// Why an amount is an outlier: far from its peers' typical amount, far
/// beyond all of them, or far above its property's value.
fn outlier_text(value: f64, z: f64, beyond: f64, ltv: Option<f64>, peers: Spread) -> String {
    if let Some(ltv) = ltv {
        return format!(
            "{value:.0} is {ltv:.1} times the value of the property securing it: no loan is granted at an LTV of {:.0} %.",
            ltv * 100.0
        );
    }
    let side = if z > 0.0 { "above" } else { "below" };
    let typical = 10f64.powf(peers.median);
    if beyond >= GAP {
        return format!(
            "{value:.0} is {:.0} times {side} every other amount of its peers (same class, counterparty type, and product or rating), whose typical amount is {typical:.0}.",
            10f64.powf(beyond)
        );
    }
    format!(
        "{value:.0} is far {side} the {typical:.0} typical of its peers (same class, counterparty type, and product or rating): a modified z-score of {z:.1}."
    )
}
