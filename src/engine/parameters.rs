//! What each rule-profile key means: the section of ratios.md it belongs
//! to, a sentence an analyst reads beside the value, and the kind of
//! number it is (so a form shows a rate in per cent and refuses a flag of
//! 2). The profile editor and `set_parameter` both check values here.

/// How a parameter's number reads and which values it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A weight, factor or rate: 1.0 is 100 %, at most 1250 % (the largest
    /// risk weight the framework knows).
    Rate,
    /// An amount in the reporting currency.
    Amount,
    /// A plain multiplier or exponent.
    Number,
    /// 0 (off) or 1 (on).
    Flag,
    /// A whole number of items.
    Count,
}

pub const MAX_RATE: f64 = 12.5;

/// The sections of ratios.md, in its order, with the key prefixes they hold.
pub const SECTIONS: [(&str, &[&str]); 15] = [
    ("§3.1 Credit conversion factors", &["ccf."]),
    (
        "§3.3 Risk weights by class",
        &[
            "rw.sovereign.",
            "rw.pse.",
            "rw.mdb.",
            "rw.bank.",
            "rw.bank_short.",
            "rw.covered_bond.",
            "rw.corporate.",
            "corporate.",
            "rw.specialised_lending.",
            "rw.subordinated_debt",
            "rw.equity",
            "rw.retail.",
            "rw.other_assets.",
        ],
    ),
    ("§3.4 Real estate", &["re.", "rw.re."]),
    ("§3.5 Defaulted exposures", &["defaulted.", "rw.defaulted."]),
    ("§3.6 Currency mismatch", &["currency_mismatch."]),
    ("§3.7 Credit risk mitigation: haircuts", &["crm."]),
    ("§4 Operational risk", &["oprisk."]),
    ("§5 Requirements and buffers", &["req.", "mda."]),
    ("Management buffers and traffic lights", &["mgmt_buffer."]),
    ("§6 Leverage ratio", &["leverage."]),
    (
        "§7 LCR: high-quality liquid assets",
        &["lcr.hqla.", "lcr.cap."],
    ),
    (
        "§7 LCR: outflows and inflows",
        &["lcr.outflow.", "lcr.inflow.", "lcr.inflow_cap"],
    ),
    ("§8 NSFR", &["nsfr."]),
    ("§9 Large exposures", &["le."]),
    ("§11 SME supporting factor (crr3)", &["sme."]),
];

/// The section a key belongs to: the one with its longest prefix.
pub fn section(key: &str) -> &'static str {
    SECTIONS
        .iter()
        .flat_map(|(name, prefixes)| prefixes.iter().map(move |p| (*name, *p)))
        .filter(|(_, prefix)| key.starts_with(prefix))
        .max_by_key(|(_, prefix)| prefix.len())
        .map_or("Other", |(name, _)| name)
}

const FLAGS: [&str; 4] = [
    "corporate.investment_grade_treatment",
    "re.loan_splitting",
    "sme.supporting_factor",
    "oprisk.ilm_enabled",
];

pub fn kind(key: &str) -> Kind {
    if FLAGS.contains(&key) {
        Kind::Flag
    } else if key == "le.listed_largest" {
        Kind::Count
    } else if key == "sme.threshold" || key.starts_with("oprisk.bic.threshold") {
        Kind::Amount
    } else if matches!(
        key,
        "oprisk.loss_multiplier"
            | "oprisk.ilm_exponent"
            | "currency_mismatch.multiplier"
            | "currency_mismatch.cap"
    ) {
        Kind::Number
    } else {
        Kind::Rate
    }
}

/// Why a value does not fit its key, in words for the form.
pub fn check(key: &str, value: f64) -> Result<(), String> {
    let fits = value.is_finite()
        && match kind(key) {
            Kind::Rate => (0.0..=MAX_RATE).contains(&value),
            Kind::Amount => (0.0..=super::dataset::MAX_AMOUNT).contains(&value),
            Kind::Number => (0.0..=1000.0).contains(&value),
            Kind::Flag => value == 0.0 || value == 1.0,
            Kind::Count => (1.0..=1000.0).contains(&value) && value.fract() == 0.0,
        };
    if fits {
        return Ok(());
    }
    Err(match kind(key) {
        Kind::Rate => format!("{key} is a rate from 0 % to 1250 % (0 to 12.5), got {value}"),
        Kind::Amount => format!("{key} is an amount of 0 or more, got {value}"),
        Kind::Number => format!("{key} is a number from 0 to 1000, got {value}"),
        Kind::Flag => format!("{key} is 0 (off) or 1 (on), got {value}"),
        Kind::Count => format!("{key} is a whole number from 1 to 1000, got {value}"),
    })
}

/// Sentences for keys whose name alone does not say what they do.
const MEANINGS: [(&str, &str); 24] = [
    (
        "corporate.investment_grade_treatment",
        "Unrated investment-grade corporates at their own weight (CRE20.47)",
    ),
    (
        "re.loan_splitting",
        "Split real-estate loans into a secured and an unsecured part (crr3)",
    ),
    (
        "re.loan_splitting.share",
        "Share of the property value that the secured part covers",
    ),
    (
        "re.cre.ltv_threshold",
        "Commercial real estate: LTV up to which the capped weight applies",
    ),
    (
        "defaulted.provision_threshold",
        "Provisions (share of the exposure) above which the lower weight applies",
    ),
    (
        "currency_mismatch.multiplier",
        "Multiplier of the risk weight of a retail or residential loan in another currency",
    ),
    (
        "currency_mismatch.cap",
        "Highest risk weight after the currency-mismatch multiplier",
    ),
    (
        "sme.supporting_factor",
        "Apply the SME supporting factor (crr3 article 501)",
    ),
    (
        "sme.threshold",
        "Exposure to one SME up to which the lower factor applies",
    ),
    (
        "oprisk.ildc_cap_rate",
        "Cap on the interest component, as a share of interest-earning assets",
    ),
    (
        "oprisk.loss_multiplier",
        "Loss component: multiple of average annual losses",
    ),
    ("oprisk.ilm_exponent", "Internal loss multiplier exponent"),
    (
        "oprisk.ilm_enabled",
        "Use the internal loss multiplier (off: ILM = 1)",
    ),
    ("req.ccb", "Capital conservation buffer"),
    ("req.leverage", "Leverage ratio requirement"),
    ("req.lcr", "LCR requirement"),
    ("req.nsfr", "NSFR requirement"),
    (
        "leverage.ccf_floor",
        "Lowest credit conversion factor in the leverage exposure measure",
    ),
    (
        "lcr.inflow_cap",
        "Cap on inflows as a share of gross outflows",
    ),
    ("le.limit", "Large-exposure limit, as a share of Tier 1"),
    (
        "le.reporting_threshold",
        "Share of Tier 1 from which an exposure is a large exposure",
    ),
    (
        "le.listed_largest",
        "How many groups the large-exposure list shows",
    ),
    (
        "mgmt_buffer.large_exposure",
        "Margin kept below the large-exposure limit: closer reads \"Below target\"",
    ),
    (
        "sme.factor_up_to_threshold",
        "SME supporting factor up to the threshold",
    ),
];

/// Words for the name parts of keys without their own sentence.
const WORDS: [(&str, &str); 22] = [
    ("rw", "Risk weight"),
    ("ccf", "Credit conversion factor"),
    ("crm", "Credit risk mitigation"),
    ("lcr", "LCR"),
    ("nsfr", "NSFR"),
    ("asf", "available stable funding factor"),
    ("rsf", "required stable funding factor"),
    ("hqla", "HQLA factor"),
    ("req", "Requirement"),
    ("p2r_share", "share of Pillar 2 met with"),
    ("pillar1", "Pillar 1"),
    ("mda", "MDA"),
    ("mgmt_buffer", "Management buffer above the requirement:"),
    ("re", "real estate"),
    ("rre", "residential"),
    ("rre_ip", "residential, income-producing"),
    ("cre", "commercial"),
    ("cre_ip", "commercial, income-producing"),
    ("sl", "specialised lending"),
    ("pse", "public-sector entities"),
    ("mdb", "multilateral development banks"),
    ("scra", "SCRA grade"),
];

/// The sentence shown beside a key.
pub fn meaning(key: &str) -> String {
    if let Some((_, text)) = MEANINGS.iter().find(|(k, _)| *k == key) {
        return (*text).to_owned();
    }
    let parts: Vec<String> = key
        .split('.')
        .map(|part| {
            WORDS
                .iter()
                .find(|(w, _)| *w == part)
                .map(|(_, text)| (*text).to_owned())
                .unwrap_or_else(|| words_of(part))
        })
        .collect();
    let (head, rest) = parts
        .split_first()
        .map_or(("", &[][..]), |(h, r)| (h.as_str(), r));
    if rest.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {}", rest.join(", "))
    }
}

/// `cqs3` → "CQS 3", `band2` → "band 2", `a_plus` → "a plus".
fn words_of(part: &str) -> String {
    let spaced = part.replace('_', " ");
    let digits = spaced.trim_start_matches(|c: char| !c.is_ascii_digit());
    if let Some(stem) = spaced.strip_suffix(digits).filter(|_| !digits.is_empty()) {
        let stem = if stem == "cqs" { "CQS" } else { stem };
        return format!("{} {digits}", stem.trim_end());
    }
    spaced
}

/// The value as typed in the form's unit.
pub fn shown(key: &str, value: f64) -> String {
    match kind(key) {
        Kind::Rate => trimmed(value * 100.0),
        _ => trimmed(value),
    }
}

fn trimmed(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub fn unit(key: &str) -> &'static str {
    match kind(key) {
        Kind::Rate => "%",
        Kind::Amount => "EUR",
        Kind::Flag => "1 = on, 0 = off",
        Kind::Number | Kind::Count => "",
    }
}

/// The engine's value of a typed text, or why it is not one.
pub fn parse(key: &str, text: &str) -> Result<f64, String> {
    let number = text
        .trim()
        .replace([' ', '\u{a0}', '_'], "")
        .replace(',', ".")
        .parse::<f64>()
        .map_err(|_| format!("{key}: \"{}\" is not a number", text.trim()))?;
    let value = match kind(key) {
        Kind::Rate => number / 100.0,
        _ => number,
    };
    check(key, value)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::profile::Profile;

    #[test]
    fn every_key_has_a_section_a_sentence_and_a_regulatory_value_that_fits_its_kind() {
        let profile = Profile::named("crr3").expect("crr3");
        for (key, value) in &profile.parameters {
            assert_ne!(section(key), "Other", "{key} has no section");
            assert!(meaning(key).len() > 4, "{key} has no meaning");
            assert_eq!(check(key, *value), Ok(()), "{key}");
        }
    }

    #[test]
    fn meanings_and_checks_read_as_an_analyst_expects() {
        assert_eq!(
            meaning("rw.corporate.cqs3"),
            "Risk weight: corporate, CQS 3"
        );
        assert_eq!(
            meaning("lcr.outflow.retail_stable"),
            "LCR: outflow, retail stable"
        );
        assert_eq!(section("rw.re.rre.band1"), "§3.4 Real estate");
        assert_eq!(section("lcr.inflow_cap"), "§7 LCR: outflows and inflows");
        assert!(check("rw.corporate.cqs3", 13.0).is_err());
        assert!(check("re.loan_splitting", 0.5).is_err());
        assert!(check("le.listed_largest", 2.5).is_err());
        assert!(check("sme.threshold", 2.0e6).is_ok());
    }

    #[test]
    fn rates_are_typed_in_per_cent_and_checked() {
        assert_eq!(shown("rw.corporate.cqs3", 0.75), "75");
        assert_eq!(shown("sme.factor_up_to_threshold", 0.7619), "76.19");
        assert_eq!(parse("rw.corporate.cqs3", "110,5"), Ok(1.105));
        assert_eq!(parse("sme.threshold", "2 500 000"), Ok(2.5e6));
        assert!(parse("rw.corporate.cqs3", "2000").is_err());
        assert!(parse("re.loan_splitting", "2").is_err());
        assert!(parse("rw.corporate.cqs3", "abc").is_err());
    }
}
