//! The actions a plan may take, each an edit of the scenario vocabulary
//! with an amount in euros, its bound and its yearly cost per euro.

use crate::engine::dataset::{DataSet, ExposureClass, HqlaLevel, MAX_AMOUNT, Tier};
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
    /// Buy Level 1 HQLA funded by term funding beyond one year.
    BuyLevel1Hqla,
    /// Replace funding of six months to a year by funding beyond a year.
    LengthenFunding,
    /// Sell Level 2B assets and buy Level 1 with the proceeds.
    SwapLevel2bForLevel1,
}

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
        ];
        if let Some(kind) = simple.into_iter().find(|k| k.key() == key) {
            return Ok(kind);
        }
        key.strip_prefix("reduce_class:")
            .and_then(|class| ExposureClass::ALL.into_iter().find(|c| c.key() == class))
            .map(ActionKind::ReduceClass)
            .ok_or_else(|| {
                format!(
                    "unknown action \"{key}\": expected issue_cet1, issue_at1, issue_t2, retain_earnings, \
                     reduce_class:CLASS, buy_level1_hqla, lengthen_funding or swap_level2b_for_level1"
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
            ActionKind::BuyLevel1Hqla => "buy_level1_hqla".into(),
            ActionKind::LengthenFunding => "lengthen_funding".into(),
            ActionKind::SwapLevel2bForLevel1 => "swap_level2b_for_level1".into(),
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
            ActionKind::BuyLevel1Hqla => {
                "Level 1 assets count in HQLA without haircut or cap, and term funding beyond a year is 100 % available stable funding (ratios.md §8, §9)".into()
            }
            ActionKind::LengthenFunding => {
                "funding beyond one year is 100 % available stable funding, against 50 % between six months and a year (ratios.md §9)".into()
            }
            ActionKind::SwapLevel2bForLevel1 => {
                "Level 2B assets lose half their value to the haircut and count under the 15 % cap, Level 1 counts in full (ratios.md §8)".into()
            }
        }
    }

    /// The edits that do `amount` euros of this action to `data` as it
    /// stands (a plan applies its actions one after the other).
    pub fn edits(self, data: &DataSet, amount: f64) -> Vec<Edit> {
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
        }
    }

    /// The most the data set allows, whatever the catalogue says: a class
    /// cannot be sold twice, an item that is not there cannot grow.
    pub fn room(self, data: &DataSet) -> f64 {
        match self {
            ActionKind::ReduceClass(class) => class_exposure(data, class),
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
            actions.push(Action {
                kind: o.kind,
                max,
                cost,
            });
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

fn class_exposure(data: &DataSet, class: ExposureClass) -> f64 {
    data.exposures
        .iter()
        .filter(|l| l.class == class)
        .map(|l| l.drawn.unwrap_or(0.0) + l.undrawn.unwrap_or(0.0))
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
        kinds.extend([
            ActionKind::BuyLevel1Hqla,
            ActionKind::SwapLevel2bForLevel1,
            ActionKind::LengthenFunding,
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
            ActionKind::BuyLevel1Hqla => Some((0.005, "a tenth of the HQLA (negative carry)")),
            ActionKind::SwapLevel2bForLevel1 => Some((0.003, "all Level 2B (yield given up)")),
            ActionKind::LengthenFunding => {
                Some((0.004, "all funding of 6 months to 1 year (term premium)"))
            }
        }
    }

    /// The shipped bound for `data` (RWA `rwa`), in euros.
    fn shipped_max(self, data: &DataSet, rwa: f64) -> f64 {
        match self {
            ActionKind::IssueCet1 | ActionKind::IssueT2 => 0.02 * rwa,
            ActionKind::IssueAt1 => 0.015 * rwa,
            ActionKind::RetainEarnings => 0.0,
            ActionKind::ReduceClass(class) => 0.2 * class_exposure(data, class),
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
        }
    }
}

/// The catalogue shipped to every organisation, sized on its data set
/// (see [`ActionKind::shipped`]): the actions the data set leaves room for.
pub fn defaults(data: &DataSet, rwa: f64) -> Vec<Action> {
    ActionKind::all()
        .into_iter()
        .filter_map(|kind| {
            let (cost, _) = kind.shipped()?;
            let max = kind.shipped_max(data, rwa);
            (max > 0.0).then_some(Action { kind, max, cost })
        })
        .collect()
}
