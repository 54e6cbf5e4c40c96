//! `make eval`: how well anomaly detection finds what is planted, reported
//! and not asserted. Clean synthetic books (seeds 1–5, 20,000 lines each)
//! get anomalies of every kind planted on lines drawn by a fixed sequence;
//! the evaluation prints recall per kind, the share of clean lines
//! flagged, and the detection time on 100,000 lines.

use prudentia::engine::dataset::{DataSet, Exposure, ExposureClass};
use prudentia::engine::rating::Rating;
use prudentia::engine::scenario::scale_line;
use prudentia::intel::anomalies::{Anomaly, Kind, Thresholds, detect};
use prudentia::samples::generate;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

const LINES: usize = 20_000;
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
const PLANTED: usize = 40;

/// A clean book: the generator leaves ratings on defaulted lines, which
/// the rules rightly flag; a clean book has none.
fn clean(seed: u64) -> DataSet {
    let mut data = generate(LINES, seed);
    for line in &mut data.exposures {
        if line.defaulted {
            line.rating = Rating::Unrated;
        }
    }
    data
}

/// Lines drawn by a fixed sequence, each at most once.
fn pick(data: &DataSet, seed: u64, n: usize, keep: impl Fn(&Exposure) -> bool) -> Vec<usize> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut chosen = Vec::new();
    let mut seen = HashSet::new();
    for _ in 0..n * 200 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let i = (state >> 33) as usize % data.exposures.len();
        if keep(&data.exposures[i]) && seen.insert(i) {
            chosen.push(i);
            if chosen.len() == n {
                break;
            }
        }
    }
    chosen
}

fn has_amount(l: &Exposure) -> bool {
    l.drawn.unwrap_or(0.0) + l.undrawn.unwrap_or(0.0) > 0.0
}

/// Found: an anomaly of one of `kinds` on each planted id.
fn recall(found: &[Anomaly], ids: &[String], kinds: &[Kind]) -> (usize, usize) {
    let hits: HashSet<&str> = found
        .iter()
        .filter(|a| kinds.contains(&a.kind))
        .filter_map(|a| a.id.as_deref())
        .collect();
    (
        ids.iter().filter(|id| hits.contains(id.as_str())).count(),
        ids.len(),
    )
}

type Plant = fn(&mut DataSet, &[usize]) -> Vec<String>;

fn plants() -> Vec<(&'static str, &'static [Kind], bool, Plant)> {
    vec![
        ("scale x1000 (peers)", &[Kind::Scale], false, |d, idx| {
            multiply(d, idx, 1000.0)
        }),
        ("scale x100 (peers)", &[Kind::Scale], false, |d, idx| {
            multiply(d, idx, 100.0)
        }),
        (
            "scale x1,000,000 (peers)",
            &[Kind::Scale],
            false,
            |d, idx| multiply(d, idx, 1e6),
        ),
        ("scale /1000 (peers)", &[Kind::Scale], false, |d, idx| {
            multiply(d, idx, 0.001)
        }),
        (
            "scale x1000 (previous version)",
            &[Kind::Scale],
            true,
            |d, idx| multiply(d, idx, 1000.0),
        ),
        (
            "outlier x40",
            &[Kind::Outlier, Kind::Scale],
            false,
            |d, idx| multiply(d, idx, 40.0),
        ),
        (
            "jump x15 (previous version)",
            &[Kind::Jump],
            true,
            |d, idx| multiply(d, idx, 15.0),
        ),
        ("rule: LTV typed as 85", &[Kind::Rule], false, |d, idx| {
            idx.iter()
                .map(|i| {
                    d.exposures[*i].ltv = Some(85.0);
                    d.exposures[*i].id.clone()
                })
                .collect()
        }),
        ("duplicate facility", &[Kind::Duplicate], false, |d, idx| {
            idx.iter()
                .map(|i| {
                    let mut copy = d.exposures[*i].clone();
                    copy.id = format!("{}-DUP", copy.id);
                    copy.counterparty_id
                        .get_or_insert_with(|| format!("CP-{i}"));
                    d.exposures[*i].counterparty_id = copy.counterparty_id.clone();
                    let id = copy.id.clone();
                    d.exposures.push(copy);
                    id
                })
                .collect()
        }),
    ]
}

fn multiply(data: &mut DataSet, idx: &[usize], factor: f64) -> Vec<String> {
    idx.iter()
        .map(|i| {
            scale_line(&mut data.exposures[*i], factor);
            data.exposures[*i].id.clone()
        })
        .collect()
}

fn evaluate(t: &Thresholds) {
    let mut flagged = 0usize;
    let mut total = 0usize;
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for seed in SEEDS {
        let base = clean(seed);
        let found = detect(&base, None, t);
        flagged += found
            .iter()
            .filter_map(|a| a.id.as_deref())
            .collect::<HashSet<_>>()
            .len();
        total += base.exposures.len();
        for (name, kinds, with_previous, plant) in plants() {
            let mut data = base.clone();
            let keep = |l: &Exposure| {
                has_amount(l) && (!name.starts_with("rule") || l.class == ExposureClass::RealEstate)
            };
            let idx = pick(&data, seed * 31 + name.len() as u64, PLANTED, keep);
            let ids = plant(&mut data, &idx);
            let found = detect(&data, with_previous.then_some(&base), t);
            let (hit, of) = recall(&found, &ids, kinds);
            let entry = by_kind.entry(name).or_default();
            entry.0 += hit;
            entry.1 += of;
        }
    }
    println!(
        "\noutlier threshold {}: {} clean books of {LINES} lines, {PLANTED} planted per kind per book",
        t.outlier_z,
        SEEDS.len()
    );
    println!(
        "{:<34} {:>8} {:>8} {:>8}",
        "planted", "found", "of", "recall"
    );
    for (name, (hit, of)) in &by_kind {
        println!(
            "{name:<34} {hit:>8} {of:>8} {:>8.3}",
            *hit as f64 / (*of).max(1) as f64
        );
    }
    println!(
        "clean lines flagged: {flagged} of {total} ({:.3} %)",
        flagged as f64 / total as f64 * 100.0
    );
}

fn main() {
    // The tenant's alert budget moves the outlier threshold: each row is
    // what one setting finds and what it costs in clean lines flagged.
    for outlier_z in [3.5, 3.0, 2.5] {
        let t = Thresholds {
            outlier_z,
            ..Thresholds::default()
        };
        evaluate(&t);
    }
    // An analyst dismisses every outlier raised on the clean books (each
    // a false alarm): what the organisation's threshold learns from them.
    let dismissed: Vec<f64> = SEEDS
        .iter()
        .flat_map(|seed| detect(&clean(*seed), None, &Thresholds::default()))
        .filter(|a| a.kind == Kind::Outlier)
        .map(|a| a.score)
        .collect();
    let learnt = Thresholds::learnt_outlier_z(&dismissed[dismissed.len().saturating_sub(50)..]);
    println!(
        "\n{} outliers on clean lines dismissed: the threshold learns {learnt:.2}",
        dismissed.len()
    );
    evaluate(&Thresholds {
        outlier_z: learnt,
        ..Thresholds::default()
    });

    let t = Thresholds::default();
    let big = generate(100_000, 9);
    let previous = big.clone();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let found = detect(&big, Some(&previous), &t);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "detection on 100,000 lines with a previous version: median {:.1} ms (min {:.1}, max {:.1})",
        times[2], times[0], times[4]
    );
}
