//! Engine benchmarks (`cargo bench --features ssr --bench engine`): full
//! computation of generated 100k- and 1M-line portfolios (compiling the
//! lines, then computing from compiled lines), and levers (a scenario edit
//! followed by a recomputation) on 1M lines, under basel31 and crr3.

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use prudentia::engine::incremental::IncrementalEngine;
use prudentia::engine::portfolio::Portfolio;
use prudentia::engine::profile::Profile;
use prudentia::engine::scenario::Scenario;
use prudentia::engine::{ComputeOptions, compute_compiled};
use prudentia::samples::generate;
use std::hint::black_box;
use std::time::Duration;

fn full_computation(c: &mut Criterion) {
    let profile = Profile::named("basel31").expect("profile");
    let mut group = c.benchmark_group("compute_full");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for lines in [100_000usize, 1_000_000] {
        let data = generate(lines, 42);
        group.throughput(Throughput::Elements(data.exposures.len() as u64));
        let portfolio = Portfolio::compile(&data);
        group.bench_with_input(BenchmarkId::new("compute", lines), &data, |b, data| {
            b.iter(|| {
                compute_compiled(
                    black_box(data),
                    &portfolio,
                    &profile,
                    &ComputeOptions::default(),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("compile", lines), &data, |b, data| {
            b.iter(|| Portfolio::compile(black_box(data)))
        });
    }
    group.finish();
}

/// Each lever moves there and back on alternate iterations, so the
/// portfolio does not drift (a factor applied thousands of times would
/// overflow the amounts).
fn levers(engine: &mut IncrementalEngine, group: &str, c: &mut Criterion, pairs: &[(&str, &str)]) {
    let mut group = c.benchmark_group(group);
    // Flat: the per-line path of crr3 takes a third of a second a lever.
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(5));
    for (name, edits) in pairs {
        let pair = Scenario::from_json_str(&format!(r#"{{"edits": [{edits}]}}"#))
            .expect("edits")
            .edits;
        let mut forth = true;
        group.bench_function(*name, |b| {
            b.iter(|| {
                let edit = if forth { &pair[0] } else { &pair[1] };
                forth = !forth;
                engine
                    .apply(black_box(edit))
                    .map(|r| r.ratios.cet1)
                    .expect("applies")
            })
        });
    }
    group.finish();
}

fn scale(class: &str, there: f64) -> String {
    format!(
        r#"{{"op": "scale_exposures", "filter": {{"class": "{class}"}}, "factor": {there}}},
           {{"op": "scale_exposures", "filter": {{"class": "{class}"}}, "factor": {}}}"#,
        1.0 / there
    )
}

fn lever_change(c: &mut Criterion) {
    let data = generate(1_000_000, 42);
    let scaled: Vec<(String, String)> = [
        ("equity_8k_lines", "equity", 1.1),
        ("corporate_200k_lines", "corporate", 1.1),
        ("retail_355k_lines", "retail", 1.1),
        ("real_estate_320k_lines_10pct", "real_estate", 1.1),
        ("real_estate_320k_lines_1pct", "real_estate", 1.01),
    ]
    .iter()
    .map(|(name, class, f)| (format!("scale_class_{name}"), scale(class, *f)))
    .collect();
    let mut pairs: Vec<(&str, &str)> = vec![
        (
            "capital_action",
            r#"{"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": -1.0e8},
               {"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": 1.0e8}"#,
        ),
        (
            "p2r",
            r#"{"op": "set_requirement", "key": "p2r", "value": 0.025},
               {"op": "set_requirement", "key": "p2r", "value": 0.02}"#,
        ),
        (
            "set_line",
            r#"{"op": "set_line", "id": "L-0000123", "field": "drawn", "value": 2.5e6},
               {"op": "set_line", "id": "L-0000123", "field": "drawn", "value": 1.5e6}"#,
        ),
    ];
    pairs.extend(scaled.iter().map(|(n, e)| (n.as_str(), e.as_str())));
    let mut engine =
        IncrementalEngine::new(data.clone(), Profile::named("basel31").expect("profile"));
    levers(&mut engine, "lever_1m_incremental", c, &pairs);
    // crr3: the SME supporting factor and loan splitting on property values
    // keep corporate, retail and real estate on the per-line path.
    let mut engine = IncrementalEngine::new(data, Profile::named("crr3").expect("profile"));
    levers(
        &mut engine,
        "lever_1m_incremental_crr3",
        c,
        &scaled
            .iter()
            .map(|(n, e)| (n.as_str(), e.as_str()))
            .collect::<Vec<_>>(),
    );
}

criterion_group!(benches, full_computation, lever_change);
criterion_main!(benches);
