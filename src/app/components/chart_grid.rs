//! The dashboard's charts, drawn again from the scenario as the levers move,
//! with hover, focus and click targets over the rows of the RWA charts.

use crate::app::components::key_strip::millions;
use crate::charts::{self, PairedRow};
use crate::engine::results::Results;
use leptos::prelude::*;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

#[component]
pub fn ChartGrid(
    baseline: Results,
    scenario: RwSignal<Results>,
    /// The versions' trend, which the levers do not move.
    trend: String,
    /// Opens the lines of an exposure class.
    open_class: Callback<String>,
) -> impl IntoView {
    let class_rows = {
        let baseline = baseline.clone();
        Signal::derive(move || scenario.with(|s| charts::class_rows(&baseline, s)))
    };
    let bucket_rows = {
        let baseline = baseline.clone();
        Signal::derive(move || scenario.with(|s| charts::bucket_rows(&baseline, s)))
    };
    // Each chart drawn once per lever move, for the page and its download.
    let capital = Signal::from(Memo::new(move |_| scenario.with(charts::capital_stack)));
    let liquidity = Signal::from(Memo::new(move |_| scenario.with(charts::liquidity)));
    let large = Signal::from(Memo::new(move |_| scenario.with(charts::large_exposures)));
    let by_class = {
        let baseline = baseline.clone();
        Signal::from(Memo::new(move |_| {
            scenario.with(|s| charts::rwa_by_class(&baseline, s))
        }))
    };
    let by_bucket = Signal::from(Memo::new(move |_| {
        scenario.with(|s| charts::rwa_by_bucket(&baseline, s))
    }));
    let trend = Signal::stored(trend);
    view! {
        <section class="chart-grid" aria-label="Charts">
            <figure class="chart">
                <figcaption>"Capital against requirements (% of RWA)" <Download name="capital" svg=capital /></figcaption>
                <div data-testid="chart-capital" inner_html=move || capital.get()></div>
            </figure>
            <figure class="chart">
                <figcaption>"Liquidity: LCR and NSFR composition (€ bn)" <Download name="liquidity" svg=liquidity /></figcaption>
                <div data-testid="chart-liquidity" inner_html=move || liquidity.get()></div>
            </figure>
            <figure class="chart">
                <figcaption>"Largest exposures (% of Tier 1) against the limit" <Download name="large-exposures" svg=large /></figcaption>
                <div data-testid="chart-large" inner_html=move || large.get()></div>
            </figure>
            <figure class="chart">
                <figcaption>"Credit RWA by exposure class (€ bn): grey baseline, blue scenario; a class opens its lines" <Download name="rwa-by-class" svg=by_class /></figcaption>
                <div class="chart-body">
                    <div data-testid="chart-rwa" inner_html=move || by_class.get()></div>
                    <RowTargets rows=class_rows open=open_class />
                </div>
            </figure>
            <figure class="chart">
                <figcaption>"Credit RWA by risk weight (€ bn): grey baseline, blue scenario" <Download name="rwa-by-risk-weight" svg=by_bucket /></figcaption>
                <div class="chart-body">
                    <div data-testid="chart-buckets" inner_html=move || by_bucket.get()></div>
                    <RowTargets rows=bucket_rows />
                </div>
            </figure>
            <figure class="chart">
                <figcaption>"Capital and leverage ratios across versions (%)" <Download name="trend" svg=trend /></figcaption>
                <div data-testid="chart-trend" inner_html=move || trend.get()></div>
            </figure>
        </section>
    }
}

/// One target per row of a paired-bar chart, laid by the stylesheet on the
/// bands the chart draws its rows in: each shows the row's exact values on
/// hover and keyboard focus, and opens the row with `open` when given.
#[component]
fn RowTargets(
    rows: Signal<Vec<PairedRow>>,
    #[prop(optional)] open: Option<Callback<String>>,
) -> impl IntoView {
    let target = move |row: PairedRow| {
        let tip = format!(
            "{}: baseline {}, scenario {}",
            row.label,
            millions(Some(row.baseline * 1e9)),
            millions(Some(row.scenario * 1e9))
        );
        match open {
            Some(open) => {
                let key = row.key.clone();
                view! {
                    <a class="row-target" href="#drill-down" data-tip=tip.clone() data-key=row.key
                        aria-label=format!("{tip}: open its lines") on:click=move |_| open.run(key.clone())></a>
                }
                .into_any()
            }
            None => view! {
                <span class="row-target" tabindex="0" role="img" data-tip=tip.clone() data-key=row.key aria-label=tip></span>
            }
            .into_any(),
        }
    };
    view! { <div class="row-targets">{move || rows.get().into_iter().map(target).collect_view()}</div> }
}

/// A link that saves the chart as drawn now, as an SVG file. The file is
/// encoded on the click only: the charts are drawn again at every lever
/// move.
#[component]
fn Download(name: &'static str, svg: Signal<String>) -> impl IntoView {
    let fill = move |ev: leptos::ev::MouseEvent| {
        use leptos::wasm_bindgen::JsCast;
        let href = format!(
            "data:image/svg+xml;charset=utf-8,{}",
            utf8_percent_encode(&svg.get_untracked(), NON_ALPHANUMERIC)
        );
        let link = ev
            .current_target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok());
        if let Some(link) = link {
            let _ = link.set_attribute("href", &href);
        }
    };
    view! {
        <a class="chart-download" href="#" download=format!("{name}.svg") data-testid=format!("download-{name}")
            aria-label="Download this chart as SVG" on:click=fill>"SVG"</a>
    }
}
