//! The actions a plan may take, each an edit of the scenario vocabulary
//! with an amount in euros, its bound and its yearly cost per euro.

use crate::engine::dataset::{
    DataSet, Exposure, ExposureClass, HqlaLevel, MAX_AMOUNT, OffBalanceType, Tier,
};
use crate::engine::scenario::{Edit, Filter, ItemSection};
use serde::{Deserialize, Serialize};

/// What an action does; named in JSON by its [`ActionKind::key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ActionKind {
    IssueCet1,
    IssueAt1,
    IssueT2,
    /// Cancel a dividend: the earnings stay in CET1.
    RetainEarnings,
    /// Sell down or securitise part of a class, all its lines alike.
    ReduceClass(ExposureClass),
    /// Ask the class's collateralised clients for more of the same
    /// collateral, all its lines alike.
    AddCollateral(ExposureClass),
    /// Buy Level 1 HQLA funded by term funding beyond one year.
    BuyLevel1Hqla,
    /// Replace funding of six months to a year by funding beyond a year.
    LengthenFunding,
    /// Sell Level 2B assets and buy Level 1 with the proceeds.
    SwapLevel2bForLevel1,
    /// Cancel unconditionally cancellable commitments: their undrawn part.
    CancelCommitments,
    /// Sell down the lines of a group above the large-exposure target; one
    /// action per such group in a plan.
    SellLargeExposure,
    /// Cover the lines of a group above the large-exposure target by a
    /// sovereign guarantee (an export credit agency's).
    GuaranteeLargeExposure,
}

/// The guarantor a suggested guarantee names: a sovereign, so its part is
/// exempt from the large-exposure limit (ratios.md §10) and weighs 0 %.
pub const GUARANTOR: &str = "export-credit-agency";

/// One action of an organisation's catalogue:
/// `{"action": "reduce_class:corporate", "max": 5e8, "cost": 0.02}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[serde(rename = "action")]
    pub kind: ActionKind,
    /// The most this action may do, in euros.
    pub max: f64,
    /// Yearly cost per euro (a coupon, a cost of equity, lost margin).
    pub cost: f64,
    /// The group a large-exposure action works on, set when a plan expands
    /// the catalogue's action into one per group above the target.
    #[serde(skip)]
    pub group: Option<String>,
}

impl Action {
    pub fn new(kind: ActionKind, max: f64, cost: f64) -> Action {
        Action {
            kind,
            max,
            cost,
            group: None,
        }
    }

    /// The kind's key, with the group for a large-exposure action:
    /// `sell_large_exposure:GRP-ATLAS`.
    pub fn key(&self) -> String {
        match &self.group {
            Some(group) => format!("{}:{group}", self.kind.key()),
            None => self.kind.key(),
        }
    }

    /// The edits that do `amount` euros of this action to `data` as it
    /// stands (a plan applies its actions one after the other).
    pub fn edits(&self, data: &DataSet, amount: f64) -> Vec<Edit> {
        match (self.kind, &self.group) {
            (ActionKind::SellLargeExposure, Some(group)) => sell_group(data, group, amount),
            (ActionKind::GuaranteeLargeExposure, Some(group)) => {
                guarantee_group(data, group, amount)
            }
            (kind, _) => kind.edits(data, amount),
        }
    }

    /// The most the data set allows, whatever the catalogue says.
    pub fn room(&self, data: &DataSet) -> f64 {
        match (self.kind, &self.group) {
            (ActionKind::SellLargeExposure, Some(group)) => {
                group_lines(data, group).map(size).sum()
            }
            (ActionKind::GuaranteeLargeExposure, Some(group)) => group_lines(data, group)
                .filter(|l| unguaranteed(l))
                .map(size)
                .sum(),
            (kind, _) => kind.room(data),
        }
    }

    pub fn rule(&self) -> String {
        self.kind.rule()
    }
}

impl From<ActionKind> for String {
    fn from(kind: ActionKind) -> String {
        kind.key()
    }
}

impl TryFrom<String> for ActionKind {
    type Error = String;

    fn try_from(key: String) -> Result<ActionKind, String> {
        let simple = [
            ActionKind::IssueCet1,
            ActionKind::IssueAt1,
            ActionKind::IssueT2,
            ActionKind::RetainEarnings,
            ActionKind::BuyLevel1Hqla,
            ActionKind::LengthenFunding,
            ActionKind::SwapLevel2bForLevel1,
            ActionKind::CancelCommitments,
            ActionKind::SellLargeExposure,
            ActionKind::GuaranteeLargeExposure,
        ];
        if let Some(kind) = simple.into_iter().find(|k| k.key() == key) {
            return Ok(kind);
        }
        let class = |prefix: &str| {
            key.strip_prefix(prefix)
                .and_then(|class| ExposureClass::ALL.into_iter().find(|c| c.key() == class))
        };
        class("reduce_class:")
            .map(ActionKind::ReduceClass)
            .or_else(|| class("add_collateral:").map(ActionKind::AddCollateral))
            .ok_or_else(|| {
                format!(
                    "unknown action \"{key}\": expected issue_cet1, issue_at1, issue_t2, retain_earnings, \
                     reduce_class:CLASS, add_collateral:CLASS, buy_level1_hqla, lengthen_funding, swap_level2b_for_level1, \
                     cancel_commitments, sell_large_exposure or guarantee_large_exposure"
                )
            })
    }
}

impl ActionKind {
    /// A stable name: `issue_cet1`, `reduce_class:corporate`…
    pub fn key(self) -> String {
        match self {
            ActionKind::IssueCet1 => "issue_cet1".into(),
            ActionKind::IssueAt1 => "issue_at1".into(),
            ActionKind::IssueT2 => "issue_t2".into(),
            ActionKind::RetainEarnings => "retain_earnings".into(),
            ActionKind::ReduceClass(class) => format!("reduce_class:{}", class.key()),
            ActionKind::AddCollateral(class) => format!("add_collateral:{}", class.key()),
            ActionKind::BuyLevel1Hqla => "buy_level1_hqla".into(),
            ActionKind::LengthenFunding => "lengthen_funding".into(),
            ActionKind::SwapLevel2bForLevel1 => "swap_level2b_for_level1".into(),
            ActionKind::CancelCommitments => "cancel_commitments".into(),
            ActionKind::SellLargeExposure => "sell_large_exposure".into(),
            ActionKind::GuaranteeLargeExposure => "guarantee_large_exposure".into(),
        }
    }

    /// Why the action moves a ratio, with the rule behind it.
    pub fn rule(self) -> String {
        match self {
            ActionKind::IssueCet1 => {
                "new CET1 instruments add to CET1, Tier 1 and total capital (ratios.md §2)".into()
            }
            ActionKind::IssueAt1 => "AT1 adds to Tier 1 and total capital, not CET1 (ratios.md §2)".into(),
            ActionKind::IssueT2 => "Tier 2 adds to total capital only (ratios.md §2)".into(),
            ActionKind::RetainEarnings => {
                "a cancelled dividend stays in retained earnings, which are CET1 (ratios.md §2)".into()
            }
            ActionKind::ReduceClass(class) => format!(
                "selling {} exposures removes their risk-weighted amount and their leverage exposure (ratios.md §3, §7)",
                class.key().replace('_', " ")
            ),
            ActionKind::AddCollateral(class) => format!(
                "more eligible collateral on {} exposures lowers their exposure after credit risk mitigation (CRE22, ratios.md §3) and their large-exposure amount (ratios.md §9)",
                class.key().replace('_', " ")
            ),
            ActionKind::BuyLevel1Hqla => {
                "Level 1 assets count in HQLA without haircut or cap, and term funding beyond a year is 100 % available stable funding (ratios.md §8, §9)".into()
            }
            ActionKind::LengthenFunding => {
                "funding beyond one year is 100 % available stable funding, against 50 % between six months and a year (ratios.md §9)".into()
            }
            ActionKind::SwapLevel2bForLevel1 => {
                "Level 2B assets lose half their value to the haircut and count under the 15 % cap, Level 1 counts in full (ratios.md §8)".into()
            }
            ActionKind::CancelCommitments => {
                "cancelling unconditionally cancellable commitments removes their 10 % CCF from the RWA (CRE20.94, ratios.md §3) and their 10 % from the leverage exposure (ratios.md §6)".into()
            }
            ActionKind::SellLargeExposure => {
                "a sale lowers the group's exposure against the 25 % of Tier 1 limit (LEX20, ratios.md §9) and its RWA".into()
            }
            ActionKind::GuaranteeLargeExposure => {
                "a sovereign's guarantee moves the covered part to an exempt guarantor (LEX30, ratios.md §10) and weighs it at the sovereign's 0 % (CRE22, ratios.md §3)".into()
            }
        }
    }

    /// The edits of an action that needs no group; none for a
    /// large-exposure action, which needs one (see [`Action::edits`]).
    fn edits(self, data: &DataSet, amount: f64) -> Vec<Edit> {
        let capital = |tier: Tier, label: &str| {
            vec![Edit::AddCapital {
                tier,
                label: label.to_owned(),
                amount,
            }]
        };
        match self {
            ActionKind::IssueCet1 => capital(Tier::Cet1, "CET1 issuance (suggested)"),
            ActionKind::IssueAt1 => capital(Tier::At1, "AT1 issuance (suggested)"),
            ActionKind::IssueT2 => capital(Tier::T2, "Tier 2 issuance (suggested)"),
            ActionKind::RetainEarnings => capital(Tier::Cet1, "Dividend cancelled (suggested)"),
            ActionKind::ReduceClass(class) => {
                let total = class_exposure(data, class);
                if total <= 0.0 {
                    return Vec::new();
                }
                vec![Edit::ScaleExposures {
                    filter: Filter {
                        class: Some(class),
                        ..Filter::default()
                    },
                    factor: (1.0 - amount / total).max(0.0),
                }]
            }
            ActionKind::AddCollateral(class) => {
                let total = class_collateral(data, class);
                if total <= 0.0 {
                    return Vec::new();
                }
                vec![Edit::ScaleCollateral {
                    filter: Filter {
                        class: Some(class),
                        ..Filter::default()
                    },
                    factor: 1.0 + amount / total,
                }]
            }
            ActionKind::BuyLevel1Hqla => {
                let mut edits = grow(ItemSection::LcrHqla, "l1", hqla_level1(data), amount);
                edits.extend(grow(
                    ItemSection::NsfrAsf,
                    "capital_and_long_term",
                    items(data, ItemSection::NsfrAsf, "capital_and_long_term"),
                    amount,
                ));
                edits.extend(grow(
                    ItemSection::NsfrRsf,
                    "level1_unencumbered",
                    items(data, ItemSection::NsfrRsf, "level1_unencumbered"),
                    amount,
                ));
                edits
            }
            ActionKind::SwapLevel2bForLevel1 => {
                // The 2B levels shrink in proportion; Level 1 grows by as much.
                let level2b = hqla_level2b(data);
                let mut edits = Vec::new();
                if level2b > 0.0 {
                    for level in ["l2b_rmbs", "l2b_other"] {
                        edits.push(Edit::ScaleItems {
                            section: ItemSection::LcrHqla,
                            category: Some(level.to_owned()),
                            factor: (1.0 - amount / level2b).max(0.0),
                        });
                    }
                }
                edits.extend(grow(ItemSection::LcrHqla, "l1", hqla_level1(data), amount));
                edits
            }
            ActionKind::LengthenFunding => {
                let short = items(data, ItemSection::NsfrAsf, "other_funding_6m_to_1y");
                let mut edits = grow(
                    ItemSection::NsfrAsf,
                    "other_funding_6m_to_1y",
                    short,
                    -amount,
                );
                edits.extend(grow(
                    ItemSection::NsfrAsf,
                    "capital_and_long_term",
                    items(data, ItemSection::NsfrAsf, "capital_and_long_term"),
                    amount,
                ));
                edits
            }
            ActionKind::CancelCommitments => {
                let total = cancellable(data);
                if total <= 0.0 {
                    return Vec::new();
                }
                vec![Edit::ScaleUndrawn {
                    filter: Filter {
                        off_balance_type: Some(OffBalanceType::UnconditionallyCancellable),
                        ..Filter::default()
                    },
                    factor: (1.0 - amount / total).max(0.0),
                }]
            }
            ActionKind::SellLargeExposure | ActionKind::GuaranteeLargeExposure => Vec::new(),
        }
    }

    /// The most the data set allows, whatever the catalogue says: a class
    /// cannot be sold twice, an item that is not there cannot grow.
    fn room(self, data: &DataSet) -> f64 {
        match self {
            ActionKind::ReduceClass(class) => class_exposure(data, class),
            // As much again as the class holds: a client pledges twice what
            // it did at most.
            ActionKind::AddCollateral(class) => class_collateral(data, class),
            ActionKind::BuyLevel1Hqla => {
                let present = hqla_level1(data) > 0.0
                    && items(data, ItemSection::NsfrAsf, "capital_and_long_term") > 0.0
                    && items(data, ItemSection::NsfrRsf, "level1_unencumbered") > 0.0;
                if present { f64::INFINITY } else { 0.0 }
            }
            ActionKind::SwapLevel2bForLevel1 => {
                if hqla_level1(data) > 0.0 {
                    hqla_level2b(data)
                } else {
                    0.0
                }
            }
            ActionKind::LengthenFunding => {
                if items(data, ItemSection::NsfrAsf, "capital_and_long_term") > 0.0 {
                    items(data, ItemSection::NsfrAsf, "other_funding_6m_to_1y")
                } else {
                    0.0
                }
            }
            ActionKind::CancelCommitments => cancellable(data),
            // Only a group gives these room (see `Action::room`).
            ActionKind::SellLargeExposure | ActionKind::GuaranteeLargeExposure => 0.0,
            _ => f64::INFINITY,
        }
    }
}

/// The field (`max` or `cost`) out of range, if one is, and why: a bound
/// in euros, a yearly cost per euro.
pub fn out_of_range(max: Option<f64>, cost: Option<f64>) -> Option<(&'static str, String)> {
    if max.is_some_and(|m| !(0.0..=MAX_AMOUNT).contains(&m)) {
        return Some((
            "max",
            format!("the bound must be between 0 and {MAX_AMOUNT:e} euros"),
        ));
    }
    if cost.is_some_and(|c| !(0.0..=10.0).contains(&c)) {
        return Some((
            "cost",
            "the cost must be between 0 and 10 a year per euro".to_owned(),
        ));
    }
    None
}

/// An organisation's change to one action of the shipped catalogue: left
/// out, or with its own bound (euros) or cost (per euro a year).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Override {
    #[serde(rename = "action")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub kind: ActionKind,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub cost: Option<f64>,
}

fn yes() -> bool {
    true
}

/// The shipped catalogue with an organisation's changes: an action left
/// out goes, a bound or cost given replaces the shipped one, and an action
/// the catalogue does not ship (a dividend to cancel) joins with its bound.
pub fn with_overrides(shipped: Vec<Action>, overrides: &[Override]) -> Vec<Action> {
    let mut actions: Vec<Action> = shipped
        .into_iter()
        .filter_map(|mut a| match overrides.iter().find(|o| o.kind == a.kind) {
            Some(o) if !o.enabled => None,
            Some(o) => {
                a.max = o.max.unwrap_or(a.max);
                a.cost = o.cost.unwrap_or(a.cost);
                Some(a)
            }
            None => Some(a),
        })
        .collect();
    for o in overrides {
        if o.enabled
            && !actions.iter().any(|a| a.kind == o.kind)
            && let (Some(max), Some(cost)) = (o.max, o.cost)
        {
            actions.push(Action::new(o.kind, max, cost));
        }
    }
    actions
}

/// `scale_items` that adds `amount` to a category whose total is `total`.
fn grow(section: ItemSection, category: &str, total: f64, amount: f64) -> Vec<Edit> {
    if total <= 0.0 || amount == 0.0 {
        return Vec::new();
    }
    vec![Edit::ScaleItems {
        section,
        category: Some(category.to_owned()),
        factor: ((total + amount) / total).max(0.0),
    }]
}

/// Sells `amount` euros of a group's own lines, all alike.
fn sell_group(data: &DataSet, group: &str, amount: f64) -> Vec<Edit> {
    let lines: Vec<&Exposure> = group_lines(data, group).collect();
    let total: f64 = lines.iter().map(|l| size(l)).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    vec![Edit::ScaleExposures {
        filter: Filter {
            ids: Some(lines.iter().map(|l| l.id.clone()).collect()),
            ..Filter::default()
        },
        factor: (1.0 - amount / total).max(0.0),
    }]
}

/// Guarantees `amount` euros of a group's lines that have no guarantee
/// yet, the same share of each, by the sovereign [`GUARANTOR`].
fn guarantee_group(data: &DataSet, group: &str, amount: f64) -> Vec<Edit> {
    let lines: Vec<&Exposure> = group_lines(data, group)
        .filter(|l| unguaranteed(l))
        .collect();
    let total: f64 = lines.iter().map(|l| size(l)).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let share = (amount / total).min(1.0);
    let set = |id: &str, field: &str, value: serde_json::Value| Edit::SetLine {
        id: id.to_owned(),
        field: field.to_owned(),
        value,
    };
    lines
        .iter()
        .flat_map(|l| {
            [
                set(&l.id, "guarantor_class", "sovereign".into()),
                set(&l.id, "guarantor_rating", "AAA".into()),
                set(&l.id, "guarantor_group_id", GUARANTOR.into()),
                set(&l.id, "guaranteed_amount", (size(l) * share).into()),
            ]
        })
        .collect()
}

/// A group's own lines: `group_id`, else the counterparty (ratios.md §9).
fn group_lines<'a>(data: &'a DataSet, group: &'a str) -> impl Iterator<Item = &'a Exposure> {
    data.exposures
        .iter()
        .filter(move |l| l.group_id.as_deref().or(l.counterparty_id.as_deref()) == Some(group))
}

fn unguaranteed(line: &Exposure) -> bool {
    line.guaranteed_amount.is_none_or(|g| g <= 0.0) && line.class != ExposureClass::Sovereign
}

/// Drawn and undrawn.
fn size(line: &Exposure) -> f64 {
    line.drawn.unwrap_or(0.0) + line.undrawn.unwrap_or(0.0)
}

/// The undrawn part of unconditionally cancellable commitments.
fn cancellable(data: &DataSet) -> f64 {
    data.exposures
        .iter()
        .filter(|l| l.off_balance_type == Some(OffBalanceType::UnconditionallyCancellable))
        .map(|l| l.undrawn.unwrap_or(0.0))
        .sum()
}

fn class_collateral(data: &DataSet, class: ExposureClass) -> f64 {
    data.exposures
        .iter()
        .filter(|l| l.class == class)
        .filter_map(|l| l.collateral_value)
        .sum()
}

fn class_exposure(data: &DataSet, class: ExposureClass) -> f64 {
    data.exposures
        .iter()
        .filter(|l| l.class == class)
        .map(size)
        .sum()
}

fn hqla_level1(data: &DataSet) -> f64 {
    data.lcr
        .iter()
        .flat_map(|l| &l.hqla)
        .filter(|i| i.level == HqlaLevel::L1)
        .map(|i| i.amount)
        .sum()
}

fn hqla_level2b(data: &DataSet) -> f64 {
    data.lcr
        .iter()
        .flat_map(|l| &l.hqla)
        .filter(|i| matches!(i.level, HqlaLevel::L2bRmbs | HqlaLevel::L2bOther))
        .map(|i| i.amount)
        .sum()
}

fn items(data: &DataSet, section: ItemSection, category: &str) -> f64 {
    let list = match section {
        ItemSection::LcrOutflows => data.lcr.as_ref().map(|l| &l.outflows),
        ItemSection::LcrInflows => data.lcr.as_ref().map(|l| &l.inflows),
        ItemSection::NsfrAsf => data.nsfr.as_ref().map(|n| &n.asf),
        ItemSection::NsfrRsf => data.nsfr.as_ref().map(|n| &n.rsf),
        ItemSection::LcrHqla => None,
    };
    list.into_iter()
        .flatten()
        .filter(|i| i.category == category)
        .map(|i| i.amount)
        .sum()
}

impl ActionKind {
    /// Every action, with one per exposure class.
    pub fn all() -> Vec<ActionKind> {
        let mut kinds = vec![
            ActionKind::IssueCet1,
            ActionKind::IssueAt1,
            ActionKind::IssueT2,
            ActionKind::RetainEarnings,
        ];
        kinds.extend(ExposureClass::ALL.map(ActionKind::ReduceClass));
        kinds.extend(ExposureClass::ALL.map(ActionKind::AddCollateral));
        kinds.extend([
            ActionKind::BuyLevel1Hqla,
            ActionKind::SwapLevel2bForLevel1,
            ActionKind::LengthenFunding,
            ActionKind::CancelCommitments,
            ActionKind::SellLargeExposure,
            ActionKind::GuaranteeLargeExposure,
        ]);
        kinds
    }

    /// The shipped yearly cost per euro, and the shipped bound in words;
    /// none for an action the catalogue does not ship.
    pub fn shipped(self) -> Option<(f64, &'static str)> {
        match self {
            ActionKind::IssueCet1 => Some((0.12, "2 % of RWA (cost of equity)")),
            ActionKind::IssueAt1 => Some((0.08, "1.5 % of RWA (coupon)")),
            ActionKind::IssueT2 => Some((0.06, "2 % of RWA (coupon)")),
            ActionKind::RetainEarnings => None,
            ActionKind::ReduceClass(_) => {
                Some((0.02, "a fifth of the class (lost margin and discount)"))
            }
            ActionKind::AddCollateral(_) => Some((
                0.005,
                "half as much again as the class's collateral (pricing given up)",
            )),
            ActionKind::BuyLevel1Hqla => Some((0.005, "a tenth of the HQLA (negative carry)")),
            ActionKind::SwapLevel2bForLevel1 => Some((0.003, "all Level 2B (yield given up)")),
            ActionKind::LengthenFunding => {
                Some((0.004, "all funding of 6 months to 1 year (term premium)"))
            }
            ActionKind::CancelCommitments => Some((
                0.01,
                "all unconditionally cancellable commitments (fees and clients lost)",
            )),
            ActionKind::SellLargeExposure => Some((
                0.02,
                "the largest group, per group above the target (lost margin and discount)",
            )),
            ActionKind::GuaranteeLargeExposure => Some((
                0.008,
                "the largest group, per group above the target (guarantee fee)",
            )),
        }
    }

    /// The shipped bound for `data` (RWA `rwa`), in euros.
    fn shipped_max(self, data: &DataSet, rwa: f64) -> f64 {
        match self {
            ActionKind::IssueCet1 | ActionKind::IssueT2 => 0.02 * rwa,
            ActionKind::IssueAt1 => 0.015 * rwa,
            ActionKind::RetainEarnings => 0.0,
            ActionKind::ReduceClass(class) => 0.2 * class_exposure(data, class),
            ActionKind::AddCollateral(class) => 0.5 * class_collateral(data, class),
            ActionKind::BuyLevel1Hqla => {
                0.1 * data
                    .lcr
                    .iter()
                    .flat_map(|l| &l.hqla)
                    .map(|i| i.amount)
                    .sum::<f64>()
            }
            ActionKind::SwapLevel2bForLevel1 => hqla_level2b(data),
            ActionKind::LengthenFunding => {
                items(data, ItemSection::NsfrAsf, "other_funding_6m_to_1y")
            }
            ActionKind::CancelCommitments => cancellable(data),
            ActionKind::SellLargeExposure | ActionKind::GuaranteeLargeExposure => {
                largest_group(data)
            }
        }
    }
}

/// The drawn and undrawn amount of the largest group, by its own lines.
fn largest_group(data: &DataSet) -> f64 {
    let mut groups: rustc_hash::FxHashMap<&str, f64> = Default::default();
    for l in &data.exposures {
        if let Some(g) = l.group_id.as_deref().or(l.counterparty_id.as_deref()) {
            *groups.entry(g).or_default() += size(l);
        }
    }
    groups.into_values().fold(0.0, f64::max)
}

/// The catalogue shipped to every organisation, sized on its data set
/// (see [`ActionKind::shipped`]): the actions the data set leaves room for.
pub fn defaults(data: &DataSet, rwa: f64) -> Vec<Action> {
    ActionKind::all()
        .into_iter()
        .filter_map(|kind| {
            let (cost, _) = kind.shipped()?;
            let max = kind.shipped_max(data, rwa);
            (max > 0.0).then_some(Action::new(kind, max, cost))
        })
        .collect()
}
