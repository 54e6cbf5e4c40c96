//! Aggregates of the credit pass, kept per segment so that an edit can take
//! a line's contribution out and put the new one in without touching the
//! other lines (the incremental path), and so that the full computation and
//! the incremental one share every formula.

use super::CR5_BUCKETS;
use super::credit::LineOutcome;
use super::dataset::{CounterpartyType, DataSet, Exposure, ExposureClass};
use super::rules::Rules;
use super::sum::Sum;
use std::collections::HashMap;

/// Keys seen in the data (group ids, countries) as small integers, so the
/// per-line work indexes vectors instead of hashing strings.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// `by_class` keys: the thirteen classes, then `defaulted`.
pub const CLASS_KEYS: usize = 14;
/// `by_risk_weight` keys: the CR5 buckets, then `other`.
pub const BUCKETS: usize = CR5_BUCKETS.len() + 1;

pub fn class_index(line: &Exposure) -> usize {
    if line.defaulted {
        CLASS_KEYS - 1
    } else {
        ExposureClass::ALL
            .iter()
            .position(|c| *c == line.class)
            .unwrap_or(0)
    }
}

pub fn class_name(index: usize) -> &'static str {
    ExposureClass::ALL
        .get(index)
        .map_or("defaulted", |c| c.key())
}

pub fn bucket_index(rw: f64) -> usize {
    let pct = rw * 100.0;
    let rounded = pct.round();
    if (pct - rounded).abs() < 1e-6 && rounded >= 0.0 {
        CR5_BUCKETS
            .iter()
            .position(|b| f64::from(*b) == rounded)
            .unwrap_or(BUCKETS - 1)
    } else {
        BUCKETS - 1
    }
}

pub fn bucket_name(index: usize) -> String {
    CR5_BUCKETS
        .get(index)
        .map_or_else(|| "other".to_owned(), |b| b.to_string())
}

/// What one line adds to every aggregate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contribution {
    pub class: u8,
    pub exposure_after_crm: f64,
    pub rwa: f64,
    pub on_net: f64,
    pub off_leverage: f64,
    pub parts: [(u8, f64, f64); 3],
    pub part_count: u8,
    /// Private-sector weight for the CCyB, by country id (None: rate 0).
    pub ccyb: Option<(Option<u32>, f64)>,
    /// Large-exposure amounts: (group id, amount), borrower and guarantor.
    pub large: [(u32, f64); 2],
    pub large_count: u8,
}

fn is_sovereign_line(line: &Exposure) -> bool {
    line.class == ExposureClass::Sovereign
        || line.counterparty_type == Some(CounterpartyType::Sovereign)
}

pub fn contribution(
    line: &Exposure,
    outcome: &LineOutcome,
    factor: f64,
    rules: &Rules,
    groups: &mut Interner,
    countries: &mut Interner,
) -> Contribution {
    let mut c = Contribution {
        class: class_index(line) as u8,
        exposure_after_crm: outcome.exposure_after_crm,
        rwa: outcome.rwa * factor,
        on_net: outcome.on_net,
        off_leverage: outcome.off_net * outcome.ccf.max(rules.leverage_ccf_floor),
        ..Contribution::default()
    };
    for part in outcome.parts.iter() {
        c.parts[usize::from(c.part_count)] = (
            bucket_index(part.rw) as u8,
            part.exposure,
            part.exposure * part.rw * factor,
        );
        c.part_count += 1;
    }
    // §5.1 private-sector lines: corporate, retail, real estate, any defaulted line.
    if line.defaulted
        || matches!(
            line.class,
            ExposureClass::Corporate | ExposureClass::Retail | ExposureClass::RealEstate
        )
    {
        c.ccyb = Some((
            line.country.as_deref().map(|k| countries.id(k)),
            outcome.exposure,
        ));
    }
    // §9: on_net + off_net × max(CCF, 10 %) less haircut collateral, floored
    // at 0; the guaranteed part moves to the guarantor's group.
    if !is_sovereign_line(line) {
        let after_collateral = (c.on_net + c.off_leverage - outcome.collateral_adjusted).max(0.0);
        let moved = match &line.guarantor_group_id {
            Some(_) => line
                .guaranteed_amount
                .unwrap_or(0.0)
                .clamp(0.0, after_collateral),
            None => 0.0,
        };
        if let Some(group) = line.group_id.as_deref().or(line.counterparty_id.as_deref()) {
            c.large[0] = (groups.id(group), after_collateral - moved);
            c.large_count = 1;
        }
        if let Some(guarantor) = &line.guarantor_group_id
            && moved > 0.0
            && line.guarantor_class != Some(ExposureClass::Sovereign)
        {
            c.large[usize::from(c.large_count)] = (groups.id(guarantor), moved);
            c.large_count += 1;
        }
    }
    c
}

#[derive(Clone, Debug)]
pub struct CreditAggregates {
    pub credit: Sum,
    pub on_balance: Sum,
    pub off_leverage: Sum,
    pub by_class: [(Sum, Sum); CLASS_KEYS],
    pub class_lines: [u32; CLASS_KEYS],
    pub by_bucket: [(Sum, Sum); BUCKETS],
    pub bucket_parts: [u32; BUCKETS],
    pub ccyb_weight: Sum,
    pub ccyb_by_country: Vec<Sum>,
    pub groups: Vec<Sum>,
    /// How many line parts reference each group: a group no line points to
    /// any more is not listed (as if it had never been seen).
    pub group_refs: Vec<u32>,
}

impl Default for CreditAggregates {
    fn default() -> Self {
        CreditAggregates {
            credit: Sum::default(),
            on_balance: Sum::default(),
            off_leverage: Sum::default(),
            by_class: [(Sum::default(), Sum::default()); CLASS_KEYS],
            class_lines: [0; CLASS_KEYS],
            by_bucket: [(Sum::default(), Sum::default()); BUCKETS],
            bucket_parts: [0; BUCKETS],
            ccyb_weight: Sum::default(),
            ccyb_by_country: Vec::new(),
            groups: Vec::new(),
            group_refs: Vec::new(),
        }
    }
}

impl CreditAggregates {
    /// Adds (`sign` = 1) or removes (`sign` = −1) one line's contribution.
    pub fn apply(&mut self, c: &Contribution, sign: f64) {
        let count = |n: &mut u32| {
            if sign > 0.0 {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
            }
        };
        self.credit.add(sign * c.rwa);
        self.on_balance.add(sign * c.on_net);
        self.off_leverage.add(sign * c.off_leverage);
        let class = usize::from(c.class);
        self.by_class[class].0.add(sign * c.exposure_after_crm);
        self.by_class[class].1.add(sign * c.rwa);
        count(&mut self.class_lines[class]);
        for (bucket, exposure, rwa) in &c.parts[..usize::from(c.part_count)] {
            let b = usize::from(*bucket);
            self.by_bucket[b].0.add(sign * exposure);
            self.by_bucket[b].1.add(sign * rwa);
            count(&mut self.bucket_parts[b]);
        }
        if let Some((country, weight)) = c.ccyb {
            self.ccyb_weight.add(sign * weight);
            if let Some(id) = country {
                let id = id as usize;
                if self.ccyb_by_country.len() <= id {
                    self.ccyb_by_country.resize(id + 1, Sum::default());
                }
                self.ccyb_by_country[id].add(sign * weight);
            }
        }
        for (group, amount) in &c.large[..usize::from(c.large_count)] {
            let g = *group as usize;
            if self.groups.len() <= g {
                self.groups.resize(g + 1, Sum::default());
                self.group_refs.resize(g + 1, 0);
            }
            self.groups[g].add(sign * amount);
            count(&mut self.group_refs[g]);
        }
    }
}

/// The crr3 SME supporting factor of every line (1 where it does not apply).
pub fn sme_factors(data: &DataSet, outcomes: &[LineOutcome], rules: &Rules) -> Vec<f64> {
    if !rules.sme_factor {
        return vec![1.0; data.exposures.len()];
    }
    let mut totals: HashMap<&str, Sum> = HashMap::new();
    for (line, outcome) in data.exposures.iter().zip(outcomes) {
        if sme_eligible(line)
            && let Some(cp) = &line.counterparty_id
        {
            totals.entry(cp.as_str()).or_default().add(outcome.exposure);
        }
    }
    data.exposures
        .iter()
        .zip(outcomes)
        .map(|(line, outcome)| {
            if !sme_eligible(line) {
                return 1.0;
            }
            let total = line
                .counterparty_id
                .as_deref()
                .and_then(|cp| totals.get(cp))
                .map_or(outcome.exposure, |s| s.value());
            sme_factor(total, rules)
        })
        .collect()
}

/// An SME line of ratios.md §11: corporate or retail, not defaulted, SME.
pub fn sme_eligible(line: &Exposure) -> bool {
    !line.defaulted
        && matches!(line.class, ExposureClass::Corporate | ExposureClass::Retail)
        && super::credit::is_sme(line)
}

/// RWA × 0.7619 up to 2.5 m of the counterparty's exposure, × 0.85 above.
pub fn sme_factor(total: f64, rules: &Rules) -> f64 {
    if total <= rules.sme_threshold {
        rules.sme_low
    } else {
        (rules.sme_threshold * rules.sme_low + (total - rules.sme_threshold) * rules.sme_high)
            / total
    }
}
