//! One status rule for every figure (traffic light, headroom, limit): the
//! dashboard, the reports and the API all read it from here, so a CET1
//! ratio inside its buffers reads the same on a screen and in a PDF.

use crate::engine::results::{ManagementBuffers, Results};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Breach,
    InsideBuffers,
    /// Above the requirement, inside the bank's own management buffer.
    BelowTarget,
    Comfortable,
}

impl Status {
    /// As the dashboard, the reports and the API print it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Breach => "Breach",
            Status::InsideBuffers => "Inside buffers",
            Status::BelowTarget => "Below target",
            Status::Comfortable => "Comfortable",
        }
    }
}

/// One key metric: value, requirement (a ceiling for large exposures, a
/// floor for the others), headroom in the reporting currency, status.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub key: &'static str,
    pub label: &'static str,
    pub value: Option<f64>,
    pub requirement: f64,
    pub headroom_amount: Option<f64>,
    /// None when the figure cannot be computed.
    pub status: Option<Status>,
}

impl Metric {
    /// The distance to the requirement in ratio points, positive when met:
    /// above a floor, or below the large-exposure ceiling.
    pub fn headroom(&self) -> Option<f64> {
        let v = self.value?;
        Some(if self.key == LARGE_EXPOSURE {
            self.requirement - v
        } else {
            v - self.requirement
        })
    }
}

/// The key of the largest large exposure, whose requirement is a ceiling.
pub const LARGE_EXPOSURE: &str = "large_exposure";

/// The key metrics of a set of results with their status: a capital ratio
/// below its minimum (requirement less the combined buffer) is a breach,
/// below its requirement it is inside its buffers; the other ratios are
/// breached below their requirement; the largest large exposure strictly
/// above its limit (read from the results, that is from the profile). A
/// figure that meets its requirement but not the profile's management
/// buffer beyond it is below target.
pub fn metrics(r: &Results) -> Vec<Metric> {
    let targets = &r.requirements.management_buffers;
    // A floor with `buffer` ratio points of buffers inside it: below the
    // floor less the buffers is a breach, below the floor inside buffers.
    let floor = |key, label, value: Option<f64>, requirement: f64, buffer: f64, amount| {
        // Taking the buffer out of a requirement that includes it leaves a
        // rounding error that would turn a ratio exactly at its minimum into
        // a breach.
        let minimum = if buffer > 0.0 {
            requirement - buffer - 1e-12
        } else {
            requirement
        };
        let target = requirement + target_of(targets, key);
        Metric {
            key,
            label,
            value,
            requirement,
            headroom_amount: amount,
            status: value.map(|v| {
                if v < minimum {
                    Status::Breach
                } else if v < requirement {
                    Status::InsideBuffers
                } else if v < target {
                    Status::BelowTarget
                } else {
                    Status::Comfortable
                }
            }),
        }
    };
    let cbr = r.requirements.cbr;
    let largest = r
        .large_exposures
        .iter()
        .filter_map(|l| l.share_of_tier1.map(|s| (s, l.limit)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let lcr_amount = match (r.lcr.hqla, r.lcr.net_outflows) {
        (Some(h), Some(n)) => Some(h - n * r.requirements.lcr),
        _ => None,
    };
    let nsfr_amount = match (r.nsfr.asf, r.nsfr.rsf) {
        (Some(a), Some(s)) => Some(a - s * r.requirements.nsfr),
        _ => None,
    };
    vec![
        floor(
            "cet1",
            "CET1 ratio",
            r.ratios.cet1,
            r.requirements.cet1,
            cbr,
            r.headroom.cet1_amount,
        ),
        floor(
            "tier1",
            "Tier 1 ratio",
            r.ratios.tier1,
            r.requirements.tier1,
            cbr,
            r.headroom.tier1_amount,
        ),
        floor(
            "total_capital",
            "Total capital ratio",
            r.ratios.total_capital,
            r.requirements.total_capital,
            cbr,
            r.headroom.total_capital_amount,
        ),
        floor(
            "leverage",
            "Leverage ratio",
            r.ratios.leverage,
            r.requirements.leverage,
            0.0,
            r.headroom.leverage_amount,
        ),
        floor(
            "lcr",
            "LCR",
            r.ratios.lcr,
            r.requirements.lcr,
            0.0,
            lcr_amount,
        ),
        floor(
            "nsfr",
            "NSFR",
            r.ratios.nsfr,
            r.requirements.nsfr,
            0.0,
            nsfr_amount,
        ),
        Metric {
            key: LARGE_EXPOSURE,
            label: "Largest large exposure (% of Tier 1)",
            value: largest.map(|(s, _)| s),
            requirement: largest.map_or(0.25, |(_, limit)| limit),
            headroom_amount: largest.map(|(s, limit)| (limit - s) * r.capital.tier1),
            // Here the requirement is a ceiling.
            status: largest.map(|(s, limit)| {
                if s > limit {
                    Status::Breach
                } else if s > limit - targets.large_exposure {
                    Status::BelowTarget
                } else {
                    Status::Comfortable
                }
            }),
        },
    ]
}

fn target_of(targets: &ManagementBuffers, key: &str) -> f64 {
    match key {
        "cet1" => targets.cet1,
        "tier1" => targets.tier1,
        "total_capital" => targets.total_capital,
        "leverage" => targets.leverage,
        "lcr" => targets.lcr,
        "nsfr" => targets.nsfr,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(r: &Results, key: &str) -> Option<Status> {
        metrics(r)
            .into_iter()
            .find(|m| m.key == key)
            .and_then(|m| m.status)
    }

    #[test]
    fn statuses_change_exactly_at_each_threshold() {
        let mut r = Results::default();
        r.requirements.cet1 = 0.10;
        r.requirements.cbr = 0.03;
        r.requirements.lcr = 1.0;
        for (cet1, expected) in [
            (0.0699, Status::Breach),
            (0.07, Status::InsideBuffers),
            (0.0999, Status::InsideBuffers),
            (0.10, Status::Comfortable),
        ] {
            r.ratios.cet1 = Some(cet1);
            assert_eq!(status_of(&r, "cet1"), Some(expected), "CET1 {cet1}");
        }
        for (lcr, expected) in [(0.9999, Status::Breach), (1.0, Status::Comfortable)] {
            r.ratios.lcr = Some(lcr);
            assert_eq!(status_of(&r, "lcr"), Some(expected), "LCR {lcr}");
        }
        r.ratios.nsfr = None;
        assert_eq!(status_of(&r, "nsfr"), None, "not computable");
    }

    #[test]
    fn a_management_buffer_marks_figures_below_target_and_changes_nothing_else() {
        let mut r = Results::default();
        r.requirements.cet1 = 0.10;
        r.requirements.cbr = 0.03;
        r.requirements.lcr = 1.0;
        r.requirements.management_buffers.cet1 = 0.015;
        r.requirements.management_buffers.lcr = 0.10;
        r.requirements.management_buffers.large_exposure = 0.05;
        for (cet1, expected) in [
            (0.0699, Status::Breach),
            (0.0999, Status::InsideBuffers),
            (0.10, Status::BelowTarget),
            (0.1149, Status::BelowTarget),
            (0.115, Status::Comfortable),
        ] {
            r.ratios.cet1 = Some(cet1);
            assert_eq!(status_of(&r, "cet1"), Some(expected), "CET1 {cet1}");
        }
        for (lcr, expected) in [
            (0.9999, Status::Breach),
            (1.05, Status::BelowTarget),
            (1.10, Status::Comfortable),
        ] {
            r.ratios.lcr = Some(lcr);
            assert_eq!(status_of(&r, "lcr"), Some(expected), "LCR {lcr}");
        }
        r.capital.tier1 = 1.0e9;
        for (share, expected) in [
            (0.19, Status::Comfortable),
            (0.21, Status::BelowTarget),
            (0.25, Status::BelowTarget),
            (0.2501, Status::Breach),
        ] {
            r.large_exposures = vec![crate::engine::results::LargeExposure {
                group: "G".to_owned(),
                exposure: share * 1.0e9,
                share_of_tier1: Some(share),
                limit: 0.25,
                breach: Some(share > 0.25),
            }];
            assert_eq!(status_of(&r, LARGE_EXPOSURE), Some(expected), "LE {share}");
        }
    }
}
