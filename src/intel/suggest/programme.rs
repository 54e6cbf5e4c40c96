//! The linear programme of a plan: one variable per action (euros, within
//! its bound, at its cost), one row per targeted ratio (per group above
//! the target for large exposures, as Tier 1 / exposure ≥ 1 / share). A ratio
//! `(n0 + Σ Δnᵢ xᵢ) / (d0 + Σ Δdᵢ xᵢ) ≥ t` is the linear row
//! `Σ (Δnᵢ − t Δdᵢ) xᵢ ≥ t d0 − n0`. Amounts are solved in millions so the
//! solver's tolerances suit a bank's figures.

use super::Ratio;
use super::Targets;
use super::catalogue::Action;
use microlp::{ComparisonOp, OptimizationDirection, Problem};

const MILLION: f64 = 1e6;

pub(super) struct Row {
    pub ratio: Ratio,
    pub numerator: f64,
    pub denominator: f64,
    /// Per action, per euro: (Δ numerator, Δ denominator).
    pub effects: Vec<(f64, f64)>,
}

impl Row {
    /// The row's coefficients for target `t`, and its right-hand side.
    fn linear(&self, t: f64, margin: f64) -> (Vec<f64>, f64) {
        let coefficients = self.effects.iter().map(|(dn, dd)| dn - t * dd).collect();
        (coefficients, t * self.denominator - self.numerator + margin)
    }
}

pub(super) struct Programme {
    keys: Vec<String>,
    rules: Vec<String>,
    costs: Vec<f64>,
    bounds: Vec<f64>,
    rows: Vec<Row>,
}

impl Programme {
    /// Each row's effects hold one pair per action, in order.
    pub(super) fn new(actions: &[Action], rows: Vec<Row>) -> Programme {
        Programme {
            keys: actions.iter().map(|a| a.key()).collect(),
            rules: actions.iter().map(|a| a.rule()).collect(),
            costs: actions.iter().map(|a| a.cost).collect(),
            bounds: actions.iter().map(|a| a.max).collect(),
            rows,
        }
    }

    /// The cheapest amounts (euros, one per action) meeting every row with
    /// its margin (euros of numerator); none when no amounts can.
    pub(super) fn solve(&self, targets: &Targets, margins: &[f64]) -> Option<Vec<f64>> {
        self.solved(targets, margins).map(|(amounts, _)| amounts)
    }

    /// The cheapest plan's cost, euros a year.
    pub(super) fn cost(&self, targets: &Targets, margins: &[f64]) -> Option<f64> {
        self.solved(targets, margins).map(|(_, cost)| cost)
    }

    fn solved(&self, targets: &Targets, margins: &[f64]) -> Option<(Vec<f64>, f64)> {
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        let vars: Vec<_> = self
            .costs
            .iter()
            .zip(&self.bounds)
            .map(|(cost, bound)| problem.add_var(*cost, (0.0, bound / MILLION)))
            .collect();
        for (row, margin) in self.rows.iter().zip(margins) {
            let Some(t) = targets.floor(row.ratio) else {
                continue;
            };
            let (coefficients, rhs) = row.linear(t, *margin);
            let terms: Vec<_> = vars.iter().copied().zip(coefficients).collect();
            problem.add_constraint(terms.as_slice(), ComparisonOp::Ge, rhs / MILLION);
        }
        // The solver is young and may panic on a degenerate programme: that
        // is no plan, never a crash.
        let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| problem.solve()));
        let solution = solved.ok()?.ok()?;
        let amounts: Vec<f64> = vars
            .iter()
            .zip(&self.bounds)
            // Tiny amounts are the solver's noise, not an action.
            .map(|(v, bound)| (solution[*v] * MILLION).clamp(0.0, *bound))
            .map(|x| if x < 1.0 { 0.0 } else { x })
            .collect();
        Some((amounts, solution.objective() * MILLION))
    }

    /// Each action's effect on `ratio` where it starts, in basis points
    /// per million euros, the most effective first.
    pub(super) fn ranking(&self, ratio: Ratio) -> Vec<(String, f64)> {
        let Some(row) = self.rows.iter().find(|r| r.ratio == ratio) else {
            return Vec::new();
        };
        let now = row.numerator / row.denominator;
        // For large exposures, basis points of the share of Tier 1 taken
        // off: d(E / T1) = −(d(T1 / E)) × (E / T1)².
        let unit = if ratio == Ratio::LargeExposure {
            (row.denominator / row.numerator).powi(2)
        } else {
            1.0
        };
        let mut ranked: Vec<(String, f64)> = self
            .keys
            .iter()
            .zip(&row.effects)
            .map(|(key, (dn, dd))| {
                (
                    key.clone(),
                    (dn - now * dd) / row.denominator * MILLION * 1e4 * unit,
                )
            })
            .filter(|(_, bp)| *bp > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    /// An action's yearly cost per euro.
    pub(super) fn cost_of(&self, key: &str) -> Option<f64> {
        let i = self.keys.iter().position(|k| k == key)?;
        Some(self.costs[i])
    }

    /// The rows (by index) that `amounts` meet exactly, with no room left.
    pub(super) fn tight(&self, targets: &Targets, margins: &[f64], amounts: &[f64]) -> Vec<usize> {
        self.rows
            .iter()
            .zip(margins)
            .enumerate()
            .filter_map(|(k, (row, margin))| {
                let (coefficients, rhs) = row.linear(targets.floor(row.ratio)?, *margin);
                let met: f64 = coefficients.iter().zip(amounts).map(|(c, x)| c * x).sum();
                (met - rhs <= 1e-6 * rhs.abs().max(row.denominator)).then_some(k)
            })
            .collect()
    }

    pub(super) fn rule_of(&self, key: &str) -> Option<String> {
        let i = self.keys.iter().position(|k| k == key)?;
        Some(self.rules[i].clone())
    }

    /// The first target that even every helpful action at its bound cannot
    /// reach, with those amounts.
    pub(super) fn out_of_reach(&self, targets: &Targets) -> Option<(Ratio, Vec<f64>)> {
        self.rows.iter().find_map(|row| {
            let t = targets.floor(row.ratio)?;
            let (coefficients, rhs) = row.linear(t, 0.0);
            let amounts: Vec<f64> = coefficients
                .iter()
                .zip(&self.bounds)
                .map(|(c, bound)| if *c > 0.0 { *bound } else { 0.0 })
                .collect();
            let best: f64 = coefficients.iter().zip(&amounts).map(|(c, x)| c * x).sum();
            (best < rhs).then_some((row.ratio, amounts))
        })
    }
}
