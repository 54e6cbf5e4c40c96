//! §9 large exposures (LEX20, LEX30): exposure per group of connected
//! counterparties against Tier 1. The group amounts are summed line by line
//! in `aggregate::contribution`; this module lists them.

use super::aggregate::Interner;
use super::profile::Profile;
use super::results::LargeExposure;
use super::sum::Sum;

/// Every group at or above the reporting threshold plus the largest ones,
/// largest first, ties by group id (ratios.md §10). Selecting the candidates
/// first keeps this linear in the number of groups.
pub fn list(
    groups: &[Sum],
    refs: &[u32],
    names: &Interner,
    tier1: f64,
    profile: &Profile,
) -> Vec<LargeExposure> {
    let limit = profile.get("le.limit");
    let threshold = profile.get("le.reporting_threshold") * tier1;
    let largest = profile.get("le.listed_largest").max(0.0) as usize;
    let mut all: Vec<(f64, u32)> = groups
        .iter()
        .zip(refs)
        .enumerate()
        .filter(|(_, (_, n))| **n > 0)
        .map(|(id, (s, _))| (s.value().max(0.0), id as u32))
        .collect();
    // The `largest`-th amount: every group at or above it is a candidate
    // (ties included, so the id order decides among equals).
    let cut = if largest == 0 || all.is_empty() {
        f64::INFINITY
    } else {
        let k = largest.min(all.len()) - 1;
        let (_, kth, _) = all.select_nth_unstable_by(k, |a, b| b.0.total_cmp(&a.0));
        kth.0
    };
    let floor = if tier1 > 0.0 { cut.min(threshold) } else { cut };
    let mut candidates: Vec<(f64, &str)> = all
        .into_iter()
        .filter(|(amount, _)| *amount >= floor)
        .map(|(amount, id)| (amount, names.name(id)))
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    candidates
        .into_iter()
        .enumerate()
        .filter(|(rank, (exposure, _))| *rank < largest || (tier1 > 0.0 && *exposure >= threshold))
        .map(|(_, (exposure, group))| entry(group, exposure, tier1, limit))
        .collect()
}

/// One listed group; share and breach are null when Tier 1 is 0, and a
/// breach is strictly above the limit (ratios.md §10).
fn entry(group: &str, exposure: f64, tier1: f64, limit: f64) -> LargeExposure {
    let share = (tier1 > 0.0).then(|| exposure / tier1);
    LargeExposure {
        group: group.to_owned(),
        exposure,
        share_of_tier1: share,
        limit,
        breach: share.map(|s| s > limit),
    }
}

/// Groups kept in listing order (amount descending, then id), so that the
/// list is read from the top and one group's change is a binary search and
/// a move, not a sort of every group.
#[derive(Clone, Debug, Default)]
pub struct GroupRanking {
    order: Vec<(f64, u32)>,
    amount_of: Vec<f64>,
}

impl GroupRanking {
    pub fn new(groups: &[Sum], refs: &[u32], names: &Interner) -> GroupRanking {
        let amount_of: Vec<f64> = groups
            .iter()
            .zip(refs)
            .map(|(s, n)| if *n > 0 { s.value().max(0.0) } else { f64::NAN })
            .collect();
        let mut order: Vec<(f64, u32)> = amount_of
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.is_nan())
            .map(|(id, a)| (*a, id as u32))
            .collect();
        order.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| names.name(a.1).cmp(names.name(b.1)))
        });
        GroupRanking { order, amount_of }
    }

    fn position(&self, entry: (f64, u32), names: &Interner) -> Result<usize, usize> {
        self.order.binary_search_by(|probe| {
            entry
                .0
                .total_cmp(&probe.0)
                .then_with(|| names.name(probe.1).cmp(names.name(entry.1)))
        })
    }

    /// `amount` None: no line references the group any more.
    pub fn update(&mut self, group: u32, amount: Option<f64>, names: &Interner) {
        let amount = amount.map_or(f64::NAN, |a| a.max(0.0));
        let g = group as usize;
        if g >= self.amount_of.len() {
            self.amount_of.resize(g + 1, f64::NAN);
        }
        let old = self.amount_of[g];
        if old == amount || (old.is_nan() && amount.is_nan()) {
            return;
        }
        if !old.is_nan()
            && let Ok(at) = self.position((old, group), names)
        {
            self.order.remove(at);
        }
        if !amount.is_nan() {
            let at = self
                .position((amount, group), names)
                .unwrap_or_else(|at| at);
            self.order.insert(at, (amount, group));
        }
        self.amount_of[g] = amount;
    }

    pub fn list(&self, names: &Interner, tier1: f64, profile: &Profile) -> Vec<LargeExposure> {
        let limit = profile.get("le.limit");
        let threshold = profile.get("le.reporting_threshold") * tier1;
        let largest = profile.get("le.listed_largest").max(0.0) as usize;
        self.order
            .iter()
            .enumerate()
            .take_while(|(rank, (amount, _))| {
                *rank < largest || (tier1 > 0.0 && *amount >= threshold)
            })
            .map(|(_, (exposure, id))| entry(names.name(*id), *exposure, tier1, limit))
            .collect()
    }
}
