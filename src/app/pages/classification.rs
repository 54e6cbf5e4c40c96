//! The model card: which model proposes the organisation's classes, how
//! good it was on lines it never saw (macro-F1, accuracy, calibration,
//! precision and recall per class, the confusion matrix), the confidence
//! under which an import asks a person; train now, compare two versions,
//! or put an earlier version back.

use crate::api::classification::{
    PutClassificationModel, TrainClassificationModel, classification_model,
};
use crate::app::components::form::{FormAlert, form_error};
use crate::app::components::workspace::Workspace;
use crate::model::account::{Me, Permission};
use crate::model::classification::{ModelCardView, ModelRow};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ClassificationPage() -> impl IntoView {
    view! {
        <Title text="Classification model" />
        <Workspace page=|me| view! { <ModelCard me /> } />
    }
}

fn share(value: f64) -> String {
    format!("{:.1} %", value * 100.0)
}

#[component]
fn ModelCard(me: Me) -> impl IntoView {
    let admin = me.can(Permission::ManageTenant);
    let train = ServerAction::<TrainClassificationModel>::new();
    let put = ServerAction::<PutClassificationModel>::new();
    let card = Resource::new(
        move || (train.version().get(), put.version().get()),
        |_| classification_model(),
    );
    let train_alert = form_error(train.value());
    let put_alert = form_error(put.value());
    view! {
        <h1>"Classification model"</h1>
        <p class="muted">
            "Proposes the exposure class of lines whose file gives none. Trained on your simulations' lines \
             (the latest version of each) and on built-in books; measured on counterparties it never saw."
        </p>
        <FormAlert error=train_alert />
        <FormAlert error=put_alert />
        <button type="button" class="button" data-testid="train-model" disabled=move || train.pending().get()
            on:click=move |_| { train.dispatch(TrainClassificationModel {}); }>
            {move || if train.pending().get() { "Training…" } else { "Train now" }}
        </button>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                card.await.map(|view| {
                    let rows = view.history.clone();
                    view! {
                        <CardFigures view=view.clone() />
                        <History rows=view.history admin put />
                        {(rows.len() >= 2).then(|| view! { <Compare rows /> })}
                    }
                })
            })}
        </Transition>
    }
}

#[component]
fn CardFigures(view: ModelCardView) -> impl IntoView {
    let which = match (view.version, view.trained_at.clone()) {
        (Some(v), Some(at)) => format!("Your model, version {v}, trained {at}"),
        (Some(v), None) => format!("Your model, version {v}"),
        _ => {
            "The built-in model (trained on synthetic books until your organisation trains its own)"
                .to_owned()
        }
    };
    view! {
        <section class="card" data-testid="model-card">
            <h2 data-testid="model-in-force">{which}</h2>
            <dl class="ratio-list">
                <dt>"Labelled lines"</dt><dd data-testid="model-lines">{view.figures.lines}</dd>
                <dt>"Hold-out lines"</dt><dd>{view.figures.holdout_lines}</dd>
                <dt>"Macro-F1"</dt><dd data-testid="model-macro-f1">{format!("{:.3}", view.figures.macro_f1)}</dd>
                <dt>"Accuracy"</dt><dd>{share(view.figures.accuracy)}</dd>
                <dt>"Top-2 accuracy"</dt><dd>{share(view.figures.top2_accuracy)}</dd>
                <dt>"Calibration error (ECE)"</dt><dd>{format!("{:.3}", view.figures.ece)}</dd>
                <dt>"Asks a person below"</dt><dd data-testid="model-threshold">{share(view.figures.threshold)}</dd>
                {view.types.map(|(accuracy, threshold)| view! {
                    <dt>"Counterparty type, where a line has none"</dt>
                    <dd data-testid="model-types">{format!("{} right; given from {} confidence", share(accuracy), share(threshold))}</dd>
                })}
            </dl>
            <h3>"Per class"</h3>
            <table class="data-table" data-testid="model-classes">
                <thead><tr><th>"Class"</th><th>"Hold-out lines"</th><th>"Precision"</th><th>"Recall"</th></tr></thead>
                <tbody>
                    {view.figures.classes.into_iter().map(|c| view! {
                        <tr><td>{c.class}</td><td>{c.support}</td><td>{share(c.precision)}</td><td>{share(c.recall)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <figure class="confusion">
                <figcaption>"Confusion matrix: true class by row, proposed class by column"</figcaption>
                <div data-testid="confusion-matrix" inner_html=view.confusion_svg aria-hidden="true"></div>
            </figure>
        </section>
    }
}

#[component]
fn History(
    rows: Vec<ModelRow>,
    admin: bool,
    put: ServerAction<PutClassificationModel>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"Your organisation has not trained a model yet."</p> }
            .into_any();
    }
    view! {
        <table class="data-table" data-testid="model-history">
            <thead><tr><th>"Version"</th><th>"Trained"</th><th>"Your lines"</th><th>"Macro-F1"</th><th>"Accuracy"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|m| view! {
                    <tr data-version=m.version>
                        <td>{m.version}</td>
                        <td>{m.created_at.to_string()}</td>
                        <td>{m.own_lines}</td>
                        <td>{format!("{:.3}", m.figures.macro_f1)}</td>
                        <td>{share(m.figures.accuracy)}</td>
                        <td>
                            {if m.in_force {
                                view! { <strong>"in force"</strong> }.into_any()
                            } else if admin {
                                let version = m.version;
                                view! {
                                    <button type="button" class="button" data-testid="put-model"
                                        on:click=move |_| { put.dispatch(PutClassificationModel { version }); }>
                                        "Put back in force"
                                    </button>
                                }.into_any()
                            } else {
                                ().into_any()
                            }}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Two versions side by side, each measured on its own hold-out: the
/// figures and every class's precision and recall, with the change.
#[component]
fn Compare(rows: Vec<ModelRow>) -> impl IntoView {
    // Newest first: the latest against the one before it, to begin with.
    let first = RwSignal::new(rows[1].version);
    let second = RwSignal::new(rows[0].version);
    let choose = |label: &'static str, picked: RwSignal<i32>, rows: &[ModelRow]| {
        let options = rows
            .iter()
            .map(|m| {
                let v = m.version;
                view! { <option value=v selected=move || picked.get() == v>{format!("version {v}")}</option> }
            })
            .collect_view();
        view! {
            <label>{label}
                <select on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { picked.set(v) }>{options}</select>
            </label>
        }
    };
    let pick = {
        let rows = rows.clone();
        move |v: i32| rows.iter().find(|m| m.version == v).cloned()
    };
    let table = move || {
        let (Some(a), Some(b)) = (pick(first.get()), pick(second.get())) else {
            return ().into_any();
        };
        view! { <CompareTable a b /> }.into_any()
    };
    view! {
        <section class="card" data-testid="model-compare">
            <h2>"Compare two versions"</h2>
            <p class="muted">"Each version is measured on the clients it held out when it trained."</p>
            <div class="inline-form">
                {choose("Compare ", first, &rows)}
                {choose(" with ", second, &rows)}
            </div>
            {table}
        </section>
    }
}

#[component]
fn CompareTable(a: ModelRow, b: ModelRow) -> impl IntoView {
    let row = |label: String, x: f64, y: f64, shown: fn(f64) -> String| {
        view! { <tr><td>{label}</td><td>{shown(x)}</td><td>{shown(y)}</td><td>{change(y - x)}</td></tr> }
    };
    let figures = [
        (
            "Labelled lines",
            a.figures.lines as f64,
            b.figures.lines as f64,
            whole as fn(f64) -> String,
        ),
        ("Macro-F1", a.figures.macro_f1, b.figures.macro_f1, three),
        ("Accuracy", a.figures.accuracy, b.figures.accuracy, share),
        (
            "Top-2 accuracy",
            a.figures.top2_accuracy,
            b.figures.top2_accuracy,
            share,
        ),
        (
            "Calibration error (ECE)",
            a.figures.ece,
            b.figures.ece,
            three,
        ),
        (
            "Asks a person below",
            a.figures.threshold,
            b.figures.threshold,
            share,
        ),
    ];
    let classes = a.figures.classes.iter().filter_map(|ca| {
        let cb = b.figures.classes.iter().find(|c| c.class == ca.class)?;
        (ca.support + cb.support > 0).then(|| {
            view! {
                {row(format!("{}: precision", ca.class), ca.precision, cb.precision, share)}
                {row(format!("{}: recall", ca.class), ca.recall, cb.recall, share)}
            }
        })
    });
    view! {
        <table class="data-table" data-testid="model-compare-table">
            <thead><tr><th></th><th>{format!("Version {}", a.version)}</th><th>{format!("Version {}", b.version)}</th><th>"Change"</th></tr></thead>
            <tbody>
                {figures.into_iter().map(|(label, x, y, shown)| row(label.to_owned(), x, y, shown)).collect_view()}
                {classes.collect_view()}
            </tbody>
        </table>
    }
}

fn whole(value: f64) -> String {
    format!("{value:.0}")
}

fn three(value: f64) -> String {
    format!("{value:.3}")
}

/// A change with its sign; nothing for none.
fn change(delta: f64) -> String {
    if delta.abs() < 5e-4 {
        "=".to_owned()
    } else {
        format!("{delta:+.3}")
    }
}
