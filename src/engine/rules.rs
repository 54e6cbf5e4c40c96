//! A profile resolved into typed tables once per computation, so the
//! per-line code reads arrays instead of looking keys up.

use super::dataset::{CollateralType, OffBalanceType, ScraGrade};
use super::profile::Profile;

/// Rated risk-weight tables of §3.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Sovereign,
    Pse,
    Mdb,
    Bank,
    BankShort,
    CoveredBond,
    Corporate,
}

impl Table {
    pub fn key(self) -> &'static str {
        match self {
            Table::Sovereign => "sovereign",
            Table::Pse => "pse",
            Table::Mdb => "mdb",
            Table::Bank => "bank",
            Table::BankShort => "bank_short",
            Table::CoveredBond => "covered_bond",
            Table::Corporate => "corporate",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

pub const TABLES: [Table; 7] = [
    Table::Sovereign,
    Table::Pse,
    Table::Mdb,
    Table::Bank,
    Table::BankShort,
    Table::CoveredBond,
    Table::Corporate,
];

/// The residual-maturity bands of sovereign-debt haircuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Maturity {
    UpToOneYear,
    UpToFiveYears,
    Longer,
}

impl Maturity {
    /// Bands upper-inclusive; no maturity is the longest band (ratios.md
    /// §10).
    pub fn of(years: Option<f64>) -> Maturity {
        match years {
            Some(m) if m <= 1.0 => Maturity::UpToOneYear,
            Some(m) if m <= 5.0 => Maturity::UpToFiveYears,
            _ => Maturity::Longer,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub ccf: [f64; 6],
    rated: [[f64; 6]; 7],
    pub unrated_sovereign: f64,
    pub unrated_pse: f64,
    pub unrated_mdb: f64,
    pub mdb_qualifying: f64,
    pub corporate_unrated: f64,
    pub corporate_unrated_sme: f64,
    pub corporate_unrated_ig: f64,
    pub investment_grade_treatment: bool,
    scra: [f64; 4],
    scra_short: [f64; 4],
    pub covered_from_issuer: [(f64, f64); 7],
    pub sl: [f64; 5],
    pub sl_unspecified: f64,
    pub subordinated_debt: f64,
    pub equity: f64,
    pub equity_speculative: f64,
    pub retail: [f64; 3],
    pub other_assets: [f64; 4],
    pub rre_bounds: [f64; 5],
    pub rre: [f64; 6],
    pub rre_ip: [f64; 6],
    pub cre_threshold: f64,
    pub cre_cap: f64,
    pub cre_ip_bounds: [f64; 2],
    pub cre_ip: [f64; 3],
    pub adc: f64,
    pub adc_qualifying: f64,
    pub ip_criteria_not_met: f64,
    pub cp_individual: f64,
    pub cp_sme: f64,
    pub loan_splitting: bool,
    pub split_share: f64,
    pub split_rre_secured: f64,
    pub split_cre_secured: f64,
    pub defaulted_threshold: f64,
    pub defaulted_low: f64,
    pub defaulted_high: f64,
    pub defaulted_rre: f64,
    pub mismatch_multiplier: f64,
    pub mismatch_cap: f64,
    haircuts: [f64; 7],
    pub haircut_fx: f64,
    pub sme_factor: bool,
    pub sme_low: f64,
    pub sme_high: f64,
    pub sme_threshold: f64,
    pub leverage_ccf_floor: f64,
}

impl Rules {
    pub fn from_profile(p: &Profile) -> Rules {
        let mut rated = [[0.0; 6]; 7];
        for table in TABLES {
            for (i, slot) in rated[table.index()].iter_mut().enumerate() {
                *slot = p.get(&format!("rw.{}.cqs{}", table.key(), i + 1));
            }
        }
        let arr = |prefix: &str, names: &[&str]| -> Vec<f64> {
            names
                .iter()
                .map(|n| p.get(&format!("{prefix}{n}")))
                .collect()
        };
        let to6 = |v: Vec<f64>| -> [f64; 6] {
            let mut out = [0.0; 6];
            out.copy_from_slice(&v);
            out
        };
        let grades = ["a_plus", "a", "b", "c"];
        let scra_v = arr("rw.bank.scra.", &grades);
        let scra_s = arr("rw.bank.scra_short.", &grades);
        let issuer = [20, 30, 40, 50, 75, 100, 150].map(|pct| {
            (
                f64::from(pct) / 100.0,
                p.get(&format!("rw.covered_bond.issuer_{pct}")),
            )
        });
        let bands = |prefix: &str| {
            to6(arr(
                prefix,
                &["band1", "band2", "band3", "band4", "band5", "band6"],
            ))
        };
        Rules {
            ccf: [
                p.get("ccf.direct_credit_substitute"),
                p.get("ccf.transaction_contingent"),
                p.get("ccf.nif_ruf"),
                p.get("ccf.trade_lc"),
                p.get("ccf.commitment"),
                p.get("ccf.unconditionally_cancellable"),
            ],
            rated,
            unrated_sovereign: p.get("rw.sovereign.unrated"),
            unrated_pse: p.get("rw.pse.unrated"),
            unrated_mdb: p.get("rw.mdb.unrated"),
            mdb_qualifying: p.get("rw.mdb.qualifying"),
            corporate_unrated: p.get("rw.corporate.unrated"),
            corporate_unrated_sme: p.get("rw.corporate.unrated_sme"),
            corporate_unrated_ig: p.get("rw.corporate.unrated_investment_grade"),
            investment_grade_treatment: p.flag("corporate.investment_grade_treatment"),
            scra: [scra_v[0], scra_v[1], scra_v[2], scra_v[3]],
            scra_short: [scra_s[0], scra_s[1], scra_s[2], scra_s[3]],
            covered_from_issuer: issuer,
            sl: [
                p.get("rw.specialised_lending.object"),
                p.get("rw.specialised_lending.commodities"),
                p.get("rw.specialised_lending.project_pre_operational"),
                p.get("rw.specialised_lending.project_operational"),
                p.get("rw.specialised_lending.project_high_quality"),
            ],
            sl_unspecified: p.get("rw.specialised_lending.unspecified"),
            subordinated_debt: p.get("rw.subordinated_debt"),
            equity: p.get("rw.equity"),
            equity_speculative: p.get("rw.equity_speculative"),
            retail: [
                p.get("rw.retail.transactor"),
                p.get("rw.retail.regulatory"),
                p.get("rw.retail.other"),
            ],
            other_assets: [
                p.get("rw.other_assets.cash"),
                p.get("rw.other_assets.gold"),
                p.get("rw.other_assets.cash_in_collection"),
                p.get("rw.other_assets.other"),
            ],
            rre_bounds: [1, 2, 3, 4, 5].map(|i| p.get(&format!("re.rre.ltv_band{i}"))),
            rre: bands("rw.re.rre."),
            rre_ip: bands("rw.re.rre_ip."),
            cre_threshold: p.get("re.cre.ltv_threshold"),
            cre_cap: p.get("rw.re.cre.cap"),
            cre_ip_bounds: [p.get("re.cre_ip.ltv_band1"), p.get("re.cre_ip.ltv_band2")],
            cre_ip: [
                p.get("rw.re.cre_ip.band1"),
                p.get("rw.re.cre_ip.band2"),
                p.get("rw.re.cre_ip.band3"),
            ],
            adc: p.get("rw.re.adc"),
            adc_qualifying: p.get("rw.re.adc_qualifying"),
            ip_criteria_not_met: p.get("rw.re.ip_criteria_not_met"),
            cp_individual: p.get("rw.re.counterparty.individual"),
            cp_sme: p.get("rw.re.counterparty.sme"),
            loan_splitting: p.flag("re.loan_splitting"),
            split_share: p.get("re.loan_splitting.share"),
            split_rre_secured: p.get("rw.re.split.rre_secured"),
            split_cre_secured: p.get("rw.re.split.cre_secured"),
            defaulted_threshold: p.get("defaulted.provision_threshold"),
            defaulted_low: p.get("rw.defaulted.low_provisions"),
            defaulted_high: p.get("rw.defaulted.high_provisions"),
            defaulted_rre: p.get("rw.defaulted.rre"),
            mismatch_multiplier: p.get("currency_mismatch.multiplier"),
            mismatch_cap: p.get("currency_mismatch.cap"),
            haircuts: [
                p.get("crm.haircut.cash"),
                p.get("crm.haircut.gold"),
                p.get("crm.haircut.sovereign_up_to_1y"),
                p.get("crm.haircut.sovereign_up_to_5y"),
                p.get("crm.haircut.sovereign_over_5y"),
                p.get("crm.haircut.main_index_equity"),
                p.get("crm.haircut.other_listed_equity"),
            ],
            haircut_fx: p.get("crm.haircut.fx"),
            sme_factor: p.flag("sme.supporting_factor"),
            sme_low: p.get("sme.factor_up_to_threshold"),
            sme_high: p.get("sme.factor_above_threshold"),
            sme_threshold: p.get("sme.threshold"),
            leverage_ccf_floor: p.get("leverage.ccf_floor"),
        }
    }

    pub fn rated(&self, table: Table, cqs_index: usize) -> f64 {
        self.rated[table.index()][cqs_index]
    }

    pub fn scra(&self, grade: ScraGrade, short_term: bool) -> f64 {
        let i = match grade {
            ScraGrade::APlus => 0,
            ScraGrade::A => 1,
            ScraGrade::B => 2,
            ScraGrade::C => 3,
        };
        if short_term {
            self.scra_short[i]
        } else {
            self.scra[i]
        }
    }

    pub fn ccf(&self, kind: OffBalanceType) -> f64 {
        self.ccf[kind as usize]
    }

    /// The largest factor an undrawn amount takes anywhere (a CCF, or the
    /// leverage CCF floor): what bounds a large-exposure group's amount.
    pub fn largest_ccf(&self) -> f64 {
        self.ccf
            .iter()
            .fold(self.leverage_ccf_floor, |a, b| a.max(*b))
    }

    /// Hc of CRE22 by collateral type; sovereign debt by residual maturity.
    pub fn haircut(&self, kind: CollateralType, maturity: Maturity) -> f64 {
        match kind {
            CollateralType::Cash => self.haircuts[0],
            CollateralType::Gold => self.haircuts[1],
            CollateralType::SovereignDebt => match maturity {
                Maturity::UpToOneYear => self.haircuts[2],
                Maturity::UpToFiveYears => self.haircuts[3],
                Maturity::Longer => self.haircuts[4],
            },
            CollateralType::MainIndexEquity => self.haircuts[5],
            CollateralType::OtherListedEquity => self.haircuts[6],
        }
    }
}
