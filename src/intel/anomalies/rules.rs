//! Values no bank means: a percentage typed as a number, provisions above
//! what is drawn, collateral far above the exposure, a maturity already
//! past, a rating on a defaulted line, an amount at the format's bound; and
//! the same facility entered twice under two ids.

use super::{Anomaly, Expected, Fix, Kind, Section, Severity, amount, scale_fix};
use crate::engine::dataset::{DataSet, Exposure, MAX_AMOUNT};
use crate::engine::scenario::Edit;
use std::collections::HashMap;

/// Collateral beyond this multiple of the exposure is worth a look.
const COLLATERAL_MULTIPLE: f64 = 10.0;

fn rule(line: &Exposure, field: &str, severity: Severity, value: f64) -> Anomaly {
    Anomaly {
        id: Some(line.id.clone()),
        class: Some(line.class.key().to_owned()),
        group: None,
        dismissed: None,
        section: Section::Exposures,
        field: field.to_owned(),
        kind: Kind::Rule,
        severity,
        score: 1.0,
        value,
        expected: None,
        explanation: String::new(),
        fix: None,
    }
}

pub(super) fn line_rules(data: &DataSet) -> Vec<Anomaly> {
    let date = data.reporting_date.as_deref();
    data.exposures
        .iter()
        .flat_map(|line| checks(line, date))
        .collect()
}

fn checks(line: &Exposure, reporting_date: Option<&str>) -> Vec<Anomaly> {
    let mut found = Vec::new();
    if let Some(ltv) = line.ltv.filter(|v| *v > 1.5) {
        found.push(Anomaly {
            score: ltv,
            expected: Some(Expected { low: 0.0, high: 1.5 }),
            explanation: format!(
                "An LTV of {ltv} is {:.0} % of the property: a percentage typed as a number? {} would read as {:.0} %.",
                ltv * 100.0,
                ltv / 100.0,
                ltv
            ),
            fix: (ltv <= 150.0).then(|| Fix {
                label: format!("Read {ltv} as {}", ltv / 100.0),
                edit: Edit::SetLine {
                    id: line.id.clone(),
                    field: "ltv".to_owned(),
                    value: (ltv / 100.0).into(),
                },
            }),
            ..rule(line, "ltv", Severity::High, ltv)
        });
    }
    let drawn = line.drawn.unwrap_or(0.0);
    if let Some(p) = line
        .specific_provisions
        .filter(|p| *p > drawn && !line.defaulted)
    {
        found.push(Anomaly {
            expected: Some(Expected {
                low: 0.0,
                high: drawn,
            }),
            explanation: format!(
                "Provisions of {p:.0} exceed the {drawn:.0} drawn on a line that is not in default."
            ),
            ..rule(line, "specific_provisions", Severity::Medium, p)
        });
    }
    let exposure = amount(line);
    if let Some(c) = line
        .collateral_value
        .filter(|c| exposure > 0.0 && *c > COLLATERAL_MULTIPLE * exposure)
    {
        found.push(Anomaly {
            score: c / exposure,
            expected: Some(Expected {
                low: 0.0,
                high: COLLATERAL_MULTIPLE * exposure,
            }),
            explanation: format!(
                "Collateral of {c:.0} is {:.0} times the exposure of {exposure:.0}.",
                c / exposure
            ),
            ..rule(line, "collateral_value", Severity::Low, c)
        });
    }
    found.extend(date_and_rating(line, reporting_date));
    found.extend(at_bound(line));
    found
}

fn date_and_rating(line: &Exposure, reporting_date: Option<&str>) -> Vec<Anomaly> {
    let mut found = Vec::new();
    // ISO dates compare as text.
    if let (Some(maturity), Some(date)) = (line.maturity_date.as_deref(), reporting_date)
        && maturity < date
    {
        found.push(Anomaly {
            explanation: format!(
                "The line matured on {maturity}, before the reporting date {date}, yet it is still reported."
            ),
            ..rule(line, "maturity_date", Severity::Low, 0.0)
        });
    }
    if let Some(notch) = line
        .rating
        .notch()
        .filter(|n| line.defaulted && n.as_str() != "D")
    {
        found.push(Anomaly {
            explanation: format!(
                "The line is in default but still carries the rating {notch}: a defaulted line takes the defaulted weights, not its rating's."
            ),
            fix: Some(Fix {
                label: "Clear the rating".to_owned(),
                edit: Edit::SetLine {
                    id: line.id.clone(),
                    field: "rating".to_owned(),
                    value: serde_json::Value::Null,
                },
            }),
            ..rule(line, "rating", Severity::Low, 0.0)
        });
    }
    found
}

fn at_bound(line: &Exposure) -> Vec<Anomaly> {
    [
        ("drawn", line.drawn),
        ("undrawn", line.undrawn),
        ("collateral_value", line.collateral_value),
        ("property_value", line.property_value),
        ("guaranteed_amount", line.guaranteed_amount),
    ]
    .into_iter()
    .filter_map(|(field, value)| value.filter(|v| *v >= MAX_AMOUNT * 0.999).map(|v| (field, v)))
    .map(|(field, v)| Anomaly {
        expected: Some(Expected { low: 0.0, high: MAX_AMOUNT / 1000.0 }),
        explanation: format!(
            "{field} is {v:.3e}, at the largest amount a data set may hold: a filler value or an overflow upstream?"
        ),
        ..rule(line, field, Severity::High, v)
    })
    .collect()
}

/// Lines with the same counterparty, class, amounts, maturity and product
/// under different ids: every one after the first is flagged, with the
/// edit that sets it to zero.
pub(super) fn duplicates(lines: &[Exposure]) -> Vec<Anomaly> {
    type Key<'a> = (&'a str, u8, u64, u64, Option<&'a str>, Option<&'a str>);
    let mut first: HashMap<Key<'_>, &str> = HashMap::new();
    let mut found = Vec::new();
    for line in lines {
        let Some(counterparty) = line.counterparty_id.as_deref() else {
            continue;
        };
        if amount(line) <= 0.0 {
            continue;
        }
        let key = (
            counterparty,
            line.class as u8,
            line.drawn.unwrap_or(0.0).to_bits(),
            line.undrawn.unwrap_or(0.0).to_bits(),
            line.maturity_date.as_deref(),
            line.product.as_deref(),
        );
        match first.get(&key) {
            None => {
                first.insert(key, &line.id);
            }
            Some(original) => found.push(Anomaly {
                explanation: format!(
                    "Same counterparty, class, amounts and maturity as line {original}: the facility may be counted twice."
                ),
                fix: Some(scale_fix(&line.id, 0.0, "Set the duplicate to zero".to_owned())),
                kind: Kind::Duplicate,
                ..rule(line, "id", Severity::Medium, amount(line))
            }),
        }
    }
    found
}
