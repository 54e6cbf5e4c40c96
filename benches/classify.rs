//! `make eval`, classification: a synthetic bank with French and English
//! names and products trains on three reporting dates (60,000 lines) and
//! is measured on the next one, where 40 % of the counterparties are new;
//! the built-in model is measured on a second bank that spells everything
//! as a core system does. Reported, not asserted.

use prudentia::engine::dataset::{Exposure, ExposureClass};
use prudentia::intel::classify::books::{Bank, Style};
use prudentia::intel::classify::metrics::{Evaluation, Scored, evaluate};
use prudentia::intel::classify::{Model, Prediction, base, train};
use std::time::Instant;

const DATE_LINES: usize = 20_000;

fn scored(lines: &[Exposure], predictions: &[Prediction]) -> Vec<Scored> {
    let index = |class: ExposureClass| {
        ExposureClass::ALL
            .iter()
            .position(|c| *c == class)
            .unwrap_or(0)
    };
    lines
        .iter()
        .zip(predictions)
        .map(|(line, p)| {
            let mut probabilities = [0.0f32; ExposureClass::ALL.len()];
            probabilities[index(p.class)] = p.confidence as f32;
            for a in &p.alternatives {
                probabilities[index(a.class)] = a.confidence as f32;
            }
            Scored {
                label: index(line.class),
                probabilities,
            }
        })
        .collect()
}

fn measure(model: &Model, lines: &[Exposure]) -> Evaluation {
    let predictions: Vec<Prediction> = lines.iter().map(|l| model.predict(l)).collect();
    evaluate(&scored(lines, &predictions))
}

fn report(title: &str, e: &Evaluation) {
    println!(
        "{title}: {} lines, macro-F1 {:.3}, accuracy {:.3}, top-2 {:.4}, ECE {:.3}",
        e.lines, e.macro_f1, e.accuracy, e.top2_accuracy, e.ece
    );
}

/// Hides each typed line's counterparty type and guesses it back: how
/// often right, and how many lines the guess is sure enough to fill.
fn types(title: &str, model: &Model, lines: &[Exposure]) {
    let typed: Vec<&Exposure> = lines
        .iter()
        .filter(|l| l.counterparty_type.is_some())
        .collect();
    let threshold = model.type_threshold().unwrap_or(1.0);
    let (mut right, mut filled, mut filled_right) = (0, 0, 0);
    for line in &typed {
        let mut hidden = (*line).clone();
        hidden.counterparty_type = None;
        let Some(guess) = model.guess_type(&hidden, line.class) else {
            continue;
        };
        let hit = Some(guess.kind) == line.counterparty_type;
        right += usize::from(hit);
        if guess.confidence >= threshold {
            filled += 1;
            filled_right += usize::from(hit);
        }
    }
    let n = typed.len().max(1) as f64;
    println!(
        "{title}: {} lines, accuracy {:.3}; filled {:.1} % of them, {:.4} right",
        typed.len(),
        right as f64 / n,
        filled as f64 / n * 100.0,
        filled_right as f64 / filled.max(1) as f64
    );
}

fn main() {
    let mut bank = Bank::new(Style::House, 41);
    let mut history = bank.book(DATE_LINES, 1.0);
    history.extend(bank.book(DATE_LINES, 0.2));
    history.extend(bank.book(DATE_LINES, 0.2));
    // The next date is measured against the truth, without mistakes.
    bank.mistakes = 0.0;
    let next = bank.book(DATE_LINES, 0.4);

    let started = Instant::now();
    let model = train(&history, 1).expect("the history trains");
    println!(
        "training on {} lines of three reporting dates: {:.2} s",
        history.len(),
        started.elapsed().as_secs_f64()
    );
    let card = model.card();
    report(
        "hold-out (unseen counterparties of the history)",
        &card.holdout,
    );
    println!(
        "  temperature {:.2}, threshold for 99 % precision {:.3}",
        card.temperature, card.holdout.threshold
    );
    let e = measure(&model, &next);
    report("next reporting date (40 % new counterparties)", &e);
    let asked = next
        .iter()
        .filter(|l| model.predict(l).confidence < model.threshold())
        .count();
    println!(
        "  below the threshold, asked of a person: {:.1} % of lines",
        asked as f64 / next.len() as f64 * 100.0
    );
    for c in e.classes.iter().filter(|c| c.support > 0) {
        println!(
            "  {:<20} support {:>5}  precision {:.3}  recall {:.3}",
            c.class.key(),
            c.support,
            c.precision,
            c.recall
        );
    }

    types(
        "counterparty type guessed where hidden, next date",
        &model,
        &next,
    );
    if let Some(t) = &card.counterparty_types {
        println!(
            "  hold-out accuracy {:.3}, ECE {:.3}, given from {:.2} on",
            t.accuracy, t.ece, t.threshold
        );
    }

    let started = Instant::now();
    let base = base();
    println!(
        "built-in model trained on first use: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    report(
        "built-in model, this bank's next date",
        &measure(base, &next),
    );
    let mut stranger = Bank::new(Style::Core, 77);
    stranger.mistakes = 0.0;
    let stranger = stranger.book(DATE_LINES, 1.0);
    report(
        "built-in model, a second bank in core-system spelling",
        &measure(base, &stranger),
    );

    let big = Bank::new(Style::House, 5).book(100_000, 0.3);
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let predictions: Vec<Prediction> = big.iter().map(|l| model.predict(l)).collect();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(predictions);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "prediction on 100,000 lines: median {:.0} ms (min {:.0})",
        times[1], times[0]
    );
}
