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
use crate::engine::scenario::{Edit, LineIndex, apply_edit_with};
use crate::engine::{ComputeOptions, compute};
use catalogue::{Action, ActionKind};
use programme::{Programme, Row};
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
    /// The largest large exposure's share of Tier 1: a ceiling, where
    /// every other target is a floor.
    LargeExposure,
}

impl Ratio {
    pub const ALL: [Ratio; 7] = [
        Ratio::Cet1,
        Ratio::Tier1,
        Ratio::TotalCapital,
        Ratio::Leverage,
        Ratio::Lcr,
        Ratio::Nsfr,
        Ratio::LargeExposure,
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
            Ratio::LargeExposure => "large_exposure",
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
            Ratio::LargeExposure => "largest large exposure",
        }
    }

    /// The label to begin a sentence or head a column.
    pub fn title(self) -> String {
        crate::model::text::capitalised(self.label())
    }

    /// Numerator and denominator, when the data set has them; for large
    /// exposures Tier 1 over the largest group, so that a ceiling on the
    /// share is a floor like the others.
    fn parts(self, r: &Results) -> Option<(f64, f64)> {
        let c = &r.capital;
        match self {
            Ratio::Cet1 => Some((c.cet1, r.rwa.total)),
            Ratio::Tier1 => Some((c.tier1, r.rwa.total)),
            Ratio::TotalCapital => Some((c.total, r.rwa.total)),
            Ratio::Leverage => Some((c.tier1, r.leverage.exposure_measure)),
            Ratio::Lcr => r.lcr.hqla.zip(r.lcr.net_outflows),
            Ratio::Nsfr => r.nsfr.asf.zip(r.nsfr.rsf),
            Ratio::LargeExposure => r.large_exposures.first().map(|g| (c.tier1, g.exposure)),
        }
        .filter(|(n, d)| *d > 0.0 && (self != Ratio::LargeExposure || *n > 0.0))
    }

    /// The ratio in `r`, when it can be computed; for large exposures the
    /// largest group's share of Tier 1.
    pub fn value(self, r: &Results) -> Option<f64> {
        let (n, d) = self.parts(r)?;
        Some(if self == Ratio::LargeExposure {
            d / n
        } else {
            n / d
        })
    }

    /// Whether `value` meets `target`: at least it, or at most it for
    /// large exposures.
    pub fn meets(self, value: f64, target: f64) -> bool {
        if self == Ratio::LargeExposure {
            value <= target + TOLERANCE
        } else {
            value >= target - TOLERANCE
        }
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
    /// The most the largest large exposure may be, as a share of Tier 1.
    pub large_exposure: Option<f64>,
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
            large_exposure: r
                .large_exposures
                .first()
                .and_then(|g| has(Ratio::LargeExposure, g.limit - m.large_exposure)),
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

    /// The first target that is no ratio (between 0 and 10; a share of
    /// Tier 1 above 0 and at most 1 for large exposures), and why.
    pub fn check(&self) -> Result<(), (Ratio, String)> {
        for ratio in Ratio::ALL {
            let Some(t) = self.get(ratio) else { continue };
            if ratio == Ratio::LargeExposure && !(t > 0.0 && t <= 1.0) {
                return Err((
                    ratio,
                    format!("{t} is not a share of Tier 1 above 0 and at most 1 (0.2 for 20 %)"),
                ));
            }
            if !(t.is_finite() && (0.0..=10.0).contains(&t)) {
                return Err((
                    ratio,
                    format!("{t} is not a ratio between 0 and 10 (1.1 for 110 %)"),
                ));
            }
        }
        Ok(())
    }

    /// The floor of the ratio's parts: Tier 1 over a group's exposure must
    /// reach 1 / the share for large exposures.
    fn floor(&self, ratio: Ratio) -> Option<f64> {
        let t = self.get(ratio)?;
        Some(if ratio == Ratio::LargeExposure {
            1.0 / t
        } else {
            t
        })
    }

    /// These targets with `ratio`'s one basis point harder to meet.
    fn harder(&self, ratio: Ratio) -> Option<Targets> {
        let t = self.get(ratio)?;
        let bp = if ratio == Ratio::LargeExposure {
            -1e-4
        } else {
            1e-4
        };
        Some(self.with(ratio, t + bp))
    }

    pub fn get(&self, ratio: Ratio) -> Option<f64> {
        match ratio {
            Ratio::Cet1 => self.cet1,
            Ratio::Tier1 => self.tier1,
            Ratio::TotalCapital => self.total_capital,
            Ratio::Leverage => self.leverage,
            Ratio::Lcr => self.lcr,
            Ratio::Nsfr => self.nsfr,
            Ratio::LargeExposure => self.large_exposure,
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
            Ratio::LargeExposure => &mut t.large_exposure,
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
        let mut lines = LineIndex::default();
        let mut steps = Vec::new();
        for (action, amount) in actions.iter().zip(amounts) {
            if *amount <= 0.0 {
                continue;
            }
            let edits = action.edits(&data, *amount);
            for edit in &edits {
                apply_edit_with(edit, &mut data, &mut profile, &mut lines)
                    .map_err(|e| SuggestError::Action(action.key(), e))?;
            }
            steps.push(Step {
                action: action.key(),
                amount: *amount,
                cost: amount * action.cost,
                edits,
            });
        }
        Ok((steps, compute(&data, &profile, &self.options)))
    }
}

/// One row of the programme: a ratio, or for large exposures one group
/// above the target (each group must stay under it).
#[derive(Clone, Debug, PartialEq)]
struct Constraint {
    ratio: Ratio,
    group: Option<String>,
}

impl Constraint {
    /// Numerator and denominator in the full engine's results; a group no
    /// longer listed is below every listed one, so below the target.
    fn parts(&self, r: &Results) -> Option<(f64, f64)> {
        match &self.group {
            None => self.ratio.parts(r),
            Some(group) => r
                .large_exposures
                .iter()
                .find(|g| &g.group == group)
                .map(|g| (r.capital.tier1, g.exposure))
                .filter(|(n, d)| *n > 0.0 && *d > 0.0),
        }
    }

    /// The same on the incremental engine, which knows every group.
    fn measured(&self, engine: &IncrementalEngine) -> Option<(f64, f64)> {
        let r = engine.results();
        match &self.group {
            None => self.ratio.parts(r),
            Some(group) => Some((r.capital.tier1, engine.group_exposure(group).unwrap_or(0.0))),
        }
    }
}

/// The rows for `targets`: each targeted ratio the data set has, and each
/// group above the large-exposure target, the largest first.
fn constraints(engine: &IncrementalEngine, targets: &Targets) -> Vec<Constraint> {
    let r = engine.results();
    let mut rows: Vec<Constraint> = Ratio::ALL
        .into_iter()
        .filter(|ratio| *ratio != Ratio::LargeExposure)
        .filter(|ratio| targets.get(*ratio).is_some() && ratio.parts(r).is_some())
        .map(|ratio| Constraint { ratio, group: None })
        .collect();
    if let Some(share) = targets.large_exposure
        && r.capital.tier1 > 0.0
    {
        rows.extend(
            engine
                .groups_above(share * r.capital.tier1)
                .into_iter()
                .map(|(group, _)| Constraint {
                    ratio: Ratio::LargeExposure,
                    group: Some(group),
                }),
        );
    }
    rows
}

/// The catalogue as a plan uses it: each bound cut to what the data set
/// allows, and each large-exposure action once per group above the target.
fn usable(catalogue: &[Action], data: &DataSet, constraints: &[Constraint]) -> Vec<Action> {
    let groups: Vec<&String> = constraints
        .iter()
        .filter_map(|c| c.group.as_ref())
        .collect();
    catalogue
        .iter()
        .flat_map(|a| match a.kind {
            ActionKind::SellLargeExposure | ActionKind::GuaranteeLargeExposure => groups
                .iter()
                .map(|g| Action {
                    group: Some((*g).clone()),
                    ..a.clone()
                })
                .collect(),
            _ => vec![a.clone()],
        })
        .map(|a| Action {
            max: a.max.min(a.room(data)),
            ..a
        })
        .filter(|a| a.max > 0.0)
        .collect()
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
    let mut engine = IncrementalEngine::new(data.clone(), profile.clone());
    let measured = measured(&mut engine, targets, catalogue)?;
    plan(data, profile, targets, measured)
}

/// [`suggest`] for the data set an engine already holds (the dashboard's,
/// with the levers applied), which saves building one and copying its
/// lines: the actions are measured on it and taken back, leaving its
/// figures as they were (to rounding), and the plan is checked on its lines.
pub fn suggest_on(
    engine: &mut IncrementalEngine,
    targets: &Targets,
    catalogue: &[Action],
) -> Result<Plan, SuggestError> {
    check(targets, catalogue)?;
    let profile = engine.profile().clone();
    let measured = measured(engine, targets, catalogue)?;
    plan(engine.data(), &profile, targets, measured)
}

/// The programme's rows and the actions they are for, measured on an engine.
struct Measured {
    constraints: Vec<Constraint>,
    actions: Vec<Action>,
    programme: Programme,
}

fn measured(
    engine: &mut IncrementalEngine,
    targets: &Targets,
    catalogue: &[Action],
) -> Result<Measured, SuggestError> {
    let constraints = constraints(engine, targets);
    let (actions, probes) = {
        let data = engine.data();
        let actions = usable(catalogue, data, &constraints);
        let probes: Vec<Vec<Edit>> = actions.iter().map(|a| a.edits(data, a.max / 2.0)).collect();
        (actions, probes)
    };
    let rows = measure(engine, &actions, probes, &constraints)?;
    let programme = Programme::new(&actions, rows);
    Ok(Measured {
        constraints,
        actions,
        programme,
    })
}

fn plan(
    data: &DataSet,
    profile: &Profile,
    targets: &Targets,
    measured: Measured,
) -> Result<Plan, SuggestError> {
    let cx = Context {
        data,
        profile,
        options: ComputeOptions::default(),
    };
    let Measured {
        constraints,
        actions,
        programme,
    } = measured;
    let mut margins = vec![0.0; constraints.len()];
    // The cheapest plan the engine confirmed so far, with the margins and
    // amounts it was solved with.
    let mut best: Option<Confirmed> = None;
    for round in 1..=ROUNDS {
        let Some(amounts) = programme.solve(targets, &margins) else {
            break;
        };
        let (steps, after) = cx.run(&actions, &amounts)?;
        // Each row's surplus over its target, in euros of numerator.
        let surplus: Vec<Option<(f64, f64)>> = constraints
            .iter()
            .map(|c| {
                let ((n, d), t) = (c.parts(&after)?, targets.floor(c.ratio)?);
                Some((n - t * d, d))
            })
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
    let ratios: Vec<Ratio> = constraints.iter().map(|c| c.ratio).collect();
    match best {
        Some(confirmed) => Ok(finish(&programme, targets, &ratios, confirmed)),
        None => infeasible(&cx, &actions, &programme, targets, ROUNDS),
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
            return Err(SuggestError::Action(a.key(), message));
        }
    }
    Ok(())
}

/// The programme's rows: what each action, done to half its bound (its
/// `probes`), moves in each row's numerator and denominator, per euro.
/// Measured on one incremental engine: each action is applied, read and
/// undone, so no line is compiled twice.
fn measure(
    engine: &mut IncrementalEngine,
    actions: &[Action],
    probes: Vec<Vec<Edit>>,
    constraints: &[Constraint],
) -> Result<Vec<Row>, SuggestError> {
    let base: Vec<Option<(f64, f64)>> = constraints.iter().map(|c| c.measured(engine)).collect();
    let mut effects = vec![Vec::with_capacity(actions.len()); constraints.len()];
    for (action, edits) in actions.iter().zip(probes) {
        let probe = action.max / 2.0;
        let failed = |e: String| SuggestError::Action(action.key(), e);
        let mut undo = Vec::new();
        for edit in edits {
            undo.push(
                inverse(&edit, engine).ok_or_else(|| failed("its edit cannot be undone".into()))?,
            );
            engine.apply(&edit).map_err(failed)?;
        }
        for ((c, before), row) in constraints.iter().zip(&base).zip(&mut effects) {
            row.push(match (before, c.measured(engine)) {
                (Some((n0, d0)), Some((n1, d1))) => ((n1 - n0) / probe, (d1 - d0) / probe),
                _ => (0.0, 0.0),
            });
        }
        for back in undo.iter().rev() {
            engine.apply(back).map_err(failed)?;
        }
    }
    Ok(constraints
        .iter()
        .zip(base)
        .zip(effects)
        .filter_map(|((c, parts), effects)| {
            let (numerator, denominator) = parts?;
            Some(Row {
                ratio: c.ratio,
                numerator,
                denominator,
                effects,
            })
        })
        .collect())
}

/// The edit that takes back `edit` on the engine as it stands: capital
/// taken out again, a scale by its inverse (catalogue factors are at
/// least a half), a line's field set back to its value.
fn inverse(edit: &Edit, engine: &IncrementalEngine) -> Option<Edit> {
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
        Edit::ScaleUndrawn { filter, factor } => Edit::ScaleUndrawn {
            filter: filter.clone(),
            factor: 1.0 / factor,
        },
        Edit::ScaleCollateral { filter, factor } => Edit::ScaleCollateral {
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
        Edit::SetLine { id, field, .. } => {
            let line = serde_json::to_value(engine.exposure(id)?).ok()?;
            Edit::SetLine {
                id: id.clone(),
                field: field.clone(),
                value: line.get(field).cloned().unwrap_or_default(),
            }
        }
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
    let mut binding: Vec<Ratio> = Vec::new();
    if !actions.is_empty() {
        for k in &tight {
            if !binding.contains(&ratios[*k]) {
                binding.push(ratios[*k]);
            }
        }
    }
    let margins = margins.as_slice();
    let cost: f64 = actions.iter().map(|s| s.cost).sum();
    let now = programme.cost(targets, margins);
    let shadow_prices = binding
        .iter()
        .map(|r| ShadowPrice {
            ratio: *r,
            per_basis_point: targets.harder(*r).zip(now).and_then(|(harder, now)| {
                let dearer = programme.cost(&harder, margins)?;
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
            let of = if *r == Ratio::LargeExposure {
                " of Tier 1"
            } else {
                ""
            };
            lines.push(format!(
                "{} ends at {:.2} %{of} against its {:.2} % target: the constraint that sets the plan.",
                r.title(),
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
        Some(s) if s.ratio == Ratio::LargeExposure => format!(
            "The largest large exposure cannot come down to {:.2} % of Tier 1 within the actions' bounds: at best {:.2} %, {:.0} bp over.",
            s.target * 100.0,
            s.best * 100.0,
            (s.best - s.target) * 1e4
        ),
        Some(s) => format!(
            "{} cannot reach {:.2} % within the actions' bounds: at best {:.2} %, {:.0} bp short.",
            s.ratio.title(),
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
        results_after: compute(cx.data, cx.profile, &cx.options),
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
