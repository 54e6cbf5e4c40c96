//! Synthetic bank data sets for the demo tenant, tests and benchmarks:
//! deterministic (a seed, no clock, no randomness from the system) and
//! calibrated with the engine itself so that the ratios land where a healthy
//! mid-size European bank's do (CET1 ≈ 14 %, LCR ≈ 150 %, NSFR ≈ 125 %).

use crate::engine::dataset::*;
use crate::engine::rating::{Cqs, Rating};
use crate::engine::{ComputeOptions, compute, profile::Profile};
use std::collections::BTreeMap;

/// splitmix64: tiny, fast, and the same sequence on every platform.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }
    /// Log-uniform: amounts spread over orders of magnitude, as in a real book.
    pub(crate) fn amount(&mut self, low: f64, high: f64) -> f64 {
        (low.ln() + (high.ln() - low.ln()) * self.unit())
            .exp()
            .round()
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

const COUNTRIES: [(&str, f64); 8] = [
    ("FR", 0.50),
    ("DE", 0.15),
    ("NL", 0.10),
    ("BE", 0.08),
    ("ES", 0.07),
    ("IT", 0.05),
    ("LU", 0.03),
    ("US", 0.02),
];
const SECTORS: [&str; 10] = ["A", "C", "D", "F", "G", "H", "I", "J", "L", "M"];
const GOOD: [&str; 8] = ["AAA", "AA+", "AA", "Aa3", "A+", "A", "A2", "A-"];
const MIXED: [&str; 14] = [
    "AA-", "A+", "A1", "A-", "BBB+", "Baa2", "BBB", "BBB-", "BB+", "Ba2", "BB-", "B+", "B2", "CCC+",
];

fn country(rng: &mut Rng) -> String {
    let mut x = rng.unit();
    for (code, share) in COUNTRIES {
        if x < share {
            return code.to_owned();
        }
        x -= share;
    }
    "FR".to_owned()
}

fn rating(rng: &mut Rng, table: &[&str]) -> Rating {
    Rating::parse(rng.pick::<&str>(table)).unwrap_or_default()
}

/// One exposure line of the given class with realistic attributes.
pub(crate) fn exposure(rng: &mut Rng, i: usize, class: ExposureClass, groups: usize) -> Exposure {
    let mut l = Exposure::new(format!("L-{i:07}"), class, 0.0);
    l.country = Some(country(rng));
    l.sector = Some((*rng.pick(&SECTORS)).to_owned());
    l.counterparty_id = Some(format!("CP-{:06}", i / 3));
    match class {
        ExposureClass::Sovereign | ExposureClass::Pse | ExposureClass::Mdb => {
            l.rating = rating(rng, &GOOD);
            l.counterparty_type = Some(CounterpartyType::Sovereign);
            l.drawn = Some(rng.amount(5e6, 4e8));
            l.mdb_qualifying = class == ExposureClass::Mdb && rng.chance(0.6);
            if class != ExposureClass::Sovereign {
                l.counterparty_type = Some(CounterpartyType::Pse);
            }
        }
        ExposureClass::Bank => {
            l.counterparty_type = Some(CounterpartyType::Bank);
            if rng.chance(0.6) {
                l.rating = rating(rng, &MIXED[..9]);
            } else {
                l.scra_grade =
                    Some(*rng.pick(&[ScraGrade::APlus, ScraGrade::A, ScraGrade::B, ScraGrade::C]));
            }
            l.short_term = rng.chance(0.3);
            l.drawn = Some(rng.amount(1e6, 1.5e8));
        }
        ExposureClass::CoveredBond => {
            if rng.chance(0.7) {
                l.rating = rating(rng, &GOOD);
            } else {
                l.issuer_rating = rating(rng, &MIXED[..8]);
            }
            l.drawn = Some(rng.amount(5e6, 1e8));
        }
        ExposureClass::Corporate => {
            l.counterparty_type = Some(CounterpartyType::Corporate);
            l.group_id = Some(format!("GRP-{:04}", rng.next() as usize % groups.max(1)));
            if rng.chance(0.45) {
                l.rating = rating(rng, &MIXED);
            } else if rng.chance(0.5) {
                l.sme = true;
                l.counterparty_type = Some(CounterpartyType::Sme);
            } else {
                l.investment_grade = rng.chance(0.4);
            }
            let top = if l.sme { 3e6 } else { 6e7 };
            l.drawn = Some(rng.amount(2e5, top));
            if rng.chance(0.5) {
                l.undrawn = Some(rng.amount(1e5, top / 2.0));
                l.off_balance_type = Some(*rng.pick(&[
                    OffBalanceType::Commitment,
                    OffBalanceType::TransactionContingent,
                    OffBalanceType::TradeLc,
                    OffBalanceType::DirectCreditSubstitute,
                    OffBalanceType::UnconditionallyCancellable,
                ]));
            }
            if rng.chance(0.15) {
                l.collateral_type = Some(*rng.pick(&[
                    CollateralType::Cash,
                    CollateralType::SovereignDebt,
                    CollateralType::MainIndexEquity,
                    CollateralType::OtherListedEquity,
                    CollateralType::Gold,
                ]));
                l.collateral_value = Some((rng.range(0.1, 0.6) * l.drawn.unwrap_or(0.0)).round());
                l.collateral_residual_maturity_years = Some(rng.range(0.2, 9.0));
                if rng.chance(0.2) {
                    l.collateral_currency = Some("USD".into());
                }
            }
            if rng.chance(0.08) {
                l.guaranteed_amount = Some((rng.range(0.2, 0.8) * l.drawn.unwrap_or(0.0)).round());
                l.guarantor_class = Some(*rng.pick(&[
                    ExposureClass::Sovereign,
                    ExposureClass::Bank,
                    ExposureClass::Corporate,
                ]));
                l.guarantor_rating = rating(rng, &GOOD);
                l.guarantor_group_id = Some(format!("GUAR-{:03}", rng.next() % 40));
            }
        }
        ExposureClass::SpecialisedLending => {
            l.counterparty_type = Some(CounterpartyType::Corporate);
            l.sl_type = Some(*rng.pick(&[
                SlType::Object,
                SlType::Commodities,
                SlType::ProjectPreOperational,
                SlType::ProjectOperational,
                SlType::ProjectHighQuality,
            ]));
            l.drawn = Some(rng.amount(2e6, 8e7));
        }
        ExposureClass::SubordinatedDebt
        | ExposureClass::Equity
        | ExposureClass::EquitySpeculative => {
            l.counterparty_type = Some(CounterpartyType::Corporate);
            l.drawn = Some(rng.amount(5e5, 2e7));
        }
        ExposureClass::Retail => {
            l.counterparty_type = Some(CounterpartyType::Individual);
            l.retail_type = Some(*rng.pick(&[
                RetailType::Transactor,
                RetailType::Regulatory,
                RetailType::Regulatory,
                RetailType::Other,
            ]));
            l.drawn = Some(rng.amount(2e3, 8e4));
            if rng.chance(0.4) {
                l.undrawn = Some(rng.amount(1e3, 2e4));
                l.off_balance_type = Some(OffBalanceType::UnconditionallyCancellable);
            }
            l.currency_mismatch = rng.chance(0.02);
        }
        ExposureClass::RealEstate => {
            let re_type = *rng.pick(&[
                ReType::Rre,
                ReType::Rre,
                ReType::Rre,
                ReType::Rre,
                ReType::Rre,
                ReType::RreIp,
                ReType::Cre,
                ReType::CreIp,
                ReType::Adc,
                ReType::AdcQualifying,
            ]);
            l.re_type = Some(re_type);
            l.counterparty_type = Some(if matches!(re_type, ReType::Rre) {
                CounterpartyType::Individual
            } else {
                *rng.pick(&[CounterpartyType::Corporate, CounterpartyType::Sme])
            });
            let drawn = if matches!(re_type, ReType::Rre) {
                rng.amount(6e4, 6e5)
            } else {
                rng.amount(1e6, 3e7)
            };
            l.drawn = Some(drawn);
            let ltv = rng.range(0.25, 1.1);
            if rng.chance(0.5) {
                l.ltv = Some((ltv * 1000.0).round() / 1000.0);
            } else {
                l.property_value = Some((drawn / ltv).round());
            }
            l.re_criteria_met = rng.chance(0.95);
            l.currency_mismatch = rng.chance(0.01);
        }
        ExposureClass::OtherAssets => {
            l.other_type = Some(*rng.pick(&[
                OtherType::Cash,
                OtherType::Gold,
                OtherType::CashInCollection,
                OtherType::Other,
            ]));
            l.counterparty_id = None;
            l.drawn = Some(rng.amount(1e5, 5e7));
        }
    }
    // Some books carry only a credit quality step, not the agency notch.
    if let Some(notch) = l.rating.notch()
        && rng.chance(0.03)
    {
        l.rating = Rating::Unrated;
        l.cqs = Cqs::new(notch.cqs().step());
    }
    if matches!(
        class,
        ExposureClass::Corporate | ExposureClass::Retail | ExposureClass::RealEstate
    ) && rng.chance(0.02)
    {
        l.defaulted = true;
        let drawn = l.drawn.unwrap_or(0.0);
        l.specific_provisions = Some((drawn * rng.range(0.05, 0.5)).round());
    }
    l
}

/// Line mix by class (shares of the count).
const MIX: [(ExposureClass, f64); 13] = [
    (ExposureClass::Sovereign, 0.015),
    (ExposureClass::Pse, 0.01),
    (ExposureClass::Mdb, 0.005),
    (ExposureClass::Bank, 0.03),
    (ExposureClass::CoveredBond, 0.02),
    (ExposureClass::Corporate, 0.2),
    (ExposureClass::SpecialisedLending, 0.02),
    (ExposureClass::SubordinatedDebt, 0.005),
    (ExposureClass::Equity, 0.008),
    (ExposureClass::EquitySpeculative, 0.002),
    (ExposureClass::Retail, 0.355),
    (ExposureClass::RealEstate, 0.32),
    (ExposureClass::OtherAssets, 0.01),
];

pub(crate) fn class_for(rng: &mut Rng) -> ExposureClass {
    let mut x = rng.unit();
    for (class, share) in MIX {
        if x < share {
            return class;
        }
        x -= share;
    }
    ExposureClass::Retail
}

fn item(label: &str, category: &str, amount: f64) -> CategoryItem {
    CategoryItem {
        label: label.into(),
        category: category.into(),
        amount: amount.round(),
    }
}

/// A portfolio of `lines` exposure lines with every other section sized to it.
pub fn generate(lines: usize, seed: u64) -> DataSet {
    let mut rng = Rng(seed);
    let groups = (lines / 40).max(10);
    let mut exposures: Vec<Exposure> = (0..lines)
        .map(|i| {
            let class = class_for(&mut rng);
            exposure(&mut rng, i, class, groups)
        })
        .collect();
    let profile = Profile::named("basel31").unwrap_or_else(|_| Profile {
        name: "basel31".into(),
        parameters: BTreeMap::new(),
    });

    // Two connected groups near the large-exposure lines: 21 % and 12 % of Tier 1.
    let probe = DataSet {
        exposures: exposures.clone(),
        ..DataSet::default()
    };
    let credit = compute(&probe, &profile, &ComputeOptions::default())
        .rwa
        .credit;
    let total_rwa = credit * 1.18;
    let tier1 = 0.155 * total_rwa;
    for (n, (group, share)) in [("GRP-ATLAS", 0.21), ("GRP-BOREAL", 0.12)]
        .iter()
        .enumerate()
    {
        for k in 0..3 {
            let mut l = Exposure::new(
                format!("L-LE{n}{k}"),
                ExposureClass::Corporate,
                (tier1 * share / 3.0).round(),
            );
            l.group_id = Some((*group).to_owned());
            l.counterparty_id = Some(format!("{group}-{k}"));
            l.counterparty_type = Some(CounterpartyType::Corporate);
            l.rating = Rating::parse(["A", "BBB+", "BBB"][k]).unwrap_or_default();
            l.country = Some("FR".into());
            l.sector = Some("C".into());
            exposures.push(l);
        }
    }
    let assets: f64 = exposures.iter().map(|l| l.drawn.unwrap_or(0.0)).sum();
    let credit = compute(
        &DataSet {
            exposures: exposures.clone(),
            ..DataSet::default()
        },
        &profile,
        &ComputeOptions::default(),
    )
    .rwa
    .credit;
    let market_ofr = (credit * 0.02 / 12.5).round();
    let cva_ofr = (credit * 0.004 / 12.5).round();
    let rwa_lines = vec![
        RwaLine {
            label: "Counterparty credit risk (SA-CCR)".into(),
            risk_type: RiskType::Ccr,
            rwa: (credit * 0.015).round(),
        },
        RwaLine {
            label: "Securitisation positions".into(),
            risk_type: RiskType::Securitisation,
            rwa: (credit * 0.01).round(),
        },
        RwaLine {
            label: "Settlement risk".into(),
            risk_type: RiskType::Settlement,
            rwa: (credit * 0.0005).round(),
        },
    ];
    // Op risk: a bank earning about 2.5 % net interest on its assets.
    let years: Vec<OpRiskYear> = (0..3)
        .map(|k| {
            let g = 1.0 - 0.03 * f64::from(k);
            OpRiskYear {
                year: Some(2025 - k),
                interest_income: (assets * 0.045 * g).round(),
                interest_expense: (assets * 0.022 * g).round(),
                interest_earning_assets: (assets * 0.92 * g).round(),
                dividend_income: (assets * 0.0004).round(),
                fee_income: (assets * 0.006 * g).round(),
                fee_expense: (assets * 0.0018).round(),
                other_operating_income: (assets * 0.0008).round(),
                other_operating_expense: (assets * 0.0011).round(),
                trading_book_pnl: (assets * 0.0005 * if k == 1 { -1.0 } else { 1.0 }).round(),
                banking_book_pnl: (assets * 0.0002).round(),
            }
        })
        .collect();
    let mut data = DataSet {
        name: format!("Demo Bank {} lines", lines),
        reporting_date: Some("2025-12-31".into()),
        currency: Some("EUR".into()),
        profile: Some("basel31".into()),
        exposures,
        rwa_lines,
        market_risk: Some(OwnFundsRequirement {
            own_funds_requirement: market_ofr,
        }),
        cva: Some(OwnFundsRequirement {
            own_funds_requirement: cva_ofr,
        }),
        op_risk: Some(OpRisk {
            years,
            average_annual_loss: Some((assets * 0.0004).round()),
        }),
        leverage: Some(LeverageInputs {
            derivatives: (assets * 0.02).round(),
            sft: (assets * 0.03).round(),
            other_assets: (assets * 0.01).round(),
            tier1_deductions: 0.0,
        }),
        requirements: Some(Requirements {
            p2r: 0.02,
            ccyb: None,
            ccyb_rates: [
                ("FR", 0.01),
                ("DE", 0.0075),
                ("NL", 0.02),
                ("BE", 0.01),
                ("LU", 0.005),
            ]
            .into_iter()
            .map(|(c, r)| (c.to_owned(), r))
            .collect(),
            gsii: 0.0,
            osii: 0.005,
            syrb: 0.0,
            leverage_p2r: 0.0,
            gsii_leverage_buffer: 0.0,
        }),
        ..DataSet::default()
    };
    let rwa = compute(&data, &profile, &ComputeOptions::default())
        .rwa
        .total;
    let cet1 = 0.142 * rwa;
    data.capital = vec![
        CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Item,
            label: "Paid-up capital instruments".into(),
            amount: (cet1 * 0.45).round(),
        },
        CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Item,
            label: "Retained earnings".into(),
            amount: (cet1 * 0.62).round(),
        },
        CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Item,
            label: "Accumulated other comprehensive income".into(),
            amount: (cet1 * 0.03).round(),
        },
        CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Deduction,
            label: "Goodwill and intangible assets".into(),
            amount: (cet1 * 0.07).round(),
        },
        CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Deduction,
            label: "Deferred tax assets relying on future profitability".into(),
            amount: (cet1 * 0.03).round(),
        },
        CapitalItem {
            tier: Tier::At1,
            kind: CapitalKind::Item,
            label: "AT1 perpetual notes".into(),
            amount: (rwa * 0.016).round(),
        },
        CapitalItem {
            tier: Tier::T2,
            kind: CapitalKind::Item,
            label: "Subordinated Tier 2 bonds".into(),
            amount: (rwa * 0.024).round(),
        },
        CapitalItem {
            tier: Tier::T2,
            kind: CapitalKind::Deduction,
            label: "Holdings of T2 instruments of financial entities".into(),
            amount: (rwa * 0.001).round(),
        },
    ];
    // Liquidity sized to the balance sheet: deposits fund about 70 % of assets.
    let deposits = assets * 0.7;
    let outflows = vec![
        item(
            "Retail deposits, stable, insured",
            "retail_stable",
            deposits * 0.30,
        ),
        item(
            "Retail deposits, stable, extra criteria",
            "retail_stable_extra",
            deposits * 0.05,
        ),
        item(
            "Retail deposits, less stable",
            "retail_less_stable",
            deposits * 0.15,
        ),
        item(
            "Term retail deposits > 30 days",
            "retail_term_over_30d",
            deposits * 0.08,
        ),
        item(
            "Small business deposits, stable",
            "small_business_stable",
            deposits * 0.05,
        ),
        item(
            "Operational deposits",
            "operational_deposit",
            deposits * 0.07,
        ),
        item(
            "Non-operational corporate deposits",
            "non_operational_nonfinancial",
            deposits * 0.12,
        ),
        item(
            "Financial institutions' deposits",
            "financial_and_other",
            deposits * 0.03,
        ),
        item(
            "Repo funding backed by Level 1",
            "secured_l1",
            assets * 0.02,
        ),
        item(
            "Undrawn retail facilities",
            "facility_retail",
            assets * 0.03,
        ),
        item(
            "Undrawn corporate credit facilities",
            "facility_nonfinancial_credit",
            assets * 0.05,
        ),
        item(
            "Undrawn corporate liquidity facilities",
            "facility_nonfinancial_liquidity",
            assets * 0.01,
        ),
        item("Net derivative outflows", "derivatives_net", assets * 0.002),
    ];
    let inflows = vec![
        item(
            "Reverse repo backed by Level 1",
            "reverse_repo_l1",
            assets * 0.01,
        ),
        item(
            "Retail and small business inflows",
            "retail_small_business",
            assets * 0.008,
        ),
        item(
            "Non-financial wholesale inflows",
            "nonfinancial_wholesale",
            assets * 0.012,
        ),
        item(
            "Inflows from financial institutions",
            "financial",
            assets * 0.01,
        ),
    ];
    let out: f64 = outflows
        .iter()
        .map(|i| {
            i.amount
                * profile
                    .parameters
                    .get(&format!("lcr.outflow.{}", i.category))
                    .copied()
                    .unwrap_or(0.0)
        })
        .sum();
    let inn: f64 = inflows
        .iter()
        .map(|i| {
            i.amount
                * profile
                    .parameters
                    .get(&format!("lcr.inflow.{}", i.category))
                    .copied()
                    .unwrap_or(0.0)
        })
        .sum();
    let net = out - inn.min(0.75 * out);
    let hqla_target = 1.52 * net;
    data.lcr = Some(Lcr {
        hqla: vec![
            HqlaItem {
                label: "Central bank reserves".into(),
                level: HqlaLevel::L1,
                amount: (hqla_target * 0.45).round(),
            },
            HqlaItem {
                label: "Sovereign bonds (0 % RW)".into(),
                level: HqlaLevel::L1,
                amount: (hqla_target * 0.33).round(),
            },
            HqlaItem {
                label: "Covered bonds AA-".into(),
                level: HqlaLevel::L2a,
                amount: (hqla_target * 0.15 / 0.85).round(),
            },
            HqlaItem {
                label: "RMBS".into(),
                level: HqlaLevel::L2bRmbs,
                amount: (hqla_target * 0.04 / 0.75).round(),
            },
            HqlaItem {
                label: "Listed equities (main index)".into(),
                level: HqlaLevel::L2bOther,
                amount: (hqla_target * 0.03 / 0.5).round(),
            },
        ],
        outflows,
        inflows,
    });
    let rsf = vec![
        item(
            "Cash and central bank reserves",
            "cash_and_central_bank",
            assets * 0.05,
        ),
        item(
            "Unencumbered Level 1 securities",
            "level1_unencumbered",
            assets * 0.06,
        ),
        item(
            "Short-term loans to financials",
            "loans_financials_short_other",
            assets * 0.03,
        ),
        item(
            "Unencumbered Level 2A",
            "level2a_unencumbered",
            assets * 0.02,
        ),
        item(
            "Other assets < 1 year",
            "other_assets_under_1y",
            assets * 0.08,
        ),
        item(
            "Mortgages ≥ 1 year, RW ≤ 35 %",
            "mortgages_1y_plus_low_rw",
            assets * 0.28,
        ),
        item(
            "Other performing loans ≥ 1 year",
            "loans_1y_plus_high_rw",
            assets * 0.36,
        ),
        item("Non-HQLA securities", "non_hqla_securities", assets * 0.03),
        item(
            "Net derivative assets",
            "derivative_assets_net",
            assets * 0.005,
        ),
        item("All other assets", "other_assets", assets * 0.04),
        item(
            "Undrawn committed facilities",
            "undrawn_facilities",
            assets * 0.09,
        ),
    ];
    let rsf_total: f64 = rsf
        .iter()
        .map(|i| {
            i.amount
                * profile
                    .parameters
                    .get(&format!("nsfr.rsf.{}", i.category))
                    .copied()
                    .unwrap_or(0.0)
        })
        .sum();
    let asf_target = 1.25 * rsf_total;
    // Fixed shares of available funding, scaled so ASF lands on the target.
    let asf_mix = [
        (
            "Regulatory capital and long-term funding",
            "capital_and_long_term",
            0.40,
            1.0,
        ),
        (
            "Stable retail deposits",
            "stable_retail_deposits",
            0.30,
            0.95,
        ),
        (
            "Less stable retail deposits",
            "less_stable_retail_deposits",
            0.18,
            0.90,
        ),
        ("Operational deposits", "operational_deposits", 0.06, 0.5),
        (
            "Corporate funding < 1 year",
            "nonfinancial_funding_under_1y",
            0.06,
            0.5,
        ),
    ];
    let weighted: f64 = asf_mix.iter().map(|(_, _, s, f)| s * f).sum();
    let mut asf: Vec<CategoryItem> = asf_mix
        .iter()
        .map(|(label, cat, share, _)| item(label, cat, asf_target * share / weighted))
        .collect();
    asf.push(item(
        "Other liabilities",
        "other_liabilities",
        assets * 0.03,
    ));
    data.nsfr = Some(Nsfr { asf, rsf });
    data
}

/// The demo tenant's bank: about 5,000 lines across every class.
pub fn demo_bank() -> DataSet {
    let mut data = generate(5_000, 20_251_231);
    data.name = "Demo Bank 2025-12-31".into();
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_valid() {
        let a = generate(800, 7);
        let b = generate(800, 7);
        assert_eq!(a, b);
        assert!(a.validate().is_empty(), "{:?}", a.validate().first());
        assert_ne!(generate(800, 8), a);
    }

    #[test]
    fn the_demo_bank_has_plausible_ratios_and_matches_the_sample_file() {
        let data = demo_bank();
        assert!(data.exposures.len() >= 5_000);
        let profile = Profile::named("basel31").expect("profile");
        let r = compute(&data, &profile, &ComputeOptions::default());
        let cet1 = r.ratios.cet1.expect("cet1");
        assert!((0.12..0.16).contains(&cet1), "CET1 {cet1}");
        let lcr = r.ratios.lcr.expect("lcr");
        assert!((1.3..1.7).contains(&lcr), "LCR {lcr}");
        let nsfr = r.ratios.nsfr.expect("nsfr");
        assert!((1.1..1.4).contains(&nsfr), "NSFR {nsfr}");
        assert!(r.large_exposures.iter().any(|g| g.group == "GRP-ATLAS"));
        for class in ExposureClass::ALL {
            assert!(
                data.exposures.iter().any(|l| l.class == class),
                "{class:?} missing"
            );
        }
        let file = include_str!("../samples/demo-bank.json");
        let stored = DataSet::from_json_str(file).expect("sample parses");
        assert_eq!(
            stored, data,
            "samples/demo-bank.json is stale: run `prudentia sample --output samples/demo-bank.json`"
        );
    }
}
