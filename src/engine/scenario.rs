//! What-if scenarios (ratios.md §12, dataset.md "Scenario"): ordered edits
//! applied to a copy of the data set and profile, and the comparison of
//! baseline and scenario results.

use super::dataset::{
    CapitalItem, CapitalKind, CounterpartyType, DataSet, Exposure, ExposureClass, OffBalanceType,
    Tier,
};
use super::profile::{Profile, ProfileError};
use super::rating::{Notch, Rating};
use super::results::Results;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A scenario is strict (ratios.md §12): an unknown key anywhere, an
/// unknown op, field, category or profile key is refused with the index of
/// its edit, never skipped, so a typo cannot pass for an applied edit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(try_from = "RawScenario")]
pub struct Scenario {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub edits: Vec<Edit>,
}

/// A scenario before its edits are read one by one (each error then names
/// its edit's index).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    name: String,
    #[serde(default)]
    edits: Vec<Value>,
}

impl TryFrom<RawScenario> for Scenario {
    type Error = ScenarioError;

    fn try_from(raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let edits = raw
            .edits
            .into_iter()
            .enumerate()
            .map(|(index, edit)| {
                serde_path_to_error::deserialize(edit).map_err(|e| ScenarioError::Edit {
                    index,
                    message: match e.path().to_string().as_str() {
                        "." => e.inner().to_string(),
                        path => format!("{path}: {}", e.inner()),
                    },
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Scenario {
            name: raw.name,
            edits,
        })
    }
}

/// Selects exposure lines; every field given must match; empty = all lines.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Filter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<ExposureClass>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterparty_type: Option<CounterpartyType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_bucket: Option<RatingBucket>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_balance_type: Option<OffBalanceType>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RatingBucket {
    #[serde(rename = "CQS1")]
    Cqs1,
    #[serde(rename = "CQS2")]
    Cqs2,
    #[serde(rename = "CQS3")]
    Cqs3,
    #[serde(rename = "CQS4")]
    Cqs4,
    #[serde(rename = "CQS5")]
    Cqs5,
    #[serde(rename = "CQS6")]
    Cqs6,
    #[serde(rename = "unrated")]
    Unrated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ItemSection {
    #[serde(rename = "lcr.outflows")]
    LcrOutflows,
    #[serde(rename = "lcr.inflows")]
    LcrInflows,
    #[serde(rename = "lcr.hqla")]
    LcrHqla,
    #[serde(rename = "nsfr.asf")]
    NsfrAsf,
    #[serde(rename = "nsfr.rsf")]
    NsfrRsf,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    ScaleExposures {
        #[serde(default)]
        filter: Filter,
        factor: f64,
    },
    ShiftRatings {
        #[serde(default)]
        filter: Filter,
        notches: i32,
    },
    /// Multiplies `undrawn` only: commitments cancelled or granted, the
    /// drawn part untouched.
    ScaleUndrawn {
        #[serde(default)]
        filter: Filter,
        factor: f64,
    },
    /// Multiplies `collateral_value` only: more or less collateral pledged
    /// on the lines that have some.
    ScaleCollateral {
        #[serde(default)]
        filter: Filter,
        factor: f64,
    },
    SetLine {
        id: String,
        field: String,
        value: Value,
    },
    AddCapital {
        tier: Tier,
        #[serde(default)]
        label: String,
        amount: f64,
    },
    ScaleItems {
        section: ItemSection,
        #[serde(default, alias = "level")]
        category: Option<String>,
        factor: f64,
    },
    SetRequirement {
        key: String,
        value: Value,
    },
    SetParameter {
        key: String,
        value: f64,
    },
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("scenario is not valid JSON for the format of dataset.md: {0}")]
    Parse(String),
    #[error("edits[{index}]: {message}")]
    Edit { index: usize, message: String },
}

impl Filter {
    /// The filter ready to test many lines: its ids in a set, so selecting
    /// costs O(lines + ids), not their product.
    pub fn selector(&self) -> Selector<'_> {
        Selector {
            filter: self,
            ids: self
                .ids
                .as_ref()
                .map(|ids| ids.iter().map(String::as_str).collect()),
        }
    }
}

/// A [`Filter`] prepared for [`Selector::matches`].
pub struct Selector<'a> {
    filter: &'a Filter,
    ids: Option<FxHashSet<&'a str>>,
}

impl Selector<'_> {
    pub fn matches(&self, line: &Exposure) -> bool {
        let filter = self.filter;
        filter.class.is_none_or(|c| c == line.class)
            && filter
                .country
                .as_deref()
                .is_none_or(|c| line.country.as_deref() == Some(c))
            && filter
                .sector
                .as_deref()
                .is_none_or(|s| line.sector.as_deref() == Some(s))
            && filter
                .counterparty_type
                .is_none_or(|t| line.counterparty_type == Some(t))
            && filter.rating_bucket.is_none_or(|b| bucket_of(line) == b)
            && filter
                .off_balance_type
                .is_none_or(|t| line.off_balance_type == Some(t))
            && self
                .ids
                .as_ref()
                .is_none_or(|ids| ids.contains(line.id.as_str()))
    }
}

/// Where each line of a data set sits, by id, built at the first lookup.
/// Edits never add, remove or rename lines, so one index serves a whole
/// scenario: a `set_line` costs O(1) after the first.
#[derive(Default)]
pub struct LineIndex(Option<FxHashMap<String, usize>>);

impl LineIndex {
    /// The index of `data`, built now.
    pub fn of(data: &DataSet) -> LineIndex {
        let mut index = LineIndex::default();
        index.position(data, "");
        index
    }

    /// Where line `id` sits, once the index is built.
    pub fn get(&self, id: &str) -> Option<usize> {
        self.0.as_ref()?.get(id).copied()
    }

    fn position(&mut self, data: &DataSet, id: &str) -> Option<usize> {
        self.0
            .get_or_insert_with(|| {
                data.exposures
                    .iter()
                    .enumerate()
                    .map(|(i, line)| (line.id.clone(), i))
                    .collect()
            })
            .get(id)
            .copied()
    }
}

fn bucket_of(line: &Exposure) -> RatingBucket {
    let cqs = line.rating.notch().map(|n| n.cqs()).or(line.cqs);
    match cqs.map(|c| c.step()) {
        Some(1) => RatingBucket::Cqs1,
        Some(2) => RatingBucket::Cqs2,
        Some(3) => RatingBucket::Cqs3,
        Some(4) => RatingBucket::Cqs4,
        Some(5) => RatingBucket::Cqs5,
        Some(_) => RatingBucket::Cqs6,
        None => RatingBucket::Unrated,
    }
}

fn scale(value: &mut Option<f64>, factor: f64) {
    if let Some(v) = value {
        *v *= factor;
    }
}

impl Scenario {
    pub fn from_json_str(text: &str) -> Result<Scenario, ScenarioError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let raw: RawScenario = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| ScenarioError::Parse(format!("{}: {}", e.path(), e.inner())))?;
        Scenario::try_from(raw)
    }

    /// The data set and profile with every edit applied in order.
    pub fn apply(
        &self,
        data: &DataSet,
        profile: &Profile,
    ) -> Result<(DataSet, Profile), ScenarioError> {
        let mut data = data.clone();
        let mut profile = profile.clone();
        let mut lines = LineIndex::default();
        for (index, edit) in self.edits.iter().enumerate() {
            apply_edit_with(edit, &mut data, &mut profile, &mut lines)
                .map_err(|message| ScenarioError::Edit { index, message })?;
        }
        Ok((data, profile))
    }

    /// The data set with every edit applied and the changed rule parameters
    /// kept as its overrides: a data set that computes, on its own, what
    /// the scenario computes (what a new version of a simulation stores).
    pub fn commit(&self, data: &DataSet, profile: &Profile) -> Result<DataSet, ScenarioError> {
        let (mut changed, _) = self.apply(data, profile)?;
        for edit in &self.edits {
            if let Edit::SetParameter { key, value } = edit {
                changed.overrides.insert(key.clone(), *value);
            }
        }
        Ok(changed)
    }
}

/// `scale_exposures` on one line: every amount, not the property value
/// (a larger loan on the same property has a higher LTV).
pub fn scale_line(line: &mut Exposure, factor: f64) {
    scale(&mut line.drawn, factor);
    scale(&mut line.undrawn, factor);
    scale(&mut line.specific_provisions, factor);
    scale(&mut line.collateral_value, factor);
    scale(&mut line.guaranteed_amount, factor);
}

/// `scale_undrawn` on one line.
pub fn scale_undrawn(line: &mut Exposure, factor: f64) {
    scale(&mut line.undrawn, factor);
}

/// `scale_collateral` on one line.
pub fn scale_collateral(line: &mut Exposure, factor: f64) {
    scale(&mut line.collateral_value, factor);
}

/// `shift_ratings` on one line.
pub fn shift_line(line: &mut Exposure, notches: i32) {
    // A line known only by its CQS moves from that step's middle notch.
    let notch = line.rating.notch().or(line.cqs.map(Notch::middle_of));
    if let Some(notch) = notch {
        line.rating = Rating::Notch(notch.shifted(notches));
        line.cqs = None;
    }
}

/// No what-if multiplies a portfolio by more than this; a larger factor
/// is a typing mistake (and would overflow sums to infinity).
pub const MAX_FACTOR: f64 = 1000.0;

pub fn non_negative_factor(factor: f64) -> Result<(), String> {
    if factor.is_finite() && (0.0..=MAX_FACTOR).contains(&factor) {
        Ok(())
    } else {
        Err(format!(
            "factor must be a number from 0 to {MAX_FACTOR}, got {factor}"
        ))
    }
}

pub fn apply_edit(edit: &Edit, data: &mut DataSet, profile: &mut Profile) -> Result<(), String> {
    apply_edit_with(edit, data, profile, &mut LineIndex::default())
}

/// [`apply_edit`] finding lines through `lines`, an index of this data set
/// kept across the edits of a scenario.
pub fn apply_edit_with(
    edit: &Edit,
    data: &mut DataSet,
    profile: &mut Profile,
    lines: &mut LineIndex,
) -> Result<(), String> {
    match edit {
        Edit::ScaleExposures { filter, factor } => {
            non_negative_factor(*factor)?;
            let selector = filter.selector();
            for line in data.exposures.iter_mut().filter(|l| selector.matches(l)) {
                scale_line(line, *factor);
            }
        }
        Edit::ShiftRatings { filter, notches } => {
            let selector = filter.selector();
            for line in data.exposures.iter_mut().filter(|l| selector.matches(l)) {
                shift_line(line, *notches);
            }
        }
        Edit::ScaleUndrawn { filter, factor } => {
            non_negative_factor(*factor)?;
            let selector = filter.selector();
            for line in data.exposures.iter_mut().filter(|l| selector.matches(l)) {
                scale_undrawn(line, *factor);
            }
        }
        Edit::ScaleCollateral { filter, factor } => {
            non_negative_factor(*factor)?;
            let selector = filter.selector();
            for line in data.exposures.iter_mut().filter(|l| selector.matches(l)) {
                scale_collateral(line, *factor);
            }
        }
        Edit::SetLine { id, field, value } => {
            let index = lines
                .position(data, id)
                .ok_or_else(|| format!("no exposure line has id \"{id}\""))?;
            let line = &mut data.exposures[index];
            let mut json = serde_json::to_value(&*line).map_err(|e| e.to_string())?;
            let Value::Object(map) = &mut json else {
                return Err("exposure is not an object".into());
            };
            if field == "id" {
                return Err("the id of a line cannot be changed".into());
            }
            if !EXPOSURE_FIELDS.contains(&field.as_str()) {
                return Err(format!(
                    "set_line \"{id}\": unknown field \"{field}\" (the fields of an exposure line are \
                     listed in dataset.md)"
                ));
            }
            if value.is_null() {
                map.remove(field);
            } else {
                map.insert(field.clone(), value.clone());
            }
            let updated: Exposure = serde_json::from_value(json)
                .map_err(|e| format!("set_line \"{id}\" field \"{field}\": {e}"))?;
            let probe = DataSet {
                exposures: vec![updated.clone()],
                ..DataSet::default()
            };
            if let Some(problem) = probe.validate().into_iter().next() {
                return Err(format!(
                    "set_line \"{id}\" field \"{field}\": {}",
                    problem.message
                ));
            }
            *line = updated;
        }
        Edit::AddCapital {
            tier,
            label,
            amount,
        } => {
            let max = crate::engine::dataset::MAX_AMOUNT;
            if !(amount.is_finite() && amount.abs() <= max) {
                return Err(format!(
                    "amount must be a number between -{max:e} and {max:e}, got {amount}"
                ));
            }
            data.capital.push(CapitalItem {
                tier: *tier,
                kind: CapitalKind::Item,
                label: label.clone(),
                amount: *amount,
            });
        }
        Edit::ScaleItems {
            section,
            category,
            factor,
        } => {
            non_negative_factor(*factor)?;
            if let Some(category) = category {
                known_category(*section, category)?;
            }
            let matches = |c: &str| category.as_deref().is_none_or(|want| want == c);
            match section {
                ItemSection::LcrHqla => {
                    for item in data.lcr.iter_mut().flat_map(|l| l.hqla.iter_mut()) {
                        let level = serde_json::to_value(item.level).ok();
                        if matches(level.as_ref().and_then(Value::as_str).unwrap_or_default()) {
                            item.amount *= factor;
                        }
                    }
                }
                other => {
                    let items = match other {
                        ItemSection::LcrOutflows => data.lcr.as_mut().map(|l| &mut l.outflows),
                        ItemSection::LcrInflows => data.lcr.as_mut().map(|l| &mut l.inflows),
                        ItemSection::NsfrAsf => data.nsfr.as_mut().map(|n| &mut n.asf),
                        _ => data.nsfr.as_mut().map(|n| &mut n.rsf),
                    };
                    for item in items.into_iter().flatten().filter(|i| matches(&i.category)) {
                        item.amount *= factor;
                    }
                }
            }
        }
        Edit::SetRequirement { key, value } => {
            let req = data.requirements.get_or_insert_with(Default::default);
            let number = || {
                value
                    .as_f64()
                    .filter(|v| (0.0..=1.0).contains(v))
                    .ok_or_else(|| {
                        format!(
                            "requirement \"{key}\" must be a fraction between 0 and 1, got {value}"
                        )
                    })
            };
            match key.as_str() {
                "p2r" => req.p2r = number()?,
                "ccyb" if value.is_null() => req.ccyb = None,
                "ccyb" => req.ccyb = Some(number()?),
                "gsii" => req.gsii = number()?,
                "osii" => req.osii = number()?,
                "syrb" => req.syrb = number()?,
                "leverage_p2r" => req.leverage_p2r = number()?,
                "gsii_leverage_buffer" => req.gsii_leverage_buffer = number()?,
                other => match other.strip_prefix("ccyb_rates.") {
                    Some(country) if !country.is_empty() => {
                        let rate = number()?;
                        req.ccyb_rates.insert(country.to_owned(), rate);
                    }
                    _ => {
                        return Err(format!(
                            "unknown requirement \"{key}\" (expected p2r, ccyb, gsii, osii, syrb, \
                             leverage_p2r, gsii_leverage_buffer or ccyb_rates.<country>)"
                        ));
                    }
                },
            }
        }
        Edit::SetParameter { key, value } => {
            profile
                .set(key, *value)
                .map_err(|e: ProfileError| e.to_string())?;
        }
    }
    Ok(())
}

/// The fields `set_line` may set: every field of an exposure line, as
/// serde reads them.
static EXPOSURE_FIELDS: std::sync::LazyLock<&'static [&'static str]> =
    std::sync::LazyLock::new(serde_aux::serde_introspection::serde_introspect::<Exposure>);

/// A category (or HQLA level) of `section`, else why not.
fn known_category(section: ItemSection, category: &str) -> Result<(), String> {
    use super::profile::{ASF, INFLOWS, OUTFLOWS, RSF};
    let names: Vec<&str> = match section {
        ItemSection::LcrHqla => {
            return serde_json::from_value::<super::dataset::HqlaLevel>(Value::from(category))
                .map(drop)
                .map_err(|_| {
                    format!(
                        "unknown level \"{category}\" in lcr.hqla (expected l1, l2a, l2b_rmbs or \
                         l2b_other)"
                    )
                });
        }
        ItemSection::LcrOutflows => OUTFLOWS.iter().map(|(name, _)| *name).collect(),
        ItemSection::LcrInflows => INFLOWS.iter().map(|(name, _)| *name).collect(),
        ItemSection::NsfrAsf => ASF.iter().map(|(name, _)| *name).collect(),
        ItemSection::NsfrRsf => RSF.iter().map(|(name, _)| *name).collect(),
    };
    if names.contains(&category) {
        Ok(())
    } else {
        Err(format!(
            "unknown category \"{category}\" (expected one of: {})",
            names.join(", ")
        ))
    }
}

/// Baseline, scenario and delta for every figure. The delta is scenario −
/// baseline for each number, null where either side is null; lists are
/// matched by their key (`group` for large exposures, `id` for lines).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub baseline: Value,
    pub scenario: Value,
    pub delta: Value,
}

pub fn compare(baseline: &Results, scenario: &Results) -> Comparison {
    let b = serde_json::to_value(baseline).unwrap_or(Value::Null);
    let s = serde_json::to_value(scenario).unwrap_or(Value::Null);
    let delta = diff(&b, &s);
    Comparison {
        baseline: b,
        scenario: s,
        delta,
    }
}

fn diff(b: &Value, s: &Value) -> Value {
    match (b, s) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => {
                serde_json::Number::from_f64(y - x).map_or(Value::Null, Value::Number)
            }
            _ => Value::Null,
        },
        (Value::Object(x), Value::Object(y)) => {
            let mut out = serde_json::Map::new();
            for key in x.keys().chain(y.keys()) {
                if out.contains_key(key) || key == "profile" {
                    continue;
                }
                let zero_like = |v: Option<&Value>| v.cloned().unwrap_or(Value::Null);
                let d = match (x.get(key), y.get(key)) {
                    (Some(a), Some(c)) => diff(a, c),
                    // A bucket or class present on one side only: the other is 0.
                    (None, Some(c)) => diff(&zeroed(c), c),
                    (Some(a), None) => diff(a, &zeroed(a)),
                    (None, None) => zero_like(None),
                };
                out.insert(key.clone(), d);
            }
            Value::Object(out)
        }
        (Value::Array(x), Value::Array(y)) => diff_lists(x, y),
        _ => Value::Null,
    }
}

/// Lists matched by key (`group`, else `id`): every key present on either
/// side (ratios.md §12), in the scenario's order, then those listed in the
/// baseline only (a delta of −baseline).
fn diff_lists(baseline: &[Value], scenario: &[Value]) -> Value {
    fn key_of(v: &Value) -> Option<(&'static str, &str)> {
        ["group", "id"]
            .into_iter()
            .find_map(|name| Some((name, v.get(name)?.as_str()?)))
    }
    let before: FxHashMap<&str, &Value> = baseline
        .iter()
        .filter_map(|v| Some((key_of(v)?.1, v)))
        .collect();
    let after: FxHashSet<&str> = scenario.iter().filter_map(|v| Some(key_of(v)?.1)).collect();
    let keyed = |(name, key): (&str, &str), mut d: Value| {
        if let Value::Object(m) = &mut d {
            m.insert(name.into(), Value::from(key));
        }
        d
    };
    let changed = scenario.iter().filter_map(|item| {
        let key = key_of(item)?;
        let d = match before.get(key.1) {
            Some(o) => diff(o, item),
            None => diff(&zeroed(item), item),
        };
        Some(keyed(key, d))
    });
    let left = baseline.iter().filter_map(|item| {
        let key = key_of(item).filter(|(_, k)| !after.contains(k))?;
        Some(keyed(key, diff(item, &zeroed(item))))
    });
    Value::Array(changed.chain(left).collect())
}

/// The same shape with every number at 0 (for keys on one side only).
fn zeroed(v: &Value) -> Value {
    match v {
        Value::Number(_) => Value::from(0.0),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), zeroed(v))).collect()),
        other => other.clone(),
    }
}
