//! The engine benchmark run inside a browser (`make bench`): the same
//! computation as the native `compute_full` benchmark, compiled to WASM with
//! the client's release profile and timed with the page's clock. Built only
//! with the `wasm-bench` feature, so the shipped client does not carry it.

use crate::engine::portfolio::Portfolio;
use crate::engine::profile::Profile;
use crate::engine::{ComputeOptions, compute_compiled};
use crate::samples::generate;
use std::hint::black_box;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// Times `runs` full computations of a generated `lines`-line portfolio
/// (after two warm-up runs) and the compilation of its lines; returns the
/// figures as JSON.
#[wasm_bindgen]
pub fn engine_benchmark(lines: usize, runs: usize) -> String {
    let profile = Profile::named("basel31").expect("the basel31 profile is embedded");
    let data = generate(lines, 42);
    let started = now();
    let portfolio = Portfolio::compile(&data);
    let compile_ms = now() - started;
    let options = ComputeOptions::default();
    let mut cet1 = None;
    for _ in 0..2 {
        cet1 = compute_compiled(&data, &portfolio, &profile, &options)
            .ratios
            .cet1;
    }
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let started = now();
            black_box(compute_compiled(
                black_box(&data),
                &portfolio,
                &profile,
                &options,
            ));
            now() - started
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median_ms = times[times.len() / 2];
    serde_json::json!({
        "lines": data.exposures.len(),
        "runs": times.len(),
        "compile_ms": compile_ms,
        "min_ms": times[0],
        "median_ms": median_ms,
        "max_ms": times[times.len() - 1],
        "lines_per_second": data.exposures.len() as f64 / (median_ms / 1000.0),
        "cet1": cet1,
    })
    .to_string()
}

/// Times `runs` plans (after one warm-up) on a generated `lines`-line
/// portfolio whose CET1 is a point under its target, with the shipped
/// catalogue, as the dashboard's Suggestions panel plans: on the what-if
/// engine the page already holds; returns JSON.
#[wasm_bindgen]
pub fn suggest_benchmark(lines: usize, runs: usize) -> String {
    use crate::engine::compute;
    use crate::engine::dataset::Tier;
    use crate::engine::incremental::IncrementalEngine;
    use crate::engine::scenario::{Edit, apply_edit};
    use crate::intel::suggest::{Targets, catalogue, suggest_on};
    let mut profile = Profile::named("basel31").expect("the basel31 profile is embedded");
    let mut data = generate(lines, 42);
    let r = compute(&data, &profile, &ComputeOptions::default());
    let targets = Targets::defaults(&r);
    let loss = Edit::AddCapital {
        tier: Tier::Cet1,
        label: "loss".into(),
        amount: (targets.cet1.unwrap_or_default() - 0.01) * r.rwa.total - r.capital.cet1,
    };
    if apply_edit(&loss, &mut data, &mut profile).is_err() {
        return "{}".to_owned();
    }
    let actions = catalogue::defaults(&data, r.rwa.total);
    let mut engine = IncrementalEngine::new(data, profile);
    let mut plan = || suggest_on(&mut engine, &targets, &actions).ok();
    let mut rounds = plan().map(|p| p.rounds);
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let started = now();
            rounds = black_box(plan()).map(|p| p.rounds);
            now() - started
        })
        .collect();
    times.sort_by(f64::total_cmp);
    serde_json::json!({
        "lines": lines,
        "actions": actions.len(),
        "runs": times.len(),
        "min_ms": times[0],
        "median_ms": times[times.len() / 2],
        "max_ms": times[times.len() - 1],
        "rounds": rounds,
    })
    .to_string()
}

/// Times what a cold dashboard does between the lines' arrival and levers
/// ready, on a generated `lines`-line portfolio packed as the server packs
/// it: decoding the lines, copying the data set for the what-if engine, and
/// building that engine (compiling the lines and the baseline pass); the
/// median of `runs`, as JSON, with the decoding of the same lines in the
/// earlier form (MessagePack with field names) for comparison.
#[wasm_bindgen]
pub fn load_benchmark(lines: usize, runs: usize) -> String {
    use crate::engine::incremental::IncrementalEngine;
    use crate::model::simulation::{decode_lines, encode_lines};
    let profile = Profile::named("basel31").expect("the basel31 profile is embedded");
    let data = generate(lines, 42);
    let (Ok(bytes), Ok(named)) = (
        encode_lines(&data.exposures),
        rmp_serde::to_vec_named(&data.exposures),
    ) else {
        return "{}".to_owned();
    };
    let mut steps = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..runs.max(1) {
        let t0 = now();
        let exposures = decode_lines(&bytes).unwrap_or_default();
        let t1 = now();
        let copy = black_box(exposures.clone());
        let t2 = now();
        let data = crate::engine::dataset::DataSet {
            exposures: copy,
            ..data.header()
        };
        black_box(IncrementalEngine::new(data, profile.clone()));
        let t3 = now();
        black_box(decode_lines(&named).unwrap_or_default());
        let t4 = now();
        for (step, ms) in steps.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3]) {
            step.push(ms);
        }
    }
    let median = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    let [decode, copy, build, named_decode] = &mut steps;
    serde_json::json!({
        "lines": lines,
        "bytes": bytes.len(),
        "named_bytes": named.len(),
        "named_decode_ms": median(named_decode),
        "decode_ms": median(decode),
        "copy_ms": median(copy),
        "engine_ms": median(build),
    })
    .to_string()
}
