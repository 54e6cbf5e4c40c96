//! Reports, their templates and the tenant's branding, as the pages show
//! them; with the validation the server applies to every change.

use crate::model::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

id_type!(ReportId);
id_type!(TemplateId);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Pdf,
    Xlsx,
}

impl ReportFormat {
    pub fn key(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Xlsx => "xlsx",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

impl FromStr for ReportFormat {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pdf" => Ok(ReportFormat::Pdf),
            "xlsx" => Ok(ReportFormat::Xlsx),
            _ => Err(AppError::Validation(FieldErrors::single(
                "format",
                "Choose PDF or Excel.",
            ))),
        }
    }
}

/// The parts a report template may include, in the order of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportSection {
    Summary,
    Metrics,
    Charts,
    Tables,
    Scenario,
    Appendix,
}

impl ReportSection {
    pub const ALL: [ReportSection; 6] = [
        ReportSection::Summary,
        ReportSection::Metrics,
        ReportSection::Charts,
        ReportSection::Tables,
        ReportSection::Scenario,
        ReportSection::Appendix,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ReportSection::Summary => "summary",
            ReportSection::Metrics => "metrics",
            ReportSection::Charts => "charts",
            ReportSection::Tables => "tables",
            ReportSection::Scenario => "scenario",
            ReportSection::Appendix => "appendix",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportSection::Summary => "Executive summary",
            ReportSection::Metrics => "Key metrics against requirements",
            ReportSection::Charts => "Charts",
            ReportSection::Tables => "Pillar 3 tables (KM1, OV1, CR5)",
            ReportSection::Scenario => "Scenario deltas",
            ReportSection::Appendix => "Appendix: rule profile and overrides",
        }
    }
}

impl FromStr for ReportSection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportSection::ALL
            .into_iter()
            .find(|x| x.key() == s)
            .ok_or_else(|| format!("unknown report section \"{s}\""))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportTemplate {
    /// None: the built-in template every tenant has.
    pub template_id: Option<TemplateId>,
    pub name: String,
    pub title: String,
    pub sections: Vec<ReportSection>,
    pub footer: String,
}

impl ReportTemplate {
    pub fn standard() -> ReportTemplate {
        ReportTemplate {
            template_id: None,
            name: "Standard".into(),
            title: "Prudential ratios report".into(),
            sections: ReportSection::ALL.to_vec(),
            footer: "Confidential".into(),
        }
    }

    /// A template from the form's fields, every problem listed.
    pub fn parse(
        name: &str,
        title: &str,
        sections: &[String],
        footer: &str,
    ) -> Result<ReportTemplate, AppError> {
        let mut errors = FieldErrors::default();
        let name = name.trim();
        let title = title.trim();
        let footer = footer.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.push(
                "name",
                "Give the template a name of at most 120 characters.",
            );
        }
        if title.is_empty() || title.chars().count() > 200 {
            errors.push(
                "title",
                "Give the report a title of at most 200 characters.",
            );
        }
        if footer.chars().count() > 300 {
            errors.push("footer", "The footer holds at most 300 characters.");
        }
        let mut chosen = Vec::new();
        for s in sections {
            match s.parse::<ReportSection>() {
                Ok(section) if !chosen.contains(&section) => chosen.push(section),
                Ok(_) => {}
                Err(message) => errors.push("sections", message),
            }
        }
        if chosen.is_empty() {
            errors.push("sections", "Include at least one section.");
        }
        chosen.sort_by_key(|s| ReportSection::ALL.iter().position(|x| x == s));
        errors.into_result(ReportTemplate {
            template_id: None,
            name: name.into(),
            title: title.into(),
            sections: chosen,
            footer: footer.into(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReportSummary {
    pub report_id: ReportId,
    pub title: String,
    pub format: ReportFormat,
    pub simulation: String,
    pub simulation_id: String,
    pub version_no: i32,
    pub scenario: Option<String>,
    pub template: String,
    pub size_bytes: i64,
    pub author: String,
    pub created_at: crate::model::time::Timestamp,
}

impl ReportSummary {
    pub fn file_name(&self) -> String {
        let safe: String = self
            .title
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}_v{}.{}", self.version_no, self.format.key())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Branding {
    pub primary_colour: String,
    pub accent_colour: String,
    pub has_logo: bool,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            primary_colour: "#1f3a5f".into(),
            accent_colour: "#c8862a".into(),
            has_logo: false,
        }
    }
}

/// A colour as `#rrggbb`, lower case.
pub fn parse_colour(field: &str, text: &str) -> Result<String, AppError> {
    let t = text.trim().to_ascii_lowercase();
    let valid = t.len() == 7 && t.starts_with('#') && t[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if valid {
        Ok(t)
    } else {
        Err(AppError::Validation(FieldErrors::single(
            field,
            "Give a colour as #rrggbb, for example #1f3a5f.",
        )))
    }
}

/// The most recipients one sending may have.
pub const MAX_RECIPIENTS: usize = 10;

/// Recipients separated by commas, semicolons or spaces; each checked.
pub fn parse_recipients(text: &str) -> Result<Vec<String>, AppError> {
    let list: Vec<String> = text
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let field = |m: String| AppError::Validation(FieldErrors::single("recipients", m));
    if list.is_empty() {
        return Err(field("Give at least one e-mail address.".into()));
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(field(format!(
            "Send to at most {MAX_RECIPIENTS} addresses at a time."
        )));
    }
    for address in &list {
        if !email_address::EmailAddress::is_valid(address) {
            return Err(field(format!("\"{address}\" is not an e-mail address.")));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_lists_every_problem_and_keeps_the_report_order() {
        let t = ReportTemplate::parse(
            "Board",
            "Q4 capital",
            &["appendix".into(), "metrics".into()],
            "Internal",
        )
        .unwrap();
        assert_eq!(
            t.sections,
            [ReportSection::Metrics, ReportSection::Appendix]
        );
        let Err(AppError::Validation(errors)) =
            ReportTemplate::parse("", "", &["bogus".into()], &"x".repeat(301))
        else {
            panic!("must fail");
        };
        let text = format!("{errors:?}");
        for field in ["name", "title", "footer", "sections"] {
            assert!(text.contains(field), "{field}: {text}");
        }
    }

    #[test]
    fn colours_and_recipients_are_checked() {
        assert_eq!(parse_colour("primary", " #1F3A5F ").unwrap(), "#1f3a5f");
        assert!(parse_colour("primary", "red").is_err());
        assert_eq!(parse_recipients("a@b.fr; c@d.com").unwrap().len(), 2);
        assert!(parse_recipients("a@b.fr, nope").is_err());
        assert!(parse_recipients("").is_err());
    }
}
