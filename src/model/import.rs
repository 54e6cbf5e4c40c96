//! What the importer proposes and reports: shared by the server, which
//! reads the file, and the import page, where the analyst corrects it.

use crate::engine::dataset::{CounterpartyType, ExposureClass};
use crate::engine::results::Results;
use crate::engine::scenario::Edit;
use crate::intel::anomalies::Anomaly;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

id_type!(
    /// An uploaded file waiting for its mapping.
    ImportId
);

/// A part of dataset.md, held by one sheet of the canonical workbook (the
/// sheet's name is `key()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Settings,
    CcybRates,
    Capital,
    Exposures,
    RwaLines,
    OpRisk,
    LcrHqla,
    LcrOutflows,
    LcrInflows,
    NsfrAsf,
    NsfrRsf,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Settings,
        Section::CcybRates,
        Section::Capital,
        Section::Exposures,
        Section::RwaLines,
        Section::OpRisk,
        Section::LcrHqla,
        Section::LcrOutflows,
        Section::LcrInflows,
        Section::NsfrAsf,
        Section::NsfrRsf,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Section::Settings => "settings",
            Section::CcybRates => "ccyb_rates",
            Section::Capital => "capital",
            Section::Exposures => "exposures",
            Section::RwaLines => "rwa_lines",
            Section::OpRisk => "op_risk",
            Section::LcrHqla => "lcr_hqla",
            Section::LcrOutflows => "lcr_outflows",
            Section::LcrInflows => "lcr_inflows",
            Section::NsfrAsf => "nsfr_asf",
            Section::NsfrRsf => "nsfr_rsf",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Section::Settings => "Settings and requirements",
            Section::CcybRates => "Countercyclical buffer rates",
            Section::Capital => "Capital items",
            Section::Exposures => "Exposure lines",
            Section::RwaLines => "Other RWA lines",
            Section::OpRisk => "Operational risk years",
            Section::LcrHqla => "LCR: liquid assets",
            Section::LcrOutflows => "LCR: outflows",
            Section::LcrInflows => "LCR: inflows",
            Section::NsfrAsf => "NSFR: available stable funding",
            Section::NsfrRsf => "NSFR: required stable funding",
        }
    }
}

impl FromStr for Section {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Section::ALL
            .into_iter()
            .find(|section| section.key() == s)
            .ok_or_else(|| format!("unknown section \"{s}\""))
    }
}

/// How amounts are written in the file; dataset.md wants units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AmountUnit {
    #[default]
    Units,
    Thousands,
    Millions,
}

impl AmountUnit {
    pub fn factor(self) -> f64 {
        match self {
            AmountUnit::Units => 1.0,
            AmountUnit::Thousands => 1e3,
            AmountUnit::Millions => 1e6,
        }
    }
}

/// Why a column was mapped to its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchSource {
    /// The header is the field's own dataset.md name.
    Exact,
    /// A known synonym (import-headers.md), accents and case aside.
    Synonym,
    /// Close to a name or a synonym.
    Fuzzy,
    /// The tenant's saved correction for a file with these headers.
    Saved,
    /// Chosen by the user in this import.
    Manual,
    Unmatched,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ColumnMapping {
    /// Zero-based column index in the sheet.
    pub column: usize,
    pub header: String,
    /// A dataset.md field of the sheet's section, or none (ignored column).
    pub field: Option<String>,
    /// 0 to 1.
    pub confidence: f32,
    pub source: MatchSource,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SheetMapping {
    pub sheet: String,
    /// One-based row of the headers (a title may sit above them).
    pub header_row: usize,
    pub data_rows: usize,
    /// The section this sheet holds, or none (ignored sheet).
    pub section: Option<Section>,
    pub section_confidence: f32,
    pub columns: Vec<ColumnMapping>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Mapping {
    pub sheets: Vec<SheetMapping>,
    #[serde(default)]
    pub unit: AmountUnit,
    /// The analyst's confirmed or corrected class of lines whose file gave
    /// none, by line id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub classes: BTreeMap<String, ExposureClass>,
    /// Fixes of anomalies the analyst accepted (`scale_exposures` and
    /// `set_line` edits), applied to the lines as the file is read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Edit>,
}

/// A field the user may map a column to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldChoice {
    pub name: String,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SectionFields {
    pub section: Section,
    pub fields: Vec<FieldChoice>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportProposal {
    pub import_id: ImportId,
    pub file_name: String,
    pub size_bytes: i64,
    pub mapping: Mapping,
    pub catalogue: Vec<SectionFields>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong with the file, precise enough to find and fix it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = ImportProblem))]
pub struct Problem {
    pub severity: Severity,
    pub sheet: String,
    /// One-based row as the spreadsheet shows it.
    pub row: Option<usize>,
    /// The column's letter and header, e.g. `C (Encours)`.
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sheet \"{}\"", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value \"{value}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The errors among `problems` (warnings left out), as text.
pub fn error_messages(problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

/// Exposure totals of one class, as the preview shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClassTotal {
    pub class: String,
    pub lines: usize,
    pub drawn: f64,
    pub undrawn: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SectionCount {
    pub section: Section,
    pub rows: usize,
}

/// A class the model gives with its confidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClassOption {
    pub class: ExposureClass,
    pub confidence: f64,
}

/// A counterparty type guessed for a line that has none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TypeGuess {
    #[serde(rename = "type")]
    pub kind: CounterpartyType,
    pub confidence: f64,
}

/// The class proposed for a line its file gave none, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClassProposal {
    pub sheet: String,
    pub row: usize,
    pub id: String,
    pub counterparty_id: Option<String>,
    pub counterparty_name: Option<String>,
    pub product: Option<String>,
    pub class: ExposureClass,
    pub confidence: f64,
    pub alternatives: Vec<ClassOption>,
    pub reasons: Vec<String>,
    /// Decided by a rule of the regulation from another field of the line.
    pub by_rule: bool,
    /// The analyst's confirmation or correction (from the mapping).
    pub chosen: Option<ExposureClass>,
    /// The counterparty type the line received, for a line without one
    /// whose guess was sure enough (for its final class).
    #[serde(default)]
    pub counterparty_type: Option<TypeGuess>,
}

impl ClassProposal {
    /// Below the threshold and not yet confirmed: the commit waits for it.
    pub fn needs_confirmation(&self, threshold: f64) -> bool {
        self.chosen.is_none() && self.confidence < threshold
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    /// Errors first; capped (see `problem_total`).
    pub problems: Vec<Problem>,
    pub error_total: usize,
    pub warning_total: usize,
    pub sections: Vec<SectionCount>,
    /// The first exposure lines as they will be stored (field, value).
    pub sample: Vec<Vec<(String, String)>>,
    pub totals: Vec<ClassTotal>,
    /// What the engine computes from the mapped data, when it has no error.
    pub results: Option<Results>,
    /// Proposed classes, least confident first; capped (see
    /// `proposal_total`).
    #[serde(default)]
    pub proposals: Vec<ClassProposal>,
    #[serde(default)]
    pub proposal_total: usize,
    /// Proposals below `class_threshold` still to confirm or correct.
    #[serde(default)]
    pub to_confirm: usize,
    /// The confidence under which a proposed class needs a person.
    #[serde(default)]
    pub class_threshold: f64,
    /// What the mapped data says is wrong, the most severe first; capped
    /// (see `anomaly_total`).
    #[serde(default)]
    pub anomalies: Vec<Anomaly>,
    #[serde(default)]
    pub anomaly_total: usize,
}

impl ImportPreview {
    pub fn can_commit(&self) -> bool {
        self.error_total == 0
    }
}
