//! The actions a plan may take, each an edit of the scenario vocabulary
//! with an amount in euros, its bound and its yearly cost per euro.

use crate::engine::dataset::{DataSet, ExposureClass, HqlaLevel, Tier};
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
                     reduce_class:CLASS, buy_level1_hqla or lengthen_funding"
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

/// The catalogue shipped to every organisation, sized on its data set:
/// capital issuance up to a share of RWA at a cost of equity or coupon,
/// each class sold down by up to a fifth at 2 % of the amount a year (lost
/// margin and the sale's discount), HQLA bought up to a tenth of the
/// HQLA at 0.5 % negative carry, funding lengthened at 0.4 %.
pub fn defaults(data: &DataSet, rwa: f64) -> Vec<Action> {
    let mut actions = vec![
        Action {
            kind: ActionKind::IssueCet1,
            max: 0.02 * rwa,
            cost: 0.12,
        },
        Action {
            kind: ActionKind::IssueAt1,
            max: 0.015 * rwa,
            cost: 0.08,
        },
        Action {
            kind: ActionKind::IssueT2,
            max: 0.02 * rwa,
            cost: 0.06,
        },
    ];
    for class in ExposureClass::ALL {
        let exposure = class_exposure(data, class);
        if exposure > 0.0 {
            actions.push(Action {
                kind: ActionKind::ReduceClass(class),
                max: 0.2 * exposure,
                cost: 0.02,
            });
        }
    }
    let hqla: f64 = data
        .lcr
        .iter()
        .flat_map(|l| &l.hqla)
        .map(|i| i.amount)
        .sum();
    if hqla > 0.0 {
        actions.push(Action {
            kind: ActionKind::BuyLevel1Hqla,
            max: 0.1 * hqla,
            cost: 0.005,
        });
    }
    let short = items(data, ItemSection::NsfrAsf, "other_funding_6m_to_1y");
    if short > 0.0 {
        actions.push(Action {
            kind: ActionKind::LengthenFunding,
            max: short,
            cost: 0.004,
        });
    }
    actions
}
