//! §9 large exposures (LEX20, LEX30): exposure per group of connected
//! counterparties against Tier 1. The group amounts are summed line by line
//! in `aggregate::contribute`; this module lists them.

use super::aggregate::Interner;
use super::profile::Profile;
use super::results::LargeExposure;
use super::sum::Sum;
use rustc_hash::FxHashMap;

/// Every group at or above the reporting threshold plus the largest ones,
/// largest first, ties by group id (ratios.md §10), from the (amount,
/// group) of every group some line references. Selecting the candidates
/// first keeps this linear in the number of groups.
pub fn list(
    mut all: Vec<(f64, u32)>,
    names: &Interner,
    tier1: f64,
    profile: &Profile,
) -> Vec<LargeExposure> {
    let limit = profile.get("le.limit");
    let threshold = profile.get("le.reporting_threshold") * tier1;
    let largest = profile.get("le.listed_largest").max(0.0) as usize;
    for (amount, _) in &mut all {
        *amount = amount.max(0.0);
    }
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

/// Whether `watched` (some groups' amounts) lists what every group would,
/// when no other group can exceed `others`: the largest ones are all
/// watched, and so is every group at or above the reporting threshold.
pub fn watched_settle(watched: &[(f64, u32)], others: f64, tier1: f64, profile: &Profile) -> bool {
    let threshold = profile.get("le.reporting_threshold") * tier1;
    let largest = profile.get("le.listed_largest").max(0.0) as usize;
    let mut amounts: Vec<f64> = watched.iter().map(|(a, _)| a.max(0.0)).collect();
    // Strictly above: a group left out that ties could rank first by name.
    let largest_watched = largest == 0
        || (amounts.len() >= largest && {
            let (_, kth, _) = amounts.select_nth_unstable_by(largest - 1, |a, b| b.total_cmp(a));
            *kth > others
        });
    largest_watched && (tier1 <= 0.0 || threshold > others)
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

/// The groups that may be listed, for the incremental engine: every group
/// whose amount is at or above a floor, in a small map; the other groups
/// (tens or hundreds of thousands of small ones) are not tracked. A change
/// to a group below the floor that stays below costs nothing.
///
/// The list drawn from the tracked groups is the full listing's while at
/// least `le.listed_largest` groups are tracked (so the largest ones are
/// all in) and the reporting threshold is at or above the floor (so every
/// group above it is in). Otherwise the floor is set again from every group,
/// at half of the lower of the two, so that levers moving amounts back and
/// forth do not set it again each time.
#[derive(Clone, Debug)]
pub struct GroupRanking {
    floor: f64,
    tracked: FxHashMap<u32, f64>,
    /// The floor must be set from every group before the next list.
    stale: bool,
}

impl Default for GroupRanking {
    fn default() -> Self {
        GroupRanking {
            floor: f64::INFINITY,
            tracked: FxHashMap::default(),
            stale: true,
        }
    }
}

impl GroupRanking {
    /// A group's amount changed from `before` to `after`; None: no line
    /// references the group.
    pub fn update(&mut self, group: u32, before: Option<f64>, after: Option<f64>) {
        let at_or_above = |amount: Option<f64>| amount.is_some_and(|a| a.max(0.0) >= self.floor);
        match (at_or_above(before), at_or_above(after)) {
            (_, true) => {
                self.tracked
                    .insert(group, after.unwrap_or_default().max(0.0));
            }
            (true, false) => {
                self.tracked.remove(&group);
            }
            (false, false) => {}
        }
    }

    /// The groups `list` gives for these amounts (same rule, same order).
    pub fn list(
        &mut self,
        groups: &[Sum],
        refs: &[u32],
        names: &Interner,
        tier1: f64,
        profile: &Profile,
    ) -> Vec<LargeExposure> {
        let limit = profile.get("le.limit");
        let threshold = profile.get("le.reporting_threshold") * tier1;
        let largest = profile.get("le.listed_largest").max(0.0) as usize;
        let complete = self.tracked.len() >= largest || self.floor == f64::NEG_INFINITY;
        if self.stale || !complete || (tier1 > 0.0 && threshold < self.floor) {
            self.track(groups, refs, largest, (tier1 > 0.0).then_some(threshold));
        }
        let mut candidates: Vec<(f64, &str)> = self
            .tracked
            .iter()
            .map(|(group, amount)| (*amount, names.name(*group)))
            .collect();
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        candidates
            .into_iter()
            .enumerate()
            .filter(|(rank, (exposure, _))| {
                *rank < largest || (tier1 > 0.0 && *exposure >= threshold)
            })
            .map(|(_, (exposure, group))| entry(group, exposure, tier1, limit))
            .collect()
    }

    /// Sets the floor from every group and tracks those at or above it.
    fn track(&mut self, groups: &[Sum], refs: &[u32], largest: usize, threshold: Option<f64>) {
        let mut all: Vec<(f64, u32)> = present(groups, refs).collect();
        self.floor = if all.len() <= largest {
            f64::NEG_INFINITY
        } else {
            let kth = if largest == 0 {
                f64::INFINITY
            } else {
                let (_, kth, _) =
                    all.select_nth_unstable_by(largest - 1, |a, b| b.0.total_cmp(&a.0));
                kth.0
            };
            0.5 * threshold.map_or(kth, |t| t.min(kth))
        };
        self.tracked = all
            .into_iter()
            .filter(|(amount, _)| *amount >= self.floor)
            .map(|(amount, group)| (group, amount))
            .collect();
        self.stale = false;
    }
}

/// (amount, group) of every group some line references, amounts floored
/// at 0.
pub fn present<'a>(groups: &'a [Sum], refs: &'a [u32]) -> impl Iterator<Item = (f64, u32)> + 'a {
    groups
        .iter()
        .zip(refs)
        .enumerate()
        .filter(|(_, (_, n))| **n > 0)
        .map(|(id, (s, _))| (s.value().max(0.0), id as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(values: &[f64]) -> Vec<Sum> {
        values
            .iter()
            .map(|v| {
                let mut s = Sum::default();
                s.add(*v);
                s
            })
            .collect()
    }

    #[test]
    fn the_ranking_lists_what_a_full_listing_lists_ties_by_name() {
        let mut names = Interner::default();
        for n in ["delta", "alpha", "charlie", "bravo", "echo", "foxtrot"] {
            names.id(n);
        }
        let mut profile = Profile::named("basel31").expect("profile");
        profile.set("le.listed_largest", 3.0).expect("key");
        let amounts = [5.0, 5.0, 3.0, 5.0, 1.0, 9.0];
        let refs = [1, 1, 1, 1, 0, 1];
        let groups = sums(&amounts);
        let full = list(present(&groups, &refs).collect(), &names, 1_000.0, &profile);
        let mut ranking = GroupRanking::default();
        assert_eq!(
            ranking.list(&groups, &refs, &names, 1_000.0, &profile),
            full
        );
        let listed: Vec<&str> = full.iter().map(|l| l.group.as_str()).collect();
        assert_eq!(
            listed,
            ["foxtrot", "alpha", "bravo"],
            "ties in name order; echo has no line"
        );

        // charlie climbs from below the floor into the list.
        let mut moved = groups.clone();
        moved[2] = sums(&[7.0])[0];
        ranking.update(2, Some(3.0), Some(7.0));
        assert_eq!(
            ranking.list(&moved, &refs, &names, 1_000.0, &profile),
            list(present(&moved, &refs).collect(), &names, 1_000.0, &profile)
        );
        // foxtrot loses its last line.
        let mut gone = refs;
        gone[5] = 0;
        ranking.update(5, Some(9.0), None);
        assert_eq!(
            ranking.list(&moved, &gone, &names, 1_000.0, &profile),
            list(present(&moved, &gone).collect(), &names, 1_000.0, &profile)
        );
        // Everyone falls: fewer than three groups stay above the floor, and
        // the ranking sets it again from every group.
        let fallen = sums(&[0.5, 0.4, 0.3, 0.2, 0.1, 0.0]);
        for (g, (before, after)) in moved.iter().zip(&fallen).enumerate() {
            ranking.update(g as u32, Some(before.value()), Some(after.value()));
        }
        assert_eq!(
            ranking.list(&fallen, &gone, &names, 1_000.0, &profile),
            list(present(&fallen, &gone).collect(), &names, 1_000.0, &profile)
        );
        // A low Tier 1 lists every group above 10 % of it.
        assert_eq!(
            ranking.list(&fallen, &gone, &names, 2.0, &profile),
            list(present(&fallen, &gone).collect(), &names, 2.0, &profile)
        );
    }
}
