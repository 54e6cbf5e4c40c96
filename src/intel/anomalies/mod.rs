//! Anomaly detection on a data set, and between a version and the one
//! before it: amounts off by a power of ten (`scale`), amounts far from
//! their peers (`outlier`), changes between versions (`jump`), values no
//! bank means (`rule`) and lines entered twice (`duplicate`). Each anomaly
//! says in one sentence what is wrong, what was expected, and, where the
//! fix is clear, the scenario edit that makes it.

use crate::engine::dataset::{DataSet, Exposure};
use crate::engine::scenario::{Edit, Filter};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

mod peers;
mod rules;
mod versions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
// `Anomaly…` in the OpenAPI document, apart from the import's `Section` and `Severity`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = AnomalyKind))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Scale,
    Outlier,
    Jump,
    Rule,
    Duplicate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
// `Anomaly…` in the OpenAPI document, apart from the import's `Section` and `Severity`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = AnomalySection))]
pub enum Section {
    #[serde(rename = "exposures")]
    Exposures,
    #[serde(rename = "capital")]
    Capital,
    #[serde(rename = "lcr.hqla")]
    LcrHqla,
    #[serde(rename = "lcr.outflows")]
    LcrOutflows,
    #[serde(rename = "lcr.inflows")]
    LcrInflows,
    #[serde(rename = "nsfr.asf")]
    NsfrAsf,
    #[serde(rename = "nsfr.rsf")]
    NsfrRsf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
// `Anomaly…` in the OpenAPI document, apart from the import's `Section` and `Severity`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = AnomalySeverity))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Scale,
        Kind::Outlier,
        Kind::Jump,
        Kind::Rule,
        Kind::Duplicate,
    ];

    /// The name in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Scale => "scale",
            Kind::Outlier => "outlier",
            Kind::Jump => "jump",
            Kind::Rule => "rule",
            Kind::Duplicate => "duplicate",
        }
    }
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Exposures,
        Section::Capital,
        Section::LcrHqla,
        Section::LcrOutflows,
        Section::LcrInflows,
        Section::NsfrAsf,
        Section::NsfrRsf,
    ];

    /// The name in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Section::Exposures => "exposures",
            Section::Capital => "capital",
            Section::LcrHqla => "lcr.hqla",
            Section::LcrOutflows => "lcr.outflows",
            Section::LcrInflows => "lcr.inflows",
            Section::NsfrAsf => "nsfr.asf",
            Section::NsfrRsf => "nsfr.rsf",
        }
    }
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Low => "Low",
        }
    }
}

/// The range a value was expected in.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Expected {
    pub low: f64,
    pub high: f64,
}

/// A one-click fix: the scenario edit that corrects the value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Fix {
    pub label: String,
    pub edit: Edit,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Anomaly {
    /// The exposure line's id; none for items that are not exposure lines.
    pub id: Option<String>,
    /// The exposure class of the line (or of the class total) concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The large-exposure group of the line (`group_id`, else
    /// `counterparty_id`), so the large-exposure chart can mark it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub section: Section,
    pub field: String,
    pub kind: Kind,
    pub severity: Severity,
    /// How far from normal, comparable within a kind (a modified z-score,
    /// the power of ten of a scale error, the ratio of a jump).
    pub score: f64,
    pub value: f64,
    pub expected: Option<Expected>,
    pub explanation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// Set when a person judged it not an error (the same finding on the
    /// same value stays dismissed in later versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<Dismissal>,
}

/// Who judged an anomaly not an error, when and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Dismissal {
    pub by: String,
    /// RFC 3339.
    pub at: String,
    pub reason: String,
}

impl Anomaly {
    /// Whether `other` is the same finding on the same value: same line,
    /// section, field and kind, the value within half a percent.
    pub fn same_finding(
        &self,
        id: Option<&str>,
        section: Section,
        field: &str,
        kind: Kind,
        value: f64,
    ) -> bool {
        self.id.as_deref() == id
            && self.section == section
            && self.field == field
            && self.kind == kind
            && (self.value - value).abs() <= 0.005 * value.abs().max(self.value.abs())
    }
}

/// The thresholds a tenant may tune.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Modified z-score beyond which an amount is an outlier among peers.
    pub outlier_z: f64,
    /// Fewer lines than this in a peer group: the class is the peer group.
    pub min_peers: usize,
    /// A line's amount multiplied or divided by more than this between two
    /// versions is a jump.
    pub line_jump: f64,
    /// A class total, capital or liquidity item changing by more than this
    /// share between two versions is a jump.
    pub total_jump: f64,
    /// The share of lines outlier alerts may take: beyond it only the
    /// farthest are raised (scale errors and rules are never held back;
    /// a small book may always raise ten).
    pub alert_budget: f64,
}

/// Fewer dismissed outliers than this teach nothing.
pub const MIN_DISMISSALS: usize = 5;
/// Dismissals teach the outlier threshold up to this and no further: a
/// line this far from its peers is always raised.
pub const MAX_OUTLIER_Z: f64 = 5.0;

impl Thresholds {
    /// The outlier threshold that the scores of a tenant's recent
    /// dismissed outliers teach: the level under which four in five of
    /// them lay, so such false alarms stop, between the default and
    /// [`MAX_OUTLIER_Z`]. Fewer than [`MIN_DISMISSALS`] teach nothing.
    pub fn learnt_outlier_z(dismissed: &[f64]) -> f64 {
        let default = Thresholds::default().outlier_z;
        if dismissed.len() < MIN_DISMISSALS {
            return default;
        }
        let mut scores = dismissed.to_vec();
        scores.sort_by(f64::total_cmp);
        let at = ((scores.len() as f64 * 0.8).ceil() as usize).clamp(1, scores.len()) - 1;
        // Just above the dismissed score, so that very line is not raised again.
        (scores[at] + 0.05).clamp(default, MAX_OUTLIER_Z)
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            // `make eval`: on synthetic books 2.5 finds 98 % of amounts
            // typed a thousand times too large and flags 0.02 % of clean
            // lines; the textbook 3.5 finds 92 % and flags 0.002 %.
            outlier_z: 2.5,
            min_peers: 8,
            line_jump: 10.0,
            total_jump: 0.25,
            // The aim: at most 0.5 % of clean lines flagged.
            alert_budget: 0.005,
        }
    }
}

/// Every anomaly of `data` (and of its change from `previous`), the most
/// severe first, then by score.
pub fn detect(data: &DataSet, previous: Option<&DataSet>, t: &Thresholds) -> Vec<Anomaly> {
    let mut found = rules::line_rules(data);
    found.extend(rules::duplicates(&data.exposures));
    found.extend(peers::scale_and_outliers(&data.exposures, t));
    if let Some(previous) = previous {
        found.extend(versions::jumps(data, previous, t));
    }
    name_groups(&mut found, &data.exposures);
    found.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });
    found
}

/// Gives each anomaly of an exposure line the line's large-exposure group.
fn name_groups(found: &mut [Anomaly], lines: &[Exposure]) {
    let wanted: HashSet<&str> = found.iter().filter_map(|a| a.id.as_deref()).collect();
    if wanted.is_empty() {
        return;
    }
    let groups: HashMap<&str, &str> = lines
        .iter()
        .filter(|l| wanted.contains(l.id.as_str()))
        .filter_map(|l| {
            let group = l.group_id.as_deref().or(l.counterparty_id.as_deref())?;
            Some((l.id.as_str(), group))
        })
        .collect();
    for anomaly in found.iter_mut().filter(|a| a.section == Section::Exposures) {
        let group = anomaly.id.as_deref().and_then(|id| groups.get(id));
        anomaly.group = group.map(|g| (*g).to_owned());
    }
}

/// A line's exposure before conversion: drawn plus undrawn.
fn amount(line: &Exposure) -> f64 {
    line.drawn.unwrap_or(0.0) + line.undrawn.unwrap_or(0.0)
}

/// The edit that scales every amount of one line (`scale_exposures`).
fn scale_fix(id: &str, factor: f64, label: String) -> Fix {
    Fix {
        label,
        edit: Edit::ScaleExposures {
            filter: Filter {
                ids: Some(vec![id.to_owned()]),
                ..Filter::default()
            },
            factor,
        },
    }
}

/// "1,000" for 1e3, "1,000,000" for 1e6.
fn power_of_ten(exponent: i32) -> String {
    let zeros = exponent.unsigned_abs();
    let mut digits = String::from("1");
    for i in 0..zeros {
        if (zeros - i).is_multiple_of(3) {
            digits.push(',');
        }
        digits.push('0');
    }
    digits
}

#[cfg(test)]
mod tests;
