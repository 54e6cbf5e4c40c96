//! Suggestions: the cheapest plan of actions that brings every ratio to
//! its target. Each action is an edit of the scenario vocabulary with an
//! amount; the engine measures what each does to every ratio's numerator
//! and denominator; a linear programme finds the cheapest amounts; the
//! plan is run through the whole engine, and solved again with the miss
//! added, until the engine's figures meet every target. Pure, like the
//! engine, so it can run in the browser as on the server.

pub mod catalogue;
mod programme;
#[cfg(test)]
mod tests;

use crate::engine::dataset::DataSet;
use crate::engine::incremental::IncrementalEngine;
use crate::engine::profile::Profile;
use crate::engine::results::Results;
use crate::engine::scenario::{Edit, apply_edit};
use crate::engine::{ComputeOptions, compute};
use catalogue::Action;
use programme::Programme;
use serde::{Deserialize, Serialize};

/// A ratio a plan may target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ratio {
    Cet1,
    Tier1,
    TotalCapital,
    Leverage,
    Lcr,
    Nsfr,
}

impl Ratio {
    pub const ALL: [Ratio; 6] = [
        Ratio::Cet1,
        Ratio::Tier1,
        Ratio::TotalCapital,
        Ratio::Leverage,
        Ratio::Lcr,
        Ratio::Nsfr,
    ];

    /// The name in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Ratio::Cet1 => "cet1",
            Ratio::Tier1 => "tier1",
            Ratio::TotalCapital => "total_capital",
            Ratio::Leverage => "leverage",
            Ratio::Lcr => "lcr",
            Ratio::Nsfr => "nsfr",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Ratio::Cet1 => "CET1",
            Ratio::Tier1 => "Tier 1",
            Ratio::TotalCapital => "total capital",
            Ratio::Leverage => "leverage",
            Ratio::Lcr => "LCR",
            Ratio::Nsfr => "NSFR",
        }
    }

    /// Numerator and denominator, when the data set has them.
    fn parts(self, r: &Results) -> Option<(f64, f64)> {
        let c = &r.capital;
        match self {
            Ratio::Cet1 => Some((c.cet1, r.rwa.total)),
            Ratio::Tier1 => Some((c.tier1, r.rwa.total)),
            Ratio::TotalCapital => Some((c.total, r.rwa.total)),
            Ratio::Leverage => Some((c.tier1, r.leverage.exposure_measure)),
            Ratio::Lcr => r.lcr.hqla.zip(r.lcr.net_outflows),
            Ratio::Nsfr => r.nsfr.asf.zip(r.nsfr.rsf),
        }
        .filter(|(_, d)| *d > 0.0)
    }

    /// The ratio in `r`, when it can be computed.
    pub fn value(self, r: &Results) -> Option<f64> {
        self.parts(r).map(|(n, d)| n / d)
    }
}

/// The floor each ratio must reach; none leaves a ratio free.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    pub cet1: Option<f64>,
    pub tier1: Option<f64>,
    pub total_capital: Option<f64>,
    pub leverage: Option<f64>,
    pub lcr: Option<f64>,
    pub nsfr: Option<f64>,
}

impl Targets {
    /// Each requirement plus the profile's management buffer (the same
    /// thresholds as the traffic lights), for the ratios the data set has.
    pub fn defaults(r: &Results) -> Targets {
        let (q, m) = (&r.requirements, &r.requirements.management_buffers);
        let has = |ratio: Ratio, target: f64| ratio.parts(r).map(|_| target);
        Targets {
            cet1: has(Ratio::Cet1, q.cet1 + m.cet1),
            tier1: has(Ratio::Tier1, q.tier1 + m.tier1),
            total_capital: has(Ratio::TotalCapital, q.total_capital + m.total_capital),
            leverage: has(Ratio::Leverage, q.leverage + m.leverage),
            lcr: has(Ratio::Lcr, q.lcr + m.lcr),
            nsfr: has(Ratio::Nsfr, q.nsfr + m.nsfr),
        }
    }

    /// These targets, each ratio left out taken from `defaults`.
    pub fn with_defaults(&self, defaults: &Targets) -> Targets {
        let mut merged = defaults.clone();
        for ratio in Ratio::ALL {
            if let Some(t) = self.get(ratio) {
                merged = merged.with(ratio, t);
            }
        }
        merged
    }

    /// The first target that is no ratio (between 0 and 10), and why.
    pub fn check(&self) -> Result<(), (Ratio, String)> {
        for ratio in Ratio::ALL {
            if let Some(t) = self.get(ratio)
                && !(t.is_finite() && (0.0..=10.0).contains(&t))
            {
                return Err((
                    ratio,
                    format!("{t} is not a ratio between 0 and 10 (1.1 for 110 %)"),
                ));
            }
        }
        Ok(())
    }

    pub fn get(&self, ratio: Ratio) -> Option<f64> {
        match ratio {
            Ratio::Cet1 => self.cet1,
            Ratio::Tier1 => self.tier1,
            Ratio::TotalCapital => self.total_capital,
            Ratio::Leverage => self.leverage,
            Ratio::Lcr => self.lcr,
            Ratio::Nsfr => self.nsfr,
        }
    }

    fn with(&self, ratio: Ratio, value: f64) -> Targets {
        let mut t = self.clone();
        let slot = match ratio {
            Ratio::Cet1 => &mut t.cet1,
            Ratio::Tier1 => &mut t.tier1,
            Ratio::TotalCapital => &mut t.total_capital,
            Ratio::Leverage => &mut t.leverage,
            Ratio::Lcr => &mut t.lcr,
            Ratio::Nsfr => &mut t.nsfr,
        };
        *slot = Some(value);
        t
    }
}

/// One action of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = PlanStep))]
pub struct Step {
    pub action: String,
    /// Euros.
    pub amount: f64,
    /// Euros a year.
    pub cost: f64,
    pub edits: Vec<Edit>,
}

/// What one more basis point of a binding ratio costs a year; none when
/// the bounds allow no more.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShadowPrice {
    pub ratio: Ratio,
    pub per_basis_point: Option<f64>,
}

/// What one action does to a ratio where the plan starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ranked {
    pub action: String,
    pub ratio: Ratio,
    /// Basis points of the ratio per million euros of the action.
    pub bp_per_million: f64,
    /// Basis points per euro of yearly cost; none for a free action.
    pub bp_per_euro_of_cost: Option<f64>,
}

/// A target the actions cannot reach within their bounds, and the best
/// they reach.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Shortfall {
    pub ratio: Ratio,
    pub target: f64,
    pub best: f64,
}

// `SuggestedPlan` in the OpenAPI document: a subscription is a plan too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = SuggestedPlan))]
pub struct Plan {
    pub feasible: bool,
    /// Euros a year.
    pub cost: f64,
    pub actions: Vec<Step>,
    pub targets: Targets,
    /// The engine's figures with the plan applied.
    pub results_after: Results,
    /// The ratios the plan brings exactly to their target.
    pub binding: Vec<Ratio>,
    pub shadow_prices: Vec<ShadowPrice>,
    /// Single actions by what they do for the first binding ratio (or the
    /// first targeted one), the most effective first.
    pub ranking: Vec<Ranked>,
    pub explanation: Vec<String>,
    /// When infeasible: the first target out of reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<Shortfall>,
    /// Linear programmes solved until plan and engine agreed.
    pub rounds: usize,
}

impl Plan {
    /// The plan's edits in order: a scenario `prudentia compute` accepts.
    pub fn edits(&self) -> Vec<Edit> {
        self.actions.iter().flat_map(|s| s.edits.clone()).collect()
    }
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum SuggestError {
    #[error("action {0}: {1}")]
    Action(String, String),
    #[error("target {0}: {1}")]
    Target(&'static str, String),
}

/// Rounds of solving and checking with the engine before giving up.
const ROUNDS: usize = 8;
/// A ratio within this of its target meets it (the engine's rounding).
const TOLERANCE: f64 = 1e-9;
/// A binding ratio ends within this of its target.
const BINDING: f64 = 1e-5;

struct Context<'a> {
    data: &'a DataSet,
    profile: &'a Profile,
    options: ComputeOptions,
}

impl Context<'_> {
    /// The steps of `amounts` (one per action), their edits built on the
    /// data as each previous step left it, and the engine's results.
    fn run(
        &self,
        actions: &[Action],
        amounts: &[f64],
    ) -> Result<(Vec<Step>, Results), SuggestError> {
        let mut data = self.data.clone();
        let mut profile = self.profile.clone();
        let mut steps = Vec::new();
        for (action, amount) in actions.iter().zip(amounts) {
            if *amount <= 0.0 {
                continue;
            }
            let edits = action.kind.edits(&data, *amount);
            for edit in &edits {
                apply_edit(edit, &mut data, &mut profile)
                    .map_err(|e| SuggestError::Action(action.kind.key(), e))?;
            }
            steps.push(Step {
                action: action.kind.key(),
                amount: *amount,
                cost: amount * action.cost,
                edits,
            });
        }
        Ok((steps, compute(&data, &profile, &self.options)))
    }
}

/// The cheapest plan from `catalogue` that brings every ratio of `data` to
/// `targets`, checked by the engine.
pub fn suggest(
    data: &DataSet,
    profile: &Profile,
    targets: &Targets,
    catalogue: &[Action],
) -> Result<Plan, SuggestError> {
    check(targets, catalogue)?;
    let cx = Context {
        data,
        profile,
        options: ComputeOptions::default(),
    };
    let base = compute(data, profile, &cx.options);
    let ratios: Vec<Ratio> = Ratio::ALL
        .into_iter()
        .filter(|r| targets.get(*r).is_some() && r.parts(&base).is_some())
        .collect();
    let actions: Vec<Action> = catalogue
        .iter()
        .map(|a| Action {
            max: a.max.min(a.kind.room(data)),
            ..a.clone()
        })
        .filter(|a| a.max > 0.0)
        .collect();
    let effects = measure(&cx, &base, &actions, &ratios)?;
    let programme = Programme::new(&actions, &base, &effects, &ratios);
    let mut margins = vec![0.0; ratios.len()];
    // The cheapest plan the engine confirmed so far, with the margins and
    // amounts it was solved with.
    let mut best: Option<Confirmed> = None;
    for round in 1..=ROUNDS {
        let Some(amounts) = programme.solve(targets, &margins) else {
            break;
        };
        let (steps, after) = cx.run(&actions, &amounts)?;
        // Each ratio's surplus over its target, in euros of numerator.
        let surplus: Vec<Option<(f64, f64)>> = ratios
            .iter()
            .map(|r| Some((r.parts(&after)?, targets.get(*r)?)).map(|((n, d), t)| (n - t * d, d)))
            .collect();
        let missed: Vec<(usize, f64)> = surplus
            .iter()
            .enumerate()
            .filter_map(|(k, s)| {
                s.filter(|(gap, d)| *gap < -TOLERANCE * d)
                    .map(|(gap, _)| (k, -gap))
            })
            .collect();
        if !missed.is_empty() {
            for (k, miss) in missed {
                margins[k] += miss * 1.05 + 1.0;
            }
            continue;
        }
        let tight = programme.tight(targets, &margins, &amounts);
        let cost: f64 = steps.iter().map(|s| s.cost).sum();
        if best.as_ref().is_none_or(|b| cost < b.cost) {
            best = Some(Confirmed {
                cost,
                steps,
                after,
                margins: margins.clone(),
                tight: tight.clone(),
                round,
            });
        }
        // The engine found more than the model promised (a sale lowers
        // LTVs, a cap binds): ask the model for less and solve again.
        let over: Vec<(usize, f64)> = tight
            .iter()
            .filter_map(|k| {
                surplus[*k]
                    .filter(|(gap, d)| *gap > BINDING * d)
                    .map(|(gap, _)| (*k, gap))
            })
            .collect();
        if over.is_empty() {
            break;
        }
        for (k, gap) in over {
            margins[k] -= gap * 0.9;
        }
    }
    match best {
        Some(confirmed) => Ok(finish(&programme, targets, &ratios, confirmed)),
        None => infeasible(&cx, &base, &actions, &programme, targets, ROUNDS),
    }
}

/// A plan the engine confirmed meets every target.
struct Confirmed {
    cost: f64,
    steps: Vec<Step>,
    after: Results,
    margins: Vec<f64>,
    /// The rows the programme's solution met exactly.
    tight: Vec<usize>,
    round: usize,
}

fn check(targets: &Targets, catalogue: &[Action]) -> Result<(), SuggestError> {
    targets
        .check()
        .map_err(|(ratio, message)| SuggestError::Target(ratio.label(), message))?;
    for a in catalogue {
        if let Some((_, message)) = catalogue::out_of_range(Some(a.max), Some(a.cost)) {
            return Err(SuggestError::Action(a.kind.key(), message));
        }
    }
    Ok(())
}

/// What each action, done to half its bound, moves in each ratio's
/// numerator and denominator, per euro. Measured on one incremental
/// engine: each action is applied, read and undone (its edits are
/// capital added, exposures or items scaled by a factor of at least a
/// half, all exactly reversible), so no line is compiled twice.
fn measure(
    cx: &Context<'_>,
    base: &Results,
    actions: &[Action],
    ratios: &[Ratio],
) -> Result<Vec<Vec<(f64, f64)>>, SuggestError> {
    let mut engine = IncrementalEngine::new(cx.data.clone(), cx.profile.clone());
    actions
        .iter()
        .map(|action| {
            let probe = action.max / 2.0;
            let edits = action.kind.edits(cx.data, probe);
            let failed = |e: String| SuggestError::Action(action.kind.key(), e);
            for edit in &edits {
                engine.apply(edit).map_err(failed)?;
            }
            let effect = ratios
                .iter()
                .map(|r| match (r.parts(base), r.parts(engine.results())) {
                    (Some((n0, d0)), Some((n1, d1))) => ((n1 - n0) / probe, (d1 - d0) / probe),
                    _ => (0.0, 0.0),
                })
                .collect();
            for edit in edits.iter().rev() {
                let back = undo(edit).ok_or_else(|| failed("its edit cannot be undone".into()))?;
                engine.apply(&back).map_err(failed)?;
            }
            Ok(effect)
        })
        .collect()
}

/// The edit that takes back one of a catalogue action's edits.
fn undo(edit: &Edit) -> Option<Edit> {
    Some(match edit {
        Edit::AddCapital {
            tier,
            label,
            amount,
        } => Edit::AddCapital {
            tier: *tier,
            label: label.clone(),
            amount: -amount,
        },
        Edit::ScaleExposures { filter, factor } => Edit::ScaleExposures {
            filter: filter.clone(),
            factor: 1.0 / factor,
        },
        Edit::ScaleItems {
            section,
            category,
            factor,
        } => Edit::ScaleItems {
            section: *section,
            category: category.clone(),
            factor: 1.0 / factor,
        },
        _ => return None,
    })
}

fn finish(programme: &Programme, targets: &Targets, ratios: &[Ratio], plan: Confirmed) -> Plan {
    let Confirmed {
        steps: actions,
        after,
        margins,
        tight,
        round: rounds,
        ..
    } = plan;
    let binding: Vec<Ratio> = if actions.is_empty() {
        Vec::new()
    } else {
        tight.iter().map(|k| ratios[*k]).collect()
    };
    let margins = margins.as_slice();
    let cost: f64 = actions.iter().map(|s| s.cost).sum();
    let now = programme.cost(targets, margins);
    let shadow_prices = binding
        .iter()
        .map(|r| ShadowPrice {
            ratio: *r,
            per_basis_point: targets.get(*r).zip(now).and_then(|(t, now)| {
                let dearer = programme.cost(&targets.with(*r, t + 1e-4), margins)?;
                Some((dearer - now).max(0.0))
            }),
        })
        .collect();
    let explanation = explain(programme, &actions, &binding, &after, targets);
    let ranking = binding
        .first()
        .or(ratios.first())
        .map(|r| ranked(programme, *r))
        .unwrap_or_default();
    Plan {
        feasible: true,
        cost,
        actions,
        targets: targets.clone(),
        results_after: after,
        binding,
        shadow_prices,
        ranking,
        explanation,
        shortfall: None,
        rounds,
    }
}

fn ranked(programme: &Programme, ratio: Ratio) -> Vec<Ranked> {
    programme
        .ranking(ratio)
        .into_iter()
        .map(|(action, bp_per_million)| Ranked {
            bp_per_euro_of_cost: programme
                .cost_of(&action)
                .filter(|c| *c > 0.0)
                .map(|c| bp_per_million / (c * 1e6)),
            action,
            ratio,
            bp_per_million,
        })
        .collect()
}

fn explain(
    programme: &Programme,
    actions: &[Step],
    binding: &[Ratio],
    after: &Results,
    targets: &Targets,
) -> Vec<String> {
    if actions.is_empty() {
        return vec!["Every ratio meets its target already: nothing to do.".to_owned()];
    }
    let mut lines: Vec<String> = actions
        .iter()
        .map(|s| {
            let rule = programme.rule_of(&s.action).unwrap_or_default();
            format!(
                "{}: €{:.1} m at €{:.2} m a year, because {rule}.",
                s.action,
                s.amount / 1e6,
                s.cost / 1e6
            )
        })
        .collect();
    for r in binding {
        if let (Some(t), Some(v)) = (targets.get(*r), r.value(after)) {
            lines.push(format!(
                "{} ends at {:.2} % against its {:.2} % target: the constraint that sets the plan.",
                r.label(),
                v * 100.0,
                t * 100.0
            ));
        }
    }
    lines
}

/// The first target the actions cannot reach, and the best they reach.
fn infeasible(
    cx: &Context<'_>,
    base: &Results,
    actions: &[Action],
    programme: &Programme,
    targets: &Targets,
    rounds: usize,
) -> Result<Plan, SuggestError> {
    let shortfall = programme.out_of_reach(targets).map(|(ratio, amounts)| {
        let best = cx
            .run(actions, &amounts)
            .ok()
            .and_then(|(_, r)| ratio.value(&r))
            .unwrap_or_default();
        Shortfall {
            ratio,
            target: targets.get(ratio).unwrap_or_default(),
            best,
        }
    });
    let explanation = vec![match &shortfall {
        Some(s) => format!(
            "{} cannot reach {:.2} % within the actions' bounds: at best {:.2} %, {:.0} bp short.",
            s.ratio.label(),
            s.target * 100.0,
            s.best * 100.0,
            (s.target - s.best) * 1e4
        ),
        None => "The targets cannot all be met together within the actions' bounds.".to_owned(),
    }];
    Ok(Plan {
        feasible: false,
        cost: 0.0,
        actions: Vec::new(),
        targets: targets.clone(),
        results_after: base.clone(),
        binding: Vec::new(),
        shadow_prices: Vec::new(),
        ranking: shortfall
            .as_ref()
            .map(|s| ranked(programme, s.ratio))
            .unwrap_or_default(),
        explanation,
        shortfall,
        rounds,
    })
}
