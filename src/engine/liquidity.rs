//! §7 liquidity coverage ratio (LCR30, LCR40) and §8 net stable funding
//! ratio (NSF30). A section absent from the input gives null figures; a
//! present but empty one gives zeros and a null ratio (ratios.md §10).

use super::dataset::{CategoryItem, HqlaLevel, Lcr, Nsfr};
use super::profile::Profile;
use super::results::{LcrResults, NsfrResults};
use super::sum::Sum;

fn rate(profile: &Profile, prefix: &str, category: &str) -> f64 {
    // Categories are checked by `DataSet::validate`; an unknown one weighs 0.
    profile
        .parameters
        .get(&format!("{prefix}{category}"))
        .copied()
        .unwrap_or(0.0)
}

fn weighted(items: &[CategoryItem], profile: &Profile, prefix: &str) -> f64 {
    Sum::of(
        items
            .iter()
            .map(|i| i.amount * rate(profile, prefix, &i.category)),
    )
}

pub fn lcr(section: Option<&Lcr>, profile: &Profile) -> (LcrResults, Option<f64>) {
    let Some(lcr) = section else {
        return (LcrResults::default(), None);
    };
    let level = |level: HqlaLevel| {
        Sum::of(
            lcr.hqla
                .iter()
                .filter(|h| h.level == level)
                .map(|h| h.amount),
        )
    };
    let l1 = level(HqlaLevel::L1) * profile.get("lcr.hqla.l1");
    let l2a = level(HqlaLevel::L2a) * profile.get("lcr.hqla.l2a");
    let l2b = level(HqlaLevel::L2bRmbs) * profile.get("lcr.hqla.l2b_rmbs")
        + level(HqlaLevel::L2bOther) * profile.get("lcr.hqla.l2b_other");
    // LCR30.46–48 caps: 15 % for Level 2B, 40 % for all of Level 2.
    let cap2b = profile.get("lcr.cap.l2b");
    let cap2 = profile.get("lcr.cap.l2");
    let adj15 = (l2b - cap2b / (1.0 - cap2b) * (l1 + l2a))
        .max(l2b - cap2b / (1.0 - cap2) * l1)
        .max(0.0);
    let adj40 = (l2a + l2b - adj15 - cap2 / (1.0 - cap2) * l1).max(0.0);
    let hqla = l1 + l2a + l2b - adj15 - adj40;
    let outflows = weighted(&lcr.outflows, profile, "lcr.outflow.");
    let inflows = weighted(&lcr.inflows, profile, "lcr.inflow.");
    let net = outflows - inflows.min(profile.get("lcr.inflow_cap") * outflows);
    let ratio = (net > 0.0).then(|| hqla / net);
    (
        LcrResults {
            l1: Some(l1),
            l2a: Some(l2a),
            l2b: Some(l2b),
            adj15: Some(adj15),
            adj40: Some(adj40),
            hqla: Some(hqla),
            outflows: Some(outflows),
            inflows: Some(inflows),
            net_outflows: Some(net),
        },
        ratio,
    )
}

pub fn nsfr(section: Option<&Nsfr>, profile: &Profile) -> (NsfrResults, Option<f64>) {
    let Some(nsfr) = section else {
        return (NsfrResults::default(), None);
    };
    let asf = weighted(&nsfr.asf, profile, "nsfr.asf.");
    let rsf = weighted(&nsfr.rsf, profile, "nsfr.rsf.");
    (
        NsfrResults {
            asf: Some(asf),
            rsf: Some(rsf),
        },
        (rsf > 0.0).then(|| asf / rsf),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::HqlaItem;

    fn p() -> Profile {
        Profile::named("basel31").expect("profile")
    }

    fn hqla(level: HqlaLevel, amount: f64) -> HqlaItem {
        HqlaItem {
            label: String::new(),
            level,
            amount,
        }
    }

    fn item(category: &str, amount: f64) -> CategoryItem {
        CategoryItem {
            label: String::new(),
            category: category.into(),
            amount,
        }
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a figure");
        assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn no_cap_binds_for_a_level1_heavy_buffer() {
        let lcr_in = Lcr {
            hqla: vec![hqla(HqlaLevel::L1, 100.0), hqla(HqlaLevel::L2a, 20.0)],
            outflows: vec![item("retail_stable", 1000.0)],
            inflows: vec![],
        };
        let (r, ratio) = lcr(Some(&lcr_in), &p());
        close(r.adj15, 0.0);
        close(r.adj40, 0.0);
        close(r.hqla, 117.0);
        close(ratio, 117.0 / 50.0);
    }

    #[test]
    fn the_level2b_cap_binds() {
        // L1 = 50, L2B other 100 × 50 % = 50: Adj15 = max(50 − 15/85 × 50, 50 − 15/60 × 50, 0).
        let lcr_in = Lcr {
            hqla: vec![hqla(HqlaLevel::L1, 50.0), hqla(HqlaLevel::L2bOther, 100.0)],
            outflows: vec![item("financial_and_other", 100.0)],
            inflows: vec![],
        };
        let (r, _) = lcr(Some(&lcr_in), &p());
        let adj15 = (50.0 - 15.0 / 85.0 * 50.0_f64).max(50.0 - 15.0 / 60.0 * 50.0);
        close(r.adj15, adj15);
        // Adj40 = max(0 + 50 − adj15 − 2/3 × 50, 0).
        close(r.adj40, (50.0 - adj15 - 2.0 / 3.0 * 50.0_f64).max(0.0));
    }

    #[test]
    fn the_level2_cap_binds_through_adj40() {
        // L1 = 30, L2A = 100 × 85 % = 85, no L2B: Adj40 = 85 − 2/3 × 30 = 65.
        let lcr_in = Lcr {
            hqla: vec![hqla(HqlaLevel::L1, 30.0), hqla(HqlaLevel::L2a, 100.0)],
            outflows: vec![item("financial_and_other", 100.0)],
            inflows: vec![],
        };
        let (r, _) = lcr(Some(&lcr_in), &p());
        close(r.adj15, 0.0);
        close(r.adj40, 65.0);
        close(r.hqla, 50.0);
    }

    #[test]
    fn inflows_are_capped_at_75_percent_of_outflows() {
        let lcr_in = Lcr {
            hqla: vec![hqla(HqlaLevel::L1, 100.0)],
            outflows: vec![item("financial_and_other", 200.0)],
            inflows: vec![item("financial", 500.0)],
        };
        let (r, ratio) = lcr(Some(&lcr_in), &p());
        close(r.inflows, 500.0);
        close(r.net_outflows, 50.0);
        close(ratio, 2.0);
        // Exactly at the cap: inflows = 75 % of outflows.
        let at_cap = Lcr {
            inflows: vec![item("financial", 150.0)],
            ..lcr_in
        };
        let (r, _) = lcr(Some(&at_cap), &p());
        close(r.net_outflows, 50.0);
    }

    #[test]
    fn absent_sections_are_null_and_empty_ones_zero() {
        let (r, ratio) = lcr(None, &p());
        assert_eq!(r, LcrResults::default());
        assert_eq!(ratio, None);
        let (r, ratio) = lcr(Some(&Lcr::default()), &p());
        close(r.hqla, 0.0);
        assert_eq!(ratio, None, "zero net outflows → null ratio");
        let (n, ratio) = nsfr(Some(&Nsfr::default()), &p());
        close(n.asf, 0.0);
        assert_eq!(ratio, None);
    }

    #[test]
    fn nsfr_weights_each_category() {
        let n = Nsfr {
            asf: vec![
                item("capital_and_long_term", 100.0),
                item("stable_retail_deposits", 200.0),
            ],
            rsf: vec![
                item("mortgages_1y_plus_low_rw", 100.0),
                item("undrawn_facilities", 400.0),
            ],
        };
        let (r, ratio) = nsfr(Some(&n), &p());
        close(r.asf, 290.0);
        close(r.rsf, 85.0);
        close(ratio, 290.0 / 85.0);
    }
}
