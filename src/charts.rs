//! Dashboard charts drawn with plotters to SVG: the same code renders on the
//! server and, after every lever move, in the browser.
//!
//! No plotters call here measures text (captions, mesh labels): in the
//! browser that measurement styles a probe element inline, which our CSP
//! refuses. Titles are the page's figcaptions; axis labels are drawn as
//! plain text at chosen places.

use crate::engine::results::Results;
use crate::model::simulation::VersionSummary;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

/// Near the size the cockpit draws a chart at from 1280 px screens (360 to
/// 420 px wide), so labels keep their size on screen.
const WIDTH: u32 = 420;
const HEIGHT: u32 = 270;
/// Label size as plotters takes it: its SVG font size is this over 1.24,
/// 13.7, which stays above 11 px at the cockpit's narrowest chart.
const LABEL: u32 = 17;
const INK: RGBColor = RGBColor(74, 88, 104);
const CET1: RGBColor = RGBColor(15, 76, 129);
const AT1: RGBColor = RGBColor(11, 107, 203);
const T2: RGBColor = RGBColor(124, 196, 255);
const TSCR: RGBColor = RGBColor(138, 83, 0);
const BUFFERS: RGBColor = RGBColor(255, 194, 102);
const CCYB: RGBColor = RGBColor(255, 224, 170);
const BASELINE: RGBColor = RGBColor(168, 182, 198);
const GRID: RGBColor = RGBColor(226, 232, 240);
const ANOMALY: RGBColor = RGBColor(179, 38, 30);

fn svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        let drawn = draw(&root).and_then(|()| root.present().map_err(|e| e.to_string()));
        if let Err(error) = drawn {
            leptos::logging::warn!("chart not drawn: {error}");
        }
    }
    out
}

fn text_style(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

/// The capital stack (CET1, AT1, T2 as % of RWA) against the requirement
/// stack (P1 + P2R, buffers, CCyB) of the scenario.
pub fn capital_stack(r: &Results) -> String {
    svg(|root| {
        let (capital, requirement) = capital_parts(r);
        let total =
            |parts: &[(&str, f64, RGBColor)]| parts.iter().map(|p| p.1.max(0.0)).sum::<f64>();
        let top = total(&capital).max(total(&requirement)).max(1.0) * 1.15;
        let mut chart = percent_chart(root, 0.0..2.6, top, 8)?;
        for (x, parts, title) in [
            (0.1, &capital, "Capital"),
            (1.4, &requirement, "Requirement"),
        ] {
            let mut base = 0.0;
            for (label, height, colour) in parts.iter() {
                let height = height.max(0.0);
                if height <= 0.0 {
                    continue;
                }
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, base), (x + 0.45, base + height)],
                        colour.filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                let middle = base + height / 2.0;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{label} {height:.1}"),
                        (x + 0.48, middle),
                        text_style(LABEL).pos(Pos::new(HPos::Left, VPos::Center)),
                    )))
                    .map_err(|e| e.to_string())?;
                base += height;
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{title} {base:.1} %"),
                    (x + 0.225, base + top * 0.02),
                    text_style(LABEL + 1).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

type Stack = [(&'static str, f64, RGBColor); 3];

/// The two stacks of [`capital_stack`], in % of RWA: capital (CET1, AT1,
/// T2) and requirement (P1 + P2R, buffers, CCyB).
fn capital_parts(r: &Results) -> (Stack, Stack) {
    let rwa = r.rwa.total;
    let ratio = |amount: f64| if rwa > 0.0 { amount / rwa * 100.0 } else { 0.0 };
    let capital = [
        ("CET1", ratio(r.capital.cet1), CET1),
        ("AT1", ratio(r.capital.at1), AT1),
        ("T2", ratio(r.capital.t2), T2),
    ];
    let requirement = [
        ("P1 + P2R", r.requirements.tscr * 100.0, TSCR),
        (
            "Buffers",
            (r.requirements.cbr - r.requirements.ccyb) * 100.0,
            BUFFERS,
        ),
        ("CCyB", r.requirements.ccyb * 100.0, CCYB),
    ];
    (capital, requirement)
}

/// [`capital_stack`] in words, for readers who do not see it.
pub fn capital_text(r: &Results) -> String {
    let (capital, requirement) = capital_parts(r);
    let stack = |title: &str, parts: &Stack| {
        let total: f64 = parts.iter().map(|p| p.1.max(0.0)).sum();
        let items: Vec<String> = parts
            .iter()
            .map(|(label, value, _)| format!("{label} {value:.2} %"))
            .collect();
        format!("{title} {total:.2} % of RWA: {}.", items.join(", "))
    };
    format!(
        "{} {}",
        stack("Capital", &capital),
        stack("Requirement", &requirement)
    )
}

/// [`trend`] in words: each ratio's value at every version.
pub fn trend_text(versions: &[VersionSummary]) -> String {
    type Ratio = fn(&VersionSummary) -> Option<f64>;
    let series: [(&str, Ratio); 4] = [
        ("CET1", |v| v.ratios.cet1),
        ("Tier 1", |v| v.ratios.tier1),
        ("Total capital", |v| v.ratios.total_capital),
        ("Leverage", |v| v.ratios.leverage),
    ];
    series
        .iter()
        .map(|(label, value)| {
            let points: Vec<String> = versions
                .iter()
                .filter_map(|v| value(v).map(|r| format!("v{} {:.2} %", v.version_no, r * 100.0)))
                .collect();
            format!("{label}: {}.", points.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One row of a chart of baseline against scenario: its key, its label
/// and both values in € bn.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedRow {
    pub key: String,
    pub label: String,
    pub baseline: f64,
    pub scenario: f64,
    /// Anomalies of medium or high severity among the row's lines, marked
    /// beside its bars.
    pub anomalies: usize,
}

type Breakdown = std::collections::BTreeMap<String, crate::engine::results::Bucket>;

fn paired_rows(
    baseline: &Results,
    scenario: &Results,
    pick: fn(&Results) -> &Breakdown,
    label: fn(&str) -> String,
) -> Vec<PairedRow> {
    let keys: std::collections::BTreeSet<&String> =
        pick(baseline).keys().chain(pick(scenario).keys()).collect();
    let bn = |r: &Results, key: &str| pick(r).get(key).map_or(0.0, |b| b.rwa / 1e9);
    keys.into_iter()
        .map(|key| PairedRow {
            key: key.clone(),
            label: label(key),
            baseline: bn(baseline, key),
            scenario: bn(scenario, key),
            anomalies: 0,
        })
        .collect()
}

/// The rows of [`rwa_by_class`], top to bottom.
pub fn class_rows(baseline: &Results, scenario: &Results) -> Vec<PairedRow> {
    paired_rows(
        baseline,
        scenario,
        |r| &r.rwa.by_class,
        |c| c.replace('_', " "),
    )
}

/// The rows of [`rwa_by_bucket`], top to bottom: weights in increasing
/// order, "other" (outside the CR5 columns) last.
pub fn bucket_rows(baseline: &Results, scenario: &Results) -> Vec<PairedRow> {
    let mut rows = paired_rows(
        baseline,
        scenario,
        |r| &r.rwa.by_risk_weight,
        |b| {
            if b.parse::<u32>().is_ok() {
                format!("{b} %")
            } else {
                b.to_owned()
            }
        },
    );
    rows.sort_by_key(|r| r.key.parse::<u32>().unwrap_or(u32::MAX));
    rows
}

/// RWA by exposure class, baseline against scenario, in € bn.
pub fn rwa_by_class(baseline: &Results, scenario: &Results) -> String {
    paired_bars(&class_rows(baseline, scenario))
}

/// RWA by risk-weight bucket (CR5), baseline against scenario, in € bn.
pub fn rwa_by_bucket(baseline: &Results, scenario: &Results) -> String {
    paired_bars(&bucket_rows(baseline, scenario))
}

/// One row per key: the baseline's bar (grey) above the scenario's (blue),
/// each row a band of equal height between the margins (the dashboard lays
/// its hover and click targets on the same bands).
pub fn paired_bars(rows: &[PairedRow]) -> String {
    svg(|root| {
        let top = rows
            .iter()
            .map(|r| r.baseline.max(r.scenario))
            .fold(0.0, f64::max)
            .max(0.1)
            // Room beside the longest bar for its anomaly marker.
            * if rows.iter().any(|r| r.anomalies > 0) { 1.3 } else { 1.1 };
        let n = rows.len().max(1) as f64;
        let mut chart = horizontal(root, top, n, 150, 1)?;
        for (i, row) in rows.iter().enumerate() {
            let y = n - i as f64 - 1.0;
            chart
                .draw_series([
                    Rectangle::new(
                        [(0.0, y + 0.52), (row.baseline, y + 0.9)],
                        BASELINE.filled(),
                    ),
                    Rectangle::new([(0.0, y + 0.1), (row.scenario, y + 0.48)], CET1.filled()),
                ])
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    row.label.clone(),
                    (0.0, y + 0.5),
                    text_style(LABEL).pos(Pos::new(HPos::Right, VPos::Center)),
                )))
                .map_err(|e| e.to_string())?;
            if row.anomalies > 0 {
                let x = row.baseline.max(row.scenario) + top * 0.01;
                chart
                    .draw_series(std::iter::once(marker(row.anomalies, x, y)))
                    .map_err(|e| e.to_string())?;
            }
        }
        chart
            .draw_series(std::iter::once(Text::new(
                "grey: baseline · blue: scenario",
                (top, 0.0),
                text_style(LABEL).pos(Pos::new(HPos::Right, VPos::Bottom)),
            )))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// "▲ n" in the anomaly colour, left-aligned at `x` in the band from `y`.
fn marker(count: usize, x: f64, y: f64) -> Text<'static, (f64, f64), String> {
    Text::new(
        format!("▲ {count}"),
        (x, y + 0.5),
        text_style(LABEL)
            .color(&ANOMALY)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    )
}

/// The capital ratios and the leverage ratio of every version, in %, each
/// line labelled with its latest value.
pub fn trend(versions: &[VersionSummary]) -> String {
    svg(|root| {
        type Ratio = fn(&VersionSummary) -> Option<f64>;
        let series: [(&str, Ratio, RGBColor); 4] = [
            ("CET1", |v| v.ratios.cet1, CET1),
            ("Tier 1", |v| v.ratios.tier1, AT1),
            ("Total", |v| v.ratios.total_capital, TSCR),
            ("Leverage", |v| v.ratios.leverage, BUFFERS),
        ];
        let first = versions.first().map_or(1, |v| v.version_no);
        let last = versions.last().map_or(1, |v| v.version_no).max(first + 1);
        let top = versions
            .iter()
            .flat_map(|v| series.iter().filter_map(move |s| (s.1)(v)))
            .fold(0.0, f64::max)
            * 100.0
            * 1.15;
        let top = top.max(5.0);
        let (x0, x1) = (f64::from(first) - 0.3, f64::from(last) + 0.9);
        let mut chart = percent_chart(root, x0..x1, top, 20)?;
        chart
            .draw_series(versions.iter().map(|v| {
                Text::new(
                    format!("v{}", v.version_no),
                    (f64::from(v.version_no), 0.0),
                    text_style(LABEL).pos(Pos::new(HPos::Center, VPos::Top)),
                )
            }))
            .map_err(|e| e.to_string())?;
        for (label, value, colour) in series {
            let points: Vec<(f64, f64)> = versions
                .iter()
                .filter_map(|v| value(v).map(|r| (f64::from(v.version_no), r * 100.0)))
                .collect();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    points.clone(),
                    colour.stroke_width(2),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                .map_err(|e| e.to_string())?;
            if let Some(end) = points.last() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!(" {label} {:.1}", end.1),
                        *end,
                        text_style(LABEL).pos(Pos::new(HPos::Left, VPos::Center)),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// A chart of percentages from 0 to `top` over `x`: the horizontal grid
/// and its labels drawn at the left.
fn percent_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    x: std::ops::Range<f64>,
    top: f64,
    x_label_area: u32,
) -> Result<Chart<'a, 'b>, String> {
    let (x0, x1) = (x.start, x.end);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(x_label_area)
        .y_label_area_size(50)
        .build_cartesian_2d(x, 0.0..top)
        .map_err(|e| e.to_string())?;
    let step = if top > 30.0 { 10.0 } else { 5.0 };
    let ticks: Vec<f64> = (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|v| *v <= top)
        .collect();
    chart
        .draw_series(
            ticks
                .iter()
                .map(|v| PathElement::new(vec![(x0, *v), (x1, *v)], GRID)),
        )
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(ticks.iter().map(|v| {
            Text::new(
                format!("{v:.0} % "),
                (x0, *v),
                text_style(LABEL).pos(Pos::new(HPos::Right, VPos::Center)),
            )
        }))
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// A chart of `n` horizontal rows with values from 0 to `top`: the value
/// grid and its labels drawn, `label_width` pixels left for row labels.
fn horizontal<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    top: f64,
    n: f64,
    label_width: u32,
    decimals: usize,
) -> Result<Chart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(20)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0.0..top, 0.0..n)
        .map_err(|e| e.to_string())?;
    let ticks: Vec<f64> = (0..=4).map(|i| top / 4.0 * f64::from(i)).collect();
    chart
        .draw_series(
            ticks
                .iter()
                .map(|v| PathElement::new(vec![(*v, 0.0), (*v, n)], GRID)),
        )
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(ticks.iter().map(|v| {
            Text::new(
                format!("{v:.decimals$}"),
                (*v, 0.0),
                text_style(LABEL).pos(Pos::new(HPos::Center, VPos::Top)),
            )
        }))
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// Horizontal bars in € bn with their labels at the left; `line` draws a
/// vertical reference (the 25 % limit) when given.
/// Horizontal bars, top to bottom, with an optional vertical line (a
/// limit) and, where `marks` counts anomalies for a row, a marker beside it.
fn bars(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    rows: &[(String, f64, RGBColor)],
    line: Option<(f64, &str)>,
    decimals: usize,
    marks: &[usize],
) -> Result<(), String> {
    let top = rows
        .iter()
        .map(|r| r.1)
        .chain(line.map(|l| l.0))
        .fold(0.0, f64::max)
        .max(0.1)
        * if marks.iter().any(|m| *m > 0) {
            1.3
        } else {
            1.15
        };
    let n = rows.len().max(1) as f64;
    let mut chart = horizontal(root, top, n, 175, decimals)?;
    for (i, (label, value, colour)) in rows.iter().enumerate() {
        let y = n - i as f64 - 1.0;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y + 0.15), (value.max(0.0), y + 0.85)],
                colour.filled(),
            )))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(Text::new(
                label.clone(),
                (0.0, y + 0.5),
                text_style(LABEL).pos(Pos::new(HPos::Right, VPos::Center)),
            )))
            .map_err(|e| e.to_string())?;
        if let Some(&count) = marks.get(i).filter(|m| **m > 0) {
            chart
                .draw_series(std::iter::once(marker(
                    count,
                    value.max(0.0) + top * 0.01,
                    y,
                )))
                .map_err(|e| e.to_string())?;
        }
    }
    if let Some((at, label)) = line {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(at, 0.0), (at, n)],
                RED.stroke_width(2),
            )))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(Text::new(
                label.to_owned(),
                (at, n),
                text_style(LABEL).pos(Pos::new(HPos::Right, VPos::Top)),
            )))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// LCR and NSFR composition in € bn: HQLA by level with the cap
/// adjustments, outflows, inflows and net outflows; ASF against RSF.
pub fn liquidity(r: &Results) -> String {
    svg(|root| {
        let rows =
            liquidity_rows(r).map(|(label, value, colour)| (label.to_owned(), value, colour));
        bars(root, &rows, None, 1, &[])
    })
}

/// The rows of [`liquidity`], top to bottom: label, € bn, colour.
fn liquidity_rows(r: &Results) -> [(&'static str, f64, RGBColor); 10] {
    let bn = |v: Option<f64>| v.unwrap_or(0.0) / 1e9;
    let l = &r.lcr;
    [
        ("HQLA level 1", bn(l.l1), CET1),
        ("HQLA level 2A", bn(l.l2a), AT1),
        ("HQLA level 2B", bn(l.l2b), T2),
        ("Cap adjustments", bn(l.adj15) + bn(l.adj40), BASELINE),
        ("HQLA (LCR numerator)", bn(l.hqla), CET1),
        ("Outflows", bn(l.outflows), TSCR),
        ("Inflows (after cap)", bn(l.inflows), BUFFERS),
        ("Net outflows", bn(l.net_outflows), TSCR),
        ("Available stable funding", bn(r.nsfr.asf), CET1),
        ("Required stable funding", bn(r.nsfr.rsf), TSCR),
    ]
}

/// The rows of [`liquidity`] as label and € bn, for the dashboard's
/// targets over them.
pub fn liquidity_values(r: &Results) -> Vec<(String, f64)> {
    liquidity_rows(r)
        .iter()
        .map(|(label, value, _)| ((*label).to_owned(), *value))
        .collect()
}

/// The listed large exposures as % of Tier 1 against the limit.
/// The groups [`large_exposures`] draws, top to bottom.
pub const LARGE_EXPOSURE_ROWS: usize = 10;

/// `marks` counts the anomalies of each group's lines (by group).
pub fn large_exposures(r: &Results, marks: &BTreeMap<String, usize>) -> String {
    svg(|root| {
        let rows: Vec<(String, f64, RGBColor)> = r
            .large_exposures
            .iter()
            .take(LARGE_EXPOSURE_ROWS)
            .map(|l| {
                let share = l.share_of_tier1.unwrap_or(0.0) * 100.0;
                let colour = if l.breach == Some(true) { RED } else { AT1 };
                (l.group.clone(), share, colour)
            })
            .collect();
        let limit = r.large_exposures.first().map_or(25.0, |l| l.limit * 100.0);
        let counts: Vec<usize> = rows
            .iter()
            .map(|(group, _, _)| marks.get(group).copied().unwrap_or(0))
            .collect();
        bars(root, &rows, Some((limit, "limit")), 1, &counts)
    })
}

/// Counts as horizontal bars (the audit page's activity), largest first
/// as given.
pub fn counts(rows: &[(String, i64)]) -> String {
    svg(|root| {
        let rows: Vec<(String, f64, RGBColor)> = rows
            .iter()
            .map(|(label, n)| {
                let short: String = label.chars().take(24).collect();
                (short, *n as f64, AT1)
            })
            .collect();
        bars(root, &rows, None, 0, &[])
    })
}

/// A classification model's confusion matrix (true class by row,
/// predicted by column), each cell shaded by its share of the row; drawn
/// on the server only (the model card page).
#[cfg(feature = "ssr")]
pub fn confusion(matrix: &[Vec<usize>], labels: &[&str]) -> String {
    const SIDE: u32 = 560;
    const MARGIN: i32 = 150;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (SIDE + MARGIN as u32, SIDE + MARGIN as u32))
            .into_drawing_area();
        let n = matrix.len().max(1) as i32;
        let cell = SIDE as i32 / n;
        let label = text_style(LABEL);
        let drawn = (|| -> Result<(), String> {
            for (i, row) in matrix.iter().enumerate() {
                let total = row.iter().sum::<usize>().max(1) as f64;
                let y = MARGIN + i as i32 * cell;
                let name = labels.get(i).copied().unwrap_or_default();
                root.draw(&Text::new(
                    name.to_owned(),
                    (MARGIN - 6, y + cell / 2),
                    label.pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(|e| e.to_string())?;
                for (j, count) in row.iter().enumerate() {
                    let x = MARGIN + j as i32 * cell;
                    let share = *count as f64 / total;
                    let shade =
                        |full: u8| (255.0 - (255.0 - f64::from(full)) * share).round() as u8;
                    let fill = if i == j {
                        RGBColor(shade(15), shade(76), shade(129))
                    } else {
                        RGBColor(shade(179), shade(38), shade(30))
                    };
                    root.draw(&Rectangle::new(
                        [(x, y), (x + cell - 1, y + cell - 1)],
                        fill.filled(),
                    ))
                    .map_err(|e| e.to_string())?;
                    if *count > 0 {
                        let ink = if share > 0.5 { WHITE } else { INK };
                        root.draw(&Text::new(
                            count.to_string(),
                            (x + cell / 2, y + cell / 2),
                            ("sans-serif", LABEL - 4)
                                .into_font()
                                .color(&ink)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        ))
                        .map_err(|e| e.to_string())?;
                    }
                }
            }
            for (j, name) in labels.iter().enumerate() {
                let x = MARGIN + j as i32 * cell + cell / 2;
                root.draw(&Text::new(
                    (*name).to_owned(),
                    (x, MARGIN - 6),
                    label
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(|e| e.to_string())?;
            }
            root.present().map_err(|e| e.to_string())
        })();
        if let Err(error) = drawn {
            leptos::logging::warn!("chart not drawn: {error}");
        }
    }
    out
}

/// A connection's runs per day (succeeded over failed, stacked), oldest
/// on the left: the connections page's 30-day sparkline (its column
/// header says what it spans, so it carries no text).
pub fn runs_per_day(days: &[crate::model::connections::Day]) -> String {
    const W: u32 = 240;
    const H: u32 = 48;
    const FOOT: i32 = 2;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        let drawn = (|| -> Result<(), String> {
            let most = days
                .iter()
                .map(|d| d.succeeded + d.failed)
                .max()
                .unwrap_or(0)
                .max(1) as f64;
            let slot = W as f64 / days.len().max(1) as f64;
            let tall = (H as i32 - FOOT - 4) as f64;
            let base = H as i32 - FOOT;
            let bar = |i: usize, from: f64, n: i64, colour: RGBColor| {
                let left = (i as f64 * slot + 1.0) as i32;
                let right = ((i + 1) as f64 * slot - 1.0) as i32;
                let bottom = base - (from / most * tall) as i32;
                let top = base - ((from + n as f64) / most * tall) as i32;
                Rectangle::new([(left, top), (right, bottom)], colour.filled())
            };
            for (i, day) in days.iter().enumerate() {
                if day.succeeded > 0 {
                    root.draw(&bar(i, 0.0, day.succeeded, AT1))
                        .map_err(|e| e.to_string())?;
                }
                if day.failed > 0 {
                    root.draw(&bar(i, day.succeeded as f64, day.failed, ANOMALY))
                        .map_err(|e| e.to_string())?;
                }
            }
            root.draw(&PathElement::new([(0, base), (W as i32, base)], GRID))
                .map_err(|e| e.to_string())?;
            Ok(())
        })();
        let drawn = drawn.and_then(|()| root.present().map_err(|e| e.to_string()));
        if let Err(error) = drawn {
            leptos::logging::warn!("chart not drawn: {error}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ComputeOptions, compute, resolve_profile};
    use crate::samples::demo_bank;

    #[test]
    fn the_charts_are_svg_with_the_figures_they_show() {
        let data = demo_bank();
        let profile = resolve_profile(&data, None).expect("profile");
        let r = compute(&data, &profile, &ComputeOptions::default());
        let capital = capital_stack(&r);
        assert!(
            capital.starts_with("<svg"),
            "{}",
            &capital[..80.min(capital.len())]
        );
        let cet1 = r.capital.cet1 / r.rwa.total * 100.0;
        assert!(
            capital.contains(&format!("CET1 {cet1:.1}")),
            "the CET1 segment is labelled"
        );
        let rwa = rwa_by_class(&r, &r);
        assert!(rwa.contains("corporate") && rwa.contains("real estate"));
        let liquidity = liquidity(&r);
        assert!(
            liquidity.contains("HQLA level 1") && liquidity.contains("Required stable funding")
        );
        let first = &r.large_exposures[0];
        let large = large_exposures(&r, &BTreeMap::new());
        assert!(large.contains(&first.group) && large.contains("limit"));
        assert!(!large.contains('▲'));
        let marked = large_exposures(&r, &BTreeMap::from([(first.group.clone(), 2)]));
        assert!(marked.contains("\n▲ 2\n"), "the first group's marker");
        let buckets = rwa_by_bucket(&r, &r);
        let labels: Vec<usize> = ["20 %", "100 %", "150 %"]
            .iter()
            .map(|l| buckets.find(&format!("\n{l}\n")).expect(&buckets))
            .collect();
        assert!(
            labels.windows(2).all(|w| w[0] < w[1]),
            "buckets in increasing weight"
        );
        let versions: Vec<VersionSummary> = [0.142, 0.131]
            .iter()
            .zip(1..)
            .map(|(cet1, n)| VersionSummary {
                version_no: n,
                note: String::new(),
                author: String::new(),
                created_at: Default::default(),
                line_count: 0,
                status: crate::model::workflow::ReviewStatus::Draft,
                rules: None,
                ratios: crate::engine::results::Ratios {
                    cet1: Some(*cet1),
                    ..Default::default()
                },
            })
            .collect();
        let trend = trend(&versions);
        assert!(trend.contains("CET1 13.1") && trend.contains("\nv2\n"));
        assert!(
            !rwa.contains("style="),
            "no inline style: the CSP allows none"
        );
    }

    #[test]
    fn the_confusion_matrix_shows_every_count_and_label() {
        let svg = confusion(&[vec![9, 1], vec![0, 5]], &["bank", "retail"]);
        let shown = |text: &str| svg.contains(&format!("\n{text}\n"));
        assert!(
            svg.starts_with("<svg") && shown("bank") && shown("retail"),
            "{svg}"
        );
        assert!(shown("9") && shown("5") && shown("1"), "{svg}");
        assert!(!shown("0"), "an empty cell carries no number");
    }

    #[test]
    fn a_row_with_anomalies_is_marked_beside_its_bars() {
        let row = |key: &str, anomalies| PairedRow {
            key: key.to_owned(),
            label: key.to_owned(),
            baseline: 1.0,
            scenario: 1.2,
            anomalies,
        };
        let marked = paired_bars(&[row("corporate", 2), row("retail", 0)]);
        assert_eq!(marked.matches("▲").count(), 1, "{marked}");
        assert!(marked.contains("▲ 2"));
        assert!(!paired_bars(&[row("corporate", 0)]).contains("▲"));
    }
}
