//! §4 operational risk, standardised approach (OPE25).

use super::dataset::OpRisk;
use super::profile::Profile;
use super::results::OpRiskResults;

pub struct OpRiskFigures {
    pub results: OpRiskResults,
    pub rwa: f64,
}

/// Business indicator component: marginal coefficients by bucket.
pub fn bic(bi: f64, profile: &Profile) -> f64 {
    let t1 = profile.get("oprisk.bic.threshold1");
    let t2 = profile.get("oprisk.bic.threshold2");
    let r1 = profile.get("oprisk.bic.rate1");
    let r2 = profile.get("oprisk.bic.rate2");
    let r3 = profile.get("oprisk.bic.rate3");
    r1 * bi.min(t1) + r2 * (bi.min(t2) - t1).max(0.0) + r3 * (bi - t2).max(0.0)
}

pub fn operational(op: Option<&OpRisk>, profile: &Profile) -> OpRiskFigures {
    let years = op.map(|o| o.years.as_slice()).unwrap_or(&[]);
    if years.is_empty() {
        return OpRiskFigures {
            results: OpRiskResults::default(),
            rwa: 0.0,
        };
    }
    let n = years.len() as f64;
    let avg = |f: &dyn Fn(&super::dataset::OpRiskYear) -> f64| years.iter().map(f).sum::<f64>() / n;
    // Year by year first, then the three-year average (OPE25.5).
    let ildc = avg(&|y| (y.interest_income - y.interest_expense).abs())
        .min(profile.get("oprisk.ildc_cap_rate") * avg(&|y| y.interest_earning_assets))
        + avg(&|y| y.dividend_income);
    let sc = avg(&|y| y.other_operating_income).max(avg(&|y| y.other_operating_expense))
        + avg(&|y| y.fee_income).max(avg(&|y| y.fee_expense));
    let fc = avg(&|y| y.trading_book_pnl.abs()) + avg(&|y| y.banking_book_pnl.abs());
    let bi = ildc + sc + fc;
    let bic = bic(bi, profile);
    let loss = op.and_then(|o| o.average_annual_loss);
    let ilm = match loss {
        _ if !profile.flag("oprisk.ilm_enabled") => 1.0,
        // BI ≤ 1 bn (inclusive) or no loss data → 1 (OPE25.9, ratios.md §10).
        _ if bi <= profile.get("oprisk.bic.threshold1") => 1.0,
        None => 1.0,
        Some(_) if bic <= 0.0 => 1.0,
        Some(average_loss) => {
            let lc = profile.get("oprisk.loss_multiplier") * average_loss;
            (std::f64::consts::E - 1.0 + (lc / bic).powf(profile.get("oprisk.ilm_exponent"))).ln()
        }
    };
    OpRiskFigures {
        results: OpRiskResults {
            bi: Some(bi),
            bic: Some(bic),
            ilm: Some(ilm),
        },
        rwa: 12.5 * bic * ilm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::OpRiskYear;

    fn basel() -> Profile {
        Profile::named("basel31").expect("profile")
    }

    #[test]
    fn ope25_7_worked_example() {
        let value = bic(35e9, &basel());
        assert!((value - 5.37e9).abs() < 1.0, "{value}");
    }

    #[test]
    fn bic_bucket_edges() {
        let p = basel();
        assert!((bic(1e9, &p) - 0.12e9).abs() < 1e-3);
        assert!((bic(30e9, &p) - (0.12e9 + 29.0 * 0.15e9)).abs() < 1e-3);
        assert!((bic(30e9 + 1.0, &p) - (0.12e9 + 29.0 * 0.15e9 + 0.18)).abs() < 1e-3);
    }

    fn year(ii: f64, ie: f64, iea: f64) -> OpRiskYear {
        OpRiskYear {
            interest_income: ii,
            interest_expense: ie,
            interest_earning_assets: iea,
            dividend_income: 10.0,
            fee_income: 300.0,
            fee_expense: 100.0,
            other_operating_income: 50.0,
            other_operating_expense: 70.0,
            trading_book_pnl: -40.0,
            banking_book_pnl: 20.0,
            ..OpRiskYear::default()
        }
    }

    #[test]
    fn business_indicator_components_and_ilm() {
        // |ii − ie| = 1000 each year; 2.25 % × 40 000 = 900 caps the ILDC.
        let op = OpRisk {
            years: vec![year(3000.0, 2000.0, 40_000.0); 3],
            average_annual_loss: None,
        };
        let f = operational(Some(&op), &basel());
        let bi = f.results.bi.expect("bi");
        assert!(
            (bi - (900.0 + 10.0 + 70.0 + 300.0 + 40.0 + 20.0)).abs() < 1e-9,
            "{bi}"
        );
        assert_eq!(f.results.ilm, Some(1.0), "BI ≤ 1 bn → ILM 1");

        let big = OpRisk {
            years: vec![year(3e9, 1e9, 1e12); 3],
            average_annual_loss: Some(1e8),
        };
        let f = operational(Some(&big), &basel());
        let bic = f.results.bic.expect("bic");
        let expected = (std::f64::consts::E - 1.0 + (15.0 * 1e8 / bic).powf(0.8)).ln();
        assert!((f.results.ilm.expect("ilm") - expected).abs() < 1e-12);
        assert!((f.rwa - 12.5 * bic * expected).abs() < 1e-3);
        let crr3 = operational(Some(&big), &Profile::named("crr3").expect("crr3"));
        assert_eq!(crr3.results.ilm, Some(1.0), "crr3: ILM = 1");
    }

    #[test]
    fn no_years_means_null_figures_and_zero_rwa() {
        let f = operational(Some(&OpRisk::default()), &basel());
        assert_eq!(f.results, OpRiskResults::default());
        assert_eq!(f.rwa, 0.0);
        assert_eq!(operational(None, &basel()).rwa, 0.0);
    }
}
