//! A mapped workbook turned into a data set, with every problem listed by
//! sheet, row, column and value.

use super::fields::{self, Kind, SETTING_KEYS, setting_kind};
use super::read::{Cell, Sheet, Workbook};
use super::values::{self, fold};
use crate::engine::dataset::{
    DataSet, ExposureClass, Lcr, LeverageInputs, Nsfr, OpRisk, OpRiskYear, OwnFundsRequirement,
    Requirements,
};
use crate::engine::resolve_profile;
use crate::engine::scenario::{Edit, apply_edit};
use crate::intel::classify::{self, Decided, Model};
use crate::model::import::{
    ClassOption, ClassProposal, Mapping, Problem, Section, Severity, SheetMapping,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Spreadsheet column letters: 0 → A, 27 → AB.
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

struct Problems(Vec<Problem>);

impl Problems {
    fn push(
        &mut self,
        severity: Severity,
        sheet: &str,
        row: Option<usize>,
        column: Option<String>,
        value: Option<String>,
        message: String,
    ) {
        self.0.push(Problem {
            severity,
            sheet: sheet.into(),
            row,
            column,
            value,
            message,
        });
    }
}

/// Where a built item came from, to place the engine's own findings.
#[derive(Default)]
struct Origins(Vec<(Section, String, usize)>);

/// What a mapping gives: the data set, every problem, and the classes
/// proposed for lines whose file gave none.
pub struct Built {
    pub data: DataSet,
    pub problems: Vec<Problem>,
    pub proposals: Vec<ClassProposal>,
    pub threshold: f64,
}

/// The data set the mapping describes, and every problem found; the data
/// set is only usable when no problem is an error. A line without a class
/// gets the built-in model's, and one it is unsure of is an error.
pub fn build(book: &Workbook, mapping: &Mapping) -> (DataSet, Vec<Problem>) {
    let mut built = classified(book, mapping, classify::base);
    built
        .problems
        .extend(unconfirmed(&built.proposals, built.threshold));
    built.problems.sort_by_key(|p| p.severity);
    (built.data, built.problems)
}

/// One error per proposed class below `threshold` that nobody confirmed.
pub fn unconfirmed(proposals: &[ClassProposal], threshold: f64) -> Vec<Problem> {
    proposals
        .iter()
        .filter(|p| p.needs_confirmation(threshold))
        .map(|p| Problem {
            severity: Severity::Error,
            sheet: p.sheet.clone(),
            row: Some(p.row),
            column: None,
            value: Some(p.id.clone()),
            message: format!(
                "no class given; proposed {} at {:.0} %, below the {:.0} % needed: confirm or correct it",
                p.class.key(),
                p.confidence * 100.0,
                threshold * 100.0
            ),
        })
        .collect()
}

/// A line whose file gave no class, until the model has read it.
struct Unclassified {
    index: usize,
    sheet: String,
    row: usize,
    chosen: Option<ExposureClass>,
}

/// [`build`] with `model` for the missing classes (asked for only when a
/// class is missing), and without the errors of unconfirmed ones (see
/// [`unconfirmed`]).
pub fn classified<'m>(
    book: &Workbook,
    mapping: &Mapping,
    model: impl FnOnce() -> &'m Model,
) -> Built {
    let mut problems = Problems(Vec::new());
    let mut data = DataSet::default();
    let mut origins: Vec<Origins> = Section::ALL.iter().map(|_| Origins::default()).collect();
    let unit = mapping.unit.factor();
    let mut unclassified = Vec::new();
    let mut ccyb = BTreeMap::new();
    let mut op_years = Vec::new();
    let mut settings = Map::new();
    for sheet_mapping in &mapping.sheets {
        let Some(section) = sheet_mapping.section else {
            continue;
        };
        let Some(sheet) = book.sheets.iter().find(|s| s.name == sheet_mapping.sheet) else {
            continue;
        };
        let origin = &mut origins[Section::ALL.iter().position(|s| *s == section).unwrap_or(0)];
        if section == Section::Settings {
            read_settings(sheet, sheet_mapping, unit, &mut settings, &mut problems);
            continue;
        }
        for (row, object) in rows(sheet, sheet_mapping, section, unit, &mut problems) {
            let lists = Lists {
                data: &mut data,
                op_years: &mut op_years,
                ccyb: &mut ccyb,
                classes: &mapping.classes,
                unclassified: &mut unclassified,
            };
            if add(lists, section, object, &sheet.name, row, &mut problems).is_some() {
                origin.0.push((section, sheet.name.clone(), row));
            }
        }
        // A sheet with headers only is an empty list (dataset.md).
        match section {
            Section::LcrHqla | Section::LcrOutflows | Section::LcrInflows => {
                lcr(&mut data);
            }
            Section::NsfrAsf | Section::NsfrRsf => {
                nsfr(&mut data);
            }
            _ => {}
        }
    }
    if !op_years.is_empty() {
        // dataset.md lists the years newest first.
        op_years.sort_by_key(|y| std::cmp::Reverse(y.year));
        data.op_risk.get_or_insert_with(OpRisk::default).years = op_years;
    }
    apply_settings(&mut data, settings, ccyb, &mut problems);
    let (proposals, threshold) = if unclassified.is_empty() {
        (Vec::new(), 1.0)
    } else {
        let model = model();
        (propose(&mut data, unclassified, model), model.threshold())
    };
    apply_fixes(&mut data, &mapping.fixes, &mut problems);
    if !proposals.is_empty() {
        let chosen = proposals.iter().filter(|p| p.chosen.is_some()).count();
        problems.push(
            Severity::Warning,
            "",
            None,
            None,
            None,
            format!(
                "{} line(s) had no class: the model proposed one ({chosen} confirmed or corrected)",
                proposals.len()
            ),
        );
    }
    for problem in data.validate() {
        let (sheet, row) = locate(&problem.location, &origins);
        problems.push(
            Severity::Error,
            &sheet,
            row,
            None,
            None,
            problem.to_string(),
        );
    }
    if data.exposures.is_empty()
        && !mapping
            .sheets
            .iter()
            .any(|s| s.section == Some(Section::Exposures))
    {
        problems.push(
            Severity::Warning,
            "",
            None,
            None,
            None,
            "no sheet holds exposure lines: credit risk will be zero".into(),
        );
    }
    let mut problems = problems.0;
    problems.sort_by_key(|p| p.severity);
    Built {
        data,
        problems,
        proposals,
        threshold,
    }
}

/// Applies the anomaly fixes the analyst accepted; anything but a line's
/// rescaling or a field of a line is refused, as is a fix that no longer
/// fits the file.
fn apply_fixes(data: &mut DataSet, fixes: &[Edit], problems: &mut Problems) {
    let mut profile = match resolve_profile(data, None) {
        Ok(profile) => profile,
        Err(_) if fixes.is_empty() => return,
        Err(error) => {
            return problems.push(Severity::Error, "", None, None, None, error.to_string());
        }
    };
    for (i, fix) in fixes.iter().enumerate() {
        let applied = match fix {
            Edit::ScaleExposures { .. } | Edit::SetLine { .. } => {
                apply_edit(fix, data, &mut profile)
            }
            _ => Err(
                "only an anomaly's fix (scale_exposures or set_line) applies to an import".into(),
            ),
        };
        if let Err(message) = applied {
            problems.push(
                Severity::Error,
                "",
                None,
                None,
                None,
                format!("fix {}: {message}", i + 1),
            );
        }
    }
}

/// Gives each unclassified line the analyst's class, or the model's.
fn propose(
    data: &mut DataSet,
    unclassified: Vec<Unclassified>,
    model: &Model,
) -> Vec<ClassProposal> {
    let mut proposals: Vec<ClassProposal> = unclassified
        .into_iter()
        .map(|u| {
            let line = &mut data.exposures[u.index];
            let p = model.predict(line);
            line.class = u.chosen.unwrap_or(p.class);
            let kind = model
                .guess_type(line, line.class)
                .filter(|g| model.type_threshold().is_some_and(|t| g.confidence >= t));
            if let Some(guess) = &kind {
                line.counterparty_type = Some(guess.kind);
            }
            ClassProposal {
                sheet: u.sheet,
                row: u.row,
                id: p.id,
                counterparty_id: line.counterparty_id.clone(),
                counterparty_name: line.counterparty_name.clone(),
                product: line.product.clone(),
                class: p.class,
                confidence: p.confidence,
                alternatives: p
                    .alternatives
                    .into_iter()
                    .map(|a| ClassOption {
                        class: a.class,
                        confidence: a.confidence,
                    })
                    .collect(),
                reasons: p.reasons,
                by_rule: p.decided_by == Decided::Rule,
                chosen: u.chosen,
                counterparty_type: kind,
            }
        })
        .collect();
    proposals.sort_by(|a, b| a.confidence.total_cmp(&b.confidence));
    proposals
}

struct Lists<'a> {
    data: &'a mut DataSet,
    op_years: &'a mut Vec<OpRiskYear>,
    ccyb: &'a mut BTreeMap<String, f64>,
    classes: &'a BTreeMap<String, ExposureClass>,
    unclassified: &'a mut Vec<Unclassified>,
}

/// Adds one row to its list; `None` when it does not fit the type.
fn add(
    lists: Lists<'_>,
    section: Section,
    mut object: Map<String, Value>,
    sheet: &str,
    row: usize,
    problems: &mut Problems,
) -> Option<()> {
    let data = lists.data;
    if section == Section::Exposures && !object.contains_key("class") {
        // A placeholder the model replaces once the whole file is read.
        let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
        let chosen = lists.classes.get(id).copied();
        object.insert(
            "class".into(),
            chosen.unwrap_or(ExposureClass::OtherAssets).key().into(),
        );
        let line = deserialize(object, sheet, row, problems)?;
        lists.unclassified.push(Unclassified {
            index: data.exposures.len(),
            sheet: sheet.to_owned(),
            row,
            chosen,
        });
        data.exposures.push(line);
        return Some(());
    }
    match section {
        Section::Capital => data
            .capital
            .push(deserialize(object, sheet, row, problems)?),
        Section::Exposures => data
            .exposures
            .push(deserialize(object, sheet, row, problems)?),
        Section::RwaLines => data
            .rwa_lines
            .push(deserialize(object, sheet, row, problems)?),
        Section::OpRisk => lists
            .op_years
            .push(deserialize(object, sheet, row, problems)?),
        Section::LcrHqla => lcr(data)
            .hqla
            .push(deserialize(object, sheet, row, problems)?),
        Section::LcrOutflows => lcr(data)
            .outflows
            .push(deserialize(object, sheet, row, problems)?),
        Section::LcrInflows => lcr(data)
            .inflows
            .push(deserialize(object, sheet, row, problems)?),
        Section::NsfrAsf => nsfr(data)
            .asf
            .push(deserialize(object, sheet, row, problems)?),
        Section::NsfrRsf => nsfr(data)
            .rsf
            .push(deserialize(object, sheet, row, problems)?),
        Section::CcybRates => {
            let country = object.get("country")?.as_str()?.to_owned();
            let rate = object.get("rate")?.as_f64()?;
            if lists.ccyb.insert(country.clone(), rate).is_some() {
                problems.push(
                    Severity::Error,
                    sheet,
                    Some(row),
                    None,
                    Some(country),
                    "this country's rate is given twice".into(),
                );
            }
        }
        Section::Settings => {}
    }
    Some(())
}

fn lcr(data: &mut DataSet) -> &mut Lcr {
    data.lcr.get_or_insert_with(Lcr::default)
}

fn nsfr(data: &mut DataSet) -> &mut Nsfr {
    data.nsfr.get_or_insert_with(Nsfr::default)
}

fn deserialize<T: DeserializeOwned>(
    object: Map<String, Value>,
    sheet: &str,
    row: usize,
    problems: &mut Problems,
) -> Option<T> {
    match serde_json::from_value(Value::Object(object)) {
        Ok(value) => Some(value),
        Err(error) => {
            problems.push(
                Severity::Error,
                sheet,
                Some(row),
                None,
                None,
                error.to_string(),
            );
            None
        }
    }
}

fn column_name(sheet_mapping: &SheetMapping, column: usize) -> String {
    let header = sheet_mapping
        .columns
        .iter()
        .find(|c| c.column == column)
        .map(|c| c.header.as_str())
        .unwrap_or("");
    format!("{} ({header})", column_letter(column))
}

/// The data rows of a mapped sheet as JSON objects with dataset.md names,
/// with their one-based row number. A row with a bad cell is reported and
/// left out; a total row at the bottom is skipped with a warning.
fn rows(
    sheet: &Sheet,
    mapping: &SheetMapping,
    section: Section,
    unit: f64,
    problems: &mut Problems,
) -> Vec<(usize, Map<String, Value>)> {
    // A fraction above `percent_above` is read as a percentage, whatever the
    // header: "LTV" columns hold 80 as often as 0.8.
    let mapped: Vec<(usize, Kind, &'static fields::Field)> = mapping
        .columns
        .iter()
        .filter_map(|c| {
            let field = fields::find(section, c.field.as_deref()?)?;
            Some((c.column, field.kind, field))
        })
        .collect();
    for field in fields::fields(section).iter().filter(|f| f.required) {
        if !mapped.iter().any(|(_, _, f)| f.name == field.name) {
            problems.push(
                Severity::Error,
                &sheet.name,
                Some(mapping.header_row),
                None,
                None,
                format!(
                    "no column is mapped to the required field \"{}\"",
                    field.name
                ),
            );
        }
    }
    let unmapped = mapping.columns.iter().filter(|c| c.field.is_none()).count();
    if unmapped > 0 {
        let names: Vec<&str> = mapping
            .columns
            .iter()
            .filter(|c| c.field.is_none())
            .map(|c| c.header.as_str())
            .take(8)
            .collect();
        problems.push(
            Severity::Warning,
            &sheet.name,
            Some(mapping.header_row),
            None,
            None,
            format!("{unmapped} column(s) not imported: {}", names.join(", ")),
        );
    }
    let mut out = Vec::new();
    for (index, cells) in sheet.rows.iter().enumerate().skip(mapping.header_row) {
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let row = index + 1;
        if let Some(Cell::Text(first)) = cells.iter().find(|c| !c.is_empty())
            && is_total_label(&fold(first))
        {
            problems.push(
                Severity::Warning,
                &sheet.name,
                Some(row),
                None,
                Some(first.to_string()),
                "a total row: skipped".into(),
            );
            continue;
        }
        let mut object = Map::new();
        let mut bad = false;
        for &(column, kind, field) in &mapped {
            let cell = cells.get(column).unwrap_or(&Cell::Empty);
            let kind_unit = if matches!(kind, Kind::Amount) {
                unit
            } else {
                1.0
            };
            match values::parse(cell, kind, kind_unit) {
                Ok(Some(value)) => {
                    object.insert(field.name.to_owned(), value);
                }
                Ok(None) if field.required => {
                    bad = true;
                    problems.push(
                        Severity::Error,
                        &sheet.name,
                        Some(row),
                        Some(column_name(mapping, column)),
                        None,
                        format!("\"{}\" is required here", field.name),
                    );
                }
                Ok(None) => {}
                Err(expected) => {
                    bad = true;
                    problems.push(
                        Severity::Error,
                        &sheet.name,
                        Some(row),
                        Some(column_name(mapping, column)),
                        Some(cell.display()),
                        format!("expected {expected}"),
                    );
                }
            }
        }
        if !bad {
            out.push((row, object));
        }
    }
    out
}

/// "Total", "Total général", "Sous-total"; not "TotalEnergies SE".
fn is_total_label(folded: &str) -> bool {
    [
        "total",
        "sous total",
        "grand total",
        "subtotal",
        "sub total",
    ]
    .iter()
    .any(|t| folded == *t || folded.starts_with(&format!("{t} ")))
}

fn read_settings(
    sheet: &Sheet,
    mapping: &SheetMapping,
    unit: f64,
    settings: &mut Map<String, Value>,
    problems: &mut Problems,
) {
    let column_of = |name: &str| {
        mapping
            .columns
            .iter()
            .find(|c| c.field.as_deref() == Some(name))
            .map(|c| c.column)
    };
    let (Some(key_column), Some(value_column)) = (column_of("key"), column_of("value")) else {
        problems.push(
            Severity::Error,
            &sheet.name,
            Some(mapping.header_row),
            None,
            None,
            "map one column to \"key\" and one to \"value\"".into(),
        );
        return;
    };
    for (index, cells) in sheet.rows.iter().enumerate().skip(mapping.header_row) {
        let row = index + 1;
        let key_cell = cells.get(key_column).unwrap_or(&Cell::Empty);
        if key_cell.is_empty() {
            continue;
        }
        let key = key_cell.display().trim().to_string();
        let Some(&known) = SETTING_KEYS.iter().find(|k| fold(k) == fold(&key)) else {
            problems.push(
                Severity::Error,
                &sheet.name,
                Some(row),
                Some(column_name(mapping, key_column)),
                Some(key),
                format!(
                    "expected one of the settings keys: {}",
                    SETTING_KEYS.join(", ")
                ),
            );
            continue;
        };
        let cell = cells.get(value_column).unwrap_or(&Cell::Empty);
        let kind = setting_kind(known);
        let kind_unit = if matches!(kind, Kind::Amount) {
            unit
        } else {
            1.0
        };
        match values::parse(cell, kind, kind_unit) {
            Ok(Some(value)) => {
                settings.insert(known.to_owned(), value);
            }
            Ok(None) => {}
            Err(expected) => problems.push(
                Severity::Error,
                &sheet.name,
                Some(row),
                Some(column_name(mapping, value_column)),
                Some(cell.display()),
                format!("{known}: expected {expected}"),
            ),
        }
    }
}

fn apply_settings(
    data: &mut DataSet,
    mut settings: Map<String, Value>,
    ccyb: std::collections::BTreeMap<String, f64>,
    problems: &mut Problems,
) {
    let mut take = |key: &str| settings.remove(key);
    let text = |v: Value| v.as_str().map(str::to_owned);
    let number = |v: Value| v.as_f64();
    if let Some(v) = take("name").and_then(text) {
        data.name = v;
    }
    data.reporting_date = take("reporting_date").and_then(text);
    data.currency = take("currency").and_then(text);
    if let Some(profile) = take("profile").and_then(text) {
        let profile = profile.to_ascii_lowercase();
        if !["basel31", "crr3"].contains(&profile.as_str()) {
            problems.push(
                Severity::Error,
                "settings",
                None,
                None,
                Some(profile.clone()),
                "profile: expected basel31 or crr3".into(),
            );
        }
        data.profile = Some(profile);
    }
    if let Some(v) = take("market_risk.own_funds_requirement").and_then(number) {
        data.market_risk = Some(OwnFundsRequirement {
            own_funds_requirement: v,
        });
    }
    if let Some(v) = take("cva.own_funds_requirement").and_then(number) {
        data.cva = Some(OwnFundsRequirement {
            own_funds_requirement: v,
        });
    }
    if let Some(v) = take("op_risk.average_annual_loss").and_then(number) {
        data.op_risk
            .get_or_insert_with(OpRisk::default)
            .average_annual_loss = Some(v);
    }
    let leverage_keys = [
        "leverage.derivatives",
        "leverage.sft",
        "leverage.other_assets",
        "leverage.tier1_deductions",
    ];
    let leverage: Vec<Option<f64>> = leverage_keys
        .iter()
        .map(|k| take(k).and_then(number))
        .collect();
    if leverage.iter().any(Option::is_some) {
        data.leverage = Some(LeverageInputs {
            derivatives: leverage[0].unwrap_or(0.0),
            sft: leverage[1].unwrap_or(0.0),
            other_assets: leverage[2].unwrap_or(0.0),
            tier1_deductions: leverage[3].unwrap_or(0.0),
        });
    }
    let requirement_keys = [
        "p2r",
        "ccyb",
        "gsii",
        "osii",
        "syrb",
        "leverage_p2r",
        "gsii_leverage_buffer",
    ];
    let requirements: Vec<Option<f64>> = requirement_keys
        .iter()
        .map(|k| take(&format!("requirements.{k}")).and_then(number))
        .collect();
    if requirements.iter().any(Option::is_some) || !ccyb.is_empty() {
        data.requirements = Some(Requirements {
            p2r: requirements[0].unwrap_or(0.0),
            ccyb: requirements[1],
            ccyb_rates: ccyb,
            gsii: requirements[2].unwrap_or(0.0),
            osii: requirements[3].unwrap_or(0.0),
            syrb: requirements[4].unwrap_or(0.0),
            leverage_p2r: requirements[5].unwrap_or(0.0),
            gsii_leverage_buffer: requirements[6].unwrap_or(0.0),
        });
    }
}

/// The sheet and row of an item the engine's validation names as
/// `exposures[12] (id "X").drawn` and the like.
fn locate(location: &str, origins: &[Origins]) -> (String, Option<usize>) {
    let section = match location.split(['[', '.']).next().unwrap_or("") {
        "exposures" => Section::Exposures,
        "capital" => Section::Capital,
        "rwa_lines" => Section::RwaLines,
        "lcr" if location.starts_with("lcr.hqla") => Section::LcrHqla,
        "lcr" if location.starts_with("lcr.outflows") => Section::LcrOutflows,
        "lcr" if location.starts_with("lcr.inflows") => Section::LcrInflows,
        "nsfr" if location.starts_with("nsfr.asf") => Section::NsfrAsf,
        "nsfr" if location.starts_with("nsfr.rsf") => Section::NsfrRsf,
        _ => return ("settings".into(), None),
    };
    let index = location
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .and_then(|(n, _)| n.parse::<usize>().ok());
    let origin = &origins[Section::ALL.iter().position(|s| *s == section).unwrap_or(0)];
    match index.and_then(|i| origin.0.get(i)) {
        Some((_, sheet, row)) => (sheet.clone(), Some(*row)),
        None => (section.key().into(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::import::mapping::{Saved, propose};

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn every_bad_cell_is_named_and_good_rows_are_built() {
        let book = Workbook {
            sheets: vec![Sheet::of_text(
                "Encours",
                &[
                    &[
                        "Référence du prêt",
                        "Catégorie d'exposition",
                        "Encours",
                        "LTV",
                    ],
                    &["P1", "Clientèle de détail", "1 000,50", "80 %"],
                    &["P2", "Fonds spéculatifs", "abc", ""],
                    &["P1", "Entreprises", "5", ""],
                    &["TotalEnergies SE", "Entreprises", "7", ""],
                    &["Total", "", "1 005,50", ""],
                ],
            )],
        };
        let mapping = propose(&book, &Saved::new());
        let (data, problems) = build(&book, &mapping);
        assert_eq!(
            data.exposures.len(),
            3,
            "a name starting with Total is a line"
        );
        assert_eq!(data.exposures[0].drawn, Some(1000.5));
        assert_eq!(data.exposures[0].ltv, Some(0.8));
        let errors: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        let class = errors
            .iter()
            .find(|p| p.row == Some(3) && p.column.as_deref() == Some("B (Catégorie d'exposition)"))
            .unwrap();
        assert_eq!(class.value.as_deref(), Some("Fonds spéculatifs"));
        assert!(class.message.starts_with("expected one of: sovereign"));
        assert!(
            errors
                .iter()
                .any(|p| p.row == Some(3) && p.column.as_deref() == Some("C (Encours)"))
        );
        let duplicate = errors
            .iter()
            .find(|p| p.message.contains("duplicate exposure id"))
            .unwrap();
        assert_eq!(
            (duplicate.sheet.as_str(), duplicate.row),
            ("Encours", Some(4))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.severity == Severity::Warning && p.row == Some(6))
        );
    }

    #[test]
    fn settings_sheet_and_amounts_in_thousands() {
        let book = Workbook {
            sheets: vec![
                Sheet::of_text(
                    "settings",
                    &[
                        &["key", "value"],
                        &["name", "Banque X"],
                        &["reporting_date", "31/12/2025"],
                        &["requirements.p2r", "2,5 %"],
                        &["market_risk.own_funds_requirement", "40"],
                        &["bogus", "1"],
                    ],
                ),
                Sheet::of_text("capital", &[&["tier", "amount"], &["cet1", "1 000"]]),
            ],
        };
        let mut mapping = propose(&book, &Saved::new());
        mapping.unit = crate::model::import::AmountUnit::Thousands;
        let (data, problems) = build(&book, &mapping);
        assert_eq!(data.name, "Banque X");
        assert_eq!(data.reporting_date.as_deref(), Some("2025-12-31"));
        assert_eq!(data.requirements.as_ref().unwrap().p2r, 0.025);
        assert_eq!(
            data.market_risk.as_ref().unwrap().own_funds_requirement,
            40_000.0
        );
        assert_eq!(data.capital[0].amount, 1_000_000.0);
        assert!(
            problems
                .iter()
                .any(|p| p.row == Some(6) && p.value.as_deref() == Some("bogus"))
        );
    }
}
