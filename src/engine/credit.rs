//! Credit risk, standardised approach (ratios.md §3, CRE20 and CRE22): the
//! exposure value, the borrower's risk weight, mitigation, and the RWA of one
//! line split into parts by risk weight.

use super::aggregate::{bucket_index, class_index};
use super::dataset::{
    CounterpartyType, ExposureClass, OffBalanceType, OtherType, ReType, RetailType, ScraGrade,
    SlType,
};
use super::explain::Rule;
use super::portfolio::{Line, Portfolio, Traits};
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
    /// The CR5 bucket of `rw` (`aggregate::bucket_index`). Word-sized like
    /// the other fields: with a byte here, copies of the parts mixed store
    /// and load widths, and each line stalled on store forwarding.
    pub bucket: usize,
}

/// The guaranteed part, the borrower's part (whole, or secured under loan
/// splitting) and the unsecured rest of a split line, in fixed slots, each
/// present or not: written at fixed places, the pass keeps them in
/// registers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Parts {
    pub items: [Part; 3],
    pub present: [bool; 3],
}

impl Parts {
    fn set(&mut self, slot: usize, rw: f64, exposure: f64, bucket: usize) {
        self.items[slot] = Part {
            rw,
            exposure,
            bucket,
        };
        self.present[slot] = true;
    }

    pub fn iter(&self) -> impl Iterator<Item = &Part> {
        self.items
            .iter()
            .zip(self.present)
            .filter_map(|(part, present)| present.then_some(part))
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
fn counterparty_rw(rules: &Rules, t: &Traits) -> f64 {
    match t.counterparty_type {
        Some(CounterpartyType::Individual) => rules.cp_individual,
        Some(CounterpartyType::Sme) => rules.cp_sme,
        _ => match t.cqs {
            Some(cqs) => rules.rated(Table::Corporate, cqs.index()),
            None => rules.corporate_unrated,
        },
    }
}

/// LTV: `ltv`, else (drawn + undrawn) / property value, else the top band.
#[inline]
pub fn ltv(line: &Line) -> f64 {
    if let Some(ltv) = line.ltv() {
        return ltv;
    }
    match line.property_value() {
        Some(pv) if pv > 0.0 => (line.drawn + line.undrawn) / pv,
        _ => f64::INFINITY,
    }
}

/// Index of the first upper-inclusive band holding `ltv`: every bound is
/// compared, from the top down, so a random LTV costs no mispredicted exit.
#[inline]
fn band(ltv: f64, bounds: &[f64]) -> usize {
    bounds.iter().enumerate().rev().fold(
        bounds.len(),
        |band, (i, b)| if ltv <= *b { i } else { band },
    )
}

/// The RW before default, currency mismatch and mitigation, for classes other
/// than real estate.
fn class_rw(rules: &Rules, t: &Traits) -> (f64, Rule) {
    let cqs = t.cqs;
    let unrated = |rw: f64| (rw, Rule::Unrated { class: t.class });
    match t.class {
        ExposureClass::Sovereign => rated_or(
            rules,
            Table::Sovereign,
            cqs,
            unrated(rules.unrated_sovereign),
        ),
        ExposureClass::Pse => rated_or(rules, Table::Pse, cqs, unrated(rules.unrated_pse)),
        ExposureClass::Mdb if t.mdb_qualifying => (rules.mdb_qualifying, Rule::MdbQualifying),
        ExposureClass::Mdb => rated_or(rules, Table::Mdb, cqs, unrated(rules.unrated_mdb)),
        ExposureClass::Bank => bank_rw(rules, cqs, t.scra_grade, t.short_term),
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
                let (issuer_rw, _) = bank_rw(rules, t.issuer_cqs, t.issuer_scra_grade, false);
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
            None if is_sme(t) => (rules.corporate_unrated_sme, Rule::CorporateSme),
            None if t.investment_grade && rules.investment_grade_treatment => {
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
                let rw = match t.sl_type {
                    Some(SlType::Object) => rules.sl[0],
                    Some(SlType::Commodities) => rules.sl[1],
                    Some(SlType::ProjectPreOperational) => rules.sl[2],
                    Some(SlType::ProjectOperational) => rules.sl[3],
                    Some(SlType::ProjectHighQuality) => rules.sl[4],
                    None => rules.sl_unspecified,
                };
                (rw, Rule::SpecialisedLending(t.sl_type))
            }
        },
        ExposureClass::SubordinatedDebt => (rules.subordinated_debt, Rule::SubordinatedDebt),
        ExposureClass::Equity => (rules.equity, Rule::Equity),
        ExposureClass::EquitySpeculative => (rules.equity_speculative, Rule::EquitySpeculative),
        ExposureClass::Retail => {
            let rw = match t.retail_type {
                Some(RetailType::Transactor) => rules.retail[0],
                Some(RetailType::Regulatory) => rules.retail[1],
                Some(RetailType::Other) | None => rules.retail[2],
            };
            (rw, Rule::Retail(t.retail_type))
        }
        ExposureClass::OtherAssets => {
            let rw = match t.other_type {
                Some(OtherType::Cash) => rules.other_assets[0],
                Some(OtherType::Gold) => rules.other_assets[1],
                Some(OtherType::CashInCollection) => rules.other_assets[2],
                Some(OtherType::Other) | None => rules.other_assets[3],
            };
            (rw, Rule::OtherAssets(t.other_type))
        }
        // Real estate is weighted by `real_estate_rw`; reaching here means a
        // caller skipped it, and the counterparty RW is the rule's fallback.
        ExposureClass::RealEstate => (counterparty_rw(rules, t), Rule::ReCounterparty),
    }
}

/// An SME line for the 85 % unrated weight and the crr3 supporting factor.
pub fn is_sme(t: &Traits) -> bool {
    t.sme || t.counterparty_type == Some(CounterpartyType::Sme)
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

/// What a real-estate line's traits decide of its weight (§3.4); its LTV,
/// from its amounts, decides the rest line by line ([`RePlan::weigh`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RePlan {
    /// One weight whatever the LTV.
    Whole(f64, Rule),
    /// By LTV band: rre and rre_ip on the rre bounds, cre_ip on its own.
    Bands(ReType),
    /// cre: min(cap, the counterparty's RW) up to the LTV threshold, the
    /// counterparty's RW above it.
    CreThreshold { counterparty_rw: f64 },
    /// crr3 loan splitting.
    Split {
        secured_rw: f64,
        rest_rw: f64,
        rule: Rule,
    },
}

fn re_plan(rules: &Rules, t: &Traits) -> RePlan {
    let cp = || counterparty_rw(rules, t);
    let Some(re_type) = t.re_type else {
        return RePlan::Whole(cp(), Rule::ReCounterparty);
    };
    let split = rules.loan_splitting && matches!(re_type, ReType::Rre | ReType::Cre);
    match re_type {
        ReType::Adc => RePlan::Whole(rules.adc, Rule::ReAdc { qualifying: false }),
        ReType::AdcQualifying => {
            RePlan::Whole(rules.adc_qualifying, Rule::ReAdc { qualifying: true })
        }
        ReType::Rre | ReType::Cre if !t.re_criteria_met => {
            RePlan::Whole(cp(), Rule::ReCounterparty)
        }
        ReType::RreIp | ReType::CreIp if !t.re_criteria_met => RePlan::Whole(
            rules.ip_criteria_not_met,
            Rule::ReCriteriaNotMet { re_type },
        ),
        ReType::Rre | ReType::Cre if split => RePlan::Split {
            secured_rw: if re_type == ReType::Rre {
                rules.split_rre_secured
            } else {
                rules.split_cre_secured
            },
            rest_rw: cp(),
            rule: Rule::ReLoanSplit { re_type },
        },
        ReType::Rre | ReType::RreIp | ReType::CreIp => RePlan::Bands(re_type),
        ReType::Cre => RePlan::CreThreshold {
            counterparty_rw: cp(),
        },
    }
}

impl RePlan {
    #[inline]
    fn weigh(self, rules: &Rules, line: &Line) -> ReWeight {
        match self {
            RePlan::Whole(rw, rule) => ReWeight::Whole(rw, rule),
            RePlan::Bands(re_type) => {
                let (bounds, weights): (&[f64], &[f64]) = match re_type {
                    ReType::Rre => (&rules.rre_bounds, &rules.rre),
                    ReType::RreIp => (&rules.rre_bounds, &rules.rre_ip),
                    _ => (&rules.cre_ip_bounds, &rules.cre_ip),
                };
                let b = band(ltv(line), bounds);
                ReWeight::Whole(
                    weights[b],
                    Rule::ReLtvBand {
                        re_type,
                        band: b as u8,
                    },
                )
            }
            RePlan::CreThreshold { counterparty_rw } => {
                if ltv(line) <= rules.cre_threshold {
                    ReWeight::Whole(rules.cre_cap.min(counterparty_rw), Rule::ReCreUpToThreshold)
                } else {
                    ReWeight::Whole(counterparty_rw, Rule::ReCounterparty)
                }
            }
            RePlan::Split {
                secured_rw,
                rest_rw,
                rule,
            } => ReWeight::Split {
                secured_rw,
                rest_rw,
                rule,
            },
        }
    }
}

/// §3.5 defaulted exposures override the class.
fn defaulted_rw(rules: &Rules, t: &Traits, line: &Line) -> (f64, Rule) {
    let drawn = line.drawn;
    if t.class == ExposureClass::RealEstate && t.re_type == Some(ReType::Rre) {
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
fn mismatch_applies(t: &Traits) -> bool {
    t.currency_mismatch
        && !t.defaulted
        && (t.class == ExposureClass::Retail
            || (t.class == ExposureClass::RealEstate
                && matches!(t.re_type, Some(ReType::Rre | ReType::RreIp))))
}

fn with_mismatch(rules: &Rules, rw: f64) -> f64 {
    (rw * rules.mismatch_multiplier).min(rules.mismatch_cap.max(rw))
}

/// The guarantor's RW from `guarantor_class` and `guarantor_rating`; only
/// sovereigns, PSEs, MDBs (never qualifying), banks (unrated = SCRA C) and
/// corporates are eligible (ratios.md §10).
pub fn guarantor_rw(rules: &Rules, t: &Traits) -> Option<f64> {
    let cqs = t.guarantor_cqs;
    let rated = |table: Table, unrated: f64| cqs.map_or(unrated, |c| rules.rated(table, c.index()));
    match t.guarantor_class? {
        ExposureClass::Sovereign => Some(rated(Table::Sovereign, rules.unrated_sovereign)),
        ExposureClass::Pse => Some(rated(Table::Pse, rules.unrated_pse)),
        ExposureClass::Mdb => Some(rated(Table::Mdb, rules.unrated_mdb)),
        ExposureClass::Bank => Some(rated(Table::Bank, rules.scra(ScraGrade::C, false))),
        ExposureClass::Corporate => Some(rated(Table::Corporate, rules.corporate_unrated)),
        _ => None,
    }
}

/// 1 − Hc − Hfx of §3.7.1, None without a collateral type.
fn collateral_factor(rules: &Rules, t: &Traits) -> Option<f64> {
    let kind = t.collateral_type?;
    let hfx = if t.collateral_fx {
        rules.haircut_fx
    } else {
        0.0
    };
    Some(1.0 - rules.haircut(kind, t.collateral_maturity) - hfx)
}

/// C × (1 − Hc − Hfx) of §3.7.1, floored at 0; 0 without a collateral type.
pub fn adjusted_collateral(kind: &KindRules, line: &Line) -> f64 {
    match kind.collateral {
        Some(factor) if line.collateral_value > 0.0 => (line.collateral_value * factor).max(0.0),
        _ => 0.0,
    }
}

/// §3.1 amounts net of provisions: (on-balance, off-balance); E is
/// on + off × the kind's CCF (`undrawn` with no type is a commitment,
/// ratios.md §10).
#[inline]
pub fn exposure_amounts(line: &Line) -> (f64, f64) {
    let drawn = line.drawn;
    let provisions = line.specific_provisions;
    let on_net = (drawn - provisions).max(0.0);
    let left = (provisions - drawn).max(0.0);
    let off_net = (line.undrawn - left).max(0.0);
    (on_net, off_net)
}

/// What a profile's rules decide from a kind's traits alone: worked out
/// once per kind, so the per-line pass only does arithmetic on amounts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KindRules {
    pub borrower: Borrower,
    /// The guarantor's RW and bucket, when eligible.
    pub guarantor: Option<(f64, usize)>,
    pub ccf: f64,
    pub mismatch: bool,
    /// `aggregate::class_index`.
    pub class_index: u8,
    /// A private-sector line for the CCyB (§5.1).
    pub ccyb: bool,
    /// A line on a sovereign, outside the large-exposure groups (§9).
    pub sovereign: bool,
    /// The guaranteed part of a line moves to the guarantor's group (§9).
    pub guarantor_listed: bool,
    /// 1 − Hc − Hfx of the collateral, None without a collateral type.
    pub collateral: Option<f64>,
    /// An SME line of ratios.md §11.
    pub sme_eligible: bool,
    pub traits: Traits,
}

/// What a kind's traits decide of the borrower's RW.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Borrower {
    /// The RW after §3.6, its rule and its CR5 bucket: every class but real
    /// estate, for lines not in default.
    Fixed(f64, Rule, usize),
    /// Real estate, by the line's LTV where the plan says so.
    RealEstate(RePlan),
    /// §3.5, by the line's provisions.
    Defaulted,
}

impl KindRules {
    pub fn new(rules: &Rules, t: &Traits) -> KindRules {
        let mismatch = mismatch_applies(t);
        let borrower = if t.defaulted {
            Borrower::Defaulted
        } else if t.class == ExposureClass::RealEstate {
            Borrower::RealEstate(re_plan(rules, t))
        } else {
            let (rw, rule) = class_rw(rules, t);
            let rw = if mismatch {
                with_mismatch(rules, rw)
            } else {
                rw
            };
            Borrower::Fixed(rw, rule, bucket_index(rw))
        };
        KindRules {
            borrower,
            guarantor: guarantor_rw(rules, t).map(|g| (g, bucket_index(g))),
            ccf: rules.ccf(t.off_balance_type.unwrap_or(OffBalanceType::Commitment)),
            mismatch,
            class_index: class_index(t) as u8,
            ccyb: t.defaulted
                || matches!(
                    t.class,
                    ExposureClass::Corporate | ExposureClass::Retail | ExposureClass::RealEstate
                ),
            sovereign: t.class == ExposureClass::Sovereign
                || t.counterparty_type == Some(CounterpartyType::Sovereign),
            guarantor_listed: t.guarantor_class != Some(ExposureClass::Sovereign),
            collateral: collateral_factor(rules, t),
            sme_eligible: super::aggregate::sme_eligible(t),
            traits: *t,
        }
    }
}

/// The [`KindRules`] of every kind of a portfolio under one profile.
#[derive(Clone, Debug, Default)]
pub struct KindTable {
    kinds: Vec<KindRules>,
}

impl KindTable {
    pub fn new(rules: &Rules, portfolio: &Portfolio) -> KindTable {
        let mut table = KindTable::default();
        table.extend(rules, portfolio);
        table
    }

    /// Adds the kinds the portfolio gained since (an edit made a new one).
    pub fn extend(&mut self, rules: &Rules, portfolio: &Portfolio) {
        let known = self.kinds.len();
        self.kinds.extend(
            portfolio.kinds[known..]
                .iter()
                .map(|t| KindRules::new(rules, t)),
        );
    }

    #[inline]
    pub fn of(&self, line: &Line) -> &KindRules {
        self.get(line.kind)
    }

    #[inline]
    pub fn get(&self, kind: u32) -> &KindRules {
        &self.kinds[kind as usize]
    }
}

// Inlined into the pass, the outcome stays in registers and what the
// aggregates do not read (the rule) is never built.
#[inline(always)]
pub fn evaluate(rules: &Rules, kind: &KindRules, line: &Line) -> LineOutcome {
    let (on_net, off_net) = exposure_amounts(line);
    let ccf = kind.ccf;
    let exposure = on_net + off_net * ccf;
    let collateral_adjusted = adjusted_collateral(kind, line);
    let e_star = (exposure - collateral_adjusted).max(0.0);
    let adjust = |rw: f64| {
        if kind.mismatch {
            with_mismatch(rules, rw)
        } else {
            rw
        }
    };

    // Borrower parts: (rw, share of E*) — one part, or secured + rest.
    let (borrower, rule) = match kind.borrower {
        Borrower::Fixed(rw, rule, _) => ([(rw, 1.0), (0.0, 0.0)], rule),
        Borrower::Defaulted => {
            let (rw, rule) = defaulted_rw(rules, &kind.traits, line);
            ([(rw, 1.0), (0.0, 0.0)], rule)
        }
        Borrower::RealEstate(plan) => match plan.weigh(rules, line) {
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
        },
    };
    // Shares sum to 1, so this is the single RW of a whole line and the
    // blended RW of a split one.
    let borrower_rw = borrower[0].0 * borrower[0].1 + borrower[1].0 * borrower[1].1;

    let guarantor = kind.guarantor;
    let covered = match guarantor {
        Some((g, _)) if g < borrower_rw => line.guaranteed_amount.min(e_star),
        _ => 0.0,
    };
    let rest = e_star - covered;
    let mut parts = Parts::default();
    if covered > 0.0
        && let Some((g, bucket)) = guarantor
    {
        parts.set(0, g, covered, bucket);
    }
    match kind.borrower {
        Borrower::Fixed(rw, _, bucket) => parts.set(1, rw, rest, bucket),
        _ => {
            for (slot, (rw, share)) in [1, 2].into_iter().zip(borrower) {
                if share > 0.0 {
                    parts.set(slot, rw, rest * share, bucket_index(rw));
                }
            }
        }
    }
    let rwa = covered * guarantor.map_or(0.0, |g| g.0) + rest * borrower_rw;
    LineOutcome {
        on_net,
        off_net,
        ccf,
        exposure,
        exposure_after_crm: e_star,
        collateral_adjusted,
        borrower_rw,
        rule,
        guarantor_rw: guarantor.map(|g| g.0),
        covered,
        rwa,
        parts,
    }
}

/// How a line's results follow a scaling of all its amounts by f > 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scaling {
    /// They scale by f, weights and rules unchanged.
    #[default]
    Linear,
    /// They scale by f until the line's LTV, which comes from a property
    /// value that keeps its value, crosses a band bound (`kinked`).
    Kinked,
    /// They scale by f, but the rule compares two amounts that are equal or
    /// nearly (provisions at 20 % of drawn), so the rounding of the scaled
    /// amounts decides it, or the crr3 SME factor follows the line's own E:
    /// the line is evaluated again at each lever.
    Fragile,
    /// They scale by f until the line's E* reaches its crr3 secured cap,
    /// a share of a property value that keeps its value; above, the
    /// secured part stays and the rest grows by f (`split`).
    Split,
    /// Neither: LTV bounds a profile override left out of order.
    Unscalable,
}

/// `counterparty`: the line has a counterparty id. The crr3 SME factor of
/// a line with one follows the counterparty's total, which `sme::SmeBook`
/// keeps; without one, it follows the line's own E, so the line is weighed
/// again at each lever.
pub fn scaling(
    rules: &Rules,
    kind: &KindRules,
    line: &Line,
    outcome: &LineOutcome,
    counterparty: bool,
) -> Scaling {
    let valued = line.ltv().is_none() && line.property_value().is_some();
    match kind.borrower {
        _ if rules.sme_factor && kind.sme_eligible && !counterparty => Scaling::Fragile,
        Borrower::RealEstate(RePlan::Split { .. }) if line.property_value().is_some() => {
            split_scaling(rules, kind, line, outcome)
        }
        Borrower::Defaulted
            if (line.specific_provisions - rules.defaulted_threshold * line.drawn).abs()
                <= 1e-12 * line.drawn.abs() =>
        {
            Scaling::Fragile
        }
        Borrower::RealEstate(plan) if valued => match ltv_bounds(rules, &plan) {
            Some(bounds) if bounds.is_sorted() => Scaling::Kinked,
            // Bounds a profile override left out of order: the first band
            // holding the LTV is no longer a range of LTVs.
            Some(_) => Scaling::Unscalable,
            None => Scaling::Linear,
        },
        _ => Scaling::Linear,
    }
}

/// The secured and unsecured weights of a kind's crr3 split loans, after
/// the currency-mismatch add-on; None for another kind.
pub fn split_weights(rules: &Rules, kind: &KindRules) -> Option<(f64, f64)> {
    let Borrower::RealEstate(RePlan::Split {
        secured_rw,
        rest_rw,
        ..
    }) = kind.borrower
    else {
        return None;
    };
    let adjust = |rw| {
        if kind.mismatch {
            with_mismatch(rules, rw)
        } else {
            rw
        }
    };
    Some((adjust(secured_rw), adjust(rest_rw)))
}

/// A split line on a property value. A guarantee that may cover it is
/// compared with its blended weight, which moves with every lever; a line
/// with no E* or no secured cap stays wholly on one side.
fn split_scaling(rules: &Rules, kind: &KindRules, line: &Line, outcome: &LineOutcome) -> Scaling {
    if kind.guarantor.is_some() && line.guaranteed_amount > 0.0 {
        Scaling::Fragile
    } else if outcome.exposure_after_crm > 0.0 && secured_amount(rules, line) > 0.0 {
        Scaling::Split
    } else {
        Scaling::Linear
    }
}

/// The LTV bounds at which a real-estate plan changes weight, or None when
/// its weight does not follow the LTV. The plan's weight for an LTV at a
/// bound is the weight of the band that bound closes.
pub fn ltv_bounds<'a>(rules: &'a Rules, plan: &RePlan) -> Option<&'a [f64]> {
    match plan {
        RePlan::Bands(ReType::Rre | ReType::RreIp) => Some(&rules.rre_bounds),
        RePlan::Bands(_) => Some(&rules.cre_ip_bounds),
        RePlan::CreThreshold { .. } => Some(std::slice::from_ref(&rules.cre_threshold)),
        _ => None,
    }
}

/// crr3 loan splitting: min(E*, 55 % × property value) is secured; the
/// property value is `property_value`, else (drawn + undrawn) / `ltv`.
pub fn secured_amount(rules: &Rules, line: &Line) -> f64 {
    let value = match (line.property_value(), line.ltv()) {
        (Some(pv), _) => pv,
        (None, Some(ltv)) if ltv > 0.0 => (line.drawn + line.undrawn) / ltv,
        _ => 0.0,
    };
    (rules.split_share * value).max(0.0)
}
