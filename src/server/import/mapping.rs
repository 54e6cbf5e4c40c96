//! The proposed mapping: which sheet holds which section, where its header
//! row is, and which column is which field, each with a confidence.

use super::fields::{self, Field, sheet_synonyms};
use super::read::{Cell, Sheet, Workbook};
use super::values::fold;
use crate::model::import::{ColumnMapping, Mapping, MatchSource, Section, SheetMapping};
use std::collections::{BTreeSet, HashMap};

/// Below this, a fuzzy match is not proposed.
const THRESHOLD: f32 = 0.75;
/// Below this, a sheet is not given a section.
const SECTION_THRESHOLD: f32 = 0.4;
/// Titles may sit above the headers; these rows are searched.
const HEADER_SEARCH_ROWS: usize = 10;

const STOPWORDS: [&str; 14] = [
    "de", "du", "des", "d", "la", "le", "les", "l", "the", "of", "en", "a", "au", "s",
];

/// The words of a header that carry meaning, sorted: word order is ignored.
fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = fold(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
        .map(str::to_owned)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// How well `header` names `field`, and why.
fn score(header: &[String], field: &Field) -> (f32, MatchSource) {
    if header.is_empty() {
        return (0.0, MatchSource::Unmatched);
    }
    let joined = header.join(" ");
    if words(field.name).join(" ") == joined {
        return (1.0, MatchSource::Exact);
    }
    let mut best = (0.0f32, MatchSource::Unmatched);
    for synonym in field.synonyms.iter().copied().chain([field.name]) {
        let candidate = words(synonym);
        if candidate.is_empty() {
            continue;
        }
        let text = candidate.join(" ");
        if text == joined {
            return (0.97, MatchSource::Synonym);
        }
        let similarity = strsim::normalized_levenshtein(&text, &joined) as f32;
        // "Encours tiré (EUR)" holds every word of "encours tiré".
        let contained = candidate.iter().all(|w| header.contains(w));
        let containment = if contained && text.len() >= 3 {
            0.78 + 0.17 * candidate.len() as f32 / header.len() as f32
        } else {
            0.0
        };
        let s = similarity.max(containment) * 0.95;
        if s > best.0 {
            best = (s, MatchSource::Fuzzy);
        }
    }
    best
}

/// Headers of one sheet matched to the fields of `section`: each field to
/// at most one column, best matches first.
pub fn match_columns(headers: &[(usize, String)], section: Section) -> Vec<ColumnMapping> {
    let all = fields::fields(section);
    let header_words: Vec<Vec<String>> = headers.iter().map(|(_, h)| words(h)).collect();
    let mut candidates = Vec::new();
    for (i, hw) in header_words.iter().enumerate() {
        for field in all {
            let (s, source) = score(hw, field);
            if s >= THRESHOLD {
                candidates.push((s, i, field.name, source));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut columns: Vec<ColumnMapping> = headers
        .iter()
        .map(|(column, header)| ColumnMapping {
            column: *column,
            header: header.clone(),
            field: None,
            confidence: 0.0,
            source: MatchSource::Unmatched,
        })
        .collect();
    let mut taken = BTreeSet::new();
    for (s, i, name, source) in candidates {
        if columns[i].field.is_some() || taken.contains(name) {
            continue;
        }
        taken.insert(name);
        columns[i].field = Some(name.to_owned());
        columns[i].confidence = s;
        columns[i].source = source;
    }
    columns
}

/// The non-empty header cells of `row`, with their column.
pub fn headers_of(sheet: &Sheet, row: usize) -> Vec<(usize, String)> {
    sheet
        .rows
        .get(row)
        .map(|cells| {
            cells
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.is_empty())
                .map(|(i, c)| {
                    let text = match c {
                        Cell::Text(t) => t.trim().to_string(),
                        other => other.display(),
                    };
                    (i, text)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// How much of `section` the headers cover: matched columns, with the
/// required fields counting double.
fn coverage(columns: &[ColumnMapping], section: Section) -> f32 {
    let all = fields::fields(section);
    let weight = |f: &Field| if f.required { 2.0 } else { 1.0 };
    let required_total: f32 = all.iter().filter(|f| f.required).map(weight).sum();
    let mut required_found = 0.0;
    let mut matched = 0.0;
    for column in columns {
        if let Some(field) = column
            .field
            .as_deref()
            .and_then(|n| fields::find(section, n))
        {
            matched += column.confidence;
            if field.required {
                required_found += weight(field);
            }
        }
    }
    if columns.is_empty() {
        return 0.0;
    }
    let required_share = if required_total > 0.0 {
        required_found / required_total
    } else {
        1.0
    };
    let column_share = matched / columns.len() as f32;
    0.6 * required_share + 0.4 * column_share
}

fn name_score(sheet: &str, section: Section) -> f32 {
    let name = words(sheet).join(" ");
    if name == words(section.key()).join(" ") {
        return 1.0;
    }
    sheet_synonyms(section)
        .iter()
        .map(|s| {
            let s = words(s).join(" ");
            if s == name {
                0.95
            } else {
                strsim::normalized_levenshtein(&s, &name) as f32 * 0.8
            }
        })
        .fold(0.0, f32::max)
}

/// The row, among the first ones, whose cells look most like headers of
/// some section.
fn header_row(sheet: &Sheet) -> usize {
    let mut best = (0usize, 0.0f32);
    for row in 0..sheet.rows.len().min(HEADER_SEARCH_ROWS) {
        let headers = headers_of(sheet, row);
        let texts = sheet.rows[row]
            .iter()
            .filter(|c| matches!(c, Cell::Text(_)))
            .count();
        if headers.is_empty() || texts * 2 < headers.len() {
            continue;
        }
        let s = Section::ALL
            .iter()
            .map(|&section| {
                match_columns(&headers, section)
                    .iter()
                    .map(|c| c.confidence)
                    .sum::<f32>()
            })
            .fold(0.0, f32::max);
        if s > best.1 {
            best = (row, s);
        }
    }
    if best.1 == 0.0 {
        return sheet
            .rows
            .iter()
            .position(|r| r.iter().any(|c| !c.is_empty()))
            .unwrap_or(0);
    }
    best.0
}

fn data_rows(sheet: &Sheet, header_row: usize) -> usize {
    sheet
        .rows
        .iter()
        .skip(header_row + 1)
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .count()
}

/// A tenant's saved column choices for a sheet whose headers match.
pub type Saved = HashMap<String, (Section, Vec<(String, Option<String>)>)>;

/// What identifies a sheet's layout: its folded headers in order.
pub fn signature(headers: &[(usize, String)]) -> String {
    headers
        .iter()
        .map(|(_, h)| fold(h))
        .collect::<Vec<_>>()
        .join("|")
}

/// The proposal for a whole workbook: each sheet's most likely section
/// (each section once, the best sheet wins), headers and columns.
pub fn propose(book: &Workbook, saved: &Saved) -> Mapping {
    let layouts: Vec<(usize, Vec<(usize, String)>)> = book
        .sheets
        .iter()
        .map(|sheet| {
            let row = header_row(sheet);
            (row, headers_of(sheet, row))
        })
        .collect();
    let mut sheets = Vec::new();
    for (sheet, (row, headers)) in book.sheets.iter().zip(layouts.iter().cloned()) {
        // Several sheets with the same headers (LCR outflows and inflows,
        // NSFR ASF and RSF) tell nothing apart: their names decide.
        let ambiguous = layouts
            .iter()
            .filter(|(_, h)| signature(h) == signature(&headers))
            .count()
            > 1;
        let remembered = saved.get(&signature(&headers)).filter(|_| !ambiguous);
        let mut choices: Vec<(f32, Section, Vec<ColumnMapping>)> = Section::ALL
            .iter()
            .map(|&section| {
                let columns = match remembered {
                    Some((s, fields)) if *s == section => restore(&headers, fields),
                    _ => match_columns(&headers, section),
                };
                let mut s =
                    0.7 * coverage(&columns, section) + 0.3 * name_score(&sheet.name, section);
                if remembered.is_some_and(|(s, _)| *s == section) {
                    s = 1.0;
                }
                (s, section, columns)
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (s, section, columns) = choices.swap_remove(0);
        let chosen = s >= SECTION_THRESHOLD;
        sheets.push(SheetMapping {
            sheet: sheet.name.clone(),
            header_row: row + 1,
            data_rows: data_rows(sheet, row),
            section: chosen.then_some(section),
            section_confidence: s.min(1.0),
            columns: if chosen {
                columns
            } else {
                match_columns(&headers, section)
                    .into_iter()
                    .map(|c| ColumnMapping {
                        field: None,
                        confidence: 0.0,
                        source: MatchSource::Unmatched,
                        ..c
                    })
                    .collect()
            },
        });
    }
    Mapping {
        sheets,
        unit: Default::default(),
        classes: Default::default(),
        fixes: Vec::new(),
    }
}

fn restore(headers: &[(usize, String)], fields: &[(String, Option<String>)]) -> Vec<ColumnMapping> {
    headers
        .iter()
        .map(|(column, header)| {
            let field = fields
                .iter()
                .find(|(h, _)| fold(h) == fold(header))
                .and_then(|(_, f)| f.clone());
            ColumnMapping {
                column: *column,
                header: header.clone(),
                confidence: if field.is_some() { 1.0 } else { 0.0 },
                source: if field.is_some() {
                    MatchSource::Saved
                } else {
                    MatchSource::Unmatched
                },
                field,
            }
        })
        .collect()
}

/// The mapping as the user sent it back, re-anchored on the file: headers
/// and row counts are read again from the file, only the choices (section,
/// header row, column → field) are the user's. Sheets and columns that do
/// not exist, and fields foreign to a section, are refused, not ignored.
pub fn reconcile(book: &Workbook, sent: &Mapping) -> Result<Mapping, String> {
    let mut sheets = Vec::new();
    for choice in &sent.sheets {
        let sheet = book
            .sheets
            .iter()
            .find(|s| s.name == choice.sheet)
            .ok_or_else(|| format!("the file has no sheet \"{}\"", choice.sheet))?;
        if choice.header_row == 0 || choice.header_row > sheet.rows.len().max(1) {
            return Err(format!(
                "sheet \"{}\" has no row {}",
                sheet.name, choice.header_row
            ));
        }
        let row = choice.header_row - 1;
        let mut seen = BTreeSet::new();
        let mut columns = Vec::new();
        for (column, header) in headers_of(sheet, row) {
            let sent_column = choice.columns.iter().find(|c| c.column == column);
            let field = match (choice.section, sent_column.and_then(|c| c.field.clone())) {
                (Some(section), Some(name)) => {
                    if fields::find(section, &name).is_none() {
                        return Err(format!("\"{name}\" is not a field of {}", section.key()));
                    }
                    if !seen.insert(name.clone()) {
                        return Err(format!(
                            "two columns of sheet \"{}\" are mapped to \"{name}\"; keep one",
                            sheet.name
                        ));
                    }
                    Some(name)
                }
                _ => None,
            };
            let (confidence, source) = match sent_column {
                Some(c) if c.field == field => (c.confidence, c.source),
                _ if field.is_some() => (1.0, MatchSource::Manual),
                _ => (0.0, MatchSource::Unmatched),
            };
            columns.push(ColumnMapping {
                column,
                header,
                field,
                confidence,
                source,
            });
        }
        sheets.push(SheetMapping {
            sheet: sheet.name.clone(),
            header_row: choice.header_row,
            data_rows: data_rows(sheet, row),
            section: choice.section,
            section_confidence: choice.section_confidence,
            columns,
        });
    }
    Ok(Mapping {
        sheets,
        unit: sent.unit,
        classes: sent.classes.clone(),
        fixes: sent.fixes.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<'a>(m: &'a SheetMapping, header: &str) -> Option<&'a str> {
        m.columns
            .iter()
            .find(|c| c.header == header)
            .and_then(|c| c.field.as_deref())
    }

    #[test]
    fn french_headers_map_onto_exposure_fields() {
        let book = Workbook {
            sheets: vec![Sheet::of_text(
                "Portefeuille",
                &[
                    &["Portefeuille crédit au 31/12/2025"],
                    &[],
                    &[
                        "N° de contrat",
                        "Catégorie d'exposition",
                        "Encours tiré (EUR)",
                        "Pays de résidence",
                        "Notation externe",
                        "Quotité de financement",
                        "Créance douteuse",
                        "Commentaire",
                    ],
                    &["C-1", "Entreprises", "1 000", "FR", "BBB", "", "non", "ok"],
                ],
            )],
        };
        let mapping = propose(&book, &Saved::new());
        let m = &mapping.sheets[0];
        assert_eq!(m.section, Some(Section::Exposures));
        assert_eq!(m.header_row, 3);
        assert_eq!(m.data_rows, 1);
        assert_eq!(field_of(m, "N° de contrat"), Some("id"));
        assert_eq!(field_of(m, "Catégorie d'exposition"), Some("class"));
        assert_eq!(field_of(m, "Encours tiré (EUR)"), Some("drawn"));
        assert_eq!(field_of(m, "Pays de résidence"), Some("country"));
        assert_eq!(field_of(m, "Notation externe"), Some("rating"));
        assert_eq!(field_of(m, "Quotité de financement"), Some("ltv"));
        assert_eq!(field_of(m, "Créance douteuse"), Some("defaulted"));
        assert_eq!(field_of(m, "Commentaire"), Some("description"));
        let exact = m
            .columns
            .iter()
            .find(|c| c.header == "N° de contrat")
            .unwrap();
        assert_eq!(exact.source, MatchSource::Synonym);
        let fuzzy = m
            .columns
            .iter()
            .find(|c| c.header == "Encours tiré (EUR)")
            .unwrap();
        assert_eq!(fuzzy.source, MatchSource::Fuzzy);
        assert!(fuzzy.confidence < exact.confidence);
    }

    #[test]
    fn canonical_sheets_map_exactly_and_other_sheets_are_left_out() {
        let book = Workbook {
            sheets: vec![
                Sheet::of_text(
                    "capital",
                    &[
                        &["tier", "kind", "label", "amount"],
                        &["cet1", "item", "Shares", "100"],
                    ],
                ),
                Sheet::of_text("lcr_outflows", &[&["label", "category", "amount"]]),
                Sheet::of_text("Notes", &[&["Prepared by the finance team"]]),
            ],
        };
        let mapping = propose(&book, &Saved::new());
        assert_eq!(mapping.sheets[0].section, Some(Section::Capital));
        assert!(
            mapping.sheets[0]
                .columns
                .iter()
                .all(|c| c.source == MatchSource::Exact)
        );
        assert_eq!(mapping.sheets[1].section, Some(Section::LcrOutflows));
        assert_eq!(mapping.sheets[2].section, None);
    }

    #[test]
    fn a_saved_correction_is_reused_for_the_same_headers() {
        let book = Workbook {
            sheets: vec![Sheet::of_text("x", &[&["Ref", "Classe", "Montant brut"]])],
        };
        let headers = headers_of(&book.sheets[0], 0);
        let mut saved = Saved::new();
        saved.insert(
            signature(&headers),
            (
                Section::Exposures,
                vec![
                    ("Ref".into(), Some("id".into())),
                    ("Classe".into(), Some("class".into())),
                    ("Montant brut".into(), Some("drawn".into())),
                ],
            ),
        );
        let m = &propose(&book, &saved).sheets[0];
        assert_eq!(m.section, Some(Section::Exposures));
        assert_eq!(field_of(m, "Montant brut"), Some("drawn"));
        assert!(m.columns.iter().all(|c| c.source == MatchSource::Saved));
    }

    #[test]
    fn a_saved_section_does_not_override_sheets_that_share_their_headers() {
        let flows = [
            &["label", "category", "amount"][..],
            &["x", "retail_stable", "1"][..],
        ];
        let book = Workbook {
            sheets: vec![
                Sheet::of_text("lcr_outflows", &flows),
                Sheet::of_text("lcr_inflows", &flows),
            ],
        };
        let headers = headers_of(&book.sheets[0], 0);
        let mut saved = Saved::new();
        saved.insert(signature(&headers), (Section::NsfrRsf, vec![]));
        let mapping = propose(&book, &saved);
        assert_eq!(mapping.sheets[0].section, Some(Section::LcrOutflows));
        assert_eq!(mapping.sheets[1].section, Some(Section::LcrInflows));
    }

    #[test]
    fn a_mapping_naming_foreign_fields_or_sheets_is_refused() {
        let book = Workbook {
            sheets: vec![Sheet::of_text("capital", &[&["tier", "amount"]])],
        };
        let mut mapping = propose(&book, &Saved::new());
        mapping.sheets[0].columns[1].header = "forged".into();
        let again = reconcile(&book, &mapping).unwrap();
        assert_eq!(again.sheets[0].columns[1].header, "amount");
        mapping.sheets[0].columns[0].field = Some("ltv".into());
        assert!(
            reconcile(&book, &mapping)
                .unwrap_err()
                .contains("not a field of capital")
        );
        mapping.sheets[0].columns[0].field = Some("amount".into());
        assert!(reconcile(&book, &mapping).unwrap_err().contains("keep one"));
        mapping.sheets[0].sheet = "other".into();
        assert!(reconcile(&book, &mapping).is_err());
    }
}
