//! Cell values as analysts type them, normalised to dataset.md: amounts in
//! French or English notation, percentages written four ways, yes/no in
//! both languages, dates as text or Excel serials, ratings and classes.

use super::fields::{Choices, Kind};
use super::read::Cell;
use crate::engine::rating::Rating;
use serde_json::{Value, json};

/// Lower case, accents and punctuation gone, words separated by one space:
/// "Référence du prêt" and "reference_du_pret" compare equal.
pub fn fold(text: &str) -> String {
    // "N°" is "number", not "N deg".
    let ascii = deunicode::deunicode(&text.replace(['°', 'º'], " ")).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Reads one cell as `kind`; `Ok(None)` for an empty cell. The error says
/// what was expected.
pub fn parse(cell: &Cell, kind: Kind, unit: f64) -> Result<Option<Value>, String> {
    match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(t) if t.trim().is_empty() => return Ok(None),
        Cell::Error(e) => return Err(format!("the cell holds the spreadsheet error {e}")),
        Cell::Uncalculated(f) => {
            return Err(format!(
                "the formula ={f} has no computed value in the file: open it in your spreadsheet \
                 and save it again"
            ));
        }
        _ => {}
    }
    let value = match kind {
        Kind::Text => json!(text_of(cell)),
        Kind::Id => json!(id_of(cell)),
        Kind::Amount => {
            let n = number(cell).ok_or("an amount such as 1234567.89 or 1 234 567,89")?;
            json!(n * unit)
        }
        Kind::Number => json!(number(cell).ok_or("a number")?),
        Kind::Year => {
            let n = number(cell).ok_or("a year such as 2025")?;
            if n.fract() != 0.0 || !(1900.0..=2200.0).contains(&n) {
                return Err("a year such as 2025".into());
            }
            json!(n as i32)
        }
        Kind::Fraction { percent_above } => json!(fraction(cell, percent_above)?),
        Kind::Bool => json!(boolean(cell).ok_or("yes or no (oui/non, o/n, true/false, 1/0, x)")?),
        Kind::Date => json!(date(cell).ok_or("a date as DD/MM/YYYY, YYYY-MM-DD or an Excel date")?),
        Kind::Rating => {
            let text = text_of(cell);
            let rating = Rating::parse(&text).map_err(|_| {
                "an S&P/Fitch rating such as BBB+, a Moody's rating such as Baa1, or NR".to_string()
            })?;
            serde_json::to_value(rating).map_err(|e| e.to_string())?
        }
        Kind::Cqs => {
            let text = fold(&text_of(cell));
            let digits = text
                .trim_start_matches("cqs")
                .trim_start_matches("eqc")
                .trim();
            match digits.parse::<f64>() {
                Ok(n) if n.fract() == 0.0 && (1.0..=6.0).contains(&n) => json!(n as u8),
                _ => return Err("a credit quality step from 1 to 6".into()),
            }
        }
        Kind::Country => {
            let text = text_of(cell).trim().to_ascii_uppercase();
            if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err("a two-letter ISO 3166 country code such as FR".into());
            }
            json!(text)
        }
        Kind::Currency => {
            let text = text_of(cell).trim().to_ascii_uppercase();
            if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err("a three-letter ISO 4217 currency code such as EUR".into());
            }
            json!(text)
        }
        Kind::Choice(choices) => json!(choice(&text_of(cell), choices)?),
        Kind::Category(categories) => {
            let folded = fold(&text_of(cell));
            let found = categories
                .iter()
                .find(|(name, _)| fold(name) == folded)
                .ok_or_else(|| {
                    let names: Vec<&str> = categories.iter().map(|(n, _)| *n).collect();
                    format!("one of: {}", names.join(", "))
                })?;
            json!(found.0)
        }
    };
    Ok(Some(value))
}

fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.trim().to_string(),
        other => other.display(),
    }
}

fn id_of(cell: &Cell) -> String {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        other => text_of(other),
    }
}

/// "1 234 567,89", "1,234,567.89", "1.234.567,89", "(1 000)" and "-1e6".
pub fn parse_number(text: &str) -> Option<f64> {
    let mut t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '€' | '$' | '£'))
        .collect();
    let negative = t.starts_with('(') && t.ends_with(')');
    if negative {
        t = t[1..t.len() - 1].to_string();
    }
    if t.is_empty() {
        return None;
    }
    let commas = t.matches(',').count();
    let dots = t.matches('.').count();
    let normalised = match (commas, dots) {
        (0, _) if dots <= 1 => t,
        (0, _) => t.replace('.', ""),
        (1, 0) => t.replace(',', "."),
        (_, 0) => t.replace(',', ""),
        _ => {
            // Both: the last one is the decimal separator.
            if t.rfind(',') > t.rfind('.') {
                t.replace('.', "").replace(',', ".")
            } else {
                t.replace(',', "")
            }
        }
    };
    let value: f64 = normalised.parse().ok()?;
    value
        .is_finite()
        .then_some(if negative { -value } else { value })
}

fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Number(n) => Some(*n),
        Cell::Text(t) => parse_number(t),
        _ => None,
    }
}

/// 45 %, 45%, 0.45 and (above `percent_above`) 45 all give 0.45.
fn fraction(cell: &Cell, percent_above: f64) -> Result<f64, String> {
    let expected = || "a percentage such as 45 %, 45 or 0.45".to_string();
    match cell {
        Cell::Number(n) => Ok(if n.abs() > percent_above {
            n / 100.0
        } else {
            *n
        }),
        Cell::Text(t) => {
            let trimmed = t.trim();
            if let Some(stripped) = trimmed.strip_suffix('%') {
                Ok(parse_number(stripped).ok_or_else(expected)? / 100.0)
            } else {
                let n = parse_number(trimmed).ok_or_else(expected)?;
                Ok(if n.abs() > percent_above {
                    n / 100.0
                } else {
                    n
                })
            }
        }
        _ => Err(expected()),
    }
}

pub fn boolean(cell: &Cell) -> Option<bool> {
    match cell {
        Cell::Bool(b) => Some(*b),
        Cell::Number(n) if *n == 1.0 => Some(true),
        Cell::Number(n) if *n == 0.0 => Some(false),
        Cell::Text(t) => match fold(t).as_str() {
            "true" | "vrai" | "yes" | "y" | "oui" | "o" | "1" | "x" => Some(true),
            "false" | "faux" | "no" | "n" | "non" | "0" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// An ISO date (YYYY-MM-DD) from DD/MM/YYYY, YYYY-MM-DD or an Excel serial.
pub fn date(cell: &Cell) -> Option<String> {
    let (y, m, d) = match cell {
        Cell::Date(serial) | Cell::Number(serial) => from_serial(*serial)?,
        Cell::Text(t) => {
            let t = t.trim();
            let t = t.split(['T', ' ']).next().unwrap_or(t);
            let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
            let [a, b, c] = parts.as_slice() else {
                return None;
            };
            let (a, b, c): (i32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
            if a > 31 {
                (a, b, u32::try_from(c).ok()?)
            } else {
                (c, b, u32::try_from(a).ok()?)
            }
        }
        _ => return None,
    };
    // "31/12/25" would be the year 25: four digits are asked for.
    if y < 1900 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y, m, d).map(|date| date.format("%Y-%m-%d").to_string())
}

fn from_serial(serial: f64) -> Option<(i32, u32, u32)> {
    use chrono::Datelike;
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let date = epoch.checked_add_days(chrono::Days::new(serial.floor() as u64))?;
    Some((date.year(), date.month(), date.day()))
}

/// The dataset.md value named by `text` or one of its aliases.
pub fn choice(text: &str, choices: Choices) -> Result<&'static str, String> {
    // Exact names first: folding drops the "+" of SCRA grade "A+".
    let trimmed = text.trim();
    if let Some((name, _)) = choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
    {
        return Ok(name);
    }
    let folded = fold(text);
    choices
        .iter()
        .find(|(name, aliases)| fold(name) == folded || aliases.iter().any(|a| fold(a) == folded))
        .map(|(name, _)| *name)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("one of: {}", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::import::fields::CLASSES;

    fn text(t: &str) -> Cell {
        Cell::Text(t.into())
    }

    #[test]
    fn amounts_in_french_and_english_notation() {
        assert_eq!(parse_number("1 234 567,89"), Some(1_234_567.89));
        assert_eq!(parse_number("1\u{a0}234\u{a0}567,89"), Some(1_234_567.89));
        assert_eq!(parse_number("1,234,567.89"), Some(1_234_567.89));
        assert_eq!(parse_number("1.234.567,89"), Some(1_234_567.89));
        assert_eq!(parse_number("(1 000)"), Some(-1000.0));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("1e6"), Some(1e6));
        assert_eq!(parse_number("abc"), None);
        let thousands = parse(&text("1 234,5"), Kind::Amount, 1e3).unwrap();
        assert_eq!(thousands, Some(json!(1_234_500.0)));
    }

    #[test]
    fn percentages_written_four_ways() {
        let ltv = Kind::Fraction { percent_above: 3.0 };
        for written in ["45 %", "45%", "45", "0.45", "0,45", "45,0 %"] {
            assert_eq!(
                parse(&text(written), ltv, 1.0).unwrap(),
                Some(json!(0.45)),
                "{written}"
            );
        }
        assert_eq!(
            parse(&Cell::Number(1.2), ltv, 1.0).unwrap(),
            Some(json!(1.2))
        );
        let rate = Kind::Fraction { percent_above: 0.1 };
        assert_eq!(
            parse(&Cell::Number(2.5), rate, 1.0).unwrap(),
            Some(json!(0.025))
        );
        assert_eq!(
            parse(&Cell::Number(0.5), rate, 1.0).unwrap(),
            Some(json!(0.005))
        );
        assert_eq!(
            parse(&Cell::Number(0.025), rate, 1.0).unwrap(),
            Some(json!(0.025))
        );
    }

    #[test]
    fn yes_and_no_in_both_languages() {
        for yes in ["oui", "O", "TRUE", "vrai", "1", "x", "Yes"] {
            assert_eq!(boolean(&text(yes)), Some(true), "{yes}");
        }
        for no in ["non", "N", "false", "0", "Faux"] {
            assert_eq!(boolean(&text(no)), Some(false), "{no}");
        }
        assert!(parse(&text("peut-être"), Kind::Bool, 1.0).is_err());
    }

    #[test]
    fn dates_as_text_and_serials() {
        assert_eq!(date(&text("31/12/2025")).as_deref(), Some("2025-12-31"));
        assert_eq!(date(&text("2025-12-31")).as_deref(), Some("2025-12-31"));
        assert_eq!(date(&Cell::Date(46022.0)).as_deref(), Some("2025-12-31"));
        assert_eq!(date(&text("31/02/2025")), None);
        assert_eq!(date(&text("31/12/25")), None);
    }

    #[test]
    fn french_class_names() {
        assert_eq!(
            choice("Administrations centrales", CLASSES),
            Ok("sovereign")
        );
        assert_eq!(choice("Clientèle de détail", CLASSES), Ok("retail"));
        assert_eq!(
            choice("Expositions garanties par une hypothèque", CLASSES),
            Ok("real_estate")
        );
        assert_eq!(choice("REAL_ESTATE", CLASSES), Ok("real_estate"));
        const SCRA: Choices = &[("A+", &[]), ("A", &[])];
        assert_eq!(choice("A", SCRA), Ok("A"));
        assert_eq!(choice("a+", SCRA), Ok("A+"));
        assert!(
            choice("hedge funds", CLASSES)
                .unwrap_err()
                .starts_with("one of: sovereign")
        );
    }

    #[test]
    fn ratings_and_credit_quality_steps() {
        assert_eq!(
            parse(&text("Baa1"), Kind::Rating, 1.0).unwrap(),
            Some(json!("BBB+"))
        );
        assert_eq!(
            parse(&text("EQC 3"), Kind::Cqs, 1.0).unwrap(),
            Some(json!(3))
        );
        assert!(parse(&text("7"), Kind::Cqs, 1.0).is_err());
    }

    #[test]
    fn formulas_and_errors_are_explained() {
        let error = parse(&Cell::Uncalculated("B2*2".into()), Kind::Amount, 1.0).unwrap_err();
        assert!(error.contains("=B2*2"));
        assert!(
            parse(&Cell::Error("#DIV/0!".into()), Kind::Amount, 1.0)
                .unwrap_err()
                .contains("#DIV/0!")
        );
    }
}
