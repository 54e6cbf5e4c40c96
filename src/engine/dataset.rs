//! The input data set of dataset.md, with exactly its JSON names, and its
//! parsing and validation. Unknown keys are ignored (dataset.md §10).

use super::profile::{ASF, INFLOWS, OUTFLOWS, RSF};
use super::rating::{Cqs, Rating};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DataSet {
    pub name: String,
    pub reporting_date: Option<String>,
    pub currency: Option<String>,
    pub profile: Option<String>,
    pub capital: Vec<CapitalItem>,
    pub exposures: Vec<Exposure>,
    pub rwa_lines: Vec<RwaLine>,
    pub market_risk: Option<OwnFundsRequirement>,
    pub cva: Option<OwnFundsRequirement>,
    pub op_risk: Option<OpRisk>,
    pub leverage: Option<LeverageInputs>,
    pub lcr: Option<Lcr>,
    pub nsfr: Option<Nsfr>,
    pub requirements: Option<Requirements>,
    pub overrides: BTreeMap<String, f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Cet1,
    At1,
    T2,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CapitalKind {
    #[default]
    Item,
    Deduction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CapitalItem {
    pub tier: Tier,
    #[serde(default)]
    pub kind: CapitalKind,
    #[serde(default)]
    pub label: String,
    pub amount: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExposureClass {
    Sovereign,
    Pse,
    Mdb,
    Bank,
    CoveredBond,
    Corporate,
    SpecialisedLending,
    SubordinatedDebt,
    Equity,
    EquitySpeculative,
    Retail,
    RealEstate,
    OtherAssets,
}

impl ExposureClass {
    pub const ALL: [ExposureClass; 13] = [
        ExposureClass::Sovereign,
        ExposureClass::Pse,
        ExposureClass::Mdb,
        ExposureClass::Bank,
        ExposureClass::CoveredBond,
        ExposureClass::Corporate,
        ExposureClass::SpecialisedLending,
        ExposureClass::SubordinatedDebt,
        ExposureClass::Equity,
        ExposureClass::EquitySpeculative,
        ExposureClass::Retail,
        ExposureClass::RealEstate,
        ExposureClass::OtherAssets,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ExposureClass::Sovereign => "sovereign",
            ExposureClass::Pse => "pse",
            ExposureClass::Mdb => "mdb",
            ExposureClass::Bank => "bank",
            ExposureClass::CoveredBond => "covered_bond",
            ExposureClass::Corporate => "corporate",
            ExposureClass::SpecialisedLending => "specialised_lending",
            ExposureClass::SubordinatedDebt => "subordinated_debt",
            ExposureClass::Equity => "equity",
            ExposureClass::EquitySpeculative => "equity_speculative",
            ExposureClass::Retail => "retail",
            ExposureClass::RealEstate => "real_estate",
            ExposureClass::OtherAssets => "other_assets",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CounterpartyType {
    Individual,
    Sme,
    Corporate,
    Bank,
    Sovereign,
    Pse,
    Mdb,
    Other,
}

impl CounterpartyType {
    pub const ALL: [CounterpartyType; 8] = [
        CounterpartyType::Individual,
        CounterpartyType::Sme,
        CounterpartyType::Corporate,
        CounterpartyType::Bank,
        CounterpartyType::Sovereign,
        CounterpartyType::Pse,
        CounterpartyType::Mdb,
        CounterpartyType::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CounterpartyType::Individual => "individual",
            CounterpartyType::Sme => "sme",
            CounterpartyType::Corporate => "corporate",
            CounterpartyType::Bank => "bank",
            CounterpartyType::Sovereign => "sovereign",
            CounterpartyType::Pse => "pse",
            CounterpartyType::Mdb => "mdb",
            CounterpartyType::Other => "other",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ScraGrade {
    #[serde(rename = "A+")]
    APlus,
    A,
    B,
    C,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlType {
    Object,
    Commodities,
    ProjectPreOperational,
    ProjectOperational,
    ProjectHighQuality,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RetailType {
    Transactor,
    Regulatory,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OtherType {
    Cash,
    Gold,
    CashInCollection,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReType {
    Rre,
    RreIp,
    Cre,
    CreIp,
    Adc,
    AdcQualifying,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OffBalanceType {
    DirectCreditSubstitute,
    TransactionContingent,
    NifRuf,
    TradeLc,
    Commitment,
    UnconditionallyCancellable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CollateralType {
    Cash,
    Gold,
    SovereignDebt,
    MainIndexEquity,
    OtherListedEquity,
}

/// One exposure line. Only `id`, `class` and `drawn` or `undrawn` are required.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Exposure {
    pub id: String,
    pub class: ExposureClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_type: Option<CounterpartyType>,
    #[serde(default, skip_serializing_if = "Rating::is_unrated")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "BBB+"))]
    pub rating: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<u8>, minimum = 1, maximum = 6))]
    pub cqs: Option<Cqs>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub short_term: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scra_grade: Option<ScraGrade>,
    #[serde(default, skip_serializing_if = "Rating::is_unrated")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "BBB+"))]
    pub issuer_rating: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_scra_grade: Option<ScraGrade>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sme: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub investment_grade: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub mdb_qualifying: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sl_type: Option<SlType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retail_type: Option<RetailType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_type: Option<OtherType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re_type: Option<ReType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ltv: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_value: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub re_criteria_met: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub defaulted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub currency_mismatch: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undrawn: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_balance_type: Option<OffBalanceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_provisions: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_type: Option<CollateralType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_residual_maturity_years: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guaranteed_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantor_class: Option<ExposureClass>,
    #[serde(default, skip_serializing_if = "Rating::is_unrated")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "BBB+"))]
    pub guarantor_rating: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantor_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maturity_date: Option<String>,
    /// The bank's product label or code; read by no rule (dataset.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Free text; read by no rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}

impl Exposure {
    /// What is wrong with this line on its own (a duplicate id needs the
    /// other lines), as the field and the message: an empty id is reported
    /// on `id`, which then names no line.
    pub fn problems(&self, mut found: impl FnMut(&'static str, String)) {
        if self.id.trim().is_empty() {
            found("id", "an exposure needs a non-empty id".into());
        }
        if self.drawn.is_none() && self.undrawn.is_none() {
            found("drawn", "give `drawn` or `undrawn` (or both)".into());
        }
        let amounts = [
            ("drawn", self.drawn),
            ("undrawn", self.undrawn),
            ("specific_provisions", self.specific_provisions),
            ("collateral_value", self.collateral_value),
            ("guaranteed_amount", self.guaranteed_amount),
            ("property_value", self.property_value),
            ("ltv", self.ltv),
            (
                "collateral_residual_maturity_years",
                self.collateral_residual_maturity_years,
            ),
        ];
        for (field, value) in amounts {
            if let Some(v) = value
                && !(non_negative(v) && plausible(v))
            {
                found(
                    field,
                    format!("must be a non-negative number up to {MAX_AMOUNT:e}, got {v}"),
                );
            }
        }
    }

    /// A line with only the required fields; the rest take their defaults.
    pub fn new(id: impl Into<String>, class: ExposureClass, drawn: f64) -> Exposure {
        Exposure {
            id: id.into(),
            class,
            counterparty_id: None,
            counterparty_name: None,
            group_id: None,
            counterparty_type: None,
            rating: Rating::Unrated,
            cqs: None,
            short_term: false,
            scra_grade: None,
            issuer_rating: Rating::Unrated,
            issuer_scra_grade: None,
            sme: false,
            investment_grade: false,
            mdb_qualifying: false,
            sl_type: None,
            retail_type: None,
            other_type: None,
            re_type: None,
            ltv: None,
            property_value: None,
            re_criteria_met: true,
            defaulted: false,
            currency: None,
            currency_mismatch: false,
            country: None,
            sector: None,
            drawn: Some(drawn),
            undrawn: None,
            off_balance_type: None,
            specific_provisions: None,
            collateral_type: None,
            collateral_value: None,
            collateral_currency: None,
            collateral_residual_maturity_years: None,
            guaranteed_amount: None,
            guarantor_class: None,
            guarantor_rating: Rating::Unrated,
            guarantor_group_id: None,
            maturity_date: None,
            product: None,
            description: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskType {
    Credit,
    Ccr,
    Securitisation,
    Settlement,
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RwaLine {
    #[serde(default)]
    pub label: String,
    pub risk_type: RiskType,
    pub rwa: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OwnFundsRequirement {
    pub own_funds_requirement: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OpRisk {
    pub years: Vec<OpRiskYear>,
    pub average_annual_loss: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OpRiskYear {
    pub year: Option<i32>,
    pub interest_income: f64,
    pub interest_expense: f64,
    pub interest_earning_assets: f64,
    pub dividend_income: f64,
    pub fee_income: f64,
    pub fee_expense: f64,
    pub other_operating_income: f64,
    pub other_operating_expense: f64,
    pub trading_book_pnl: f64,
    pub banking_book_pnl: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LeverageInputs {
    pub derivatives: f64,
    pub sft: f64,
    pub other_assets: f64,
    pub tier1_deductions: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HqlaLevel {
    L1,
    L2a,
    L2bRmbs,
    L2bOther,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HqlaItem {
    #[serde(default)]
    pub label: String,
    pub level: HqlaLevel,
    pub amount: f64,
}

/// An LCR or NSFR line: a category from the section's list and an amount.
/// Categories are checked against the rule profile, which holds their rates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryItem {
    #[serde(default)]
    pub label: String,
    pub category: String,
    pub amount: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Lcr {
    pub hqla: Vec<HqlaItem>,
    pub outflows: Vec<CategoryItem>,
    pub inflows: Vec<CategoryItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Nsfr {
    pub asf: Vec<CategoryItem>,
    pub rsf: Vec<CategoryItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Requirements {
    pub p2r: f64,
    pub ccyb: Option<f64>,
    pub ccyb_rates: BTreeMap<String, f64>,
    pub gsii: f64,
    pub osii: f64,
    pub syrb: f64,
    pub leverage_p2r: f64,
    pub gsii_leverage_buffer: f64,
}

/// A precise input error: where (JSON path, and the exposure's id when the
/// problem is inside a line) and what was expected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct InputError {
    pub location: String,
    pub message: String,
}

impl DataSet {
    /// Everything but the exposure lines, which a version stores apart;
    /// the lines are not copied on the way.
    pub fn header(&self) -> DataSet {
        let DataSet {
            name,
            reporting_date,
            currency,
            profile,
            capital,
            exposures: _,
            rwa_lines,
            market_risk,
            cva,
            op_risk,
            leverage,
            lcr,
            nsfr,
            requirements,
            overrides,
        } = self;
        DataSet {
            name: name.clone(),
            reporting_date: reporting_date.clone(),
            currency: currency.clone(),
            profile: profile.clone(),
            capital: capital.clone(),
            exposures: Vec::new(),
            rwa_lines: rwa_lines.clone(),
            market_risk: market_risk.clone(),
            cva: cva.clone(),
            op_risk: op_risk.clone(),
            leverage: leverage.clone(),
            lcr: lcr.clone(),
            nsfr: nsfr.clone(),
            requirements: requirements.clone(),
            overrides: overrides.clone(),
        }
    }

    /// Parses a JSON data set; a type or value error names its path, e.g.
    /// `exposures[12] (id "L-000123").rating: unknown rating "AAB" …`.
    /// The happy path reads without tracking where it is (tracking costs a
    /// third of the time); only a failed read is read again with paths.
    pub fn from_json_str(text: &str) -> Result<DataSet, InputError> {
        serde_json::from_str(text).or_else(|_| Self::from_json_str_with_paths(text))
    }

    fn from_json_str_with_paths(text: &str) -> Result<DataSet, InputError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!(
                    "invalid JSON at line {}, column {}: {inner}",
                    inner.line(),
                    inner.column()
                )
            } else {
                strip_position(&inner.to_string())
            };
            InputError {
                location: describe_path(text, &path),
                message,
            }
        })
    }

    /// Every problem that parsing cannot see (negative amounts, duplicate
    /// ids, missing amounts…), all at once so a file is fixed in one pass.
    pub fn validate(&self) -> Vec<InputError> {
        let mut problems = Vec::new();
        let mut push =
            |location: String, message: String| problems.push(InputError { location, message });
        // foldhash: seeded per process (a file cannot be built to collide)
        // and about five times faster than SipHash, a tenth of a `compute`.
        let mut seen = foldhash::HashSet::with_capacity_and_hasher(
            self.exposures.len(),
            foldhash::fast::RandomState::default(),
        );
        for (i, line) in self.exposures.iter().enumerate() {
            let at = |field: &str| format!("exposures[{i}] (id \"{}\").{field}", line.id);
            if !line.id.trim().is_empty() && !seen.insert(line.id.as_str()) {
                push(at("id"), format!("duplicate exposure id \"{}\"", line.id));
            }
            line.problems(|field, message| {
                let location = if field == "id" {
                    format!("exposures[{i}].id")
                } else {
                    at(field)
                };
                push(location, message);
            });
        }
        for (location, value) in self.other_amounts() {
            if !plausible(value) {
                push(
                    location,
                    format!(
                        "must be a number between -{MAX_AMOUNT:e} and {MAX_AMOUNT:e}, got {value}"
                    ),
                );
            }
        }
        for (i, line) in self.rwa_lines.iter().enumerate() {
            if !non_negative(line.rwa) {
                push(
                    format!("rwa_lines[{i}].rwa"),
                    format!("must be non-negative, got {}", line.rwa),
                );
            }
        }
        let sections = [("market_risk", &self.market_risk), ("cva", &self.cva)];
        for (name, section) in sections {
            if let Some(s) = section
                && !non_negative(s.own_funds_requirement)
            {
                push(
                    format!("{name}.own_funds_requirement"),
                    format!("must be non-negative, got {}", s.own_funds_requirement),
                );
            }
        }
        if let Some(op) = &self.op_risk
            && let Some(loss) = op.average_annual_loss
            && !non_negative(loss)
        {
            push(
                "op_risk.average_annual_loss".into(),
                format!("must be non-negative, got {loss}"),
            );
        }
        let categories = [
            (
                "lcr.outflows",
                self.lcr.as_ref().map(|l| &l.outflows),
                &OUTFLOWS[..],
            ),
            (
                "lcr.inflows",
                self.lcr.as_ref().map(|l| &l.inflows),
                &INFLOWS[..],
            ),
            ("nsfr.asf", self.nsfr.as_ref().map(|n| &n.asf), &ASF[..]),
            ("nsfr.rsf", self.nsfr.as_ref().map(|n| &n.rsf), &RSF[..]),
        ];
        for (section, items, known) in categories {
            for (i, item) in items.into_iter().flatten().enumerate() {
                if !known.iter().any(|(name, _)| *name == item.category) {
                    let expected: Vec<&str> = known.iter().map(|(name, _)| *name).collect();
                    push(
                        format!("{section}[{i}].category"),
                        format!(
                            "unknown category \"{}\" (expected one of: {})",
                            item.category,
                            expected.join(", ")
                        ),
                    );
                }
            }
        }
        if let Some(lcr) = &self.lcr {
            for (i, item) in lcr.hqla.iter().enumerate() {
                if !non_negative(item.amount) {
                    push(
                        format!("lcr.hqla[{i}].amount"),
                        format!("must be non-negative, got {}", item.amount),
                    );
                }
            }
            for (name, items) in [("outflows", &lcr.outflows), ("inflows", &lcr.inflows)] {
                for (i, item) in items.iter().enumerate() {
                    if !non_negative(item.amount) {
                        push(
                            format!("lcr.{name}[{i}].amount"),
                            format!("must be non-negative, got {}", item.amount),
                        );
                    }
                }
            }
        }
        if let Some(nsfr) = &self.nsfr {
            for (name, items) in [("asf", &nsfr.asf), ("rsf", &nsfr.rsf)] {
                for (i, item) in items.iter().enumerate() {
                    if !non_negative(item.amount) {
                        push(
                            format!("nsfr.{name}[{i}].amount"),
                            format!("must be non-negative, got {}", item.amount),
                        );
                    }
                }
            }
        }
        if let Some(r) = &self.requirements {
            let rates = [
                ("p2r", Some(r.p2r)),
                ("ccyb", r.ccyb),
                ("gsii", Some(r.gsii)),
                ("osii", Some(r.osii)),
                ("syrb", Some(r.syrb)),
                ("leverage_p2r", Some(r.leverage_p2r)),
                ("gsii_leverage_buffer", Some(r.gsii_leverage_buffer)),
            ];
            for (key, value) in rates {
                if let Some(v) = value
                    && !(0.0..=1.0).contains(&v)
                {
                    push(
                        format!("requirements.{key}"),
                        format!("must be a fraction between 0 and 1 (0.02 = 2 %), got {v}"),
                    );
                }
            }
            for (country, rate) in &r.ccyb_rates {
                if !(0.0..=1.0).contains(rate) {
                    push(
                        format!("requirements.ccyb_rates.{country}"),
                        format!("must be a fraction between 0 and 1, got {rate}"),
                    );
                }
            }
        }
        problems
    }
}

/// False for negative numbers and NaN alike.
fn non_negative(value: f64) -> bool {
    value >= 0.0
}

/// No balance sheet reaches 10^15 in any currency: a larger amount is a
/// unit mistake, and sums of such amounts would overflow to infinity.
pub const MAX_AMOUNT: f64 = 1e15;

fn plausible(value: f64) -> bool {
    value.is_finite() && value.abs() <= MAX_AMOUNT
}

impl DataSet {
    /// Every amount outside the exposure lines, with its location.
    fn other_amounts(&self) -> Vec<(String, f64)> {
        let mut amounts: Vec<(String, f64)> = Vec::new();
        for (i, item) in self.capital.iter().enumerate() {
            amounts.push((format!("capital[{i}].amount"), item.amount));
        }
        for (i, line) in self.rwa_lines.iter().enumerate() {
            amounts.push((format!("rwa_lines[{i}].rwa"), line.rwa));
        }
        for (name, section) in [("market_risk", &self.market_risk), ("cva", &self.cva)] {
            if let Some(s) = section {
                amounts.push((
                    format!("{name}.own_funds_requirement"),
                    s.own_funds_requirement,
                ));
            }
        }
        if let Some(op) = &self.op_risk {
            if let Some(loss) = op.average_annual_loss {
                amounts.push(("op_risk.average_annual_loss".into(), loss));
            }
            for (i, y) in op.years.iter().enumerate() {
                let fields = [
                    ("interest_income", y.interest_income),
                    ("interest_expense", y.interest_expense),
                    ("interest_earning_assets", y.interest_earning_assets),
                    ("dividend_income", y.dividend_income),
                    ("fee_income", y.fee_income),
                    ("fee_expense", y.fee_expense),
                    ("other_operating_income", y.other_operating_income),
                    ("other_operating_expense", y.other_operating_expense),
                    ("trading_book_pnl", y.trading_book_pnl),
                    ("banking_book_pnl", y.banking_book_pnl),
                ];
                amounts.extend(
                    fields
                        .into_iter()
                        .map(|(f, v)| (format!("op_risk.years[{i}].{f}"), v)),
                );
            }
        }
        if let Some(l) = &self.leverage {
            let fields = [
                ("derivatives", l.derivatives),
                ("sft", l.sft),
                ("other_assets", l.other_assets),
                ("tier1_deductions", l.tier1_deductions),
            ];
            amounts.extend(
                fields
                    .into_iter()
                    .map(|(f, v)| (format!("leverage.{f}"), v)),
            );
        }
        if let Some(lcr) = &self.lcr {
            amounts.extend(
                lcr.hqla
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("lcr.hqla[{i}].amount"), h.amount)),
            );
            amounts.extend(
                lcr.outflows
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("lcr.outflows[{i}].amount"), h.amount)),
            );
            amounts.extend(
                lcr.inflows
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("lcr.inflows[{i}].amount"), h.amount)),
            );
        }
        if let Some(nsfr) = &self.nsfr {
            amounts.extend(
                nsfr.asf
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("nsfr.asf[{i}].amount"), h.amount)),
            );
            amounts.extend(
                nsfr.rsf
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("nsfr.rsf[{i}].amount"), h.amount)),
            );
        }
        for (key, value) in &self.overrides {
            amounts.push((format!("overrides.{key}"), *value));
        }
        amounts
    }
}

/// `exposures[12].rating` → `exposures[12] (id "L-12").rating`, so a user
/// finds the line in their own file by its id.
fn describe_path(text: &str, path: &str) -> String {
    let Some(rest) = path.strip_prefix("exposures[") else {
        return path.to_owned();
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return path.to_owned();
    };
    let id = index.parse::<usize>().ok().and_then(|i| {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        value
            .get("exposures")?
            .get(i)?
            .get("id")?
            .as_str()
            .map(str::to_owned)
    });
    match id {
        Some(id) => format!("exposures[{index}] (id \"{id}\"){tail}"),
        None => path.to_owned(),
    }
}

/// serde_json appends " at line L column C" to value errors; the path says
/// more, so keep the message short.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_read_and_the_read_with_paths_agree() {
        let mut texts: Vec<String> = [
            crate::samples::demo_bank(),
            crate::samples::generate(2_000, 7),
        ]
        .iter()
        .map(|d| serde_json::to_string(d).expect("json"))
        .collect();
        texts.extend(
            [
                r#"{"exposures": [{"id": "L-2", "class": "corporate", "drawn": 10, "rating": "AAB"}]}"#,
                r#"{"exposures": [{"id": "X", "class": "crypto", "drawn": 1}]}"#,
                "{\n  \"exposures\": [,]\n}",
                r#"{"exposures": [{"id": "A", "class": "retail", "drawn": "ten"}]}"#,
                r#"{"capital": [{"tier": "cet2", "amount": 1}]}"#,
                r#"{"exposures": [{"id": "A", "class": "retail", "undrawn": 5, "colour": "red"}]}"#,
                "",
            ]
            .map(str::to_owned),
        );
        for text in &texts {
            let fast = serde_json::from_str::<DataSet>(text).ok();
            let with_paths = DataSet::from_json_str_with_paths(text);
            assert_eq!(
                fast,
                with_paths.clone().ok(),
                "both read it, or neither: {text:.80}"
            );
            assert_eq!(
                DataSet::from_json_str(text).map_err(|e| e.to_string()),
                with_paths.map_err(|e| e.to_string()),
                "the same data set or the same error text"
            );
        }
    }

    #[test]
    fn a_bad_rating_names_the_line_and_field() {
        let text = r#"{"exposures": [
            {"id": "L-1", "class": "corporate", "drawn": 10},
            {"id": "L-2", "class": "corporate", "drawn": 10, "rating": "AAB"}
        ]}"#;
        let error = DataSet::from_json_str(text).unwrap_err();
        assert_eq!(error.location, r#"exposures[1] (id "L-2").rating"#);
        assert!(
            error.message.contains("unknown rating \"AAB\""),
            "{}",
            error.message
        );
    }

    #[test]
    fn product_and_description_are_kept_as_given_and_read_by_no_rule() {
        let text = r#"{"exposures": [{"id": "L1", "class": "retail", "drawn": 1000,
            "product": "Prêt immobilier résidentiel", "description": "Achat résidence principale"}]}"#;
        let data = DataSet::from_json_str(text).expect("valid");
        let line = &data.exposures[0];
        assert_eq!(line.product.as_deref(), Some("Prêt immobilier résidentiel"));
        assert_eq!(
            line.description.as_deref(),
            Some("Achat résidence principale")
        );
        let again: DataSet =
            serde_json::from_str(&serde_json::to_string(&data).expect("json")).expect("back");
        assert_eq!(again, data);
    }

    #[test]
    fn an_unknown_class_lists_the_expected_ones() {
        let text = r#"{"exposures": [{"id": "X", "class": "crypto", "drawn": 1}]}"#;
        let error = DataSet::from_json_str(text).unwrap_err();
        assert_eq!(error.location, r#"exposures[0] (id "X").class"#);
        assert!(error.message.contains("sovereign"), "{}", error.message);
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let error = DataSet::from_json_str("{\n  \"exposures\": [,]\n}").unwrap_err();
        assert!(error.message.contains("line 2"), "{}", error.message);
    }

    #[test]
    fn unknown_keys_are_ignored_and_defaults_apply() {
        let text = r#"{"whatever": 1, "exposures": [{"id": "A", "class": "retail", "undrawn": 5, "colour": "red"}]}"#;
        let data = DataSet::from_json_str(text).expect("parses");
        let line = &data.exposures[0];
        assert!(line.re_criteria_met, "re_criteria_met defaults to true");
        assert_eq!(line.drawn, None);
        assert!(data.lcr.is_none(), "absent section stays absent");
    }

    #[test]
    fn validation_reports_every_problem() {
        let text = r#"{"exposures": [
            {"id": "A", "class": "retail", "drawn": -1},
            {"id": "A", "class": "retail"},
            {"id": "", "class": "retail", "drawn": 1, "ltv": -0.5}
        ], "requirements": {"p2r": 2}}"#;
        let data = DataSet::from_json_str(text).expect("parses");
        let problems = data.validate();
        let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
        assert!(
            locations.contains(&r#"exposures[0] (id "A").drawn"#),
            "{locations:?}"
        );
        assert!(
            locations.contains(&r#"exposures[1] (id "A").id"#),
            "duplicate: {locations:?}"
        );
        assert!(
            locations.contains(&r#"exposures[1] (id "A").drawn"#),
            "missing amounts: {locations:?}"
        );
        assert!(locations.contains(&"exposures[2].id"), "{locations:?}");
        assert!(
            locations.contains(&r#"exposures[2] (id "").ltv"#),
            "{locations:?}"
        );
        assert!(locations.contains(&"requirements.p2r"), "{locations:?}");
    }
}
