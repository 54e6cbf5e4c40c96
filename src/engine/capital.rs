//! §1 capital (CAP10, CAP30): each tier floored at 0 after its deductions; a
//! tier's shortfall is not carried to the tier above (ratios.md §10).

use super::dataset::{CapitalItem, CapitalKind, Tier};
use super::results::CapitalResults;
use super::sum::Sum;

pub fn capital(items: &[CapitalItem]) -> CapitalResults {
    let mut sums = TierSums::default();
    for item in items {
        sums.add(item);
    }
    sums.results()
}

/// Each tier's items net of its deductions, kept as items come: a what-if
/// capital action adds one item, and the tiers follow without summing every
/// item again.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierSums {
    cet1: Sum,
    at1: Sum,
    t2: Sum,
}

impl TierSums {
    pub fn add(&mut self, item: &CapitalItem) {
        let amount = match item.kind {
            CapitalKind::Item => item.amount,
            CapitalKind::Deduction => -item.amount,
        };
        match item.tier {
            Tier::Cet1 => self.cet1.add(amount),
            Tier::At1 => self.at1.add(amount),
            Tier::T2 => self.t2.add(amount),
        }
    }

    pub fn results(&self) -> CapitalResults {
        let cet1 = self.cet1.value().max(0.0);
        let at1 = self.at1.value().max(0.0);
        let t2 = self.t2.value().max(0.0);
        CapitalResults {
            cet1,
            at1,
            tier1: cet1 + at1,
            t2,
            total: cet1 + at1 + t2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(tier: Tier, kind: CapitalKind, amount: f64) -> CapitalItem {
        CapitalItem {
            tier,
            kind,
            label: String::new(),
            amount,
        }
    }

    #[test]
    fn tiers_net_of_deductions_floored_without_carry() {
        let items = [
            item(Tier::Cet1, CapitalKind::Item, 1000.0),
            item(Tier::Cet1, CapitalKind::Deduction, 150.0),
            item(Tier::At1, CapitalKind::Item, 100.0),
            item(Tier::At1, CapitalKind::Deduction, 250.0),
            item(Tier::T2, CapitalKind::Item, 80.0),
        ];
        let c = capital(&items);
        assert_eq!(c.cet1, 850.0);
        assert_eq!(c.at1, 0.0, "AT1 floored at 0, shortfall not carried");
        assert_eq!(c.tier1, 850.0);
        assert_eq!(c.total, 930.0);
    }
}
