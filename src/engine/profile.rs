//! Rule profiles as data (ratios.md: "every number here is a parameter").
//!
//! A profile is a flat map of documented keys (`rw.corporate.cqs3`,
//! `lcr.outflow.retail_stable`, …) to numbers; flags are 0/1. The same keys
//! are used by a data set's `overrides` and by a scenario's `set_parameter`,
//! and a stored result keeps the full map it was computed with, so it can
//! always be recomputed with the same rules.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub parameters: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown rule profile \"{0}\" (expected basel31 or crr3)")]
    UnknownProfile(String),
    #[error("unknown profile parameter \"{0}\" (`prudentia profile show basel31` lists every key)")]
    UnknownKey(String),
    #[error("profile parameter {0}")]
    InvalidValue(String),
}

pub const DEFAULT_PROFILE: &str = "basel31";

const RATED_CLASSES: [(&str, [f64; 6]); 6] = [
    // CRE20.7, own-rating option for PSEs, CRE20.15 MDBs, CRE20.17 ECRA,
    // CRE20.19 short-term ECRA, CRE20.42 corporates.
    ("sovereign", [0.0, 0.20, 0.50, 1.00, 1.00, 1.50]),
    ("pse", [0.20, 0.50, 0.50, 1.00, 1.00, 1.50]),
    ("mdb", [0.20, 0.30, 0.50, 1.00, 1.00, 1.50]),
    ("bank", [0.20, 0.30, 0.50, 1.00, 1.00, 1.50]),
    ("bank_short", [0.20, 0.20, 0.20, 0.50, 0.50, 1.50]),
    ("corporate", [0.20, 0.50, 0.75, 1.00, 1.50, 1.50]),
];

fn basel31() -> Vec<(String, f64)> {
    let mut p: Vec<(String, f64)> = Vec::with_capacity(256);
    let mut set = |key: &str, value: f64| p.push((key.to_owned(), value));

    // §3.1 credit conversion factors (CRE20.94–101).
    set("ccf.direct_credit_substitute", 1.00);
    set("ccf.transaction_contingent", 0.50);
    set("ccf.nif_ruf", 0.50);
    set("ccf.trade_lc", 0.20);
    set("ccf.commitment", 0.40);
    set("ccf.unconditionally_cancellable", 0.10);

    // §3.3 rated tables.
    for (class, weights) in RATED_CLASSES {
        for (i, w) in weights.iter().enumerate() {
            set(&format!("rw.{class}.cqs{}", i + 1), *w);
        }
    }
    set("rw.covered_bond.cqs1", 0.10);
    set("rw.covered_bond.cqs2", 0.20);
    set("rw.covered_bond.cqs3", 0.20);
    set("rw.covered_bond.cqs4", 0.50);
    set("rw.covered_bond.cqs5", 0.50);
    set("rw.covered_bond.cqs6", 1.00);
    set("rw.sovereign.unrated", 1.00);
    set("rw.pse.unrated", 0.50);
    set("rw.mdb.unrated", 0.50);
    set("rw.mdb.qualifying", 0.0);
    set("rw.corporate.unrated", 1.00);
    set("rw.corporate.unrated_sme", 0.85);
    set("rw.corporate.unrated_investment_grade", 0.65);
    set("corporate.investment_grade_treatment", 1.0);
    // SCRA (CRE20.21–22) by grade, long and short term.
    set("rw.bank.scra.a_plus", 0.30);
    set("rw.bank.scra.a", 0.40);
    set("rw.bank.scra.b", 0.75);
    set("rw.bank.scra.c", 1.50);
    set("rw.bank.scra_short.a_plus", 0.20);
    set("rw.bank.scra_short.a", 0.20);
    set("rw.bank.scra_short.b", 0.50);
    set("rw.bank.scra_short.c", 1.50);
    // Unrated covered bonds from the issuer's RW (CRE20.38).
    for (issuer, bond) in [
        (20, 0.10),
        (30, 0.15),
        (40, 0.20),
        (50, 0.25),
        (75, 0.35),
        (100, 0.50),
        (150, 1.00),
    ] {
        set(&format!("rw.covered_bond.issuer_{issuer}"), bond);
    }
    // Specialised lending, unrated (CRE20.48–50).
    set("rw.specialised_lending.object", 1.00);
    set("rw.specialised_lending.commodities", 1.00);
    set("rw.specialised_lending.project_pre_operational", 1.30);
    set("rw.specialised_lending.project_operational", 1.00);
    set("rw.specialised_lending.project_high_quality", 0.80);
    set("rw.specialised_lending.unspecified", 1.00);
    set("rw.subordinated_debt", 1.50);
    set("rw.equity", 2.50);
    set("rw.equity_speculative", 4.00);
    set("rw.retail.transactor", 0.45);
    set("rw.retail.regulatory", 0.75);
    set("rw.retail.other", 1.00);
    set("rw.other_assets.cash", 0.0);
    set("rw.other_assets.gold", 0.0);
    set("rw.other_assets.cash_in_collection", 0.20);
    set("rw.other_assets.other", 1.00);

    // §3.4 real estate: band upper bounds (inclusive) and weights.
    for (i, bound) in [0.50, 0.60, 0.80, 0.90, 1.00].iter().enumerate() {
        set(&format!("re.rre.ltv_band{}", i + 1), *bound);
    }
    for (i, w) in [0.20, 0.25, 0.30, 0.40, 0.50, 0.70].iter().enumerate() {
        set(&format!("rw.re.rre.band{}", i + 1), *w);
    }
    for (i, w) in [0.30, 0.35, 0.45, 0.60, 0.75, 1.05].iter().enumerate() {
        set(&format!("rw.re.rre_ip.band{}", i + 1), *w);
    }
    set("re.cre.ltv_threshold", 0.60);
    set("rw.re.cre.cap", 0.60);
    set("re.cre_ip.ltv_band1", 0.60);
    set("re.cre_ip.ltv_band2", 0.80);
    set("rw.re.cre_ip.band1", 0.70);
    set("rw.re.cre_ip.band2", 0.90);
    set("rw.re.cre_ip.band3", 1.10);
    set("rw.re.adc", 1.50);
    set("rw.re.adc_qualifying", 1.00);
    set("rw.re.ip_criteria_not_met", 1.50);
    set("rw.re.counterparty.individual", 0.75);
    set("rw.re.counterparty.sme", 0.85);
    // crr3 loan splitting (off in basel31).
    set("re.loan_splitting", 0.0);
    set("re.loan_splitting.share", 0.55);
    set("rw.re.split.rre_secured", 0.20);
    set("rw.re.split.cre_secured", 0.60);

    // §3.5 defaulted, §3.6 currency mismatch.
    set("defaulted.provision_threshold", 0.20);
    set("rw.defaulted.low_provisions", 1.50);
    set("rw.defaulted.high_provisions", 1.00);
    set("rw.defaulted.rre", 1.00);
    set("currency_mismatch.multiplier", 1.5);
    set("currency_mismatch.cap", 1.5);

    // §3.7 CRM haircuts (CRE22).
    set("crm.haircut.cash", 0.0);
    set("crm.haircut.gold", 0.20);
    set("crm.haircut.sovereign_up_to_1y", 0.005);
    set("crm.haircut.sovereign_up_to_5y", 0.02);
    set("crm.haircut.sovereign_over_5y", 0.04);
    set("crm.haircut.main_index_equity", 0.20);
    set("crm.haircut.other_listed_equity", 0.30);
    set("crm.haircut.fx", 0.08);

    // §11 SME supporting factor (crr3 only).
    set("sme.supporting_factor", 0.0);
    set("sme.factor_up_to_threshold", 0.7619);
    set("sme.factor_above_threshold", 0.85);
    set("sme.threshold", 2.5e6);

    // §4 operational risk (OPE25).
    set("oprisk.ildc_cap_rate", 0.0225);
    set("oprisk.bic.threshold1", 1.0e9);
    set("oprisk.bic.threshold2", 3.0e10);
    set("oprisk.bic.rate1", 0.12);
    set("oprisk.bic.rate2", 0.15);
    set("oprisk.bic.rate3", 0.18);
    set("oprisk.loss_multiplier", 15.0);
    set("oprisk.ilm_exponent", 0.8);
    set("oprisk.ilm_enabled", 1.0);

    // §5 requirements and buffers.
    set("req.pillar1.cet1", 0.045);
    set("req.pillar1.tier1", 0.06);
    set("req.pillar1.total", 0.08);
    set("req.p2r_share.cet1", 0.5625);
    set("req.p2r_share.tier1", 0.75);
    set("req.ccb", 0.025);
    set("req.at1_bucket", 0.015);
    set("req.at1_bucket_p2r_share", 0.1875);
    set("req.t2_bucket", 0.02);
    set("req.t2_bucket_p2r_share", 0.25);
    set("req.leverage", 0.03);
    set("req.lcr", 1.0);
    set("req.nsfr", 1.0);
    set("mda.factor_q75_to_100", 0.6);
    set("mda.factor_q50_to_75", 0.4);
    set("mda.factor_q25_to_50", 0.2);
    set("mda.factor_below_q25", 0.0);
    // The bank's own management buffers above each requirement (below the
    // large-exposure limit): a ratio inside one reads "Below target". No
    // regulation sets them, so the regulatory profiles carry none.
    for key in MANAGEMENT_BUFFERS {
        set(&format!("mgmt_buffer.{key}"), 0.0);
    }

    // §6 leverage.
    set("leverage.ccf_floor", 0.10);

    // §7 LCR.
    set("lcr.hqla.l1", 1.0);
    set("lcr.hqla.l2a", 0.85);
    set("lcr.hqla.l2b_rmbs", 0.75);
    set("lcr.hqla.l2b_other", 0.50);
    set("lcr.cap.l2b", 0.15);
    set("lcr.cap.l2", 0.40);
    set("lcr.inflow_cap", 0.75);
    for (category, rate) in OUTFLOWS {
        set(&format!("lcr.outflow.{category}"), rate);
    }
    for (category, rate) in INFLOWS {
        set(&format!("lcr.inflow.{category}"), rate);
    }
    // §8 NSFR.
    for (category, factor) in ASF {
        set(&format!("nsfr.asf.{category}"), factor);
    }
    for (category, factor) in RSF {
        set(&format!("nsfr.rsf.{category}"), factor);
    }

    // §9 large exposures.
    set("le.limit", 0.25);
    set("le.reporting_threshold", 0.10);
    set("le.listed_largest", 20.0);
    p
}

/// The figures a management buffer can be set for, as `mgmt_buffer.KEY`.
pub const MANAGEMENT_BUFFERS: [&str; 7] = [
    "cet1",
    "tier1",
    "total_capital",
    "leverage",
    "lcr",
    "nsfr",
    "large_exposure",
];

pub const OUTFLOWS: [(&str, f64); 26] = [
    ("retail_stable_extra", 0.03),
    ("retail_stable", 0.05),
    ("retail_less_stable", 0.10),
    ("retail_term_over_30d", 0.0),
    ("small_business_stable", 0.05),
    ("small_business_less_stable", 0.10),
    ("operational_deposit", 0.25),
    ("operational_deposit_insured", 0.05),
    ("non_operational_nonfinancial", 0.40),
    ("non_operational_nonfinancial_insured", 0.20),
    ("financial_and_other", 1.0),
    ("secured_l1", 0.0),
    ("secured_l2a", 0.15),
    ("secured_l2b_rmbs", 0.25),
    ("secured_domestic_sovereign", 0.25),
    ("secured_l2b_other", 0.50),
    ("secured_other", 1.0),
    ("facility_retail", 0.05),
    ("facility_nonfinancial_credit", 0.10),
    ("facility_nonfinancial_liquidity", 0.30),
    ("facility_bank", 0.40),
    ("facility_other_financial_credit", 0.40),
    ("facility_other_financial_liquidity", 1.0),
    ("facility_other_legal", 1.0),
    ("derivatives_net", 1.0),
    ("other_contractual", 1.0),
];

pub const INFLOWS: [(&str, f64); 9] = [
    ("reverse_repo_l1", 0.0),
    ("reverse_repo_l2a", 0.15),
    ("reverse_repo_l2b_rmbs", 0.25),
    ("reverse_repo_l2b_other", 0.50),
    ("reverse_repo_other", 1.0),
    ("retail_small_business", 0.50),
    ("nonfinancial_wholesale", 0.50),
    ("financial", 1.0),
    ("derivatives_net", 1.0),
];

pub const ASF: [(&str, f64); 7] = [
    ("capital_and_long_term", 1.0),
    ("stable_retail_deposits", 0.95),
    ("less_stable_retail_deposits", 0.90),
    ("operational_deposits", 0.50),
    ("nonfinancial_funding_under_1y", 0.50),
    ("other_funding_6m_to_1y", 0.50),
    ("other_liabilities", 0.0),
];

pub const RSF: [(&str, f64); 19] = [
    ("cash_and_central_bank", 0.0),
    ("level1_unencumbered", 0.05),
    ("loans_financials_short_secured_l1", 0.10),
    ("loans_financials_short_other", 0.15),
    ("level2a_unencumbered", 0.15),
    ("level2b_unencumbered", 0.50),
    ("hqla_encumbered_6m_to_1y", 0.50),
    ("loans_financials_6m_to_1y", 0.50),
    ("operational_deposits_held", 0.50),
    ("other_assets_under_1y", 0.50),
    ("mortgages_1y_plus_low_rw", 0.65),
    ("loans_1y_plus_high_rw", 0.85),
    ("non_hqla_securities", 0.85),
    ("initial_margin", 0.85),
    ("commodities", 0.85),
    ("encumbered_1y_plus", 1.0),
    ("derivative_assets_net", 1.0),
    ("other_assets", 1.0),
    ("undrawn_facilities", 0.05),
];

/// ratios.md §11: what crr3 changes relative to basel31.
fn crr3_changes() -> [(&'static str, f64); 5] {
    [
        ("re.loan_splitting", 1.0),
        // "Unrated corporates 100 %", SMEs included, no investment-grade 65 %.
        ("corporate.investment_grade_treatment", 0.0),
        ("rw.corporate.unrated_sme", 1.00),
        ("sme.supporting_factor", 1.0),
        ("oprisk.ilm_enabled", 0.0),
    ]
}

impl Default for Profile {
    /// The default regulatory profile, basel31.
    fn default() -> Profile {
        Profile {
            name: DEFAULT_PROFILE.to_owned(),
            parameters: basel31().into_iter().collect(),
        }
    }
}

impl Profile {
    pub fn named(name: &str) -> Result<Profile, ProfileError> {
        let mut parameters: BTreeMap<String, f64> = basel31().into_iter().collect();
        match name {
            "basel31" => {}
            "crr3" => {
                for (key, value) in crr3_changes() {
                    parameters.insert(key.to_owned(), value);
                }
            }
            other => return Err(ProfileError::UnknownProfile(other.to_owned())),
        }
        Ok(Profile {
            name: name.to_owned(),
            parameters,
        })
    }

    /// Overrides field by field; an unknown key or a negative value is refused.
    pub fn with_overrides<'a>(
        mut self,
        overrides: impl IntoIterator<Item = (&'a String, &'a f64)>,
    ) -> Result<Profile, ProfileError> {
        for (key, value) in overrides {
            self.set(key, *value)?;
        }
        Ok(self)
    }

    pub fn set(&mut self, key: &str, value: f64) -> Result<(), ProfileError> {
        let slot = self
            .parameters
            .get_mut(key)
            .ok_or_else(|| ProfileError::UnknownKey(key.to_owned()))?;
        super::parameters::check(key, value).map_err(ProfileError::InvalidValue)?;
        *slot = value;
        Ok(())
    }

    /// The value of a key every profile has. Keys are fixed by `basel31()`,
    /// and `set` cannot add or remove one, so a miss is a programming error
    /// caught by the tests; it reads as 0 rather than panicking.
    pub fn get(&self, key: &str) -> f64 {
        self.parameters.get(key).copied().unwrap_or_else(|| {
            debug_assert!(false, "missing profile key {key}");
            0.0
        })
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key) != 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_profiles_have_the_same_keys_and_differ_only_as_listed() {
        let basel = Profile::named("basel31").expect("basel31");
        let crr3 = Profile::named("crr3").expect("crr3");
        assert_eq!(
            basel.parameters.keys().collect::<Vec<_>>(),
            crr3.parameters.keys().collect::<Vec<_>>()
        );
        let differing: Vec<&String> = basel
            .parameters
            .iter()
            .filter(|(k, v)| crr3.parameters[*k] != **v)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(differing.len(), 5, "{differing:?}");
    }

    #[test]
    fn overrides_change_one_key_and_refuse_unknown_ones() {
        let key = "rw.corporate.cqs3".to_owned();
        let profile = Profile::named("basel31")
            .expect("basel31")
            .with_overrides([(&key, &0.8)])
            .expect("valid override");
        assert_eq!(profile.get("rw.corporate.cqs3"), 0.8);
        let bad = "rw.corporate.cqs7".to_owned();
        assert_eq!(
            Profile::named("basel31")
                .expect("basel31")
                .with_overrides([(&bad, &1.0)]),
            Err(ProfileError::UnknownKey(bad))
        );
        assert!(Profile::named("basel2").is_err());
    }
}
