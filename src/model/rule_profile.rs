//! An organisation's own rule profiles as pages and server functions
//! exchange them, with the validation both sides run.

use super::error::{AppError, FieldErrors};
use super::time::Timestamp;
use crate::engine::profile::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const NAME_MAX: usize = 80;

id_type!(RuleProfileId);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleProfileSummary {
    pub profile_id: RuleProfileId,
    pub name: String,
    /// The regulatory profile it derives from: basel31 or crr3.
    pub base: String,
    pub latest_version: i32,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleVersionSummary {
    pub version_no: i32,
    pub note: String,
    pub author: String,
    pub created_at: Timestamp,
}

/// One profile with its versions and the full parameters of one of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleProfileView {
    pub summary: RuleProfileSummary,
    pub versions: Vec<RuleVersionSummary>,
    pub version_no: i32,
    pub parameters: BTreeMap<String, f64>,
    pub can_edit: bool,
}

impl RuleProfileView {
    /// The version shown as an engine profile, named as the stored
    /// results name it.
    pub fn profile(&self) -> Profile {
        Profile {
            name: self.summary.base.clone(),
            parameters: self.parameters.clone(),
        }
    }
}

/// A profile's management buffers at its latest version, by the key of
/// `mgmt_buffer.KEY`, in the order of `MANAGEMENT_BUFFERS`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileBuffers {
    pub summary: RuleProfileSummary,
    pub buffers: Vec<(String, f64)>,
}

/// A profile version a simulation version was computed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesRef {
    pub profile_id: RuleProfileId,
    pub version_no: i32,
    pub name: String,
}

impl RulesRef {
    pub fn label(&self) -> String {
        format!("{} v{}", self.name, self.version_no)
    }
}

/// One parameter that differs between two parameter maps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParameterChange {
    pub key: String,
    pub from: f64,
    pub to: f64,
}

/// The keys whose values differ, in key order.
pub fn diff(from: &BTreeMap<String, f64>, to: &BTreeMap<String, f64>) -> Vec<ParameterChange> {
    to.iter()
        .filter_map(|(key, value)| {
            let before = from.get(key).copied().unwrap_or(0.0);
            (before != *value).then(|| ParameterChange {
                key: key.clone(),
                from: before,
                to: *value,
            })
        })
        .collect()
}

pub fn parse_name(name: &str) -> Result<String, AppError> {
    let name = name.trim().to_owned();
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.push("name", "Please name the rule profile.");
    } else if name.chars().count() > NAME_MAX {
        errors.push(
            "name",
            format!("Please keep the name under {NAME_MAX} characters."),
        );
    }
    errors.into_result(name)
}

/// The regulatory profile a new one starts from.
pub fn parse_base(base: &str) -> Result<Profile, AppError> {
    Profile::named(base.trim())
        .map_err(|e| AppError::Validation(FieldErrors::single("base", e.to_string())))
}

/// The parameters of a new version: `current` with the changes posted as
/// a JSON object of key → value; every key must exist and every value fit
/// its kind, all errors reported at once under `changes`.
pub fn apply_changes(current: &Profile, changes_json: &str) -> Result<Profile, AppError> {
    let changes: BTreeMap<String, f64> = serde_json::from_str(changes_json).map_err(|e| {
        AppError::Validation(FieldErrors::single(
            "changes",
            format!("The changes must be a JSON object of numbers: {e}"),
        ))
    })?;
    let mut profile = current.clone();
    let problems: Vec<String> = changes
        .iter()
        .filter_map(|(key, value)| profile.set(key, *value).err().map(|e| e.to_string()))
        .collect();
    let mut errors = FieldErrors::default();
    if !problems.is_empty() {
        errors.push("changes", problems.join("; "));
    } else if profile == *current {
        errors.push("changes", "Nothing changed: change at least one parameter.");
    }
    errors.into_result(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_all_checked_and_a_new_version_must_change_something() {
        let base = Profile::named("basel31").expect("basel31");
        let changed = apply_changes(&base, r#"{"rw.corporate.unrated": 1.2}"#).expect("valid");
        assert_eq!(changed.get("rw.corporate.unrated"), 1.2);
        assert_eq!(diff(&base.parameters, &changed.parameters).len(), 1);
        let error = apply_changes(
            &base,
            r#"{"rw.corporate.cqs9": 1.0, "re.loan_splitting": 2}"#,
        )
        .expect_err("two problems")
        .to_string();
        assert!(error.contains("rw.corporate.cqs9"), "{error}");
        assert!(error.contains("0 (off) or 1 (on)"), "{error}");
        assert!(apply_changes(&base, r#"{"rw.corporate.unrated": 1.0}"#).is_err());
        assert!(apply_changes(&base, "[1]").is_err());
        assert!(parse_base("basel2").is_err());
        assert!(parse_name("  ").is_err());
    }
}
