//! The ratio engine: the regulatory rules of `shared/spec/ratios.md`, pure
//! Rust with no I/O, compiled unchanged into the server and the WASM client.
//!
//! Entry points: [`DataSet::from_json_str`] and [`DataSet::validate`] for
//! input, [`resolve_profile`] for the rules, [`compute`] for results,
//! [`scenario::Scenario`] for what-if edits and [`scenario::compare`] for
//! baseline / scenario / delta.

pub mod aggregate;
pub mod capital;
pub mod credit;
pub mod dataset;
pub mod explain;
pub mod fast_read;
pub mod incremental;
pub mod kinked;
pub mod large_exposures;
pub mod liquidity;
pub mod oprisk;
pub mod parameters;
pub mod portfolio;
pub mod profile;
pub mod rating;
pub mod requirements;
pub mod results;
pub mod rules;
pub mod scenario;
pub mod sme;
pub mod split;
pub mod sum;

use aggregate::{Accumulator, Contribution, CreditAggregates, Interner};
use credit::{KindRules, KindTable, LineOutcome};
use dataset::DataSet;
use portfolio::{Line, LineIds, Portfolio};
use profile::{DEFAULT_PROFILE, Profile, ProfileError};
use results::{Bucket, Headroom, LeverageResults, LineResult, Ratios, Results, RwaResults};
use rules::Rules;
use std::collections::BTreeMap;
use sum::Sum;

/// The CR5 risk-weight buckets, in percent (ratios.md §2).
pub const CR5_BUCKETS: [u32; 24] = [
    0, 2, 4, 10, 20, 30, 35, 40, 45, 50, 60, 70, 75, 80, 90, 100, 105, 110, 130, 150, 250, 370,
    400, 1250,
];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ComputeOptions {
    /// Include per-line results (`--lines`).
    pub lines: bool,
    /// Include the rule text of each line (for drill-downs and reports).
    pub explain: bool,
}

/// The profile a data set is computed with: `name_override` (the command
/// line's `--profile`) before the data set's own `profile`, then its
/// `overrides` applied field by field.
pub fn resolve_profile(
    data: &DataSet,
    name_override: Option<&str>,
) -> Result<Profile, ProfileError> {
    let name = name_override
        .or(data.profile.as_deref())
        .unwrap_or(DEFAULT_PROFILE);
    Profile::named(name)?.with_overrides(&data.overrides)
}

/// The bucket key of a risk weight: its integer percent when that is a CR5
/// bucket, else "other".
pub fn bucket_key(rw: f64) -> String {
    aggregate::bucket_name(aggregate::bucket_index(rw))
}

/// Evaluates every line in order and hands its outcome and crr3 SME
/// supporting factor to `sink`.
fn each_line(
    portfolio: &Portfolio,
    kinds: &KindTable,
    rules: &Rules,
    mut sink: impl FnMut(&Line, &LineIds, &KindRules, &LineOutcome, f64),
) {
    const CHUNK: usize = 128;
    let totals = aggregate::sme_totals(portfolio, kinds, rules);
    let mut chunk_kinds = [0u32; CHUNK];
    for (lines, ids) in portfolio
        .lines()
        .chunks(CHUNK)
        .zip(portfolio.ids().chunks(CHUNK))
    {
        // The chunk's kinds first: a loop this short has many lines in
        // flight from memory at once, so the rules below find them in the
        // cache. Under the long loop alone each line waited for the one
        // before (a million lines took twice as long per line as 100k).
        for (kind, line) in chunk_kinds.iter_mut().zip(lines) {
            *kind = line.kind;
        }
        for ((line, ids), kind) in lines.iter().zip(ids).zip(chunk_kinds) {
            let kind = kinds.get(kind);
            let outcome = credit::evaluate(rules, kind, line);
            let factor = aggregate::line_factor(kind, ids, outcome.exposure, &totals, rules);
            sink(line, ids, kind, &outcome, factor);
        }
    }
}

/// The per-line pass kept line by line: what the incremental engine and the
/// per-line results read.
#[derive(Clone, Debug)]
pub struct CreditPass {
    pub outcomes: Vec<LineOutcome>,
    pub factors: Vec<f64>,
    pub contributions: Vec<Contribution>,
}

/// Each line's outcome, factor and contribution, in the data set's order;
/// the figures come from the streamed pass ([`credit_aggregates`]).
pub fn credit_pass(portfolio: &Portfolio, kinds: &KindTable, rules: &Rules) -> CreditPass {
    let n = portfolio.len();
    let mut outcomes = Vec::with_capacity(n);
    let mut factors = Vec::with_capacity(n);
    let mut contributions = Vec::with_capacity(n);
    each_line(
        portfolio,
        kinds,
        rules,
        |line, ids, kind, outcome, factor| {
            let c = aggregate::contribution(line, ids, kind, outcome, factor, rules);
            outcomes.push(outcome.clone());
            factors.push(factor);
            contributions.push(c);
        },
    );
    // Back to the data set's order, which the per-line results and the
    // incremental engine follow.
    let in_data_order = |i| portfolio.slot(i);
    CreditPass {
        outcomes: (0..n).map(|i| outcomes[in_data_order(i)].clone()).collect(),
        factors: (0..n).map(|i| factors[in_data_order(i)]).collect(),
        contributions: (0..n)
            .map(|i| std::mem::take(&mut contributions[in_data_order(i)]))
            .collect(),
    }
}

/// The aggregates alone: the same pass keeping nothing per line, summed by
/// blocks; groups only the watched ones, by watched slot.
pub fn credit_aggregates(
    portfolio: &Portfolio,
    kinds: &KindTable,
    rules: &Rules,
) -> (CreditAggregates, Vec<Option<f64>>) {
    let mut sums = Accumulator::new(portfolio);
    each_line(
        portfolio,
        kinds,
        rules,
        |line, ids, kind, outcome, factor| {
            aggregate::contribute(line, ids, kind, outcome, factor, rules, &mut sums);
            sums.end_line();
        },
    );
    sums.finish()
}

/// (amount, group) of the watched groups some line references.
fn watched_amounts(portfolio: &Portfolio, watched: &[Option<f64>]) -> Vec<(f64, u32)> {
    watched
        .iter()
        .zip(&portfolio.watched)
        .filter_map(|(amount, group)| amount.map(|a| (a, *group)))
        .collect()
}

/// Every group's large-exposure amount: the pass again, for that alone.
fn group_amounts(portfolio: &Portfolio, kinds: &KindTable, rules: &Rules) -> Vec<(f64, u32)> {
    let mut amounts = aggregate::GroupSums::default();
    each_line(
        portfolio,
        kinds,
        rules,
        |line, ids, kind, outcome, factor| {
            aggregate::contribute(line, ids, kind, outcome, factor, rules, &mut amounts);
        },
    );
    amounts.present()
}

/// Everything after the credit pass: capital, other risks, requirements,
/// ratios, liquidity and large exposures. It costs nothing per line, which
/// is what makes non-credit levers instant.
pub fn finish(
    data: &DataSet,
    capital: results::CapitalResults,
    profile: &Profile,
    aggregates: &CreditAggregates,
    countries: &Interner,
    list_large: impl FnOnce(f64) -> Vec<results::LargeExposure>,
) -> Results {
    let to_buckets = |pairs: &[(Sum, Sum)], counts: &[u32], name: &dyn Fn(usize) -> String| {
        pairs
            .iter()
            .zip(counts)
            .enumerate()
            .filter(|(_, (_, n))| **n > 0)
            .map(|(i, ((e, r), _))| {
                (
                    name(i),
                    Bucket {
                        exposure: e.value(),
                        rwa: r.value(),
                    },
                )
            })
            .collect::<BTreeMap<String, Bucket>>()
    };
    let op = oprisk::operational(data.op_risk.as_ref(), profile);
    let market = 12.5
        * data
            .market_risk
            .as_ref()
            .map_or(0.0, |m| m.own_funds_requirement);
    let cva = 12.5 * data.cva.as_ref().map_or(0.0, |m| m.own_funds_requirement);
    let other = Sum::of(data.rwa_lines.iter().map(|l| l.rwa));
    let credit = aggregates.credit.value();
    let total_rwa = credit + op.rwa + market + cva + other;

    let req_input = data.requirements.clone().unwrap_or_default();
    let ccyb = req_input
        .ccyb
        .unwrap_or_else(|| requirements::ccyb_from_rates(&req_input, aggregates, countries));
    let req = requirements::requirements(&req_input, ccyb, profile);

    let lev = data.leverage.clone().unwrap_or_default();
    let exposure_measure = aggregates.on_balance.value()
        + aggregates.off_leverage.value()
        + lev.derivatives
        + lev.sft
        + lev.other_assets
        - lev.tier1_deductions;

    let per_rwa = |amount: f64| (total_rwa > 0.0).then(|| amount / total_rwa);
    let ratios_cap = (
        per_rwa(capital.cet1),
        per_rwa(capital.tier1),
        per_rwa(capital.total),
    );
    let leverage_ratio = (exposure_measure > 0.0).then(|| capital.tier1 / exposure_measure);
    let (lcr, lcr_ratio) = liquidity::lcr(data.lcr.as_ref(), profile);
    let (nsfr, nsfr_ratio) = liquidity::nsfr(data.nsfr.as_ref(), profile);
    let buffers = requirements::buffers(
        (ratios_cap.0, per_rwa(capital.at1), per_rwa(capital.t2)),
        req_input.p2r,
        req.cbr,
        profile,
    );
    let headroom = {
        let gap = |ratio: Option<f64>, requirement: f64| ratio.map(|r| r - requirement);
        let cet1 = gap(ratios_cap.0, req.cet1);
        let tier1 = gap(ratios_cap.1, req.tier1);
        let total = gap(ratios_cap.2, req.total_capital);
        let leverage = gap(leverage_ratio, req.leverage);
        Headroom {
            cet1,
            tier1,
            total_capital: total,
            leverage,
            cet1_amount: cet1.map(|h| h * total_rwa),
            tier1_amount: tier1.map(|h| h * total_rwa),
            total_capital_amount: total.map(|h| h * total_rwa),
            leverage_amount: leverage.map(|h| h * exposure_measure),
        }
    };
    let large = list_large(capital.tier1);
    Results {
        profile: profile.name.clone(),
        rwa: RwaResults {
            credit,
            operational: op.rwa,
            market,
            cva,
            other,
            total: total_rwa,
            by_class: to_buckets(&aggregates.by_class, &aggregates.class_lines, &|i| {
                aggregate::class_name(i).to_owned()
            }),
            by_risk_weight: to_buckets(
                &aggregates.by_bucket,
                &aggregates.bucket_parts,
                &aggregate::bucket_name,
            ),
        },
        op_risk: op.results,
        ratios: Ratios {
            cet1: ratios_cap.0,
            tier1: ratios_cap.1,
            total_capital: ratios_cap.2,
            leverage: leverage_ratio,
            lcr: lcr_ratio,
            nsfr: nsfr_ratio,
        },
        requirements: req,
        headroom,
        buffers,
        leverage: LeverageResults { exposure_measure },
        lcr,
        nsfr,
        large_exposures: large,
        lines: None,
        capital,
    }
}

/// Per-line results: E*, RW = RWA / E* (the rule's RW when E* is 0), RWA.
pub fn line_results(data: &DataSet, pass: &CreditPass, explain: bool) -> Vec<LineResult> {
    data.exposures
        .iter()
        .zip(&pass.outcomes)
        .zip(&pass.factors)
        .map(|((line, outcome), factor)| line_result(line, outcome, *factor, explain))
        .collect()
}

pub fn line_result(
    line: &dataset::Exposure,
    outcome: &LineOutcome,
    factor: f64,
    explain: bool,
) -> LineResult {
    let rwa = outcome.rwa * factor;
    let e = outcome.exposure_after_crm;
    LineResult {
        id: line.id.clone(),
        class: line.class.key().to_owned(),
        exposure: e,
        risk_weight: if e > 0.0 {
            rwa / e
        } else {
            outcome.borrower_rw * factor
        },
        rwa,
        rule: explain.then(|| outcome.rule.describe(outcome.borrower_rw)),
    }
}

pub fn compute(data: &DataSet, profile: &Profile, options: &ComputeOptions) -> Results {
    compute_compiled(data, &Portfolio::compile(data), profile, options)
}

/// [`compute`] on lines already compiled from `data.exposures`: what a
/// caller that computes one data set many times (benchmarks, the editor's
/// baseline) does once.
pub fn compute_compiled(
    data: &DataSet,
    portfolio: &Portfolio,
    profile: &Profile,
    options: &ComputeOptions,
) -> Results {
    let rules = Rules::from_profile(profile);
    let kinds = KindTable::new(&rules, portfolio);
    // The figures always come from the streamed pass, so that a result with
    // its lines and one without agree to the last digit; the lines come
    // from the per-line pass.
    let (aggregates, watched) = credit_aggregates(portfolio, &kinds, &rules);
    let list = |tier1: f64| {
        let all = match portfolio.unwatched {
            Some(unwatched) => {
                let watched = watched_amounts(portfolio, &watched);
                let others = unwatched.bound(rules.largest_ccf());
                if large_exposures::watched_settle(&watched, others, tier1, profile) {
                    watched
                } else {
                    group_amounts(portfolio, &kinds, &rules)
                }
            }
            None => group_amounts(portfolio, &kinds, &rules),
        };
        large_exposures::list(all, &portfolio.groups, tier1, profile)
    };
    let capital = capital::capital(&data.capital);
    let mut results = finish(
        data,
        capital,
        profile,
        &aggregates,
        &portfolio.countries,
        list,
    );
    if options.lines {
        let pass = credit_pass(portfolio, &kinds, &rules);
        results.lines = Some(line_results(data, &pass, options.explain));
    }
    results
}

#[cfg(test)]
mod tests;
