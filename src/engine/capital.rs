//! §1 capital (CAP10, CAP30): each tier floored at 0 after its deductions; a
//! tier's shortfall is not carried to the tier above (ratios.md §10).

use super::dataset::{CapitalItem, CapitalKind, Tier};
use super::results::CapitalResults;
use super::sum::Sum;

pub fn capital(items: &[CapitalItem]) -> CapitalResults {
    let tier = |tier: Tier| {
        let net = Sum::of(
            items
                .iter()
                .filter(|i| i.tier == tier)
                .map(|i| match i.kind {
                    CapitalKind::Item => i.amount,
                    CapitalKind::Deduction => -i.amount,
                }),
        );
        net.max(0.0)
    };
    let cet1 = tier(Tier::Cet1);
    let at1 = tier(Tier::At1);
    let t2 = tier(Tier::T2);
    CapitalResults {
        cet1,
        at1,
        tier1: cet1 + at1,
        t2,
        total: cet1 + at1 + t2,
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
