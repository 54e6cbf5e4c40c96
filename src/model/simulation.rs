//! Simulations and scenarios as pages and server functions exchange them.

use super::account::TeamId;
use super::error::{AppError, FieldErrors};
use super::time::Timestamp;
use super::workflow::{Review, ReviewStatus};
use crate::engine::dataset::{DataSet, Exposure};
use crate::engine::results::Results;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

pub const NAME_MAX: usize = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SimulationId(pub Uuid);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ScenarioId(pub Uuid);

impl fmt::Display for SimulationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for SimulationId {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        Uuid::parse_str(s.trim())
            .map(SimulationId)
            .map_err(|_| AppError::NotFound)
    }
}

impl FromStr for ScenarioId {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        Uuid::parse_str(s.trim())
            .map(ScenarioId)
            .map_err(|_| AppError::NotFound)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SimulationSummary {
    pub simulation_id: SimulationId,
    pub name: String,
    pub author: String,
    pub reporting_date: Option<String>,
    pub latest_version: i32,
    pub line_count: i32,
    pub scenario_count: i64,
    pub deleted: bool,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioSummary {
    pub scenario_id: ScenarioId,
    pub name: String,
    /// The edits as dataset.md writes a scenario's `edits`.
    pub edits_json: String,
    pub version_no: i32,
    pub updated_at: Timestamp,
}

/// Who reads a simulation besides its author (and the admins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// Its author and the admins only.
    Private,
    /// Everyone in the organisation.
    Tenant,
    /// The members of one team.
    Team(TeamId),
}

impl Sharing {
    /// The value of the sharing select: `private`, `tenant` or `team:ID`.
    pub fn form_value(self) -> String {
        match self {
            Sharing::Private => "private".to_owned(),
            Sharing::Tenant => "tenant".to_owned(),
            Sharing::Team(team) => format!("team:{team}"),
        }
    }
}

impl FromStr for Sharing {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::Validation(FieldErrors::single(
                "sharing",
                "Choose the organisation, a team or only you.",
            ))
        };
        match s.trim() {
            "private" => Ok(Sharing::Private),
            "tenant" => Ok(Sharing::Tenant),
            other => other
                .strip_prefix("team:")
                .and_then(|id| Uuid::parse_str(id).ok())
                .map(|id| Sharing::Team(TeamId(id)))
                .ok_or_else(invalid),
        }
    }
}

/// One immutable version of a simulation with its baseline's key ratios
/// (`None` where a ratio cannot be computed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionSummary {
    pub version_no: i32,
    pub note: String,
    pub author: String,
    pub created_at: Timestamp,
    pub line_count: i32,
    pub ratios: crate::engine::results::Ratios,
    pub status: ReviewStatus,
    /// The organisation's rule profile version it was computed with, as
    /// "Name vN"; none for the data set's own profile.
    pub rules: Option<String>,
}

pub const NOTE_MAX: usize = 500;

pub fn parse_note(field: &str, note: &str) -> Result<String, AppError> {
    let note = note.trim().to_owned();
    if note.chars().count() > NOTE_MAX {
        return Err(AppError::Validation(FieldErrors::single(
            field,
            format!("Please keep the note under {NOTE_MAX} characters."),
        )));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::Validation(FieldErrors::single(
            field,
            "The note holds a control character; please type it again.",
        )));
    }
    Ok(note)
}

/// What the dashboard renders first: the data set without its lines and
/// the baseline the server computed. The lines follow in binary
/// ([`encode_lines`]) once the page is live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulationView {
    pub summary: SimulationSummary,
    /// The version shown: the latest unless an older one was asked for.
    pub version_no: i32,
    pub versions: Vec<VersionSummary>,
    /// The review of the version shown.
    pub review: Review,
    /// Whether the caller may change who the simulation is shared with.
    pub can_share: bool,
    pub sharing: Sharing,
    pub teams: Vec<(TeamId, String)>,
    pub header: DataSet,
    pub baseline: Results,
    pub scenarios: Vec<ScenarioSummary>,
    pub can_edit: bool,
    /// The organisation's rule profiles a new version may be computed
    /// with (empty for those who cannot edit).
    pub rule_profiles: Vec<super::rule_profile::RuleProfileSummary>,
}

/// Exposure lines on the wire and in storage: by columns (see
/// `line_columns`), a fraction of JSON's size and decoding time.
pub fn encode_lines(lines: &[Exposure]) -> Result<Vec<u8>, String> {
    super::line_columns::encode(lines)
}

pub fn decode_lines(bytes: &[u8]) -> Result<Vec<Exposure>, String> {
    super::line_columns::decode(bytes)
}

pub fn parse_name(field: &str, name: &str) -> Result<String, AppError> {
    let name = name.trim().to_owned();
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.push(field, "Please give it a name.");
    } else if name.chars().count() > NAME_MAX {
        errors.push(
            field,
            format!("Please keep the name under {NAME_MAX} characters."),
        );
    } else if name.chars().any(char::is_control) {
        errors.push(
            field,
            "The name holds a control character; please type it again.",
        );
    }
    errors.into_result(name)
}

/// Per-line results are listed this many at a time.
pub const LINES_PER_PAGE: usize = 50;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineSort {
    /// Largest RWA first.
    #[default]
    Rwa,
    Exposure,
    RiskWeight,
    Id,
}

impl FromStr for LineSort {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        match s {
            "" | "rwa" => Ok(LineSort::Rwa),
            "exposure" => Ok(LineSort::Exposure),
            "risk_weight" => Ok(LineSort::RiskWeight),
            "id" => Ok(LineSort::Id),
            other => Err(AppError::Validation(FieldErrors::single(
                "sort",
                format!("\"{other}\" is not a sort order (rwa, exposure, risk_weight, id)."),
            ))),
        }
    }
}

/// One page of the lines behind a figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinePage {
    pub total: usize,
    pub page: usize,
    pub lines: Vec<crate::engine::results::LineResult>,
}
