//! The dashboard's charts, drawn again from the scenario as the levers move,
//! with hover, focus and click targets over the rows of the bar charts,
//! and the version's anomalies marked on the class and group they concern.

use crate::app::components::key_strip::millions;
use crate::charts::{self, PairedRow};
use crate::engine::results::Results;
use crate::intel::anomalies::{Anomaly, Severity};
use crate::model::money::percent;
use leptos::prelude::*;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::BTreeMap;

#[component]
pub fn ChartGrid(
    baseline: Results,
    scenario: RwSignal<Results>,
    /// The versions' trend, which the levers do not move.
    trend: String,
    /// The trend in words.
    trend_text: String,
    /// Opens the lines of an exposure class.
    open_class: Callback<String>,
    /// The version's anomalies, marked on the classes they concern.
    anomalies: Signal<Vec<Anomaly>>,
) -> impl IntoView {
    // The rows of the RWA charts, read once per lever move by the chart
    // and by its targets.
    let class_rows = {
        let baseline = baseline.clone();
        Memo::new(move |_| {
            let mut rows = scenario.with(|s| charts::class_rows(&baseline, s));
            anomalies.with(|found| mark(&mut rows, found));
            rows
        })
    };
    let bucket_rows = Memo::new(move |_| scenario.with(|s| charts::bucket_rows(&baseline, s)));
    let class_tips = Signal::derive(move || paired_tips(class_rows.get()));
    let bucket_tips = Signal::derive(move || paired_tips(bucket_rows.get()));
    let liquidity_rows = Signal::derive(move || scenario.with(liquidity_tips));
    let group_marks = Memo::new(move |_| anomalies.with(|found| by_group(found)));
    let large_rows =
        Signal::derive(move || group_marks.with(|marks| scenario.with(|r| large_tips(r, marks))));
    // Each chart drawn once per lever move, for the page and its download.
    let capital = Signal::from(Memo::new(move |_| scenario.with(charts::capital_stack)));
    let liquidity = Signal::from(Memo::new(move |_| scenario.with(charts::liquidity)));
    let large = Signal::from(Memo::new(move |_| {
        group_marks.with(|marks| scenario.with(|r| charts::large_exposures(r, marks)))
    }));
    let by_class = Signal::from(Memo::new(move |_| {
        class_rows.with(|r| charts::paired_bars(r))
    }));
    let by_bucket = Signal::from(Memo::new(move |_| {
        bucket_rows.with(|r| charts::paired_bars(r))
    }));
    let trend = Signal::stored(trend);
    view! {
        <section class="chart-grid" aria-label="Charts">
            <figure class="chart">
                <figcaption>"Capital against requirements (% of RWA)" <Download name="capital" svg=capital /></figcaption>
                <div data-testid="chart-capital" inner_html=move || capital.get() aria-hidden="true"></div>
                <p class="sr-only" data-testid="text-capital">{move || scenario.with(charts::capital_text)}</p>
            </figure>
            <BarFigure caption="Liquidity: LCR and NSFR composition (€ bn)" name="liquidity" testid="chart-liquidity" svg=liquidity rows=liquidity_rows />
            <BarFigure caption="Largest exposures (% of Tier 1) against the limit" name="large-exposures" testid="chart-large" svg=large rows=large_rows />
            <BarFigure caption="Credit RWA by exposure class (€ bn): grey baseline, blue scenario; a class opens its lines" name="rwa-by-class" testid="chart-rwa" svg=by_class rows=class_tips open=open_class />
            <BarFigure caption="Credit RWA by risk weight (€ bn): grey baseline, blue scenario" name="rwa-by-risk-weight" testid="chart-buckets" svg=by_bucket rows=bucket_tips />
            <figure class="chart">
                <figcaption>"Capital and leverage ratios across versions (%)" <Download name="trend" svg=trend /></figcaption>
                <div data-testid="chart-trend" inner_html=move || trend.get() aria-hidden="true"></div>
                <p class="sr-only" data-testid="text-trend">{trend_text}</p>
            </figure>
        </section>
    }
}

/// A bar chart with its caption, its download links and a target over
/// each of its rows.
#[component]
fn BarFigure(
    caption: &'static str,
    /// The downloaded file's name.
    name: &'static str,
    testid: &'static str,
    svg: Signal<String>,
    rows: Signal<Vec<Tip>>,
    #[prop(optional)] open: Option<Callback<String>>,
) -> impl IntoView {
    view! {
        <figure class="chart">
            <figcaption>{caption} <Download name svg /></figcaption>
            <div class="chart-body">
                <div data-testid=testid inner_html=move || svg.get() aria-hidden="true"></div>
                <RowTargets rows open />
            </div>
        </figure>
    }
}

/// One row's target: its key and the text of its exact values.
#[derive(Clone, Debug, PartialEq)]
struct Tip {
    key: String,
    text: String,
}

fn paired_tips(rows: Vec<PairedRow>) -> Vec<Tip> {
    rows.into_iter()
        .map(|row| Tip {
            text: format!(
                "{}: baseline {}, scenario {}{}",
                row.label,
                millions(Some(row.baseline * 1e9)),
                millions(Some(row.scenario * 1e9)),
                anomaly_count(row.anomalies)
            ),
            key: row.key,
        })
        .collect()
}

/// "; 2 anomalies" after a row's values, nothing without any.
fn anomaly_count(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 anomaly".to_owned(),
        n => format!("; {n} anomalies"),
    }
}

/// The anomalies a chart marks: medium or high severity, not dismissed.
fn marked(found: &[Anomaly]) -> impl Iterator<Item = &Anomaly> {
    found
        .iter()
        .filter(|a| a.severity >= Severity::Medium && a.dismissed.is_none())
}

/// Counts on each class row the marked anomalies of its lines.
fn mark(rows: &mut [PairedRow], found: &[Anomaly]) {
    for row in rows {
        row.anomalies = marked(found)
            .filter(|a| a.class.as_deref() == Some(&row.key))
            .count();
    }
}

/// The marked anomalies of each large-exposure group's lines.
fn by_group(found: &[Anomaly]) -> BTreeMap<String, usize> {
    let mut marks = BTreeMap::new();
    for group in marked(found).filter_map(|a| a.group.clone()) {
        *marks.entry(group).or_insert(0) += 1;
    }
    marks
}

fn liquidity_tips(r: &Results) -> Vec<Tip> {
    charts::liquidity_values(r)
        .into_iter()
        .map(|(label, bn)| Tip {
            text: format!("{label}: {}", millions(Some(bn * 1e9))),
            key: label,
        })
        .collect()
}

fn large_tips(r: &Results, marks: &BTreeMap<String, usize>) -> Vec<Tip> {
    r.large_exposures
        .iter()
        .take(charts::LARGE_EXPOSURE_ROWS)
        .map(|l| Tip {
            text: format!(
                "{}: {} of Tier 1 ({}), limit {}{}",
                l.group,
                percent(l.share_of_tier1),
                millions(Some(l.exposure)),
                percent(Some(l.limit)),
                anomaly_count(marks.get(&l.group).copied().unwrap_or(0))
            ),
            key: l.group.clone(),
        })
        .collect()
}

/// One target per row of a bar chart, laid by the stylesheet on the bands
/// the chart draws its rows in: each shows the row's exact values on hover
/// and keyboard focus, and opens the row with `open` when given.
#[component]
fn RowTargets(rows: Signal<Vec<Tip>>, open: Option<Callback<String>>) -> impl IntoView {
    let target = move |row: Tip| {
        match open {
        Some(open) => {
            let key = row.key.clone();
            view! {
                <a class="row-target" href="#drill-down" data-tip=row.text.clone() data-key=row.key
                    aria-label=format!("{}: open its lines", row.text) on:click=move |_| open.run(key.clone())></a>
            }
            .into_any()
        }
        None => view! {
            <span class="row-target" tabindex="0" role="img" data-tip=row.text.clone() data-key=row.key aria-label=row.text></span>
        }
        .into_any(),
    }
    };
    view! { <div class="row-targets">{move || rows.get().into_iter().map(target).collect_view()}</div> }
}

/// Links that save the chart as drawn now, as an SVG file or as a PNG
/// image the browser rasterises from that SVG (plotters draws both). The
/// file is made on the click only: the charts are drawn again at every
/// lever move.
#[component]
fn Download(name: &'static str, svg: Signal<String>) -> impl IntoView {
    let fill = move |ev: leptos::ev::MouseEvent| {
        use leptos::wasm_bindgen::JsCast;
        let link = ev
            .current_target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok());
        if let Some(link) = link {
            let _ = link.set_attribute("href", &svg_url(&svg.get_untracked()));
        }
    };
    let png = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let svg = svg.get_untracked();
        leptos::task::spawn_local(async move {
            if let Err(e) = save_png(name, &svg).await {
                leptos::logging::warn!("the chart could not be saved as PNG: {e}");
            }
        });
    };
    view! {
        <span class="chart-downloads">
            <a class="chart-download" href="#" download=format!("{name}.svg") data-testid=format!("download-{name}")
                aria-label="Download this chart as SVG" on:click=fill>"SVG"</a>
            <a class="chart-download" href="#" data-testid=format!("download-{name}-png")
                aria-label="Download this chart as PNG" on:click=png>"PNG"</a>
        </span>
    }
}

fn svg_url(svg: &str) -> String {
    format!(
        "data:image/svg+xml;charset=utf-8,{}",
        utf8_percent_encode(svg, NON_ALPHANUMERIC)
    )
}

/// Paints the SVG on a white canvas at twice its size (sharp in print and
/// slides) and saves the canvas as `name.png`.
#[cfg(feature = "hydrate")]
async fn save_png(name: &str, svg: &str) -> Result<(), String> {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{
        CanvasRenderingContext2d, HtmlAnchorElement, HtmlCanvasElement, HtmlImageElement,
    };
    fn failed(e: impl std::fmt::Debug) -> String {
        format!("{e:?}")
    }
    let document = document();
    let image: HtmlImageElement = document
        .create_element("img")
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        image.set_onload(Some(&resolve));
        image.set_onerror(Some(&reject));
    });
    image.set_src(&svg_url(svg));
    wasm_bindgen_futures::JsFuture::from(loaded)
        .await
        .map_err(failed)?;
    let (width, height) = (image.natural_width() * 2, image.natural_height() * 2);
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(failed)?
        .ok_or("no 2D canvas")?
        .dyn_into()
        .map_err(failed)?;
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    context
        .draw_image_with_html_image_element_and_dw_and_dh(
            &image,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .map_err(failed)?;
    let link: HtmlAnchorElement = document
        .create_element("a")
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    link.set_href(&canvas.to_data_url_with_type("image/png").map_err(failed)?);
    link.set_download(&format!("{name}.png"));
    link.click();
    Ok(())
}

#[cfg(not(feature = "hydrate"))]
async fn save_png(_name: &str, _svg: &str) -> Result<(), String> {
    Err("charts are saved as PNG in the browser".to_owned())
}
