//! Why a line got its risk weight: a compact code per line, rendered as text
//! naming the ratios.md section and the Basel paragraph.

use super::dataset::{ExposureClass, OtherType, ReType, RetailType, ScraGrade, SlType};
use super::rating::Cqs;
use super::rules::{TABLES, Table};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    Rated { table: Table, cqs: Cqs },
    Unrated { class: ExposureClass },
    MdbQualifying,
    Scra { grade: ScraGrade, short_term: bool },
    CoveredBondFromIssuer,
    CorporateSme,
    CorporateInvestmentGrade,
    SpecialisedLending(Option<SlType>),
    SubordinatedDebt,
    Equity,
    EquitySpeculative,
    Retail(Option<RetailType>),
    OtherAssets(Option<OtherType>),
    ReLtvBand { re_type: ReType, band: u8 },
    ReCreUpToThreshold,
    ReCounterparty,
    ReCriteriaNotMet { re_type: ReType },
    ReAdc { qualifying: bool },
    ReLoanSplit { re_type: ReType },
    DefaultedRre,
    DefaultedNoDrawn,
    Defaulted { provisions_at_least_threshold: bool },
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        TABLES
            .into_iter()
            .find(|t| t.key() == key)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown table {key}")))
    }
}

fn re_name(re_type: ReType) -> &'static str {
    match re_type {
        ReType::Rre => "rre",
        ReType::RreIp => "rre_ip",
        ReType::Cre => "cre",
        ReType::CreIp => "cre_ip",
        ReType::Adc => "adc",
        ReType::AdcQualifying => "adc_qualifying",
    }
}

const RRE_BANDS: [&str; 6] = [
    "≤ 50 %",
    "50–60 %",
    "60–80 %",
    "80–90 %",
    "90–100 %",
    "> 100 %",
];
const CRE_IP_BANDS: [&str; 3] = ["≤ 60 %", "60–80 %", "> 80 %"];

/// A percentage the way the rule book writes it: `30 %`, `112.5 %`.
pub fn percent(rw: f64) -> String {
    let pct = (rw * 1e6).round() / 1e4;
    if pct.fract() == 0.0 {
        format!("{pct:.0} %")
    } else {
        format!("{pct} %")
    }
}

impl Rule {
    /// E.g. "§3.4 rre LTV 60–80 % → 30 % (CRE20.82)".
    pub fn describe(self, rw: f64) -> String {
        let to = percent(rw);
        match self {
            Rule::Rated { table, cqs } => {
                let para = match table {
                    Table::Sovereign => "CRE20.7",
                    Table::Pse => "CRE20.10",
                    Table::Mdb => "CRE20.15",
                    Table::Bank => "CRE20.17",
                    Table::BankShort => "CRE20.19",
                    Table::CoveredBond => "CRE20.37",
                    Table::Corporate => "CRE20.42",
                };
                format!("§3.3 {} CQS{} → {to} ({para})", table.key(), cqs.step())
            }
            Rule::Unrated { class } => format!("§3.3 {} unrated → {to} (CRE20)", class.key()),
            Rule::MdbQualifying => format!("§3.3 qualifying MDB → {to} (CRE20.14)"),
            Rule::Scra { grade, short_term } => {
                let g = match grade {
                    ScraGrade::APlus => "A+",
                    ScraGrade::A => "A",
                    ScraGrade::B => "B",
                    ScraGrade::C => "C",
                };
                let term = if short_term { ", short term" } else { "" };
                format!("§3.3 unrated bank, SCRA grade {g}{term} → {to} (CRE20.21)")
            }
            Rule::CoveredBondFromIssuer => {
                format!("§3.3 unrated covered bond from the issuer's RW → {to} (CRE20.38)")
            }
            Rule::CorporateSme => format!("§3.3 unrated SME corporate → {to} (CRE20.47)"),
            Rule::CorporateInvestmentGrade => {
                format!("§3.3 unrated investment-grade corporate → {to} (CRE20.46)")
            }
            Rule::SpecialisedLending(kind) => {
                let k = kind.map_or("unspecified", |k| match k {
                    SlType::Object => "object finance",
                    SlType::Commodities => "commodities finance",
                    SlType::ProjectPreOperational => "project finance, pre-operational",
                    SlType::ProjectOperational => "project finance, operational",
                    SlType::ProjectHighQuality => "project finance, high quality",
                });
                format!("§3.3 specialised lending, {k} → {to} (CRE20.50)")
            }
            Rule::SubordinatedDebt => format!("§3.3 subordinated debt → {to} (CRE20.60)"),
            Rule::Equity => format!("§3.3 equity → {to} (CRE20.57)"),
            Rule::EquitySpeculative => {
                format!("§3.3 speculative unlisted equity → {to} (CRE20.58)")
            }
            Rule::Retail(kind) => {
                let k = kind.map_or("unspecified", |k| match k {
                    RetailType::Transactor => "transactor",
                    RetailType::Regulatory => "regulatory retail",
                    RetailType::Other => "other retail",
                });
                format!("§3.3 retail, {k} → {to} (CRE20.65)")
            }
            Rule::OtherAssets(kind) => {
                let k = kind.map_or("unspecified", |k| match k {
                    OtherType::Cash => "cash",
                    OtherType::Gold => "gold",
                    OtherType::CashInCollection => "cash items in collection",
                    OtherType::Other => "other",
                });
                format!("§3.3 other assets, {k} → {to} (CRE20.92)")
            }
            Rule::ReLtvBand { re_type, band } => {
                let (label, para) = match re_type {
                    ReType::Rre => (RRE_BANDS[usize::from(band)], "CRE20.82"),
                    ReType::RreIp => (RRE_BANDS[usize::from(band)], "CRE20.84"),
                    _ => (CRE_IP_BANDS[usize::from(band).min(2)], "CRE20.86"),
                };
                format!("§3.4 {} LTV {label} → {to} ({para})", re_name(re_type))
            }
            Rule::ReCreUpToThreshold => {
                format!("§3.4 cre LTV ≤ 60 %: min(60 %, counterparty RW) → {to} (CRE20.85)")
            }
            Rule::ReCounterparty => format!("§3.4 counterparty RW → {to} (CRE20.83)"),
            Rule::ReCriteriaNotMet { re_type } => format!(
                "§3.4 {} criteria not met → {to} (CRE20.88)",
                re_name(re_type)
            ),
            Rule::ReAdc { qualifying } => {
                let q = if qualifying {
                    "qualifying residential ADC"
                } else {
                    "ADC"
                };
                format!("§3.4 {q} → {to} (CRE20.90)")
            }
            Rule::ReLoanSplit { re_type } => format!(
                "§11 crr3 loan splitting, {} (part up to 55 % of the property value secured) → {to} (CRR3 Art. 125–126)",
                re_name(re_type)
            ),
            Rule::DefaultedRre => {
                format!("§3.5 defaulted residential real estate → {to} (CRE20.90)")
            }
            Rule::DefaultedNoDrawn => format!("§3.5 defaulted, nothing drawn → {to} (CRE20.89)"),
            Rule::Defaulted {
                provisions_at_least_threshold,
            } => {
                let p = if provisions_at_least_threshold {
                    "≥"
                } else {
                    "<"
                };
                format!("§3.5 defaulted, provisions {p} 20 % of drawn → {to} (CRE20.89)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_section_band_weight_and_paragraph() {
        let rule = Rule::ReLtvBand {
            re_type: ReType::Rre,
            band: 2,
        };
        assert_eq!(
            rule.describe(0.30),
            "§3.4 rre LTV 60–80 % → 30 % (CRE20.82)"
        );
        assert_eq!(percent(1.125), "112.5 %");
    }
}
