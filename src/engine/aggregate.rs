//! Aggregates of the credit pass, kept per segment so that an edit can take
//! a line's contribution out and put the new one in without touching the
//! other lines (the incremental path), and so that the full computation and
//! the incremental one share every formula.

use super::CR5_BUCKETS;
use super::credit::{KindRules, KindTable, LineOutcome, Scaling, exposure_amounts};
use super::dataset::ExposureClass;
use super::portfolio::{Line, LineIds, NONE, Portfolio, Traits};
use super::rules::Rules;
use super::sum::Sum;
use hashbrown::hash_table::{Entry, HashTable};
use std::hash::BuildHasher;

/// Keys seen in the data (group ids, countries) as small integers, so the
/// per-line work indexes vectors instead of hashing strings. The names sit
/// end to end in one string and the table holds only their ids: no
/// allocation per name (100k lines of the sample book name 33k
/// counterparties), and a table a third the size of a map of strings.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    text: String,
    /// Where each name ends in `text`; it starts where the one before ends.
    ends: Vec<usize>,
    ids: HashTable<u32>,
}

fn hash_name(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

impl Interner {
    pub fn id(&mut self, name: &str) -> u32 {
        let Interner { text, ends, ids } = self;
        let name_of = |id: &u32| nth(text, ends, *id);
        let entry = ids.entry(
            hash_name(name),
            |id| name_of(id) == name,
            |id| hash_name(name_of(id)),
        );
        match entry {
            Entry::Occupied(found) => *found.get(),
            Entry::Vacant(room) => {
                let id = ends.len() as u32;
                room.insert(id);
                text.push_str(name);
                ends.push(text.len());
                id
            }
        }
    }

    pub fn name(&self, id: u32) -> &str {
        nth(&self.text, &self.ends, id)
    }

    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids
            .find(hash_name(name), |id| self.name(*id) == name)
            .copied()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

fn nth<'a>(text: &'a str, ends: &[usize], id: u32) -> &'a str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

/// `by_class` keys: the thirteen classes, then `defaulted`.
pub const CLASS_KEYS: usize = 14;
/// `by_risk_weight` keys: the CR5 buckets, then `other`.
pub const BUCKETS: usize = CR5_BUCKETS.len() + 1;

pub fn class_index(t: &Traits) -> usize {
    if t.defaulted {
        CLASS_KEYS - 1
    } else {
        // `ExposureClass::ALL` lists the classes in declaration order.
        t.class as usize
    }
}

pub fn class_name(index: usize) -> &'static str {
    ExposureClass::ALL
        .get(index)
        .map_or("defaulted", |c| c.key())
}

#[inline]
pub fn bucket_index(rw: f64) -> usize {
    let pct = rw * 100.0;
    // The nearest whole percent by truncation (one instruction, where
    // `round` is a library call): every weight here is ≥ 0, and NaN fails
    // the range test.
    if !(0.0..MAX_BUCKET_PCT as f64 + 0.5).contains(&pct) {
        return BUCKETS - 1;
    }
    let nearest = (pct + 0.5) as usize;
    if (pct - nearest as f64).abs() < 1e-6 {
        usize::from(BUCKET_OF_PCT[nearest])
    } else {
        BUCKETS - 1
    }
}

const MAX_BUCKET_PCT: usize = CR5_BUCKETS[CR5_BUCKETS.len() - 1] as usize;

/// The bucket of each integer percent, so a part finds its bucket with one
/// load instead of a search.
static BUCKET_OF_PCT: [u8; MAX_BUCKET_PCT + 1] = {
    let mut table = [(BUCKETS - 1) as u8; MAX_BUCKET_PCT + 1];
    let mut i = 0;
    while i < CR5_BUCKETS.len() {
        table[CR5_BUCKETS[i] as usize] = i as u8;
        i += 1;
    }
    table
};

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
    /// The line's exposure class (`ExposureClass as usize`), the segment a
    /// class lever scales.
    pub segment: u8,
    /// How the line's results follow a scaling of its amounts.
    pub scaling: Scaling,
}

/// Where a line's contribution goes: recorded as a [`Contribution`] (the
/// incremental engine keeps one per line), added to or taken from a
/// class's [`Segment`], added to a full pass's [`Accumulator`], or to every
/// group's [`GroupSums`].
pub trait Sink {
    fn line(
        &mut self,
        class: usize,
        exposure_after_crm: f64,
        rwa: f64,
        on_net: f64,
        off_leverage: f64,
    );
    fn part(&mut self, bucket: usize, exposure: f64, rwa: f64);
    /// Private-sector weight for the CCyB, by country id (None: rate 0).
    fn ccyb(&mut self, country: Option<u32>, weight: f64);
    /// A large-exposure amount for `group`, which is `watched` among the
    /// watched groups (NONE when it is not, or not known).
    fn large(&mut self, group: u32, watched: u32, amount: f64);
}

/// What one line adds to every aggregate, handed to `sink`: the one place
/// that says which line feeds which figure.
#[inline]
pub fn contribute(
    line: &Line,
    ids: &LineIds,
    kind: &KindRules,
    outcome: &LineOutcome,
    factor: f64,
    rules: &Rules,
    sink: &mut impl Sink,
) {
    let on_net = outcome.on_net;
    let off_leverage = outcome.off_net * outcome.ccf.max(rules.leverage_ccf_floor);
    sink.line(
        usize::from(kind.class_index),
        outcome.exposure_after_crm,
        outcome.rwa * factor,
        on_net,
        off_leverage,
    );
    for part in outcome.parts.iter() {
        sink.part(part.bucket, part.exposure, part.exposure * part.rw * factor);
    }
    if kind.ccyb {
        sink.ccyb(
            (ids.country != NONE).then_some(ids.country),
            outcome.exposure,
        );
    }
    // §9: on_net + off_net × max(CCF, 10 %) less haircut collateral, floored
    // at 0; the guaranteed part moves to the guarantor's group. What stays
    // with a sovereign is exempt; what a sovereign line moves to a
    // non-sovereign guarantor is an exposure to that guarantor (§10).
    let after_collateral = (on_net + off_leverage - outcome.collateral_adjusted).max(0.0);
    let moved = if ids.guarantor_group == NONE {
        0.0
    } else {
        line.guaranteed_amount.clamp(0.0, after_collateral)
    };
    if !kind.sovereign && ids.group != NONE {
        sink.large(ids.group, line.watched, after_collateral - moved);
    }
    if ids.guarantor_group != NONE && moved > 0.0 && kind.guarantor_listed {
        sink.large(ids.guarantor_group, ids.watched_guarantor, moved);
    }
}

pub fn contribution(
    line: &Line,
    ids: &LineIds,
    kind: &KindRules,
    outcome: &LineOutcome,
    factor: f64,
    rules: &Rules,
) -> Contribution {
    let mut c = Contribution {
        segment: kind.traits.class as u8,
        scaling: super::credit::scaling(rules, kind, line, outcome, ids.counterparty != NONE),
        ..Contribution::default()
    };
    contribute(line, ids, kind, outcome, factor, rules, &mut c);
    c
}

impl Sink for Contribution {
    fn line(
        &mut self,
        class: usize,
        exposure_after_crm: f64,
        rwa: f64,
        on_net: f64,
        off_leverage: f64,
    ) {
        self.class = class as u8;
        self.exposure_after_crm = exposure_after_crm;
        self.rwa = rwa;
        self.on_net = on_net;
        self.off_leverage = off_leverage;
    }

    fn part(&mut self, bucket: usize, exposure: f64, rwa: f64) {
        self.parts[usize::from(self.part_count)] = (bucket as u8, exposure, rwa);
        self.part_count += 1;
    }

    fn ccyb(&mut self, country: Option<u32>, weight: f64) {
        self.ccyb = Some((country, weight));
    }

    fn large(&mut self, group: u32, _: u32, amount: f64) {
        self.large[usize::from(self.large_count)] = (group, amount);
        self.large_count += 1;
    }
}

impl Contribution {
    /// The contribution with every amount times `k`: what the aggregates
    /// hold for a line whose class was scaled by `k` since it was recorded.
    pub fn scaled(&self, k: f64) -> Contribution {
        let mut c = self.clone();
        for x in [
            &mut c.exposure_after_crm,
            &mut c.rwa,
            &mut c.on_net,
            &mut c.off_leverage,
        ] {
            *x *= k;
        }
        for (_, exposure, rwa) in &mut c.parts {
            *exposure *= k;
            *rwa *= k;
        }
        if let Some((_, weight)) = &mut c.ccyb {
            *weight *= k;
        }
        for (_, amount) in &mut c.large {
            *amount *= k;
        }
        c
    }

    /// Hands the recorded contribution to another sink.
    pub fn replay(&self, sink: &mut impl Sink) {
        sink.line(
            usize::from(self.class),
            self.exposure_after_crm,
            self.rwa,
            self.on_net,
            self.off_leverage,
        );
        for (bucket, exposure, rwa) in &self.parts[..usize::from(self.part_count)] {
            sink.part(usize::from(*bucket), *exposure, *rwa);
        }
        if let Some((country, weight)) = self.ccyb {
            sink.ccyb(country, weight);
        }
        for (group, amount) in &self.large[..usize::from(self.large_count)] {
            sink.large(*group, NONE, *amount);
        }
    }
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
        }
    }
}

impl CreditAggregates {
    /// Adds `k` times every sum of `other`; counts do not change.
    pub fn add_scaled(&mut self, other: &CreditAggregates, k: f64) {
        let add = |sum: &mut Sum, other: &Sum| sum.add(other.value() * k);
        add(&mut self.credit, &other.credit);
        add(&mut self.on_balance, &other.on_balance);
        add(&mut self.off_leverage, &other.off_leverage);
        add(&mut self.ccyb_weight, &other.ccyb_weight);
        for (pairs, others) in [
            (&mut self.by_class[..], &other.by_class[..]),
            (&mut self.by_bucket[..], &other.by_bucket[..]),
        ] {
            for (sums, others) in pairs.iter_mut().zip(others) {
                add(&mut sums.0, &others.0);
                add(&mut sums.1, &others.1);
            }
        }
        for (id, weight) in other.ccyb_by_country.iter().enumerate() {
            add_at(&mut self.ccyb_by_country, id, weight.value() * k);
        }
    }

    /// Adds a segment's sums and counts (not its groups).
    pub fn add_segment(&mut self, segment: &Segment) {
        let other = &segment.sums;
        self.add_scaled(other, 1.0);
        for (n, m) in self.class_lines.iter_mut().zip(&other.class_lines) {
            *n += m;
        }
        for (n, m) in self.bucket_parts.iter_mut().zip(&other.bucket_parts) {
            *n += m;
        }
    }

    /// Every sum times `k`.
    fn scale(&mut self, k: f64) {
        for sum in [
            &mut self.credit,
            &mut self.on_balance,
            &mut self.off_leverage,
            &mut self.ccyb_weight,
        ] {
            *sum = sum.scaled(k);
        }
        for (e, r) in self.by_class.iter_mut().chain(self.by_bucket.iter_mut()) {
            *e = e.scaled(k);
            *r = r.scaled(k);
        }
        for sum in &mut self.ccyb_by_country {
            *sum = sum.scaled(k);
        }
    }
}

fn count(n: &mut u32, sign: f64) {
    if sign > 0.0 {
        *n += 1;
    } else {
        *n = n.saturating_sub(1);
    }
}

fn add_at(sums: &mut Vec<Sum>, id: usize, value: f64) {
    if sums.len() <= id {
        sums.resize(id + 1, Sum::default());
    }
    sums[id].add(value);
}

/// The sums of one exposure class's lines: a lever scaling the class by f
/// moves every figure by (f − 1) × these sums, without visiting the lines,
/// when every line of the class scales with its amounts.
#[derive(Clone, Debug, Default)]
pub struct Segment {
    pub sums: CreditAggregates,
    /// (group, amount) of the class's lines, by group id: the groups a
    /// lever on the class moves, in the order of the global group sums.
    pub groups: Vec<(u32, Sum)>,
    /// Lines whose results do not follow a scaling of their amounts
    /// ([`Scaling::Unscalable`]).
    pub unscalable: u32,
}

impl Segment {
    /// Adds (`sign` = 1) or removes (`sign` = −1) one line's contribution.
    pub fn apply(&mut self, c: &Contribution, sign: f64) {
        c.replay(&mut SegmentSink {
            segment: self,
            sign,
        });
        if c.scaling == Scaling::Unscalable {
            count(&mut self.unscalable, sign);
        }
    }

    /// Scales the class by `factor`: its sums, and each of its groups in
    /// `groups` by (factor − 1) × its amount; `moved` is told each group's
    /// amount before and after (None: no line references the group).
    pub fn scale(
        &mut self,
        factor: f64,
        groups: &mut GroupSums,
        mut moved: impl FnMut(u32, Option<f64>, Option<f64>),
    ) {
        self.sums.scale(factor);
        for (group, amount) in &mut self.groups {
            let g = *group as usize;
            let present = groups.refs[g] > 0;
            let sum = &mut groups.amounts[g];
            let before = sum.value();
            sum.add(amount.value() * (factor - 1.0));
            *amount = amount.scaled(factor);
            moved(
                *group,
                present.then_some(before),
                present.then(|| sum.value()),
            );
        }
    }
}

/// A segment's sums with one contribution added or taken out, every figure
/// compensated, groups kept sparse.
struct SegmentSink<'a> {
    segment: &'a mut Segment,
    sign: f64,
}

impl Sink for SegmentSink<'_> {
    fn line(
        &mut self,
        class: usize,
        exposure_after_crm: f64,
        rwa: f64,
        on_net: f64,
        off_leverage: f64,
    ) {
        let (a, sign) = (&mut self.segment.sums, self.sign);
        a.credit.add(sign * rwa);
        a.on_balance.add(sign * on_net);
        a.off_leverage.add(sign * off_leverage);
        a.by_class[class].0.add(sign * exposure_after_crm);
        a.by_class[class].1.add(sign * rwa);
        count(&mut a.class_lines[class], sign);
    }

    fn part(&mut self, bucket: usize, exposure: f64, rwa: f64) {
        let (a, sign) = (&mut self.segment.sums, self.sign);
        a.by_bucket[bucket].0.add(sign * exposure);
        a.by_bucket[bucket].1.add(sign * rwa);
        count(&mut a.bucket_parts[bucket], sign);
    }

    fn ccyb(&mut self, country: Option<u32>, weight: f64) {
        let (a, sign) = (&mut self.segment.sums, self.sign);
        a.ccyb_weight.add(sign * weight);
        if let Some(id) = country {
            add_at(&mut a.ccyb_by_country, id as usize, sign * weight);
        }
    }

    fn large(&mut self, group: u32, _: u32, amount: f64) {
        let groups = &mut self.segment.groups;
        let at = match groups.binary_search_by_key(&group, |(g, _)| *g) {
            Ok(at) => at,
            Err(at) => {
                groups.insert(at, (group, Sum::default()));
                at
            }
        };
        groups[at].1.add(self.sign * amount);
    }
}

/// The lines of one block are summed with plain additions.
const BLOCK: u32 = 1024;

/// A full pass's sums: each block of [`BLOCK`] lines is summed with plain
/// additions (every term of a full pass is ≥ 0, so a block's relative error
/// stays below 1024 ulps), and the block totals are added to the compensated
/// aggregates. A line then costs one addition per figure, and a million
/// lines stay within ratios.md's 1e-9.
///
/// Group amounts are summed plainly, amount and line count side by side
/// (one cache line per access: there are tens of thousands of groups): a
/// group's sum of n non-negative terms is within n ulps, under 1e-9 for
/// any group of fewer than nine million lines.
pub struct Accumulator {
    aggregates: CreditAggregates,
    block: BlockSums,
    lines: u32,
    groups: Vec<(Sum, u32)>,
}

#[derive(Clone, Default)]
struct BlockSums {
    credit: f64,
    on_balance: f64,
    off_leverage: f64,
    by_class: [(f64, f64); CLASS_KEYS],
    by_bucket: [(f64, f64); BUCKETS],
    ccyb_weight: f64,
    ccyb_by_country: Vec<f64>,
}

impl Accumulator {
    /// Sized for the portfolio's groups and countries, so no line grows a
    /// vector.
    pub fn new(portfolio: &Portfolio) -> Accumulator {
        let mut aggregates = CreditAggregates::default();
        aggregates
            .ccyb_by_country
            .resize(portfolio.countries.len(), Sum::default());
        Accumulator {
            aggregates,
            block: BlockSums {
                ccyb_by_country: vec![0.0; portfolio.countries.len()],
                ..BlockSums::default()
            },
            lines: 0,
            groups: vec![(Sum::default(), 0); portfolio.watched.len()],
        }
    }

    /// Marks the end of one line's contribution.
    #[inline]
    pub fn end_line(&mut self) {
        self.lines += 1;
        if self.lines == BLOCK {
            self.flush();
        }
    }

    /// The aggregates (with no group) and the amount of every watched group
    /// some line references, by watched slot.
    pub fn finish(mut self) -> (CreditAggregates, Vec<Option<f64>>) {
        self.flush();
        let watched = self
            .groups
            .into_iter()
            .map(|(amount, refs)| (refs > 0).then(|| amount.value()))
            .collect();
        (self.aggregates, watched)
    }

    fn flush(&mut self) {
        let (a, b) = (&mut self.aggregates, &mut self.block);
        a.credit.add(b.credit);
        a.on_balance.add(b.on_balance);
        a.off_leverage.add(b.off_leverage);
        a.ccyb_weight.add(b.ccyb_weight);
        for (sums, block) in a.by_class.iter_mut().zip(&b.by_class) {
            sums.0.add(block.0);
            sums.1.add(block.1);
        }
        for (sums, block) in a.by_bucket.iter_mut().zip(&b.by_bucket) {
            sums.0.add(block.0);
            sums.1.add(block.1);
        }
        for (id, weight) in b.ccyb_by_country.iter().enumerate() {
            add_at(&mut a.ccyb_by_country, id, *weight);
        }
        let countries = std::mem::take(&mut b.ccyb_by_country);
        *b = BlockSums {
            ccyb_by_country: countries,
            ..BlockSums::default()
        };
        b.ccyb_by_country.fill(0.0);
        self.lines = 0;
    }
}

impl Sink for Accumulator {
    #[inline]
    fn line(
        &mut self,
        class: usize,
        exposure_after_crm: f64,
        rwa: f64,
        on_net: f64,
        off_leverage: f64,
    ) {
        let b = &mut self.block;
        b.credit += rwa;
        b.on_balance += on_net;
        b.off_leverage += off_leverage;
        b.by_class[class].0 += exposure_after_crm;
        b.by_class[class].1 += rwa;
        self.aggregates.class_lines[class] += 1;
    }

    #[inline]
    fn part(&mut self, bucket: usize, exposure: f64, rwa: f64) {
        self.block.by_bucket[bucket].0 += exposure;
        self.block.by_bucket[bucket].1 += rwa;
        self.aggregates.bucket_parts[bucket] += 1;
    }

    #[inline]
    fn ccyb(&mut self, country: Option<u32>, weight: f64) {
        self.block.ccyb_weight += weight;
        if let Some(id) = country {
            let id = id as usize;
            if self.block.ccyb_by_country.len() <= id {
                self.block.ccyb_by_country.resize(id + 1, 0.0);
            }
            self.block.ccyb_by_country[id] += weight;
        }
    }

    #[inline]
    fn large(&mut self, _: u32, watched: u32, amount: f64) {
        if let Some(sum) = self.groups.get_mut(watched as usize) {
            sum.0.add(amount);
            sum.1 += 1;
        }
    }
}

/// Every group's large-exposure amount, compensated, and how many line
/// parts reference it: a group no line points to any more is not listed
/// (as if it had never been seen). The incremental engine keeps one; a
/// listing the watched groups do not settle sums one in a pass of its own.
#[derive(Clone, Debug, Default)]
pub struct GroupSums {
    pub amounts: Vec<Sum>,
    pub refs: Vec<u32>,
}

impl GroupSums {
    /// Adds (`sign` = 1) or removes (`sign` = −1) one line's contribution.
    pub fn apply(&mut self, c: &Contribution, sign: f64) {
        for (group, amount) in &c.large[..usize::from(c.large_count)] {
            self.add(*group, amount, sign);
        }
    }

    fn add(&mut self, group: u32, amount: &f64, sign: f64) {
        let amount = *amount;
        let g = group as usize;
        if self.amounts.len() <= g {
            self.amounts.resize(g + 1, Sum::default());
            self.refs.resize(g + 1, 0);
        }
        self.amounts[g].add(sign * amount);
        count(&mut self.refs[g], sign);
    }

    /// None when no line references the group.
    pub fn amount(&self, group: u32) -> Option<f64> {
        let g = group as usize;
        (self.refs.get(g).copied().unwrap_or(0) > 0).then(|| self.amounts[g].value())
    }

    /// (amount, group id) of every group some line references.
    pub fn present(&self) -> Vec<(f64, u32)> {
        super::large_exposures::present(&self.amounts, &self.refs).collect()
    }
}

impl Sink for GroupSums {
    fn line(&mut self, _: usize, _: f64, _: f64, _: f64, _: f64) {}

    fn part(&mut self, _: usize, _: f64, _: f64) {}

    fn ccyb(&mut self, _: Option<u32>, _: f64) {}

    fn large(&mut self, group: u32, _: u32, amount: f64) {
        self.add(group, &amount, 1.0);
    }
}

/// E of every counterparty's SME lines (ratios.md §11), by counterparty
/// id; empty when the profile has no supporting factor.
pub fn sme_totals(portfolio: &Portfolio, kinds: &KindTable, rules: &Rules) -> Vec<Sum> {
    let mut totals = Vec::new();
    if !rules.sme_factor {
        return totals;
    }
    totals.resize(portfolio.counterparties.len(), Sum::default());
    for (line, ids) in portfolio.lines().iter().zip(portfolio.ids()) {
        let kind = kinds.of(line);
        if kind.sme_eligible && ids.counterparty != NONE {
            let (on_net, off_net) = exposure_amounts(line);
            totals[ids.counterparty as usize].add(on_net + off_net * kind.ccf);
        }
    }
    totals
}

/// The line's supporting factor: from its counterparty's total, or from its
/// own E when it has no counterparty; 1 where §11 does not apply.
pub fn line_factor(
    kind: &KindRules,
    ids: &LineIds,
    exposure: f64,
    totals: &[Sum],
    rules: &Rules,
) -> f64 {
    if !rules.sme_factor || !kind.sme_eligible {
        return 1.0;
    }
    let total = totals
        .get(ids.counterparty as usize)
        .map_or(exposure, |s| s.value());
    sme_factor(total, rules)
}

/// An SME line of ratios.md §11: corporate or retail, not defaulted, SME.
pub fn sme_eligible(t: &Traits) -> bool {
    !t.defaulted
        && matches!(t.class, ExposureClass::Corporate | ExposureClass::Retail)
        && super::credit::is_sme(t)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weight_finds_its_cr5_bucket_or_other() {
        let name = |rw: f64| bucket_name(bucket_index(rw));
        assert_eq!(name(0.0), "0");
        assert_eq!(name(0.35), "35");
        assert_eq!(name(1.0), "100");
        assert_eq!(name(0.1 + 0.2), "30", "float noise still lands in 30");
        assert_eq!(name(12.5), "1250");
        assert_eq!(name(0.375), "other");
        assert_eq!(name(0.33), "other", "33 % is not a CR5 bucket");
        assert_eq!(name(0.7619), "other");
        assert_eq!(name(12.6), "other");
        assert_eq!(name(-0.2), "other");
        assert_eq!(name(f64::NAN), "other");
    }
}
