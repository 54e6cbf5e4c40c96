use super::catalogue::{Action, ActionKind, defaults};
use super::*;
use crate::engine::dataset::{ExposureClass, Tier};
use crate::engine::resolve_profile;
use crate::engine::scenario::{Scenario, apply_edit};
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
                    ratio.meets(v, t),
                    "{name}: {} {v} misses {t}",
                    ratio.label()
                );
            }
        }
        for step in &plan.actions {
            let action = catalogue
                .iter()
                .find(|a| {
                    step.action.split(':').next() == a.kind.key().split(':').next()
                        && (step.action == a.kind.key()
                            || a.kind.key() == "sell_large_exposure"
                            || a.kind.key() == "guarantee_large_exposure")
                })
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
        Action::new(ActionKind::IssueCet1, before.rwa.total, 0.12),
        Action::new(
            ActionKind::ReduceClass(ExposureClass::Corporate),
            0.3 * corporate,
            0.02,
        ),
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
        for edit in catalogue[1].edits(&data, sold) {
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

    let negative = [Action::new(ActionKind::IssueT2, -1.0, 0.06)];
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
                    ratio.meets(v, t),
                    "seed {seed}: {} {v} misses {t}",
                    ratio.label()
                );
            }
        }
    }
}

/// The demo bank with its largest group's share of Tier 1 and the
/// catalogue sized on it.
fn largest_group(data: &DataSet, profile: &Profile) -> (String, f64, Vec<Action>) {
    let r = compute(data, profile, &ComputeOptions::default());
    let top = r
        .large_exposures
        .first()
        .expect("the demo bank has large exposures");
    let share = top.share_of_tier1.expect("Tier 1 is positive");
    (top.group.clone(), share, defaults(data, r.rwa.total))
}

#[test]
fn the_largest_exposure_comes_under_its_target_by_a_sale_or_a_guarantee_on_both_profiles() {
    for name in ["basel31", "crr3"] {
        let data = demo_bank();
        let profile = profile_of(&data, name);
        let (group, share, catalogue) = largest_group(&data, &profile);
        let targets = Targets {
            large_exposure: Some(share - 0.03),
            ..Targets::default()
        };
        let plan = suggest(&data, &profile, &targets, &catalogue).expect("a plan");
        assert!(plan.feasible, "{name}: {:?}", plan.explanation);
        let after = replayed(&data, &profile, &plan);
        assert_eq!(after, plan.results_after, "{name}");
        let now = Ratio::LargeExposure.value(&after).expect("still listed");
        assert!(
            now <= share - 0.03 + TOLERANCE,
            "{name}: {now} over {}",
            share - 0.03
        );
        assert!(
            plan.actions.iter().any(|s| s.action.ends_with(&format!(":{group}"))
                || s.action.starts_with("issue_")),
            "{name}: {:?}",
            plan.actions
        );
        assert!(
            plan.binding.contains(&Ratio::LargeExposure),
            "{name}: {:?}",
            plan.binding
        );
        assert_eq!(plan.ranking[0].ratio, Ratio::LargeExposure);
        assert!(
            plan.ranking
                .iter()
                .any(|r| r.action == format!("sell_large_exposure:{group}")),
            "{name}: {:?}",
            plan.ranking
        );
    }
}

#[test]
fn a_sold_or_guaranteed_group_is_the_cheapest_way_under_the_limit_when_capital_is_dear() {
    let data = demo_bank();
    let profile = profile_of(&data, "basel31");
    let (group, share, catalogue) = largest_group(&data, &profile);
    let only_le: Vec<Action> = catalogue
        .into_iter()
        .filter(|a| {
            matches!(
                a.kind,
                ActionKind::SellLargeExposure | ActionKind::GuaranteeLargeExposure
            )
        })
        .collect();
    let targets = Targets {
        large_exposure: Some(share * 0.8),
        ..Targets::default()
    };
    let plan = suggest(&data, &profile, &targets, &only_le).expect("a plan");
    assert!(plan.feasible, "{:?}", plan.explanation);
    // The guarantee costs less a euro than the sale and covers the group.
    assert_eq!(plan.actions.len(), 1, "{:?}", plan.actions);
    assert_eq!(
        plan.actions[0].action,
        format!("guarantee_large_exposure:{group}")
    );
    let after = replayed(&data, &profile, &plan);
    assert!(Ratio::LargeExposure.value(&after).expect("listed") <= share * 0.8 + TOLERANCE);
    // The guaranteed part weighs 0 %: RWA fall too.
    let before = compute(&data, &profile, &ComputeOptions::default());
    assert!(after.rwa.total < before.rwa.total);
}

#[test]
fn a_large_exposure_target_out_of_reach_says_how_far_the_bounds_get() {
    let data = demo_bank();
    let profile = profile_of(&data, "basel31");
    let (_, share, catalogue) = largest_group(&data, &profile);
    let tight: Vec<Action> = catalogue
        .into_iter()
        .filter(|a| a.kind == ActionKind::SellLargeExposure)
        .map(|a| Action { max: 1e6, ..a })
        .collect();
    let targets = Targets {
        large_exposure: Some(share / 2.0),
        ..Targets::default()
    };
    let plan = suggest(&data, &profile, &targets, &tight).expect("an answer");
    assert!(!plan.feasible);
    let short = plan.shortfall.expect("which target");
    assert_eq!(short.ratio, Ratio::LargeExposure);
    assert!(short.best < share && short.best > share / 2.0, "{short:?}");
    assert!(
        plan.explanation[0].contains("cannot come down to"),
        "{:?}",
        plan.explanation
    );
    let nonsense = Targets {
        large_exposure: Some(0.0),
        ..Targets::default()
    };
    assert!(matches!(
        suggest(&data, &profile, &nonsense, &tight),
        Err(SuggestError::Target("largest large exposure", _))
    ));
}

#[test]
fn cancelled_commitments_lift_leverage_and_touch_only_their_undrawn_part() {
    let data = generate(2_000, 6);
    let profile = profile_of(&data, "basel31");
    let before = compute(&data, &profile, &ComputeOptions::default());
    let cancel = defaults(&data, before.rwa.total)
        .into_iter()
        .find(|a| a.kind == ActionKind::CancelCommitments)
        .expect("the book has cancellable commitments");
    // Half way to what cancelling every commitment would reach.
    let mut all = data.clone();
    for edit in cancel.edits(&data, cancel.max) {
        apply_edit(&edit, &mut all, &mut profile.clone()).expect("applies");
    }
    let most = compute(&all, &profile, &ComputeOptions::default());
    let leverage = before.ratios.leverage.expect("leverage");
    let target = (leverage + most.ratios.leverage.expect("leverage")) / 2.0;
    assert!(target > leverage + 1e-5);
    let targets = Targets {
        leverage: Some(target),
        ..Targets::default()
    };
    let plan = suggest(&data, &profile, &targets, std::slice::from_ref(&cancel)).expect("a plan");
    assert!(plan.feasible, "{:?}", plan.explanation);
    assert!(plan.actions[0].amount <= cancel.max);
    let scenario = Scenario {
        name: "plan".into(),
        edits: plan.edits(),
    };
    let (changed, _) = scenario.apply(&data, &profile).expect("applies");
    for (old, new) in data.exposures.iter().zip(&changed.exposures) {
        assert_eq!(old.drawn, new.drawn);
        if old.off_balance_type
            != Some(crate::engine::dataset::OffBalanceType::UnconditionallyCancellable)
        {
            assert_eq!(old.undrawn, new.undrawn, "{}", old.id);
        }
    }
    let after = replayed(&data, &profile, &plan);
    assert!(after.ratios.leverage.expect("leverage") >= target - TOLERANCE);
    assert!(plan.actions[0].amount < cancel.max);
    assert!(
        plan.explanation[0].contains("CRE20.94"),
        "{:?}",
        plan.explanation
    );
}

#[test]
fn a_plan_on_a_live_engine_is_the_plan_on_its_data_and_leaves_the_engine_as_it_was() {
    let data = stressed();
    let profile = profile_of(&data, "crr3");
    let mut engine = IncrementalEngine::new(data.clone(), profile.clone());
    let lever = Edit::ScaleExposures {
        filter: crate::engine::scenario::Filter {
            class: Some(ExposureClass::Corporate),
            ..Default::default()
        },
        factor: 1.2,
    };
    engine.apply(&lever).expect("a class lever");
    let before = engine.results().clone();
    let targets = Targets::defaults(&before);
    let catalogue = defaults(engine.data(), before.rwa.total);
    let live = suggest_on(&mut engine, &targets, &catalogue).expect("a plan");

    let mut levered = data.clone();
    apply_edit(&lever, &mut levered, &mut profile.clone()).expect("applies");
    let fresh = suggest(&levered, &profile, &targets, &catalogue).expect("a plan");
    assert!(live.feasible && fresh.feasible);
    assert!(
        (live.cost - fresh.cost).abs() <= 1e-6 * fresh.cost,
        "{} against {}",
        live.cost,
        fresh.cost
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let after = engine.results();
    assert!(close(after.capital.cet1, before.capital.cet1));
    assert!(close(after.rwa.total, before.rwa.total));
    assert!(close(
        after.leverage.exposure_measure,
        before.leverage.exposure_measure
    ));
}

#[test]
fn collateral_added_to_a_class_lifts_cet1_and_changes_nothing_but_collateral() {
    let data = generate(2_000, 9);
    let profile = profile_of(&data, "basel31");
    let before = compute(&data, &profile, &ComputeOptions::default());
    let collateral = defaults(&data, before.rwa.total)
        .into_iter()
        .find(|a| a.kind == ActionKind::AddCollateral(ExposureClass::Corporate))
        .expect("corporates pledge collateral");
    let mut most = data.clone();
    for edit in collateral.edits(&data, collateral.max) {
        apply_edit(&edit, &mut most, &mut profile.clone()).expect("applies");
    }
    let best = compute(&most, &profile, &ComputeOptions::default());
    let cet1 = before.ratios.cet1.expect("cet1");
    let target = (cet1 + best.ratios.cet1.expect("cet1")) / 2.0;
    assert!(target > cet1 + 1e-6, "more collateral lowers the RWA");
    let targets = Targets {
        cet1: Some(target),
        ..Targets::default()
    };
    let plan =
        suggest(&data, &profile, &targets, std::slice::from_ref(&collateral)).expect("a plan");
    assert!(plan.feasible, "{:?}", plan.explanation);
    assert!(plan.actions[0].amount < collateral.max);
    let scenario = Scenario {
        name: "plan".into(),
        edits: plan.edits(),
    };
    let (changed, _) = scenario.apply(&data, &profile).expect("applies");
    for (old, new) in data.exposures.iter().zip(&changed.exposures) {
        let mut unchanged = new.clone();
        unchanged.collateral_value = old.collateral_value;
        assert_eq!(&unchanged, old);
        if old.class != ExposureClass::Corporate {
            assert_eq!(old.collateral_value, new.collateral_value);
        }
    }
    let after = replayed(&data, &profile, &plan);
    assert!(after.ratios.cet1.expect("cet1") >= target - TOLERANCE);
    assert!(
        plan.explanation[0].contains("CRE22"),
        "{:?}",
        plan.explanation
    );
}
