//! Rule-by-rule tests of the whole engine against hand-computed figures.

use super::dataset::*;
use super::profile::Profile;
use super::rating::Rating;
use super::scenario::{Scenario, compare};
use super::*;

fn basel() -> Profile {
    Profile::named("basel31").expect("basel31")
}
fn crr3() -> Profile {
    Profile::named("crr3").expect("crr3")
}

fn run(lines: Vec<Exposure>, profile: &Profile) -> Results {
    let data = DataSet {
        exposures: lines,
        ..DataSet::default()
    };
    compute(
        &data,
        profile,
        &ComputeOptions {
            lines: true,
            explain: true,
        },
    )
}

/// The risk weight (rwa / E*) of one line alone.
fn rw(line: Exposure, profile: &Profile) -> f64 {
    let results = run(vec![line], profile);
    results.lines.expect("lines")[0].risk_weight
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} ≠ {b}");
}

fn line(class: ExposureClass) -> Exposure {
    Exposure::new("L", class, 100.0)
}

fn rated(class: ExposureClass, rating: &str) -> Exposure {
    let mut l = line(class);
    l.rating = Rating::parse(rating).expect("rating");
    l
}

fn re(re_type: ReType, ltv: f64) -> Exposure {
    let mut l = line(ExposureClass::RealEstate);
    l.re_type = Some(re_type);
    l.ltv = Some(ltv);
    l.counterparty_type = Some(CounterpartyType::Individual);
    l
}

#[test]
fn rated_tables_of_every_class() {
    let p = basel();
    let cases = [
        (
            ExposureClass::Sovereign,
            ["AAA", "A", "BBB", "BB", "B", "CCC"],
            [0.0, 0.2, 0.5, 1.0, 1.0, 1.5],
        ),
        (
            ExposureClass::Pse,
            ["AAA", "A", "BBB", "BB", "B", "CCC"],
            [0.2, 0.5, 0.5, 1.0, 1.0, 1.5],
        ),
        (
            ExposureClass::Mdb,
            ["AAA", "A", "BBB", "BB", "B", "CCC"],
            [0.2, 0.3, 0.5, 1.0, 1.0, 1.5],
        ),
        (
            ExposureClass::Bank,
            ["AAA", "A", "BBB", "BB", "B", "CCC"],
            [0.2, 0.3, 0.5, 1.0, 1.0, 1.5],
        ),
        (
            ExposureClass::CoveredBond,
            ["AAA", "A", "BBB", "BB", "B", "CCC"],
            [0.1, 0.2, 0.2, 0.5, 0.5, 1.0],
        ),
        (
            ExposureClass::Corporate,
            ["AAA", "A", "BBB", "BB", "B", "CCC"],
            [0.2, 0.5, 0.75, 1.0, 1.5, 1.5],
        ),
        (
            ExposureClass::SpecialisedLending,
            ["AA", "A-", "Baa1", "Ba2", "B3", "Caa1"],
            [0.2, 0.5, 0.75, 1.0, 1.5, 1.5],
        ),
    ];
    for (class, ratings, weights) in cases {
        for (rating, weight) in ratings.iter().zip(weights) {
            close(rw(rated(class, rating), &p), weight);
        }
    }
    let mut short = rated(ExposureClass::Bank, "BBB");
    short.short_term = true;
    close(rw(short, &p), 0.2);
    let mut short = rated(ExposureClass::Bank, "BB");
    short.short_term = true;
    close(rw(short, &p), 0.5);
}

#[test]
fn cqs_is_used_only_without_a_rating() {
    let mut l = line(ExposureClass::Corporate);
    l.cqs = super::rating::Cqs::new(3);
    close(rw(l.clone(), &basel()), 0.75);
    l.rating = Rating::parse("AA").expect("AA");
    close(rw(l, &basel()), 0.2);
}

#[test]
fn unrated_weights() {
    let p = basel();
    close(rw(line(ExposureClass::Sovereign), &p), 1.0);
    close(rw(line(ExposureClass::Pse), &p), 0.5);
    close(rw(line(ExposureClass::Mdb), &p), 0.5);
    let mut q = rated(ExposureClass::Mdb, "BB");
    q.mdb_qualifying = true;
    close(rw(q, &p), 0.0);
    close(rw(line(ExposureClass::Corporate), &p), 1.0);
    let mut sme = line(ExposureClass::Corporate);
    sme.sme = true;
    close(rw(sme.clone(), &p), 0.85);
    let mut ig = line(ExposureClass::Corporate);
    ig.investment_grade = true;
    close(rw(ig.clone(), &p), 0.65);
    close(rw(ig, &crr3()), 1.0);
    sme.investment_grade = true;
    close(rw(sme.clone(), &p), 0.85);
    // crr3: unrated SME corporate 100 %, then the SME supporting factor.
    close(rw(sme, &crr3()), 0.7619);
    close(rw(line(ExposureClass::SubordinatedDebt), &p), 1.5);
    close(rw(line(ExposureClass::Equity), &p), 2.5);
    close(rw(line(ExposureClass::EquitySpeculative), &p), 4.0);
}

#[test]
fn scra_grades_long_and_short() {
    let p = basel();
    for (grade, long, short) in [
        (Some(ScraGrade::APlus), 0.3, 0.2),
        (Some(ScraGrade::A), 0.4, 0.2),
        (Some(ScraGrade::B), 0.75, 0.5),
        (Some(ScraGrade::C), 1.5, 1.5),
        (None, 1.5, 1.5),
    ] {
        let mut l = line(ExposureClass::Bank);
        l.scra_grade = grade;
        close(rw(l.clone(), &p), long);
        l.short_term = true;
        close(rw(l, &p), short);
    }
}

#[test]
fn unrated_covered_bonds_follow_the_issuer() {
    let p = basel();
    let mut l = line(ExposureClass::CoveredBond);
    l.issuer_rating = Rating::parse("A").expect("A");
    close(rw(l.clone(), &p), 0.15);
    l.issuer_rating = Rating::Unrated;
    l.issuer_scra_grade = Some(ScraGrade::B);
    close(rw(l.clone(), &p), 0.35);
    l.issuer_scra_grade = None;
    close(rw(l, &p), 1.0);
}

#[test]
fn specialised_lending_retail_and_other_assets() {
    let p = basel();
    for (kind, weight) in [
        (Some(SlType::Object), 1.0),
        (Some(SlType::ProjectPreOperational), 1.3),
        (Some(SlType::ProjectHighQuality), 0.8),
        (None, 1.0),
    ] {
        let mut l = line(ExposureClass::SpecialisedLending);
        l.sl_type = kind;
        close(rw(l, &p), weight);
    }
    for (kind, weight) in [
        (Some(RetailType::Transactor), 0.45),
        (Some(RetailType::Regulatory), 0.75),
        (None, 1.0),
    ] {
        let mut l = line(ExposureClass::Retail);
        l.retail_type = kind;
        close(rw(l, &p), weight);
    }
    for (kind, weight) in [
        (Some(OtherType::Cash), 0.0),
        (Some(OtherType::Gold), 0.0),
        (Some(OtherType::CashInCollection), 0.2),
        (None, 1.0),
    ] {
        let mut l = line(ExposureClass::OtherAssets);
        l.other_type = kind;
        close(rw(l, &p), weight);
    }
}

#[test]
fn residential_bands_are_upper_inclusive() {
    let p = basel();
    for (ltv, general, ip) in [
        (0.5, 0.2, 0.3),
        (0.5000001, 0.25, 0.35),
        (0.6, 0.25, 0.35),
        (0.8, 0.3, 0.45),
        (0.9, 0.4, 0.6),
        (1.0, 0.5, 0.75),
        (1.0000001, 0.7, 1.05),
    ] {
        close(rw(re(ReType::Rre, ltv), &p), general);
        close(rw(re(ReType::RreIp, ltv), &p), ip);
    }
    let mut derived = re(ReType::Rre, 0.0);
    derived.ltv = None;
    derived.drawn = Some(60.0);
    derived.undrawn = Some(20.0);
    derived.off_balance_type = Some(OffBalanceType::Commitment);
    derived.property_value = Some(100.0);
    close(rw(derived.clone(), &p), 0.3);
    derived.property_value = None;
    close(rw(derived, &p), 0.7);
}

#[test]
fn commercial_real_estate_and_adc() {
    let p = basel();
    close(rw(re(ReType::Cre, 0.6), &p), 0.6);
    close(rw(re(ReType::Cre, 0.61), &p), 0.75);
    let mut rated_cp = re(ReType::Cre, 0.5);
    rated_cp.counterparty_type = Some(CounterpartyType::Corporate);
    rated_cp.rating = Rating::parse("AA").expect("AA");
    close(rw(rated_cp, &p), 0.2);
    for (ltv, weight) in [(0.6, 0.7), (0.8, 0.9), (0.81, 1.1)] {
        close(rw(re(ReType::CreIp, ltv), &p), weight);
    }
    close(rw(re(ReType::Adc, 0.5), &p), 1.5);
    close(rw(re(ReType::AdcQualifying, 0.5), &p), 1.0);
    let mut sme = re(ReType::Cre, 0.9);
    sme.counterparty_type = Some(CounterpartyType::Sme);
    close(rw(sme, &p), 0.85);
    let mut none = line(ExposureClass::RealEstate);
    none.counterparty_type = Some(CounterpartyType::Individual);
    close(rw(none, &p), 0.75);
}

#[test]
fn real_estate_criteria_not_met() {
    let p = basel();
    for (re_type, weight) in [
        (ReType::Rre, 0.75),
        (ReType::Cre, 0.75),
        (ReType::RreIp, 1.5),
        (ReType::CreIp, 1.5),
    ] {
        let mut l = re(re_type, 0.4);
        l.re_criteria_met = false;
        close(rw(l, &p), weight);
    }
}

#[test]
fn defaulted_exposures_at_the_20_percent_edge() {
    let p = basel();
    let mut l = line(ExposureClass::Corporate);
    l.defaulted = true;
    l.specific_provisions = Some(20.0);
    // RW 100 on E = 80 (provisions netted).
    close(rw(l.clone(), &p), 1.0);
    l.specific_provisions = Some(19.999);
    close(rw(l.clone(), &p), 1.5);
    l.drawn = Some(0.0);
    l.undrawn = Some(100.0);
    close(rw(l, &p), 1.0);
    let mut home = re(ReType::Rre, 0.95);
    home.defaulted = true;
    home.re_criteria_met = false;
    close(rw(home, &p), 1.0);
    let results = run(
        vec![{
            let mut d = line(ExposureClass::Retail);
            d.defaulted = true;
            d
        }],
        &p,
    );
    assert!(results.rwa.by_class.contains_key("defaulted"));
}

#[test]
fn currency_mismatch() {
    let p = basel();
    let mut retail = line(ExposureClass::Retail);
    retail.retail_type = Some(RetailType::Regulatory);
    retail.currency_mismatch = true;
    close(rw(retail.clone(), &p), 1.125);
    let mut home = re(ReType::Rre, 1.5);
    home.currency_mismatch = true;
    close(rw(home, &p), 1.05);
    let mut ip = re(ReType::RreIp, 1.5);
    ip.currency_mismatch = true;
    close(rw(ip, &p), 1.5);
    let mut cre = re(ReType::Cre, 0.9);
    cre.currency_mismatch = true;
    close(rw(cre, &p), 0.75);
    retail.defaulted = true;
    retail.specific_provisions = Some(50.0);
    close(rw(retail, &p), 1.0);
}

#[test]
fn exposure_value_and_ccfs() {
    let p = basel();
    let mut l = line(ExposureClass::Corporate);
    l.drawn = Some(100.0);
    l.undrawn = Some(200.0);
    l.specific_provisions = Some(130.0);
    // on_net 0, left 30, off_net 170 × 40 % (no type = commitment) = 68.
    let r = run(vec![l.clone()], &p);
    close(r.rwa.by_class["corporate"].exposure, 68.0);
    for (kind, ccf) in [
        (OffBalanceType::DirectCreditSubstitute, 1.0),
        (OffBalanceType::TransactionContingent, 0.5),
        (OffBalanceType::NifRuf, 0.5),
        (OffBalanceType::TradeLc, 0.2),
        (OffBalanceType::UnconditionallyCancellable, 0.1),
    ] {
        l.off_balance_type = Some(kind);
        close(
            run(vec![l.clone()], &p).rwa.by_class["corporate"].exposure,
            170.0 * ccf,
        );
    }
    // Leverage floors the CCF at 10 %: UCC 10 % stays, and the on-balance part counts.
    l.specific_provisions = None;
    l.off_balance_type = Some(OffBalanceType::UnconditionallyCancellable);
    close(run(vec![l], &p).leverage.exposure_measure, 100.0 + 20.0);
}

#[test]
fn financial_collateral_haircuts() {
    let p = basel();
    let collateral = |kind: CollateralType, maturity: Option<f64>, currency: Option<&str>| {
        let mut l = line(ExposureClass::Corporate);
        l.collateral_type = Some(kind);
        l.collateral_value = Some(50.0);
        l.collateral_residual_maturity_years = maturity;
        l.collateral_currency = currency.map(str::to_owned);
        run(vec![l], &p).rwa.by_class["corporate"].exposure
    };
    close(collateral(CollateralType::Cash, None, None), 50.0);
    close(
        collateral(CollateralType::Gold, None, None),
        100.0 - 50.0 * 0.8,
    );
    close(
        collateral(CollateralType::SovereignDebt, Some(1.0), None),
        100.0 - 50.0 * 0.995,
    );
    close(
        collateral(CollateralType::SovereignDebt, Some(1.01), None),
        100.0 - 50.0 * 0.98,
    );
    close(
        collateral(CollateralType::SovereignDebt, Some(5.0), None),
        100.0 - 50.0 * 0.98,
    );
    close(
        collateral(CollateralType::SovereignDebt, Some(5.5), None),
        100.0 - 50.0 * 0.96,
    );
    close(
        collateral(CollateralType::SovereignDebt, None, None),
        100.0 - 50.0 * 0.96,
    );
    close(
        collateral(CollateralType::MainIndexEquity, None, None),
        100.0 - 50.0 * 0.8,
    );
    close(
        collateral(CollateralType::OtherListedEquity, None, None),
        100.0 - 50.0 * 0.7,
    );
    close(
        collateral(CollateralType::Cash, None, Some("USD")),
        100.0 - 50.0 * 0.92,
    );
    close(collateral(CollateralType::Cash, None, Some("EUR")), 50.0);
    let mut none = line(ExposureClass::Corporate);
    none.collateral_value = Some(50.0);
    close(
        run(vec![none], &p).rwa.by_class["corporate"].exposure,
        100.0,
    );
}

#[test]
fn guarantees_substitute_only_a_lower_weight() {
    let p = basel();
    let mut l = line(ExposureClass::Corporate);
    l.guaranteed_amount = Some(60.0);
    l.guarantor_class = Some(ExposureClass::Sovereign);
    l.guarantor_rating = Rating::parse("AA").expect("AA");
    let r = run(vec![l.clone()], &p);
    close(r.rwa.credit, 40.0);
    close(r.rwa.by_risk_weight["0"].exposure, 60.0);
    close(r.rwa.by_risk_weight["100"].exposure, 40.0);
    assert_eq!(
        r.rwa.by_class.len(),
        1,
        "the guaranteed part stays in the borrower's class"
    );
    l.guarantor_class = Some(ExposureClass::Bank);
    l.guarantor_rating = Rating::Unrated;
    close(run(vec![l.clone()], &p).rwa.credit, 100.0);
    l.guaranteed_amount = Some(500.0);
    l.guarantor_class = Some(ExposureClass::Corporate);
    l.guarantor_rating = Rating::parse("A").expect("A");
    close(run(vec![l.clone()], &p).rwa.credit, 50.0);
    l.guarantor_class = Some(ExposureClass::Retail);
    close(run(vec![l], &p).rwa.credit, 100.0);
}

#[test]
fn crr3_loan_splitting() {
    let p = crr3();
    let mut home = re(ReType::Rre, 0.8);
    home.property_value = Some(125.0);
    // Secured min(100, 0.55 × 125 = 68.75) at 20 %, the rest at 75 %.
    let r = run(vec![home.clone()], &p);
    close(r.rwa.credit, 68.75 * 0.2 + 31.25 * 0.75);
    close(r.rwa.by_risk_weight["20"].exposure, 68.75);
    close(r.rwa.by_risk_weight["75"].exposure, 31.25);
    home.property_value = None;
    // Property value from drawn / ltv = 125: same split.
    close(run(vec![home], &p).rwa.credit, 68.75 * 0.2 + 31.25 * 0.75);
    let mut office = re(ReType::Cre, 0.5);
    office.counterparty_type = Some(CounterpartyType::Corporate);
    office.rating = Rating::parse("AA").expect("AA");
    office.property_value = Some(200.0);
    // Secured 100 at 60 % even though the counterparty RW (20 %) is lower.
    close(run(vec![office], &p).rwa.credit, 60.0);
}

#[test]
fn crr3_sme_supporting_factor_around_the_threshold() {
    let p = crr3();
    let sme = |id: &str, drawn: f64| {
        let mut l = Exposure::new(id, ExposureClass::Corporate, drawn);
        l.sme = true;
        l.counterparty_id = Some("CP".into());
        l
    };
    close(run(vec![sme("a", 2.0e6)], &p).rwa.credit, 2.0e6 * 0.7619);
    close(run(vec![sme("a", 2.5e6)], &p).rwa.credit, 2.5e6 * 0.7619);
    // Two lines of one counterparty, 4 m in all: the blended factor.
    let r = run(vec![sme("a", 3.0e6), sme("b", 1.0e6)], &p);
    let factor = (2.5e6 * 0.7619 + 1.5e6 * 0.85) / 4.0e6;
    close(r.rwa.credit, 4.0e6 * factor);
    // The bucket is chosen before the factor; its RWA is after it.
    close(r.rwa.by_risk_weight["100"].rwa, 4.0e6 * factor);
    assert_eq!(
        run(vec![sme("a", 1.0)], &basel()).rwa.credit,
        0.85,
        "basel31 has no factor"
    );
}

#[test]
fn risk_weights_outside_cr5_go_to_other() {
    let p = basel();
    let mut retail = line(ExposureClass::Retail);
    retail.retail_type = Some(RetailType::Regulatory);
    retail.currency_mismatch = true;
    let r = run(vec![retail], &p);
    assert_eq!(
        r.rwa.by_risk_weight.keys().collect::<Vec<_>>(),
        vec!["other"]
    );
    assert_eq!(bucket_key(0.35), "35");
    assert_eq!(bucket_key(12.5), "1250");
    assert_eq!(bucket_key(0.15), "other");
}

#[test]
fn large_exposures_groups_moves_and_exemptions() {
    let mut capital = vec![CapitalItem {
        tier: Tier::Cet1,
        kind: CapitalKind::Item,
        label: String::new(),
        amount: 1000.0,
    }];
    let mut a = Exposure::new("a", ExposureClass::Corporate, 200.0);
    a.group_id = Some("G1".into());
    a.guaranteed_amount = Some(50.0);
    a.guarantor_class = Some(ExposureClass::Bank);
    a.guarantor_group_id = Some("G2".into());
    let mut b = Exposure::new("b", ExposureClass::Corporate, 120.0);
    b.counterparty_id = Some("G1".into());
    b.collateral_type = Some(CollateralType::Cash);
    b.collateral_value = Some(20.0);
    let mut c = Exposure::new("c", ExposureClass::Sovereign, 900.0);
    c.group_id = Some("SOV".into());
    let mut d = Exposure::new("d", ExposureClass::Corporate, 80.0);
    d.group_id = Some("G3".into());
    d.guaranteed_amount = Some(80.0);
    d.guarantor_class = Some(ExposureClass::Sovereign);
    d.guarantor_group_id = Some("STATE".into());
    let mut e = Exposure::new("e", ExposureClass::Retail, 5.0);
    e.counterparty_id = Some("tiny".into());
    // A sovereign line guaranteed by a bank: the part moved to the bank is
    // an exposure to its group (§10); the rest stays exempt.
    let mut f = Exposure::new("f", ExposureClass::Sovereign, 300.0);
    f.group_id = Some("SOV".into());
    f.guaranteed_amount = Some(60.0);
    f.guarantor_class = Some(ExposureClass::Bank);
    f.guarantor_group_id = Some("G4".into());
    let data = DataSet {
        capital: capital.clone(),
        exposures: vec![a, b, c, d, e, f],
        ..DataSet::default()
    };
    let r = compute(&data, &basel(), &ComputeOptions::default());
    let groups: Vec<(&str, f64)> = r
        .large_exposures
        .iter()
        .map(|l| (l.group.as_str(), l.exposure))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("G1", 250.0),
            ("G4", 60.0),
            ("G2", 50.0),
            ("tiny", 5.0),
            ("G3", 0.0)
        ]
    );
    assert_eq!(r.large_exposures[0].share_of_tier1, Some(0.25));
    assert_eq!(
        r.large_exposures[0].breach,
        Some(false),
        "25 % exactly is not a breach"
    );
    capital[0].amount = 999.0;
    let data = DataSet { capital, ..data };
    let r = compute(&data, &basel(), &ComputeOptions::default());
    assert_eq!(r.large_exposures[0].breach, Some(true));
}

#[test]
fn nothing_to_divide_by_gives_null_ratios() {
    let r = compute(&DataSet::default(), &basel(), &ComputeOptions::default());
    assert_eq!(r.ratios.cet1, None);
    assert_eq!(r.ratios.leverage, None);
    assert_eq!(r.ratios.lcr, None);
    assert_eq!(r.buffers.cet1_available, None);
    assert_eq!(r.headroom.cet1_amount, None);
    let json = serde_json::to_value(&r).expect("json");
    assert!(json["ratios"]["cet1"].is_null());
    assert!(json.get("lines").is_none(), "lines only on request");
}

#[test]
fn a_whole_bank_in_json_round_trips() {
    let text = r#"{
      "name": "Mini", "currency": "EUR", "profile": "basel31",
      "capital": [{"tier": "cet1", "kind": "item", "label": "Shares", "amount": 120},
                  {"tier": "at1", "amount": 15}, {"tier": "t2", "amount": 20}],
      "exposures": [{"id": "L1", "class": "corporate", "drawn": 500, "rating": "BBB"},
                    {"id": "L2", "class": "retail", "drawn": 300, "retail_type": "regulatory"}],
      "rwa_lines": [{"label": "IRB", "risk_type": "credit", "rwa": 100}],
      "market_risk": {"own_funds_requirement": 4}, "cva": {"own_funds_requirement": 1},
      "leverage": {"derivatives": 10, "sft": 0, "other_assets": 0, "tier1_deductions": 0},
      "lcr": {"hqla": [{"level": "l1", "amount": 200}], "outflows": [{"category": "retail_stable", "amount": 1000}], "inflows": []},
      "nsfr": {"asf": [{"category": "capital_and_long_term", "amount": 900}], "rsf": [{"category": "other_assets", "amount": 800}]},
      "requirements": {"p2r": 0.02, "ccyb": 0.01, "osii": 0.005}
    }"#;
    let data = DataSet::from_json_str(text).expect("parses");
    assert!(data.validate().is_empty(), "{:?}", data.validate());
    let again: DataSet =
        serde_json::from_str(&serde_json::to_string(&data).expect("ser")).expect("de");
    assert_eq!(again, data);
    let r = compute(
        &data,
        &basel(),
        &ComputeOptions {
            lines: true,
            explain: false,
        },
    );
    // Credit: 500 × 75 % + 300 × 75 % = 600; market 50; CVA 12.5; other 100.
    close(r.rwa.credit, 600.0);
    close(r.rwa.total, 762.5);
    close(r.ratios.cet1.expect("cet1"), 120.0 / 762.5);
    close(r.ratios.leverage.expect("lev"), 135.0 / 810.0);
    close(r.ratios.lcr.expect("lcr"), 200.0 / 50.0);
    close(r.ratios.nsfr.expect("nsfr"), 900.0 / 800.0);
    let back: Results = serde_json::from_str(&serde_json::to_string(&r).expect("ser")).expect("de");
    assert_eq!(back, r);
    let keys: Vec<String> = serde_json::to_value(&r)
        .expect("json")
        .as_object()
        .expect("obj")
        .keys()
        .cloned()
        .collect();
    for key in [
        "profile",
        "capital",
        "rwa",
        "op_risk",
        "ratios",
        "requirements",
        "headroom",
        "buffers",
        "leverage",
        "lcr",
        "nsfr",
        "large_exposures",
        "lines",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key}");
    }
}

#[test]
fn scenarios_apply_every_edit_in_order() {
    let mut a = Exposure::new("A", ExposureClass::Corporate, 100.0);
    a.rating = Rating::parse("BBB").expect("BBB");
    a.country = Some("FR".into());
    let mut b = Exposure::new("B", ExposureClass::Corporate, 100.0);
    b.cqs = super::rating::Cqs::new(2);
    let data = DataSet {
        exposures: vec![a, b],
        capital: vec![CapitalItem {
            tier: Tier::Cet1,
            kind: CapitalKind::Item,
            label: String::new(),
            amount: 50.0,
        }],
        lcr: Some(Lcr {
            outflows: vec![CategoryItem {
                label: String::new(),
                category: "retail_stable".into(),
                amount: 100.0,
            }],
            ..Lcr::default()
        }),
        ..DataSet::default()
    };
    let text = r#"{"name": "Downturn", "edits": [
        {"op": "scale_exposures", "filter": {"country": "FR"}, "factor": 2},
        {"op": "shift_ratings", "filter": {}, "notches": 3},
        {"op": "set_line", "id": "B", "field": "drawn", "value": 50},
        {"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": -10},
        {"op": "scale_items", "section": "lcr.outflows", "category": "retail_stable", "factor": 1.5},
        {"op": "set_requirement", "key": "p2r", "value": 0.03},
        {"op": "set_parameter", "key": "rw.corporate.cqs4", "value": 1.2}
    ]}"#;
    let scenario = Scenario::from_json_str(text).expect("scenario parses");
    let (changed, profile) = scenario.apply(&data, &basel()).expect("applies");
    assert_eq!(changed.exposures[0].drawn, Some(200.0));
    assert_eq!(
        changed.exposures[0].rating,
        Rating::parse("BB").expect("BB")
    );
    assert_eq!(
        changed.exposures[1].rating,
        Rating::parse("BBB").expect("A → BBB")
    );
    assert_eq!(changed.exposures[1].drawn, Some(50.0));
    assert_eq!(profile.get("rw.corporate.cqs4"), 1.2);
    let base = compute(&data, &basel(), &ComputeOptions::default());
    let after = compute(&changed, &profile, &ComputeOptions::default());
    close(after.capital.cet1, 40.0);
    close(after.rwa.credit, 200.0 * 1.2 + 50.0 * 0.75);
    close(
        after.requirements.cet1 - base.requirements.cet1,
        0.5625 * 0.03,
    );
    let cmp = compare(&base, &after);
    close(
        cmp.delta["rwa"]["credit"].as_f64().expect("delta"),
        after.rwa.credit - base.rwa.credit,
    );
    close(cmp.delta["lcr"]["outflows"].as_f64().expect("delta"), 2.5);
    assert!(cmp.delta["ratios"]["leverage"].as_f64().is_some());

    // Committed as a data set of its own (a new version), it computes the
    // same figures with no scenario: the parameter went into its overrides.
    let committed = scenario.commit(&data, &basel()).expect("commits");
    assert_eq!(committed.overrides.get("rw.corporate.cqs4"), Some(&1.2));
    let again = compute(
        &committed,
        &resolve_profile(&committed, None).expect("profile"),
        &ComputeOptions::default(),
    );
    assert_eq!(again, after);
}

#[test]
fn scenario_errors_name_the_edit() {
    let data = DataSet {
        exposures: vec![Exposure::new("A", ExposureClass::Retail, 1.0)],
        ..DataSet::default()
    };
    for (text, needle) in [
        (
            r#"{"edits": [{"op": "set_line", "id": "Z", "field": "drawn", "value": 1}]}"#,
            "no exposure line has id",
        ),
        (
            r#"{"edits": [{"op": "set_line", "id": "A", "field": "drawn", "value": -5}]}"#,
            "non-negative",
        ),
        (
            r#"{"edits": [{"op": "set_line", "id": "A", "field": "rating", "value": "ZZZ"}]}"#,
            "unknown rating",
        ),
        (
            r#"{"edits": [{"op": "set_parameter", "key": "rw.nothing", "value": 1}]}"#,
            "unknown profile parameter",
        ),
        (
            r#"{"edits": [{"op": "set_requirement", "key": "p2r", "value": 5}]}"#,
            "between 0 and 1",
        ),
    ] {
        let scenario = Scenario::from_json_str(text).expect("parses");
        let error = scenario.apply(&data, &basel()).unwrap_err().to_string();
        assert!(
            error.starts_with("edits[0]: ") && error.contains(needle),
            "{error}"
        );
    }
    assert!(Scenario::from_json_str(r#"{"edits": [{"op": "explode"}]}"#).is_err());
}

#[test]
fn scale_undrawn_cancels_commitments_of_one_type_and_leaves_the_drawn_part() {
    let mut card = Exposure::new("CARD", ExposureClass::Retail, 100.0);
    card.undrawn = Some(40.0);
    card.off_balance_type = Some(OffBalanceType::UnconditionallyCancellable);
    let mut loan = Exposure::new("LOAN", ExposureClass::Corporate, 100.0);
    loan.undrawn = Some(50.0);
    loan.off_balance_type = Some(OffBalanceType::Commitment);
    let data = DataSet {
        exposures: vec![card, loan],
        ..DataSet::default()
    };
    let scenario = Scenario::from_json_str(
        r#"{"edits": [{"op": "scale_undrawn", "factor": 0.25,
            "filter": {"off_balance_type": "unconditionally_cancellable"}}]}"#,
    )
    .expect("parses");
    let (changed, _) = scenario.apply(&data, &basel()).expect("applies");
    assert_eq!(changed.exposures[0].drawn, Some(100.0));
    assert_eq!(changed.exposures[0].undrawn, Some(10.0));
    assert_eq!(changed.exposures[1], data.exposures[1]);
    assert!(
        Scenario::from_json_str(
            r#"{"edits": [{"op": "scale_undrawn", "factor": 0, "filter": {"off_balance_type": "cancellable"}}]}"#
        )
        .unwrap_err()
        .to_string()
        .contains("unknown variant `cancellable`")
    );
}

#[test]
fn a_scenario_is_strict_and_refuses_what_it_would_otherwise_skip() {
    let data = DataSet {
        exposures: vec![Exposure::new("A", ExposureClass::Retail, 1.0)],
        lcr: Some(Lcr::default()),
        ..DataSet::default()
    };
    let ok = r#"{"op": "add_capital", "tier": "cet1", "amount": 1}"#;
    // Refused while reading: the index is the edit's, whatever comes before.
    for (edit, needle) in [
        (r#"{"op": "explode"}"#, "unknown variant `explode`"),
        (
            r#"{"op": "scale_exposures", "filter": {"clas": "retail"}, "factor": 2}"#,
            "unknown field `clas`",
        ),
        (
            r#"{"op": "scale_items", "section": "lcr.outflows", "categroy": "retail_stable", "factor": 2}"#,
            "unknown field `categroy`",
        ),
        (
            r#"{"op": "scale_items", "section": "lcr.outflow", "factor": 2}"#,
            "unknown variant `lcr.outflow`",
        ),
        (
            r#"{"op": "shift_ratings", "filter": {}, "notches": 1, "factor": 2}"#,
            "unknown field `factor`",
        ),
    ] {
        let text = format!(r#"{{"edits": [{ok}, {edit}]}}"#);
        let error = Scenario::from_json_str(&text).unwrap_err().to_string();
        assert!(
            error.starts_with("edits[1]: ") && error.contains(needle),
            "{edit}: {error}"
        );
    }
    assert!(
        Scenario::from_json_str(r#"{"edit": []}"#)
            .unwrap_err()
            .to_string()
            .contains("unknown field `edit`"),
        "a misspelt list of edits is not an empty scenario"
    );
    // Refused while applying, nothing computed.
    for (edit, needle) in [
        (
            r#"{"op": "set_line", "id": "A", "field": "drawnn", "value": 5}"#,
            "unknown field \"drawnn\"",
        ),
        (
            r#"{"op": "set_line", "id": "A", "field": "drawnn", "value": null}"#,
            "unknown field \"drawnn\"",
        ),
        (
            r#"{"op": "scale_items", "section": "lcr.outflows", "category": "retail_stabel", "factor": 2}"#,
            "unknown category \"retail_stabel\"",
        ),
        (
            r#"{"op": "scale_items", "section": "nsfr.rsf", "category": "retail_stable", "factor": 2}"#,
            "unknown category",
        ),
        (
            r#"{"op": "scale_items", "section": "lcr.hqla", "level": "l3", "factor": 2}"#,
            "unknown level \"l3\"",
        ),
        (
            r#"{"op": "scale_exposures", "filter": {}, "factor": -1}"#,
            "factor must be",
        ),
    ] {
        let text = format!(r#"{{"edits": [{ok}, {edit}]}}"#);
        let scenario = Scenario::from_json_str(&text).expect("reads");
        let error = scenario.apply(&data, &basel()).unwrap_err().to_string();
        assert!(
            error.starts_with("edits[1]: ") && error.contains(needle),
            "{edit}: {error}"
        );
    }
    // What is known passes: a field set to null, a level by its alias.
    let text = format!(
        r#"{{"edits": [{ok}, {{"op": "set_line", "id": "A", "field": "country", "value": null}},
            {{"op": "scale_items", "section": "lcr.hqla", "level": "l2a", "factor": 2}},
            {{"op": "scale_items", "section": "nsfr.asf", "category": "other_liabilities", "factor": 2}}]}}"#
    );
    Scenario::from_json_str(&text)
        .expect("reads")
        .apply(&data, &basel())
        .expect("applies");
}

#[test]
fn delta_lists_hold_every_group_present_on_either_side() {
    let capital = vec![CapitalItem {
        tier: Tier::Cet1,
        kind: CapitalKind::Item,
        label: String::new(),
        amount: 1_000.0,
    }];
    // 21 groups: G00 is the smallest and listed only while it is in the 20
    // largest; scaling it up pushes G01 out.
    let exposures = (0..21)
        .map(|i| {
            let mut line = Exposure::new(
                format!("L{i}"),
                ExposureClass::Corporate,
                10.0 + f64::from(i),
            );
            line.group_id = Some(format!("G{i:02}"));
            line
        })
        .collect();
    let data = DataSet {
        capital,
        exposures,
        ..DataSet::default()
    };
    let scenario = Scenario::from_json_str(
        r#"{"edits": [{"op": "scale_exposures", "filter": {"ids": ["L0"]}, "factor": 10}]}"#,
    )
    .expect("reads");
    let (changed, profile) = scenario.apply(&data, &basel()).expect("applies");
    let base = compute(&data, &basel(), &ComputeOptions::default());
    let after = compute(&changed, &profile, &ComputeOptions::default());
    let listed = |r: &results::Results, g: &str| r.large_exposures.iter().any(|l| l.group == g);
    assert!(listed(&base, "G01") && !listed(&after, "G01"));
    assert!(!listed(&base, "G00") && listed(&after, "G00"));
    let cmp = compare(&base, &after);
    let delta = |g: &str| {
        cmp.delta["large_exposures"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|d| d["group"] == g)
            .unwrap_or_else(|| panic!("{g} has a delta row"))["exposure"]
            .as_f64()
            .expect("a number")
    };
    close(delta("G00"), 100.0);
    close(delta("G01"), -11.0);
    close(delta("G20"), 0.0);
    assert_eq!(
        cmp.delta["large_exposures"].as_array().map(Vec::len),
        Some(21)
    );
}

#[test]
fn id_filters_and_line_edits_reach_exactly_their_lines() {
    let data = DataSet {
        exposures: (0..2_000)
            .map(|i| Exposure::new(format!("L{i}"), ExposureClass::Retail, 10.0))
            .collect(),
        ..DataSet::default()
    };
    let chosen: Vec<String> = (0..2_000).step_by(3).map(|i| format!("L{i}")).collect();
    let mut edits = vec![
        serde_json::json!({"op": "scale_exposures", "filter": {"ids": chosen}, "factor": 2.0}),
    ];
    edits.extend((0..2_000).step_by(5).map(|i| {
        serde_json::json!({"op": "set_line", "id": format!("L{i}"), "field": "drawn", "value": i as f64})
    }));
    let text = serde_json::json!({ "edits": edits }).to_string();
    let scenario = Scenario::from_json_str(&text).expect("parses");
    let (changed, _) = scenario.apply(&data, &basel()).expect("applies");
    for (i, line) in changed.exposures.iter().enumerate() {
        let expected = match (i % 5 == 0, i % 3 == 0) {
            (true, _) => i as f64,
            (false, true) => 20.0,
            (false, false) => 10.0,
        };
        assert_eq!(line.drawn, Some(expected), "line {i}");
    }
}

/// The same large exposures, names in order and amounts to 1e-9.
fn assert_same_listing(a: &[results::LargeExposure], b: &[results::LargeExposure]) {
    assert_eq!(
        a.iter().map(|l| &l.group).collect::<Vec<_>>(),
        b.iter().map(|l| &l.group).collect::<Vec<_>>()
    );
    for (x, y) in a.iter().zip(b) {
        assert!((x.exposure - y.exposure).abs() <= 1e-9 * x.exposure.abs().max(1.0));
    }
}

#[test]
fn the_watched_groups_list_what_every_group_lists() {
    let mut data = crate::samples::generate(20_000, 3);
    let profile = basel();
    let portfolio = Portfolio::compile(&data);
    assert!(
        portfolio.groups.len() > portfolio::WATCHED,
        "more groups than the pass watches"
    );
    let every_group = |data: &DataSet| {
        let portfolio = Portfolio::compile(data);
        let rules = Rules::from_profile(&profile);
        let kinds = credit::KindTable::new(&rules, &portfolio);
        let tier1 = compute(data, &profile, &ComputeOptions::default())
            .capital
            .tier1;
        large_exposures::list(
            group_amounts(&portfolio, &kinds, &rules),
            &portfolio.groups,
            tier1,
            &profile,
        )
    };
    let streamed = compute(&data, &profile, &ComputeOptions::default());
    assert!(!streamed.large_exposures.is_empty());
    assert_same_listing(&streamed.large_exposures, &every_group(&data));
    // The watched groups settled it on their own.
    let rules = Rules::from_profile(&profile);
    let (_, watched) = credit_aggregates(
        &portfolio,
        &credit::KindTable::new(&rules, &portfolio),
        &rules,
    );
    let watched = watched_amounts(&portfolio, &watched);
    let bound = portfolio
        .unwatched
        .expect("compiled")
        .bound(rules.largest_ccf());
    assert!(large_exposures::watched_settle(
        &watched,
        bound,
        streamed.capital.tier1,
        &profile
    ));

    // A Tier 1 so small that groups left out pass the reporting threshold:
    // the pass then sums every group.
    for item in &mut data.capital {
        item.amount *= 1e-7;
    }
    let streamed = compute(&data, &profile, &ComputeOptions::default());
    assert!(streamed.large_exposures.len() > portfolio::WATCHED);
    assert_same_listing(&streamed.large_exposures, &every_group(&data));
}

#[test]
fn groups_with_the_same_amounts_tie_and_list_by_name_on_every_path() {
    let amounts = [387_151.76, 4_709_664.28, 9_439_231.5];
    let mut data = DataSet::default();
    for (group, order) in [("TIE-B", [0, 1, 2]), ("TIE-A", [2, 1, 0])] {
        for (k, i) in order.iter().enumerate() {
            let mut line = Exposure::new(
                format!("{group}-{k}"),
                ExposureClass::Corporate,
                amounts[*i],
            );
            line.group_id = Some(group.into());
            data.exposures.push(line);
        }
    }
    data.capital.push(CapitalItem {
        tier: Tier::Cet1,
        kind: CapitalKind::Item,
        label: "Capital".into(),
        amount: 1e6,
    });
    let with_lines = ComputeOptions {
        lines: true,
        explain: false,
    };
    for options in [ComputeOptions::default(), with_lines] {
        let listed: Vec<String> = compute(&data, &basel(), &options)
            .large_exposures
            .into_iter()
            .map(|l| l.group)
            .collect();
        assert_eq!(listed, ["TIE-A", "TIE-B"]);
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn class() -> impl Strategy<Value = ExposureClass> {
        proptest::sample::select(ExposureClass::ALL.to_vec())
    }

    fn exposure() -> impl Strategy<Value = Exposure> {
        (
            class(),
            0.0..1e7f64,
            0.0..1e7f64,
            0.0..1e6f64,
            proptest::option::of(0.0..2.0f64),
            proptest::sample::select(vec!["", "AAA", "A-", "BBB", "Ba1", "B", "CCC", "D"]),
            proptest::option::of(proptest::sample::select(vec![
                ReType::Rre,
                ReType::RreIp,
                ReType::Cre,
                ReType::CreIp,
                ReType::Adc,
            ])),
            any::<bool>(),
            (0.0..1e7f64, 0.0..1e7f64),
        )
            .prop_map(
                |(
                    class,
                    drawn,
                    undrawn,
                    provisions,
                    ltv,
                    rating,
                    re_type,
                    defaulted,
                    (collateral, guaranteed),
                )| {
                    let mut l = Exposure::new("x", class, drawn);
                    l.undrawn = Some(undrawn);
                    l.specific_provisions = Some(provisions);
                    l.ltv = ltv;
                    l.rating = Rating::parse(rating).expect("valid");
                    l.re_type = re_type;
                    l.defaulted = defaulted;
                    l.collateral_type = Some(CollateralType::Gold);
                    l.collateral_value = Some(collateral);
                    l.guaranteed_amount = Some(guaranteed);
                    l.guarantor_class = Some(ExposureClass::Bank);
                    l
                },
            )
    }

    fn portfolio() -> impl Strategy<Value = Vec<Exposure>> {
        proptest::collection::vec(exposure(), 1..30).prop_map(|mut lines| {
            for (i, l) in lines.iter_mut().enumerate() {
                l.id = format!("L{i}");
            }
            lines
        })
    }

    fn credit(lines: Vec<Exposure>, profile: &Profile) -> f64 {
        run(lines, profile).rwa.credit
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn rwa_is_never_negative(lines in portfolio()) {
            for profile in [basel(), crr3()] {
                let r = run(lines.clone(), &profile);
                prop_assert!(r.rwa.credit >= 0.0);
                for l in r.lines.expect("lines") {
                    prop_assert!(l.rwa >= 0.0 && l.risk_weight >= 0.0);
                }
            }
        }

        #[test]
        fn rwa_scales_linearly_with_every_amount(lines in portfolio(), factor in 0.1..10.0f64) {
            let scaled: Vec<Exposure> = lines.iter().cloned().map(|mut l| {
                for x in [&mut l.drawn, &mut l.undrawn, &mut l.specific_provisions, &mut l.collateral_value, &mut l.guaranteed_amount, &mut l.property_value].into_iter().flatten() {
                    *x *= factor;
                }
                l
            }).collect();
            let base = credit(lines, &basel());
            let after = credit(scaled, &basel());
            prop_assert!((after - factor * base).abs() <= 1e-9 * (factor * base).max(1.0), "{after} vs {}", factor * base);
        }

        #[test]
        fn adding_an_exposure_never_lowers_rwa(lines in portfolio(), extra in exposure()) {
            let base = credit(lines.clone(), &basel());
            let mut more = lines;
            let mut extra = extra;
            extra.id = "extra".into();
            more.push(extra);
            prop_assert!(credit(more, &basel()) >= base - 1e-9 * base.max(1.0));
        }
    }
}
