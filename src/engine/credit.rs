//! Credit risk, standardised approach (ratios.md §3, CRE20 and CRE22): the
//! exposure value, the borrower's risk weight, mitigation, and the RWA of one
//! line split into parts by risk weight.

use super::dataset::{
    CounterpartyType, ExposureClass, OffBalanceType, OtherType, ReType, RetailType, ScraGrade,
    SlType,
};
use super::explain::Rule;
use super::portfolio::Line;
use super::rating::Cqs;
use super::rules::{Rules, Table};

/// One exposure line after §3: amounts, weights and why.
#[derive(Clone, Debug, PartialEq)]
pub struct LineOutcome {
    /// On-balance amount net of provisions.
    pub on_net: f64,
    /// Off-balance nominal net of provisions left over from the drawn part.
    pub off_net: f64,
    pub ccf: f64,
    /// E of §3.1.
    pub exposure: f64,
    /// E* of §3.7.1, after financial collateral.
    pub exposure_after_crm: f64,
    /// The collateral's value after haircuts, C × (1 − Hc − Hfx), ≥ 0.
    pub collateral_adjusted: f64,
    /// The borrower's RW after §3.5 and §3.6 (blended for a split line).
    pub borrower_rw: f64,
    pub rule: Rule,
    pub guarantor_rw: Option<f64>,
    /// The part of E* that takes the guarantor's RW.
    pub covered: f64,
    /// RWA before the SME supporting factor.
    pub rwa: f64,
    /// Up to three parts (guaranteed, secured, unsecured/rest), each with one
    /// RW, for the risk-weight buckets.
    pub parts: Parts,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Part {
    pub rw: f64,
    pub exposure: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Parts {
    pub items: [Part; 3],
    pub len: u8,
}

impl Parts {
    fn push(&mut self, rw: f64, exposure: f64) {
        if self.len < 3 {
            self.items[usize::from(self.len)] = Part { rw, exposure };
            self.len += 1;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Part> {
        self.items[..usize::from(self.len)].iter()
    }
}

fn rated_or(rules: &Rules, table: Table, cqs: Option<Cqs>, unrated: (f64, Rule)) -> (f64, Rule) {
    match cqs {
        Some(cqs) => (rules.rated(table, cqs.index()), Rule::Rated { table, cqs }),
        None => unrated,
    }
}

/// A bank's RW (ECRA when rated, SCRA otherwise); missing grade = C.
fn bank_rw(
    rules: &Rules,
    cqs: Option<Cqs>,
    grade: Option<ScraGrade>,
    short_term: bool,
) -> (f64, Rule) {
    let table = if short_term {
        Table::BankShort
    } else {
        Table::Bank
    };
    let grade = grade.unwrap_or(ScraGrade::C);
    rated_or(
        rules,
        table,
        cqs,
        (
            rules.scra(grade, short_term),
            Rule::Scra { grade, short_term },
        ),
    )
}

/// §3.4 counterparty RW: individual 75, SME 85, otherwise the corporate table
/// with the line's rating, unrated 100, no SME or investment-grade refinement.
fn counterparty_rw(rules: &Rules, line: &Line) -> f64 {
    match line.counterparty_type {
        Some(CounterpartyType::Individual) => rules.cp_individual,
        Some(CounterpartyType::Sme) => rules.cp_sme,
        _ => match line.cqs {
            Some(cqs) => rules.rated(Table::Corporate, cqs.index()),
            None => rules.corporate_unrated,
        },
    }
}

/// LTV: `ltv`, else (drawn + undrawn) / property value, else the top band.
fn ltv(line: &Line) -> f64 {
    if let Some(ltv) = line.ltv {
        return ltv;
    }
    match line.property_value {
        Some(pv) if pv > 0.0 => (line.drawn + line.undrawn) / pv,
        _ => f64::INFINITY,
    }
}

/// Index of the first upper-inclusive band holding `ltv`.
fn band(ltv: f64, bounds: &[f64]) -> usize {
    bounds
        .iter()
        .position(|b| ltv <= *b)
        .unwrap_or(bounds.len())
}

/// The RW before default, currency mismatch and mitigation, for classes other
/// than real estate.
fn class_rw(rules: &Rules, line: &Line) -> (f64, Rule) {
    let cqs = line.cqs;
    let unrated = |rw: f64| (rw, Rule::Unrated { class: line.class });
    match line.class {
        ExposureClass::Sovereign => rated_or(
            rules,
            Table::Sovereign,
            cqs,
            unrated(rules.unrated_sovereign),
        ),
        ExposureClass::Pse => rated_or(rules, Table::Pse, cqs, unrated(rules.unrated_pse)),
        ExposureClass::Mdb if line.mdb_qualifying => (rules.mdb_qualifying, Rule::MdbQualifying),
        ExposureClass::Mdb => rated_or(rules, Table::Mdb, cqs, unrated(rules.unrated_mdb)),
        ExposureClass::Bank => bank_rw(rules, cqs, line.scra_grade, line.short_term),
        ExposureClass::CoveredBond => match cqs {
            Some(cqs) => (
                rules.rated(Table::CoveredBond, cqs.index()),
                Rule::Rated {
                    table: Table::CoveredBond,
                    cqs,
                },
            ),
            None => {
                // The issuer weighted as a bank, long-term tables,
                // `issuer_rating` before `issuer_scra_grade` (ratios.md §10).
                let (issuer_rw, _) = bank_rw(rules, line.issuer_cqs, line.issuer_scra_grade, false);
                let bond = rules
                    .covered_from_issuer
                    .iter()
                    .find(|(issuer, _)| (issuer - issuer_rw).abs() < 1e-9)
                    .map_or(issuer_rw, |(_, bond)| *bond);
                (bond, Rule::CoveredBondFromIssuer)
            }
        },
        ExposureClass::Corporate => match cqs {
            Some(cqs) => (
                rules.rated(Table::Corporate, cqs.index()),
                Rule::Rated {
                    table: Table::Corporate,
                    cqs,
                },
            ),
            // `sme` wins over `investment_grade` (ratios.md §10).
            None if is_sme(line) => (rules.corporate_unrated_sme, Rule::CorporateSme),
            None if line.investment_grade && rules.investment_grade_treatment => {
                (rules.corporate_unrated_ig, Rule::CorporateInvestmentGrade)
            }
            None => unrated(rules.corporate_unrated),
        },
        ExposureClass::SpecialisedLending => match cqs {
            Some(cqs) => (
                rules.rated(Table::Corporate, cqs.index()),
                Rule::Rated {
                    table: Table::Corporate,
                    cqs,
                },
            ),
            None => {
                let rw = match line.sl_type {
                    Some(SlType::Object) => rules.sl[0],
                    Some(SlType::Commodities) => rules.sl[1],
                    Some(SlType::ProjectPreOperational) => rules.sl[2],
                    Some(SlType::ProjectOperational) => rules.sl[3],
                    Some(SlType::ProjectHighQuality) => rules.sl[4],
                    None => rules.sl_unspecified,
                };
                (rw, Rule::SpecialisedLending(line.sl_type))
            }
        },
        ExposureClass::SubordinatedDebt => (rules.subordinated_debt, Rule::SubordinatedDebt),
        ExposureClass::Equity => (rules.equity, Rule::Equity),
        ExposureClass::EquitySpeculative => (rules.equity_speculative, Rule::EquitySpeculative),
        ExposureClass::Retail => {
            let rw = match line.retail_type {
                Some(RetailType::Transactor) => rules.retail[0],
                Some(RetailType::Regulatory) => rules.retail[1],
                Some(RetailType::Other) | None => rules.retail[2],
            };
            (rw, Rule::Retail(line.retail_type))
        }
        ExposureClass::OtherAssets => {
            let rw = match line.other_type {
                Some(OtherType::Cash) => rules.other_assets[0],
                Some(OtherType::Gold) => rules.other_assets[1],
                Some(OtherType::CashInCollection) => rules.other_assets[2],
                Some(OtherType::Other) | None => rules.other_assets[3],
            };
            (rw, Rule::OtherAssets(line.other_type))
        }
        // Real estate is weighted by `real_estate_rw`; reaching here means a
        // caller skipped it, and the counterparty RW is the rule's fallback.
        ExposureClass::RealEstate => (counterparty_rw(rules, line), Rule::ReCounterparty),
    }
}

/// An SME line for the 85 % unrated weight and the crr3 supporting factor.
pub fn is_sme(line: &Line) -> bool {
    line.sme || line.counterparty_type == Some(CounterpartyType::Sme)
}

/// The RW of a real-estate line under basel31 (whole-loan approach), or the
/// secured share and weights under crr3 loan splitting.
enum ReWeight {
    Whole(f64, Rule),
    Split {
        secured_rw: f64,
        rest_rw: f64,
        rule: Rule,
    },
}

fn real_estate_rw(rules: &Rules, line: &Line) -> ReWeight {
    let cp = || counterparty_rw(rules, line);
    let Some(re_type) = line.re_type else {
        return ReWeight::Whole(cp(), Rule::ReCounterparty);
    };
    let split = rules.loan_splitting && matches!(re_type, ReType::Rre | ReType::Cre);
    match re_type {
        ReType::Adc => ReWeight::Whole(rules.adc, Rule::ReAdc { qualifying: false }),
        ReType::AdcQualifying => {
            ReWeight::Whole(rules.adc_qualifying, Rule::ReAdc { qualifying: true })
        }
        ReType::Rre | ReType::Cre if !line.re_criteria_met => {
            ReWeight::Whole(cp(), Rule::ReCounterparty)
        }
        ReType::RreIp | ReType::CreIp if !line.re_criteria_met => ReWeight::Whole(
            rules.ip_criteria_not_met,
            Rule::ReCriteriaNotMet { re_type },
        ),
        ReType::Rre | ReType::Cre if split => ReWeight::Split {
            secured_rw: if re_type == ReType::Rre {
                rules.split_rre_secured
            } else {
                rules.split_cre_secured
            },
            rest_rw: cp(),
            rule: Rule::ReLoanSplit { re_type },
        },
        ReType::Rre | ReType::RreIp => {
            let b = band(ltv(line), &rules.rre_bounds);
            let table = if re_type == ReType::Rre {
                &rules.rre
            } else {
                &rules.rre_ip
            };
            ReWeight::Whole(
                table[b],
                Rule::ReLtvBand {
                    re_type,
                    band: b as u8,
                },
            )
        }
        ReType::Cre => {
            if ltv(line) <= rules.cre_threshold {
                ReWeight::Whole(rules.cre_cap.min(cp()), Rule::ReCreUpToThreshold)
            } else {
                ReWeight::Whole(cp(), Rule::ReCounterparty)
            }
        }
        ReType::CreIp => {
            let b = band(ltv(line), &rules.cre_ip_bounds);
            ReWeight::Whole(
                rules.cre_ip[b],
                Rule::ReLtvBand {
                    re_type,
                    band: b as u8,
                },
            )
        }
    }
}

/// §3.5 defaulted exposures override the class.
fn defaulted_rw(rules: &Rules, line: &Line) -> (f64, Rule) {
    let drawn = line.drawn;
    if line.class == ExposureClass::RealEstate && line.re_type == Some(ReType::Rre) {
        (rules.defaulted_rre, Rule::DefaultedRre)
    } else if drawn <= 0.0 {
        (rules.defaulted_high, Rule::DefaultedNoDrawn)
    } else if line.specific_provisions < rules.defaulted_threshold * drawn {
        (
            rules.defaulted_low,
            Rule::Defaulted {
                provisions_at_least_threshold: false,
            },
        )
    } else {
        (
            rules.defaulted_high,
            Rule::Defaulted {
                provisions_at_least_threshold: true,
            },
        )
    }
}

/// §3.6 applies to retail, rre and rre_ip, never to defaulted lines.
fn mismatch_applies(line: &Line) -> bool {
    line.currency_mismatch
        && !line.defaulted
        && (line.class == ExposureClass::Retail
            || (line.class == ExposureClass::RealEstate
                && matches!(line.re_type, Some(ReType::Rre | ReType::RreIp))))
}

fn with_mismatch(rules: &Rules, rw: f64) -> f64 {
    (rw * rules.mismatch_multiplier).min(rules.mismatch_cap.max(rw))
}

/// The guarantor's RW from `guarantor_class` and `guarantor_rating`; only
/// sovereigns, PSEs, MDBs (never qualifying), banks (unrated = SCRA C) and
/// corporates are eligible (ratios.md §10).
pub fn guarantor_rw(rules: &Rules, line: &Line) -> Option<f64> {
    let cqs = line.guarantor_cqs;
    let rated = |table: Table, unrated: f64| cqs.map_or(unrated, |c| rules.rated(table, c.index()));
    match line.guarantor_class? {
        ExposureClass::Sovereign => Some(rated(Table::Sovereign, rules.unrated_sovereign)),
        ExposureClass::Pse => Some(rated(Table::Pse, rules.unrated_pse)),
        ExposureClass::Mdb => Some(rated(Table::Mdb, rules.unrated_mdb)),
        ExposureClass::Bank => Some(rated(Table::Bank, rules.scra(ScraGrade::C, false))),
        ExposureClass::Corporate => Some(rated(Table::Corporate, rules.corporate_unrated)),
        _ => None,
    }
}

/// C × (1 − Hc − Hfx) of §3.7.1, floored at 0; 0 without a collateral type.
pub fn adjusted_collateral(rules: &Rules, line: &Line) -> f64 {
    let Some(kind) = line.collateral_type else {
        return 0.0;
    };
    let value = line.collateral_value;
    if value <= 0.0 {
        return 0.0;
    }
    let hfx = if line.collateral_fx {
        rules.haircut_fx
    } else {
        0.0
    };
    let hc = rules.haircut(kind, line.collateral_residual_maturity_years);
    (value * (1.0 - hc - hfx)).max(0.0)
}

/// §3.1 amounts: (on_net, off_net, ccf).
pub fn exposure_amounts(rules: &Rules, line: &Line) -> (f64, f64, f64) {
    let drawn = line.drawn;
    let undrawn = line.undrawn;
    let provisions = line.specific_provisions;
    let on_net = (drawn - provisions).max(0.0);
    let left = (provisions - drawn).max(0.0);
    let off_net = (undrawn - left).max(0.0);
    // `undrawn` with no type is a commitment (ratios.md §10).
    let ccf = rules.ccf(line.off_balance_type.unwrap_or(OffBalanceType::Commitment));
    (on_net, off_net, ccf)
}

pub fn evaluate(rules: &Rules, line: &Line) -> LineOutcome {
    let (on_net, off_net, ccf) = exposure_amounts(rules, line);
    let exposure = on_net + off_net * ccf;
    let collateral_adjusted = adjusted_collateral(rules, line);
    let e_star = (exposure - collateral_adjusted).max(0.0);
    let mismatch = mismatch_applies(line);
    let adjust = |rw: f64| {
        if mismatch {
            with_mismatch(rules, rw)
        } else {
            rw
        }
    };

    // Borrower parts: (rw, share of E*) — one part, or secured + rest.
    let (borrower, rule) = if line.defaulted {
        let (rw, rule) = defaulted_rw(rules, line);
        ([(rw, 1.0), (0.0, 0.0)], rule)
    } else if line.class == ExposureClass::RealEstate {
        match real_estate_rw(rules, line) {
            ReWeight::Whole(rw, rule) => ([(adjust(rw), 1.0), (0.0, 0.0)], rule),
            ReWeight::Split {
                secured_rw,
                rest_rw,
                rule,
            } => {
                let secured = secured_amount(rules, line).min(e_star);
                let share = if e_star > 0.0 { secured / e_star } else { 0.0 };
                (
                    [(adjust(secured_rw), share), (adjust(rest_rw), 1.0 - share)],
                    rule,
                )
            }
        }
    } else {
        let (rw, rule) = class_rw(rules, line);
        ([(adjust(rw), 1.0), (0.0, 0.0)], rule)
    };
    // Shares sum to 1, so this is the single RW of a whole line and the
    // blended RW of a split one.
    let borrower_rw = borrower[0].0 * borrower[0].1 + borrower[1].0 * borrower[1].1;

    let guarantor = guarantor_rw(rules, line);
    let covered = match guarantor {
        Some(g) if g < borrower_rw => line.guaranteed_amount.min(e_star),
        _ => 0.0,
    };
    let rest = e_star - covered;
    let mut parts = Parts::default();
    if covered > 0.0
        && let Some(g) = guarantor
    {
        parts.push(g, covered);
    }
    for (rw, share) in borrower {
        if share > 0.0 {
            parts.push(rw, rest * share);
        }
    }
    let rwa = covered * guarantor.unwrap_or(0.0) + rest * borrower_rw;
    LineOutcome {
        on_net,
        off_net,
        ccf,
        exposure,
        exposure_after_crm: e_star,
        collateral_adjusted,
        borrower_rw,
        rule,
        guarantor_rw: guarantor,
        covered,
        rwa,
        parts,
    }
}

/// crr3 loan splitting: min(E*, 55 % × property value) is secured; the
/// property value is `property_value`, else (drawn + undrawn) / `ltv`.
fn secured_amount(rules: &Rules, line: &Line) -> f64 {
    let value = match (line.property_value, line.ltv) {
        (Some(pv), _) => pv,
        (None, Some(ltv)) if ltv > 0.0 => (line.drawn + line.undrawn) / ltv,
        _ => 0.0,
    };
    (rules.split_share * value).max(0.0)
}
