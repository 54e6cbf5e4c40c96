//! §9 large exposures (LEX20, LEX30): exposure per group of connected
//! counterparties against Tier 1. The group amounts are summed line by line
//! in `aggregate::contribution`; this module lists them.

use super::aggregate::Interner;
use super::profile::Profile;
use super::results::LargeExposure;
use super::sum::Sum;
use std::cmp::Ordering;
use std::collections::BTreeSet;

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

/// A group's place in the ranking: amount descending, then id. Ties in
/// amount are put in name order when listed.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ranked {
    amount: f64,
    group: u32,
}

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .amount
            .total_cmp(&self.amount)
            .then(self.group.cmp(&other.group))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Groups kept in ranking order, so that the list is read from the top and
/// one group's change costs O(log n), not a sort of every group.
#[derive(Clone, Debug, Default)]
pub struct GroupRanking {
    order: BTreeSet<Ranked>,
    /// NaN: no line references the group.
    amount_of: Vec<f64>,
}

impl GroupRanking {
    pub fn new(groups: &[Sum], refs: &[u32]) -> GroupRanking {
        let amount_of: Vec<f64> = groups
            .iter()
            .zip(refs)
            .map(|(s, n)| if *n > 0 { s.value().max(0.0) } else { f64::NAN })
            .collect();
        let order = amount_of
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.is_nan())
            .map(|(id, a)| Ranked {
                amount: *a,
                group: id as u32,
            })
            .collect();
        GroupRanking { order, amount_of }
    }

    /// `amount` None: no line references the group any more.
    pub fn update(&mut self, group: u32, amount: Option<f64>) {
        let amount = amount.map_or(f64::NAN, |a| a.max(0.0));
        let g = group as usize;
        if g >= self.amount_of.len() {
            self.amount_of.resize(g + 1, f64::NAN);
        }
        let old = self.amount_of[g];
        if old == amount || (old.is_nan() && amount.is_nan()) {
            return;
        }
        if !old.is_nan() {
            self.order.remove(&Ranked { amount: old, group });
        }
        if !amount.is_nan() {
            self.order.insert(Ranked { amount, group });
        }
        self.amount_of[g] = amount;
    }

    /// The groups `list` would give for these amounts (same rule, same order).
    pub fn list(&self, names: &Interner, tier1: f64, profile: &Profile) -> Vec<LargeExposure> {
        let limit = profile.get("le.limit");
        let threshold = profile.get("le.reporting_threshold") * tier1;
        let largest = profile.get("le.listed_largest").max(0.0) as usize;
        let mut listed = Vec::new();
        let mut ranked = self.order.iter().peekable();
        while let Some(first) = ranked.next() {
            let mut tied = vec![*first];
            while let Some(next) = ranked.next_if(|n| n.amount == first.amount) {
                tied.push(*next);
            }
            tied.sort_by(|a, b| names.name(a.group).cmp(names.name(b.group)));
            for r in tied {
                // Amounts only fall and ranks only grow: the first miss ends it.
                if !(listed.len() < largest || (tier1 > 0.0 && r.amount >= threshold)) {
                    return listed;
                }
                listed.push(entry(names.name(r.group), r.amount, tier1, limit));
            }
        }
        listed
    }
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
        let full = list(&groups, &refs, &names, 1_000.0, &profile);
        let mut ranking = GroupRanking::new(&groups, &refs);
        assert_eq!(ranking.list(&names, 1_000.0, &profile), full);
        let listed: Vec<&str> = full.iter().map(|l| l.group.as_str()).collect();
        assert_eq!(
            listed,
            ["foxtrot", "alpha", "bravo"],
            "ties in name order; echo has no line"
        );

        let mut moved = groups.clone();
        moved[2] = sums(&[7.0])[0];
        ranking.update(2, Some(7.0));
        assert_eq!(
            ranking.list(&names, 1_000.0, &profile),
            list(&moved, &refs, &names, 1_000.0, &profile)
        );
        ranking.update(5, None);
        let mut gone = refs;
        gone[5] = 0;
        assert_eq!(
            ranking.list(&names, 1_000.0, &profile),
            list(&moved, &gone, &names, 1_000.0, &profile)
        );
    }
}
