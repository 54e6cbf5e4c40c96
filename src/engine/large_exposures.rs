//! §9 large exposures (LEX20, LEX30): exposure per group of connected
//! counterparties against Tier 1.

use super::credit::LineOutcome;
use super::dataset::{CounterpartyType, Exposure, ExposureClass};
use super::profile::Profile;
use super::results::LargeExposure;
use super::sum::Sum;
use std::collections::HashMap;

fn is_sovereign_line(line: &Exposure) -> bool {
    line.class == ExposureClass::Sovereign
        || line.counterparty_type == Some(CounterpartyType::Sovereign)
}

/// Group totals: key → Σ amounts. The amount of a line is on_net +
/// off_net × max(CCF, 10 %) less its haircut collateral, floored at 0; the
/// guaranteed part moves to the guarantor's group.
pub fn group_totals<'a>(
    lines: &'a [Exposure],
    outcomes: &[LineOutcome],
    ccf_floor: f64,
) -> HashMap<&'a str, Sum> {
    let mut groups: HashMap<&str, Sum> = HashMap::new();
    for (line, outcome) in lines.iter().zip(outcomes) {
        if is_sovereign_line(line) {
            continue;
        }
        let gross = outcome.on_net + outcome.off_net * outcome.ccf.max(ccf_floor);
        let after_collateral = (gross - outcome.collateral_adjusted).max(0.0);
        let moved = match &line.guarantor_group_id {
            Some(_) => line
                .guaranteed_amount
                .unwrap_or(0.0)
                .clamp(0.0, after_collateral),
            None => 0.0,
        };
        if let Some(guarantor_group) = &line.guarantor_group_id
            && moved > 0.0
            && line.guarantor_class != Some(ExposureClass::Sovereign)
        {
            groups
                .entry(guarantor_group.as_str())
                .or_default()
                .add(moved);
        }
        if let Some(group) = line.group_id.as_deref().or(line.counterparty_id.as_deref()) {
            groups
                .entry(group)
                .or_default()
                .add(after_collateral - moved);
        }
    }
    groups
}

/// Every group at or above the reporting threshold plus the largest ones,
/// largest first, ties by group id (ratios.md §10).
pub fn list(groups: HashMap<&str, Sum>, tier1: f64, profile: &Profile) -> Vec<LargeExposure> {
    let limit = profile.get("le.limit");
    let threshold = profile.get("le.reporting_threshold");
    let largest = profile.get("le.listed_largest").max(0.0) as usize;
    let mut all: Vec<(&str, f64)> = groups.into_iter().map(|(g, s)| (g, s.value())).collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    all.into_iter()
        .enumerate()
        .filter(|(rank, (_, exposure))| {
            *rank < largest || (tier1 > 0.0 && *exposure >= threshold * tier1)
        })
        .map(|(_, (group, exposure))| {
            let share = (tier1 > 0.0).then(|| exposure / tier1);
            LargeExposure {
                group: group.to_owned(),
                exposure,
                share_of_tier1: share,
                limit,
                breach: share.map(|s| s > limit),
            }
        })
        .collect()
}
