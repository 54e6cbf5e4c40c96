//! Engine benchmarks (`cargo bench --features ssr --bench engine`): full
//! computation of generated 100k- and 1M-line portfolios (compiling the
//! lines, then computing from compiled lines), and levers (a scenario edit
//! followed by a recomputation) on 1M lines.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
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

fn lever_change(c: &mut Criterion) {
    let profile = Profile::named("basel31").expect("profile");
    let data = generate(1_000_000, 42);
    let mut engine = IncrementalEngine::new(data, profile);
    // Each lever moves there and back on alternate iterations, so the
    // portfolio does not drift (a factor applied thousands of times would
    // overflow the amounts).
    let levers = Scenario::from_json_str(
        r#"{"edits": [
            {"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": -1.0e8},
            {"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": 1.0e8},
            {"op": "set_requirement", "key": "p2r", "value": 0.025},
            {"op": "set_requirement", "key": "p2r", "value": 0.02},
            {"op": "set_line", "id": "L-0000123", "field": "drawn", "value": 2.5e6},
            {"op": "set_line", "id": "L-0000123", "field": "drawn", "value": 1.5e6},
            {"op": "scale_exposures", "filter": {"class": "equity"}, "factor": 1.1},
            {"op": "scale_exposures", "filter": {"class": "equity"}, "factor": 0.9090909090909091},
            {"op": "scale_exposures", "filter": {"class": "corporate"}, "factor": 1.1},
            {"op": "scale_exposures", "filter": {"class": "corporate"}, "factor": 0.9090909090909091}
        ]}"#,
    )
    .expect("edits");
    let names = [
        "capital_action",
        "p2r",
        "set_line",
        "scale_class_equity_8k_lines",
        "scale_class_corporate_200k_lines",
    ];
    let mut group = c.benchmark_group("lever_1m_incremental");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (name, pair) in names.iter().zip(levers.edits.chunks(2)) {
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

criterion_group!(benches, full_computation, lever_change);
criterion_main!(benches);
