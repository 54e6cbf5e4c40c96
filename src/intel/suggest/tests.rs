use super::catalogue::{Action, ActionKind, defaults};
use super::*;
use crate::engine::dataset::{ExposureClass, Tier};
use crate::engine::resolve_profile;
use crate::engine::scenario::Scenario;
use crate::samples::{demo_bank, generate};

fn profile_of(data: &DataSet, name: &str) -> Profile {
    resolve_profile(data, Some(name)).expect("profile")
}

/// The demo bank after a loss that takes CET1 a point under its target.
fn stressed() -> DataSet {
    let mut data = demo_bank();
    let profile = profile_of(&data, "basel31");
    let r = compute(&data, &profile, &ComputeOptions::default());
    let target = Targets::defaults(&r).cet1.expect("a CET1 target");
    let loss = Edit::AddCapital {
        tier: Tier::Cet1,
        label: "loss".into(),
        amount: (target - 0.01) * r.rwa.total - r.capital.cet1,
    };
    apply_edit(&loss, &mut data, &mut profile.clone()).expect("applies");
    data
}

/// The plan's edits as a scenario, run through the engine as
/// `prudentia compute --scenario` runs it.
fn replayed(data: &DataSet, profile: &Profile, plan: &Plan) -> Results {
    let scenario = Scenario {
        name: "plan".into(),
        edits: plan.edits(),
    };
    let (changed, profile) = scenario.apply(data, profile).expect("the plan applies");
    compute(&changed, &profile, &ComputeOptions::default())
}

#[test]
fn a_plan_brings_every_ratio_to_its_target_as_the_engine_computes_it_on_both_profiles() {
    for name in ["basel31", "crr3"] {
        let data = stressed();
        let profile = profile_of(&data, name);
        let before = compute(&data, &profile, &ComputeOptions::default());
        let targets = Targets::defaults(&before);
        assert!(
            before.ratios.cet1 < targets.cet1,
            "{name}: the loss takes CET1 under its target {:?} {:?}",
            before.ratios.cet1,
            targets.cet1
        );
        let catalogue = defaults(&data, before.rwa.total);
        let plan = suggest(&data, &profile, &targets, &catalogue).expect("a plan");
        assert!(plan.feasible, "{name}: {:?}", plan.explanation);
        assert!(!plan.actions.is_empty());
        let after = replayed(&data, &profile, &plan);
        assert_eq!(
            after, plan.results_after,
            "{name}: the plan's figures are the engine's"
        );
        for ratio in Ratio::ALL {
            if let (Some(t), Some(v)) = (targets.get(ratio), ratio.value(&after)) {
                assert!(
                    v >= t - TOLERANCE,
                    "{name}: {} {v} under {t}",
                    ratio.label()
                );
            }
        }
        for step in &plan.actions {
            let action = catalogue
                .iter()
                .find(|a| a.kind.key() == step.action)
                .expect("from the catalogue");
            assert!(step.amount > 0.0 && step.amount <= action.max * (1.0 + 1e-12));
            assert!((step.cost - step.amount * action.cost).abs() < 1e-6);
        }
        let total: f64 = plan.actions.iter().map(|s| s.cost).sum();
        assert!((plan.cost - total).abs() < 1e-6);
        assert!(
            plan.binding.contains(&Ratio::Cet1),
            "{name}: {:?}",
            plan.binding
        );
        let price = plan
            .shadow_prices
            .iter()
            .find(|p| p.ratio == Ratio::Cet1)
            .and_then(|p| p.per_basis_point)
            .expect("one more basis point has a price");
        assert!(price > 0.0);
        assert_eq!(plan.ranking[0].ratio, Ratio::Cet1);
        assert!(
            plan.ranking
                .windows(2)
                .all(|w| w[0].bp_per_million >= w[1].bp_per_million)
        );
        assert!(plan.ranking.iter().any(|r| r.action == "issue_cet1"));
    }
}

#[test]
fn the_plan_costs_what_a_search_over_every_amount_finds_within_half_a_percent() {
    let data = generate(300, 4);
    let profile = profile_of(&data, "basel31");
    let before = compute(&data, &profile, &ComputeOptions::default());
    let cet1 = before.ratios.cet1.expect("cet1") + 0.01;
    let targets = Targets {
        cet1: Some(cet1),
        ..Targets::default()
    };
    let corporate: f64 = data
        .exposures
        .iter()
        .filter(|l| l.class == ExposureClass::Corporate)
        .map(|l| l.drawn.unwrap_or(0.0) + l.undrawn.unwrap_or(0.0))
        .sum();
    let catalogue = [
        Action {
            kind: ActionKind::IssueCet1,
            max: before.rwa.total,
            cost: 0.12,
        },
        Action {
            kind: ActionKind::ReduceClass(ExposureClass::Corporate),
            max: 0.3 * corporate,
            cost: 0.02,
        },
    ];
    let plan = suggest(&data, &profile, &targets, &catalogue).expect("a plan");
    assert!(plan.feasible);
    // The search: every sale of corporates in 400 steps, each completed by
    // the CET1 the engine says it still needs.
    let mut best = f64::INFINITY;
    for step in 0..=400 {
        let sold = 0.3 * corporate * f64::from(step) / 400.0;
        let mut changed = data.clone();
        let mut p = profile.clone();
        for edit in ActionKind::ReduceClass(ExposureClass::Corporate).edits(&data, sold) {
            apply_edit(&edit, &mut changed, &mut p).expect("applies");
        }
        let r = compute(&changed, &p, &ComputeOptions::default());
        let needed = (cet1 * r.rwa.total - r.capital.cet1).max(0.0);
        best = best.min(0.02 * sold + 0.12 * needed);
    }
    assert!(
        (plan.cost - best).abs() <= 0.005 * best,
        "plan {} against the search's {best}",
        plan.cost
    );
}

#[test]
fn a_target_out_of_reach_is_named_with_how_far_the_bounds_get() {
    let data = stressed();
    let profile = profile_of(&data, "basel31");
    let before = compute(&data, &profile, &ComputeOptions::default());
    let targets = Targets {
        cet1: Some(0.6),
        ..Targets::default()
    };
    let plan = suggest(
        &data,
        &profile,
        &targets,
        &defaults(&data, before.rwa.total),
    )
    .expect("an answer");
    assert!(!plan.feasible);
    assert!(plan.actions.is_empty());
    let short = plan.shortfall.expect("which target");
    assert_eq!(short.ratio, Ratio::Cet1);
    assert!(
        short.best > before.ratios.cet1.expect("cet1") && short.best < 0.6,
        "{short:?}"
    );
    assert!(
        plan.explanation[0].contains("cannot reach 60.00 %"),
        "{:?}",
        plan.explanation
    );
}

#[test]
fn targets_already_met_need_nothing_and_nonsense_is_refused() {
    let data = demo_bank();
    let profile = profile_of(&data, "basel31");
    let before = compute(&data, &profile, &ComputeOptions::default());
    let targets = Targets {
        cet1: before.ratios.cet1.map(|v| v - 0.01),
        ..Targets::default()
    };
    let catalogue = defaults(&data, before.rwa.total);
    let plan = suggest(&data, &profile, &targets, &catalogue).expect("a plan");
    assert!(plan.feasible && plan.actions.is_empty() && plan.cost == 0.0);
    assert_eq!(plan.results_after, before);

    let negative = [Action {
        kind: ActionKind::IssueT2,
        max: -1.0,
        cost: 0.06,
    }];
    assert!(matches!(
        suggest(&data, &profile, &targets, &negative),
        Err(SuggestError::Action(key, _)) if key == "issue_t2"
    ));
    let absurd = Targets {
        lcr: Some(f64::NAN),
        ..Targets::default()
    };
    assert!(matches!(
        suggest(&data, &profile, &absurd, &catalogue),
        Err(SuggestError::Target("LCR", _))
    ));
}

#[test]
fn level_2b_swapped_into_level_1_lifts_the_lcr_to_its_target() {
    let data = demo_bank();
    let profile = profile_of(&data, "basel31");
    let before = compute(&data, &profile, &ComputeOptions::default());
    let lcr = before.ratios.lcr.expect("the demo bank has an LCR");
    let swap = defaults(&data, before.rwa.total)
        .into_iter()
        .find(|a| a.kind == ActionKind::SwapLevel2bForLevel1)
        .expect("the demo bank holds Level 2B assets");
    let targets = Targets {
        lcr: Some(lcr + 0.02),
        ..Targets::default()
    };
    let plan = suggest(&data, &profile, &targets, std::slice::from_ref(&swap)).expect("a plan");
    assert!(plan.feasible, "{:?}", plan.explanation);
    let after = replayed(&data, &profile, &plan);
    assert!(after.ratios.lcr.expect("lcr") >= lcr + 0.02 - TOLERANCE);
    assert!(plan.actions[0].amount <= swap.max);
    assert_eq!(after.lcr.hqla, plan.results_after.lcr.hqla);
}

#[test]
fn on_generated_books_a_plan_meets_every_default_target() {
    for seed in [3, 8] {
        let mut data = generate(2_000, seed);
        let profile = profile_of(&data, "crr3");
        let r = compute(&data, &profile, &ComputeOptions::default());
        let targets = Targets::defaults(&r);
        let loss = Edit::AddCapital {
            tier: Tier::Cet1,
            label: "loss".into(),
            amount: (targets.cet1.expect("cet1") - 0.005) * r.rwa.total - r.capital.cet1,
        };
        apply_edit(&loss, &mut data, &mut profile.clone()).expect("applies");
        let plan =
            suggest(&data, &profile, &targets, &defaults(&data, r.rwa.total)).expect("a plan");
        assert!(plan.feasible, "seed {seed}: {:?}", plan.explanation);
        let after = replayed(&data, &profile, &plan);
        for ratio in Ratio::ALL {
            if let (Some(t), Some(v)) = (targets.get(ratio), ratio.value(&after)) {
                assert!(
                    v >= t - TOLERANCE,
                    "seed {seed}: {} {v} under {t}",
                    ratio.label()
                );
            }
        }
    }
}
