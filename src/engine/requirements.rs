//! §5 requirements, buffers and headroom (RBC20, RBC30, the EU SREP stack)
//! and §5.1 the countercyclical buffer from country rates.

use super::aggregate::{CreditAggregates, Interner};
use super::dataset::Requirements;
use super::profile::Profile;
use super::results::{Buffers, ManagementBuffers, RequirementResults};
use super::sum::Sum;

/// §5.1: weighted average of country rates, weights = E before mitigation
/// of private-sector lines, summed per country in the credit pass. A country
/// without a rate, or a line without a country, weighs with rate 0
/// (ratios.md §10).
pub fn ccyb_from_rates(
    req: &Requirements,
    aggregates: &CreditAggregates,
    countries: &Interner,
) -> f64 {
    let total = aggregates.ccyb_weight.value();
    if total <= 0.0 {
        return 0.0;
    }
    let weighted = Sum::of(
        aggregates
            .ccyb_by_country
            .iter()
            .enumerate()
            .map(|(id, weight)| {
                let rate = req
                    .ccyb_rates
                    .get(countries.name(id as u32))
                    .copied()
                    .unwrap_or(0.0);
                rate * weight.value()
            }),
    );
    weighted / total
}

pub fn requirements(req: &Requirements, ccyb: f64, profile: &Profile) -> RequirementResults {
    let p2r = req.p2r;
    let cbr = profile.get("req.ccb") + ccyb + req.gsii.max(req.osii) + req.syrb;
    RequirementResults {
        cet1: profile.get("req.pillar1.cet1") + profile.get("req.p2r_share.cet1") * p2r + cbr,
        tier1: profile.get("req.pillar1.tier1") + profile.get("req.p2r_share.tier1") * p2r + cbr,
        total_capital: profile.get("req.pillar1.total") + p2r + cbr,
        tscr: profile.get("req.pillar1.total") + p2r,
        cbr,
        ccyb,
        leverage: profile.get("req.leverage") + req.leverage_p2r + req.gsii_leverage_buffer,
        lcr: profile.get("req.lcr"),
        nsfr: profile.get("req.nsfr"),
        management_buffers: ManagementBuffers {
            cet1: profile.get("mgmt_buffer.cet1"),
            tier1: profile.get("mgmt_buffer.tier1"),
            total_capital: profile.get("mgmt_buffer.total_capital"),
            leverage: profile.get("mgmt_buffer.leverage"),
            lcr: profile.get("mgmt_buffer.lcr"),
            nsfr: profile.get("mgmt_buffer.nsfr"),
            large_exposure: profile.get("mgmt_buffer.large_exposure"),
        },
    }
}

/// CET1 available after the SREP own-funds requirements (EU KM1 row 12) and
/// the MDA factor from the buffer position q = available / CBR.
pub fn buffers(
    ratios: (Option<f64>, Option<f64>, Option<f64>),
    p2r: f64,
    cbr: f64,
    profile: &Profile,
) -> Buffers {
    let (Some(cet1), Some(at1), Some(t2)) = ratios else {
        return Buffers::default();
    };
    let need_at1 = profile.get("req.at1_bucket") + profile.get("req.at1_bucket_p2r_share") * p2r;
    let need_t2 = profile.get("req.t2_bucket") + profile.get("req.t2_bucket_p2r_share") * p2r;
    let at1_short = (need_at1 - at1).max(0.0);
    let at1_excess = (at1 - need_at1).max(0.0);
    let t2_short = (need_t2 - t2 - at1_excess).max(0.0);
    let available = cet1
        - profile.get("req.pillar1.cet1")
        - profile.get("req.p2r_share.cet1") * p2r
        - at1_short
        - t2_short;
    let mda = (cbr > 0.0).then(|| mda_factor(available / cbr, profile));
    Buffers {
        cet1_available: Some(available),
        mda_factor: mda,
    }
}

/// The MDA factor for a buffer position q (share of the CBR met).
pub fn mda_factor(q: f64, profile: &Profile) -> f64 {
    if q >= 1.0 {
        1.0
    } else if q >= 0.75 {
        profile.get("mda.factor_q75_to_100")
    } else if q >= 0.5 {
        profile.get("mda.factor_q50_to_75")
    } else if q >= 0.25 {
        profile.get("mda.factor_q25_to_50")
    } else {
        profile.get("mda.factor_below_q25")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::{DataSet, Exposure, ExposureClass};
    use crate::engine::{ComputeOptions, compute};

    fn p() -> Profile {
        Profile::named("basel31").expect("profile")
    }

    #[test]
    fn countercyclical_weighting_example() {
        // ratios.md §5.1: 60/25/15 at 2.0/1.0/1.5 % → 1.675 %.
        let mut lines = Vec::new();
        for (id, country, drawn) in [("a", "FR", 60.0), ("b", "DE", 25.0), ("c", "NL", 15.0)] {
            let mut l = Exposure::new(id, ExposureClass::Corporate, drawn);
            l.country = Some(country.into());
            lines.push(l);
        }
        // A sovereign line carries no weight.
        let mut s = Exposure::new("s", ExposureClass::Sovereign, 1000.0);
        s.country = Some("FR".into());
        lines.push(s);
        let req = Requirements {
            ccyb_rates: [("FR", 0.02), ("DE", 0.01), ("NL", 0.015)]
                .into_iter()
                .map(|(c, r)| (c.to_owned(), r))
                .collect(),
            ..Requirements::default()
        };
        let data = DataSet {
            exposures: lines,
            requirements: Some(req),
            ..DataSet::default()
        };
        let ccyb = compute(&data, &p(), &ComputeOptions::default())
            .requirements
            .ccyb;
        assert!((ccyb - 0.01675).abs() < 1e-15, "{ccyb}");
    }

    #[test]
    fn the_requirement_stack() {
        let req = Requirements {
            p2r: 0.02,
            osii: 0.005,
            gsii: 0.01,
            syrb: 0.01,
            ..Requirements::default()
        };
        let r = requirements(&req, 0.01, &p());
        let cbr = 0.025 + 0.01 + 0.01 + 0.01;
        assert!((r.cbr - cbr).abs() < 1e-15);
        assert!((r.cet1 - (0.045 + 0.5625 * 0.02 + cbr)).abs() < 1e-15);
        assert!((r.tier1 - (0.06 + 0.75 * 0.02 + cbr)).abs() < 1e-15);
        assert!((r.total_capital - (0.08 + 0.02 + cbr)).abs() < 1e-15);
        assert!((r.tscr - 0.10).abs() < 1e-15);
        assert!((r.leverage - 0.03).abs() < 1e-15);
    }

    #[test]
    fn mda_factor_bands() {
        let p = p();
        for (q, factor) in [
            (1.0, 1.0),
            (0.99, 0.6),
            (0.75, 0.6),
            (0.74, 0.4),
            (0.5, 0.4),
            (0.49, 0.2),
            (0.25, 0.2),
            (0.24, 0.0),
            (-1.0, 0.0),
        ] {
            assert_eq!(mda_factor(q, &p), factor, "q = {q}");
        }
        // Through `buffers`: P2R 0, AT1 and T2 needs met, CET1 2 pp above 4.5 %, CBR 4 %.
        let b = buffers((Some(0.065), Some(0.015), Some(0.02)), 0.0, 0.04, &p);
        assert_eq!(b.mda_factor, Some(0.4));
        let b = buffers((Some(0.10), Some(0.0), Some(0.0)), 0.0, 0.0, &p);
        assert_eq!(b.mda_factor, None, "CBR ≤ 0 → null");
    }

    #[test]
    fn at1_and_t2_shortfalls_consume_cet1() {
        // P2R 2 %: need AT1 1.875 %, T2 2.5 %. AT1 1 % → short 0.875 %; T2 3 % → no short.
        let b = buffers((Some(0.12), Some(0.01), Some(0.03)), 0.02, 0.025, &p());
        let expected = 0.12 - 0.045 - 0.5625 * 0.02 - 0.00875;
        assert!((b.cet1_available.expect("available") - expected).abs() < 1e-15);
        // AT1 excess offsets a T2 shortfall.
        let b = buffers((Some(0.12), Some(0.025), Some(0.02)), 0.02, 0.025, &p());
        let at1_excess: f64 = 0.025 - 0.01875;
        let t2_short = (0.025 - 0.02 - at1_excess).max(0.0);
        let expected = 0.12 - 0.045 - 0.01125 - t2_short;
        assert!((b.cet1_available.expect("available") - expected).abs() < 1e-15);
    }
}
