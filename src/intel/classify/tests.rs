use super::books::{Bank, Style};
use super::*;
use crate::engine::dataset::{CounterpartyType, ReType};

fn model(lines: usize, seed: u64) -> Model {
    let mut bank = Bank::new(Style::House, seed);
    let mut book = bank.book(lines, 1.0);
    book.extend(bank.book(lines, 0.3));
    train(&book, seed).expect("trains")
}

#[test]
fn the_same_data_and_seed_give_the_same_model() {
    let a = model(600, 7);
    let b = model(600, 7);
    assert_eq!(a.to_bytes(), b.to_bytes());
    assert_eq!(a.card(), b.card());
}

#[test]
fn a_model_learns_classes_from_names_and_products_it_never_saw_with_a_label() {
    let m = model(2_000, 3);
    let holdout = &m.card().holdout;
    assert!(holdout.lines > 200, "{}", holdout.lines);
    assert!(holdout.accuracy > 0.9, "accuracy {}", holdout.accuracy);
    assert!(holdout.top2_accuracy >= holdout.accuracy);
    assert!(holdout.ece < 0.1, "ece {}", holdout.ece);
    let mut line = Exposure::new("new", ExposureClass::Corporate, 250_000.0);
    line.counterparty_name = Some("SCI Les Tilleuls Lyon".into());
    line.product = Some("Prêt immobilier".into());
    line.description = Some("Prêt immobilier résidence principale".into());
    line.ltv = Some(0.7);
    let p = m.predict(&line);
    assert_eq!(p.class, ExposureClass::RealEstate, "{p:?}");
    assert_eq!(p.decided_by, Decided::Model);
    assert_eq!(p.alternatives.len(), 2);
    assert!(p.alternatives.iter().all(|a| a.confidence <= p.confidence));
    assert!(
        !p.reasons.is_empty() && p.reasons.len() <= 3,
        "{:?}",
        p.reasons
    );
    assert!(
        p.reasons
            .iter()
            .any(|r| r.contains("immobilier") || r.contains("LTV") || r.contains("sci")),
        "{:?}",
        p.reasons
    );
}

#[test]
fn the_regulation_decides_before_the_model() {
    let m = model(300, 5);
    let mut line = Exposure::new("x", ExposureClass::Corporate, 1.0);
    line.counterparty_name = Some("Deutsche Bank AG".into());
    line.re_type = Some(ReType::Cre);
    let p = m.predict(&line);
    assert_eq!(
        (p.class, p.confidence, p.decided_by),
        (ExposureClass::RealEstate, 1.0, Decided::Rule)
    );
    assert!(p.reasons[0].contains("re_type"), "{:?}", p.reasons);
}

#[test]
fn a_stored_model_predicts_as_the_trained_one_and_bad_bytes_are_refused() {
    let m = model(600, 11);
    let again = Model::from_bytes(&m.to_bytes()).expect("reads back");
    let line = Bank::new(Style::Core, 99).book(1, 1.0).remove(0);
    assert_eq!(m.predict(&line), again.predict(&line));
    assert!(matches!(
        Model::from_bytes(b"not a model"),
        Err(ClassifyError::Unreadable(_))
    ));
}

#[test]
fn training_refuses_too_little_or_one_class() {
    let book = Bank::new(Style::House, 1).book(10, 1.0);
    assert_eq!(train(&book, 1).err(), Some(ClassifyError::TooFewLines(10)));
    let same: Vec<Exposure> = (0..60)
        .map(|i| Exposure::new(format!("l{i}"), ExposureClass::Retail, 1.0))
        .collect();
    assert_eq!(train(&same, 1).err(), Some(ClassifyError::OneClass));
}

#[test]
fn a_line_without_a_counterparty_type_gets_one_guessed_from_its_fields_and_class() {
    let m = model(2_000, 13);
    let card = m
        .card()
        .counterparty_types
        .clone()
        .expect("typed lines train a type model");
    assert!(card.lines > 100 && card.accuracy > 0.8, "{card:?}");
    assert!((0.0..=1.0).contains(&card.threshold));
    let mut next = Bank::new(Style::House, 13).book(1_500, 1.0);
    next.retain(|l| l.counterparty_type.is_some());
    let right = next
        .iter()
        .filter(|l| {
            let mut hidden = (*l).clone();
            hidden.counterparty_type = None;
            m.guess_type(&hidden, l.class).map(|g| g.kind) == l.counterparty_type
        })
        .count();
    assert!(
        right as f64 > 0.8 * next.len() as f64,
        "{right} of {}",
        next.len()
    );
    // A line with a type keeps it: nothing is guessed.
    assert_eq!(m.predict(&next[0]).counterparty_type, None);
    let mut sovereign = Exposure::new("t", ExposureClass::Sovereign, 1e6);
    sovereign.counterparty_name = Some("République française".into());
    let guess = m
        .guess_type(&sovereign, ExposureClass::Sovereign)
        .expect("a guess");
    assert_eq!(guess.kind, CounterpartyType::Sovereign, "{guess:?}");
    let again = Model::from_bytes(&m.to_bytes()).expect("reads back");
    assert_eq!(
        again.guess_type(&sovereign, ExposureClass::Sovereign),
        Some(guess)
    );
}
