//! The dashboard's strip of key figures: each ratio's scenario value, its
//! baseline, the change and the traffic light of `model::status`, compact
//! enough to stay in view while the levers move.

use crate::engine::results::Results;
use crate::model::money::{group_thousands, percent};
use crate::model::status::{Metric, Status, metrics};
use leptos::prelude::*;

/// The card's colour for a status.
pub fn status_class(status: Status) -> &'static str {
    match status {
        Status::Breach => "status-breach",
        Status::InsideBuffers => "status-buffers",
        Status::BelowTarget => "status-target",
        Status::Comfortable => "status-ok",
    }
}

pub fn millions(value: Option<f64>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |v| {
            let m = v / 1e6;
            let sign = if m < 0.0 { "−" } else { "" };
            let whole = m.abs().trunc() as u64;
            let tenth = ((m.abs() - m.abs().trunc()) * 10.0).round() as u64;
            let (whole, tenth) = if tenth == 10 {
                (whole + 1, 0)
            } else {
                (whole, tenth)
            };
            format!("{sign}€{}.{tenth} m", group_thousands(whole))
        },
    )
}

/// Ratio points with their sign; a change that rounds to nothing is
/// "0.00 pp", never "-0.00 pp".
pub fn points(delta: Option<f64>) -> String {
    delta.map_or_else(
        || "—".to_owned(),
        |d| {
            let pp = d * 100.0;
            if (pp * 100.0).round() == 0.0 {
                "0.00 pp".to_owned()
            } else {
                format!("{pp:+.2} pp")
            }
        },
    )
}

#[component]
pub fn KeyStrip(baseline: Results, scenario: RwSignal<Results>) -> impl IntoView {
    let before = metrics(&baseline);
    let cards = move || {
        scenario.with(|s| {
            before
                .iter()
                .zip(metrics(s))
                .map(|(b, m)| view! { <KeyFigure baseline=b.value metric=m /> })
                .collect_view()
        })
    };
    view! {
        <section class="key-strip" aria-label="Key figures: scenario against baseline" data-testid="key-strip">
            {cards}
        </section>
    }
}

#[component]
fn KeyFigure(baseline: Option<f64>, metric: Metric) -> impl IntoView {
    let m = metric;
    let delta = baseline.zip(m.value).map(|(b, v)| v - b);
    let bound = if m.key == "large_exposure" {
        "Limit"
    } else {
        "Requirement"
    };
    let room = format!(
        "{bound} {} · headroom {} ({})",
        percent(Some(m.requirement)),
        points(m.headroom()),
        millions(m.headroom_amount)
    );
    view! {
        <article class=format!("metric-card {}", m.status.map_or("", status_class)) data-metric=m.key>
            <h3>{m.label}</h3>
            <p class="metric-value" data-testid=format!("metric-{}", m.key)>{percent(m.value)}</p>
            <p class="metric-change">
                <span class="muted">"was " {percent(baseline)}</span>
                " "
                <span data-testid=format!("change-{}", m.key)>{points(delta)}</span>
            </p>
            <p class="metric-status">
                <span class="light" aria-hidden="true"></span>
                {m.status.map_or("Not computable", Status::label)}
            </p>
            <p class="metric-room" title=room.clone()>{room.clone()}</p>
        </article>
    }
}
