//! §9 large exposures (LEX20, LEX30): exposure per group of connected
//! counterparties against Tier 1. The group amounts are summed line by line
//! in `aggregate::contribution`; this module lists them.

use super::aggregate::Interner;
use super::profile::Profile;
use super::results::LargeExposure;
use super::sum::Sum;
use std::cmp::Ordering;

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

/// Group amounts in a max tree (a complete binary tree over the group ids,
/// each node the largest amount below it), so that one group's change costs
/// O(log n) array writes and the list is read from the top without
/// sorting every group. Groups no line references hold −∞.
#[derive(Clone, Debug, Default)]
pub struct GroupRanking {
    /// Leaves at `leaves..2 × leaves`, node `i`'s children at `2i`, `2i + 1`.
    tree: Vec<f64>,
    leaves: usize,
}

const ABSENT: f64 = f64::NEG_INFINITY;

impl GroupRanking {
    pub fn new(groups: &[Sum], refs: &[u32]) -> GroupRanking {
        let amounts: Vec<f64> = groups
            .iter()
            .zip(refs)
            .map(|(s, n)| if *n > 0 { s.value().max(0.0) } else { ABSENT })
            .collect();
        GroupRanking::of(&amounts, amounts.len())
    }

    fn of(amounts: &[f64], at_least: usize) -> GroupRanking {
        let leaves = at_least.max(1).next_power_of_two();
        let mut tree = vec![ABSENT; 2 * leaves];
        tree[leaves..leaves + amounts.len()].copy_from_slice(amounts);
        for i in (1..leaves).rev() {
            tree[i] = tree[2 * i].max(tree[2 * i + 1]);
        }
        GroupRanking { tree, leaves }
    }

    /// `amount` None: no line references the group any more.
    pub fn update(&mut self, group: u32, amount: Option<f64>) {
        let amount = amount.map_or(ABSENT, |a| a.max(0.0));
        let g = group as usize;
        if g >= self.leaves {
            let mut amounts = self.tree[self.leaves..].to_vec();
            amounts.resize(g + 1, ABSENT);
            *self = GroupRanking::of(&amounts, g + 1);
        }
        let mut i = self.leaves + g;
        if self.tree[i] == amount {
            return;
        }
        self.tree[i] = amount;
        while i > 1 {
            i /= 2;
            let top = self.tree[2 * i].max(self.tree[2 * i + 1]);
            if self.tree[i] == top {
                break;
            }
            self.tree[i] = top;
        }
    }

    /// The groups `list` would give for these amounts (same rule, same order).
    pub fn list(&self, names: &Interner, tier1: f64, profile: &Profile) -> Vec<LargeExposure> {
        let limit = profile.get("le.limit");
        let threshold = profile.get("le.reporting_threshold") * tier1;
        let largest = profile.get("le.listed_largest").max(0.0) as usize;
        let mut listed = Vec::new();
        let mut ranked = self.descending().peekable();
        while let Some((amount, first)) = ranked.next() {
            let mut tied = vec![first];
            while let Some((_, next)) = ranked.next_if(|n| n.0 == amount) {
                tied.push(next);
            }
            tied.sort_by(|a, b| names.name(*a).cmp(names.name(*b)));
            for group in tied {
                // Amounts only fall and ranks only grow: the first miss ends it.
                if !(listed.len() < largest || (tier1 > 0.0 && amount >= threshold)) {
                    return listed;
                }
                listed.push(entry(names.name(group), amount, tier1, limit));
            }
        }
        listed
    }

    /// (amount, group) from the largest down, lazily: each step pops the
    /// largest node of a small heap and pushes its children.
    fn descending(&self) -> impl Iterator<Item = (f64, u32)> + '_ {
        #[derive(PartialEq)]
        struct Node(f64, usize);
        impl Eq for Node {}
        impl PartialOrd for Node {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Node {
            // Larger amounts first; among equals, lower ids first.
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
            }
        }
        let mut heap = std::collections::BinaryHeap::new();
        if self.tree.len() > 1 && self.tree[1] != ABSENT {
            heap.push(Node(self.tree[1], 1));
        }
        std::iter::from_fn(move || {
            while let Some(Node(amount, i)) = heap.pop() {
                if i >= self.leaves {
                    return Some((amount, (i - self.leaves) as u32));
                }
                for child in [2 * i, 2 * i + 1] {
                    if self.tree[child] != ABSENT {
                        heap.push(Node(self.tree[child], child));
                    }
                }
            }
            None
        })
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
