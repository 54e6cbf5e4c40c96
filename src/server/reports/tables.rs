//! The report's tables, laid out like the Pillar 3 templates KM1 (key
//! metrics), OV1 (RWA by risk type) and CR5 (exposures by class and risk
//! weight). The Excel and PDF writers render the same tables.

use crate::engine::dataset::ExposureClass;
use crate::engine::results::Results;
use serde::Serialize;

/// A cell of a report table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Value {
    Amount(f64),
    Ratio(f64),
    /// Not computable (no LCR data, a zero denominator): shown as "–".
    None,
}

impl From<Option<f64>> for Value {
    fn from(ratio: Option<f64>) -> Self {
        ratio.map_or(Value::None, Value::Ratio)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The template's row reference (KM1 "1", OV1 "24"...) or empty.
    pub reference: String,
    pub label: String,
    pub cells: Vec<Value>,
    pub total: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    /// Sheet name and template code.
    pub code: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

fn row(reference: &str, label: &str, cells: Vec<Value>) -> Row {
    Row {
        reference: reference.into(),
        label: label.into(),
        cells,
        total: false,
    }
}

/// The results a report describes: the baseline and, for a scenario, the
/// scenario and the difference.
pub struct Columns<'a> {
    pub baseline: &'a Results,
    pub scenario: Option<(&'a str, &'a Results)>,
}

impl Columns<'_> {
    fn headers(&self) -> Vec<String> {
        match self.scenario {
            None => vec!["Baseline".into()],
            Some((name, _)) => vec!["Baseline".into(), name.into(), "Change".into()],
        }
    }

    /// One figure in every column (with the change for a scenario).
    fn cells(&self, figure: impl Fn(&Results) -> Value) -> Vec<Value> {
        let base = figure(self.baseline);
        match self.scenario {
            None => vec![base],
            Some((_, scenario)) => {
                let after = figure(scenario);
                let change = match (base, after) {
                    (Value::Amount(a), Value::Amount(b)) => Value::Amount(b - a),
                    (Value::Ratio(a), Value::Ratio(b)) => Value::Ratio(b - a),
                    _ => Value::None,
                };
                vec![base, after, change]
            }
        }
    }
}

pub fn km1(c: &Columns<'_>) -> Table {
    let a = |f: fn(&Results) -> f64| c.cells(move |r| Value::Amount(f(r)));
    let r = |f: fn(&Results) -> Option<f64>| c.cells(move |x| f(x).into());
    let rows = vec![
        row("1", "Common Equity Tier 1 (CET1)", a(|r| r.capital.cet1)),
        row("2", "Tier 1", a(|r| r.capital.tier1)),
        row("3", "Total capital", a(|r| r.capital.total)),
        row("4", "Total risk exposure amount (RWA)", a(|r| r.rwa.total)),
        row("5", "CET1 ratio", r(|r| r.ratios.cet1)),
        row("6", "Tier 1 ratio", r(|r| r.ratios.tier1)),
        row("7", "Total capital ratio", r(|r| r.ratios.total_capital)),
        row(
            "EU 7d",
            "Total SREP capital requirement (TSCR)",
            r(|r| Some(r.requirements.tscr)),
        ),
        row(
            "11",
            "Combined buffer requirement",
            r(|r| Some(r.requirements.cbr)),
        ),
        row(
            "EU 11a",
            "Overall capital requirement (CET1 basis)",
            r(|r| Some(r.requirements.cet1)),
        ),
        row(
            "12",
            "CET1 available after meeting the requirements",
            r(|r| r.buffers.cet1_available),
        ),
        row(
            "13",
            "Leverage ratio exposure measure",
            a(|r| r.leverage.exposure_measure),
        ),
        row("14", "Leverage ratio", r(|r| r.ratios.leverage)),
        row(
            "15",
            "High-quality liquid assets (HQLA)",
            c.cells(|r| r.lcr.hqla.map_or(Value::None, Value::Amount)),
        ),
        row(
            "16",
            "Net cash outflows",
            c.cells(|r| r.lcr.net_outflows.map_or(Value::None, Value::Amount)),
        ),
        row("17", "Liquidity coverage ratio (LCR)", r(|r| r.ratios.lcr)),
        row(
            "18",
            "Available stable funding",
            c.cells(|r| r.nsfr.asf.map_or(Value::None, Value::Amount)),
        ),
        row(
            "19",
            "Required stable funding",
            c.cells(|r| r.nsfr.rsf.map_or(Value::None, Value::Amount)),
        ),
        row(
            "20",
            "Net stable funding ratio (NSFR)",
            r(|r| r.ratios.nsfr),
        ),
    ];
    Table {
        code: "KM1".into(),
        title: "Key metrics".into(),
        columns: c.headers(),
        rows,
    }
}

pub fn ov1(c: &Columns<'_>) -> Table {
    // OV1 shows RWA and the own funds requirement (8 % of RWA) side by side;
    // with a scenario, RWA in each column.
    let a = |f: fn(&Results) -> f64| c.cells(move |r| Value::Amount(f(r)));
    let mut rows = vec![
        row(
            "1",
            "Credit risk (standardised approach)",
            a(|r| r.rwa.credit),
        ),
        row(
            "6",
            "Counterparty credit risk, securitisation, settlement and other",
            a(|r| r.rwa.other),
        ),
        row("20", "Market risk", a(|r| r.rwa.market)),
        row(
            "EU 4a",
            "Credit valuation adjustment (CVA)",
            a(|r| r.rwa.cva),
        ),
        row("23", "Operational risk", a(|r| r.rwa.operational)),
        Row {
            total: true,
            ..row("29", "Total", a(|r| r.rwa.total))
        },
    ];
    let mut columns = c
        .headers()
        .into_iter()
        .map(|h| format!("RWA – {h}"))
        .collect::<Vec<_>>();
    if c.scenario.is_none() {
        columns.push("Own funds requirement (8 %)".into());
        for r in &mut rows {
            if let Some(Value::Amount(rwa)) = r.cells.first().copied() {
                r.cells.push(Value::Amount(rwa * 0.08));
            }
        }
    }
    Table {
        code: "OV1".into(),
        title: "Overview of risk-weighted assets".into(),
        columns,
        rows,
    }
}

/// The risk-weight columns of the Pillar 3 CR5 template (Basel 3.1), in %.
const CR5_WEIGHTS: [f64; 26] = [
    0.0, 2.0, 4.0, 10.0, 20.0, 30.0, 35.0, 40.0, 45.0, 50.0, 60.0, 65.0, 70.0, 75.0, 80.0, 85.0,
    90.0, 100.0, 105.0, 110.0, 130.0, 150.0, 250.0, 370.0, 400.0, 1250.0,
];

/// CR5: exposure value by class (rows) and risk weight (columns), from the
/// per-line results. A weight outside the template's columns (a blend
/// from a guarantee, a currency-mismatch add-on) goes to "Others", as the
/// template says; columns without any exposure are left out. The last two
/// columns are the class total and its RWA.
pub fn cr5(results: &Results) -> Table {
    let lines = results.lines.as_deref().unwrap_or_default();
    let others = CR5_WEIGHTS.len();
    let bucket = |weight: f64| {
        CR5_WEIGHTS
            .iter()
            .position(|w| (w / 100.0 - weight).abs() < 1e-9)
            .unwrap_or(others)
    };
    let width = others + 3;
    let mut rows: Vec<(ExposureClass, Vec<f64>)> = Vec::new();
    let mut totals = vec![0.0; width];
    for class in ExposureClass::ALL {
        let key = class.key();
        let mut cells = vec![0.0; width];
        let mut any = false;
        for line in lines.iter().filter(|l| l.class == key) {
            any = true;
            cells[bucket(line.risk_weight)] += line.exposure;
            cells[others + 1] += line.exposure;
            cells[others + 2] += line.rwa;
        }
        if any {
            for (t, c) in totals.iter_mut().zip(&cells) {
                *t += c;
            }
            rows.push((class, cells));
        }
    }
    let shown: Vec<usize> = (0..=others)
        .filter(|&i| totals[i] != 0.0)
        .chain([others + 1, others + 2])
        .collect();
    let pick = |cells: &[f64]| {
        shown
            .iter()
            .map(|&i| Value::Amount(cells[i]))
            .collect::<Vec<_>>()
    };
    let mut table_rows: Vec<Row> = rows
        .iter()
        .map(|(class, cells)| row("", class.key(), pick(cells)))
        .collect();
    table_rows.push(Row {
        total: true,
        ..row("", "Total", pick(&totals))
    });
    let columns = shown
        .iter()
        .map(|&i| match i {
            i if i < others => format!("{} %", format_weight(CR5_WEIGHTS[i] / 100.0)),
            i if i == others => "Others".into(),
            i if i == others + 1 => "Total exposure".into(),
            _ => "RWA".into(),
        })
        .collect();
    Table {
        code: "CR5".into(),
        title: "Standardised approach: exposures by class and risk weight".into(),
        columns,
        rows: table_rows,
    }
}

fn format_weight(w: f64) -> String {
    let percent = w * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("{}", percent.round())
    } else {
        format!("{percent:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ComputeOptions, compute, resolve_profile};

    #[test]
    fn cr5_adds_up_to_the_credit_risk_figures() {
        let data = crate::samples::demo_bank();
        let profile = resolve_profile(&data, None).unwrap();
        let results = compute(
            &data,
            &profile,
            &ComputeOptions {
                lines: true,
                explain: false,
            },
        );
        let table = cr5(&results);
        let total = table.rows.last().unwrap();
        let n = table.columns.len();
        let Value::Amount(rwa) = total.cells[n - 1] else {
            panic!()
        };
        assert!(
            (rwa - results.rwa.credit).abs() < 1e-3 * results.rwa.credit.max(1.0),
            "{rwa} vs {}",
            results.rwa.credit
        );
        let Value::Amount(exposure) = total.cells[n - 2] else {
            panic!()
        };
        let by_weight: f64 = total.cells[..n - 2]
            .iter()
            .map(|v| if let Value::Amount(a) = v { *a } else { 0.0 })
            .sum();
        assert!((exposure - by_weight).abs() < 1e-6 * exposure);
    }

    #[test]
    fn km1_with_a_scenario_has_the_change() {
        let data = crate::samples::demo_bank();
        let profile = resolve_profile(&data, None).unwrap();
        let base = compute(&data, &profile, &ComputeOptions::default());
        let mut after = base.clone();
        after.capital.cet1 += 100.0;
        let table = km1(&Columns {
            baseline: &base,
            scenario: Some(("Stress", &after)),
        });
        assert_eq!(table.columns, ["Baseline", "Stress", "Change"]);
        assert_eq!(table.rows[0].cells[2], Value::Amount(100.0));
    }
}
