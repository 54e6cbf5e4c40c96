//! `make bench`, suggestions: the time to a plan on generated books of
//! 10,000 and 100,000 lines with CET1 pushed a point under its target and
//! the shipped catalogue, native release build; the rounds the programme
//! took, and the same on an incremental engine already built (the
//! dashboard's case). Reported, not asserted.

use prudentia::engine::dataset::Tier;
use prudentia::engine::incremental::IncrementalEngine;
use prudentia::engine::scenario::{Edit, apply_edit};
use prudentia::engine::{ComputeOptions, compute, resolve_profile};
use prudentia::intel::suggest::{Targets, catalogue, suggest, suggest_on};
use prudentia::samples::generate;
use std::time::Instant;

fn main() {
    for lines in [10_000, 100_000] {
        let mut data = generate(lines, 42);
        let mut profile = resolve_profile(&data, None).expect("profile");
        let r = compute(&data, &profile, &ComputeOptions::default());
        let targets = Targets::defaults(&r);
        let target = targets.cet1.expect("a CET1 target");
        let loss = Edit::AddCapital {
            tier: Tier::Cet1,
            label: "loss".into(),
            amount: (target - 0.01) * r.rwa.total - r.capital.cet1,
        };
        apply_edit(&loss, &mut data, &mut profile).expect("applies");
        let actions = catalogue::defaults(&data, r.rwa.total);
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let started = Instant::now();
            let plan = suggest(&data, &profile, &targets, &actions).expect("a plan");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            last = Some(plan);
        }
        times.sort_by(f64::total_cmp);
        let plan = last.expect("planned");
        // As the dashboard plans: on the what-if engine it already holds.
        let mut engine = IncrementalEngine::new(data.clone(), profile.clone());
        let mut live: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                suggest_on(&mut engine, &targets, &actions).expect("a plan");
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        live.sort_by(f64::total_cmp);
        println!(
            "{lines} lines, {} actions: a plan in median {:.0} ms (min {:.0}, max {:.0}), {:.0} ms on an engine already built; feasible {}, {} rounds, {} actions taken, cost €{:.1} m a year",
            actions.len(),
            times[2],
            times[0],
            times[4],
            live[2],
            plan.feasible,
            plan.rounds,
            plan.actions.len(),
            plan.cost / 1e6
        );
    }
}
