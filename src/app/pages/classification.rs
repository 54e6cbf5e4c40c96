//! The model card: which model proposes the organisation's classes, how
//! good it was on lines it never saw (macro-F1, accuracy, calibration,
//! precision and recall per class, the confusion matrix), the confidence
//! under which an import asks a person; train now, or put an earlier
//! version back.

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
                card.await.map(|view| view! { <CardFigures view=view.clone() /> <History rows=view.history admin put /> })
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
                <dt>"Labelled lines"</dt><dd data-testid="model-lines">{view.lines}</dd>
                <dt>"Hold-out lines"</dt><dd>{view.holdout_lines}</dd>
                <dt>"Macro-F1"</dt><dd data-testid="model-macro-f1">{format!("{:.3}", view.macro_f1)}</dd>
                <dt>"Accuracy"</dt><dd>{share(view.accuracy)}</dd>
                <dt>"Top-2 accuracy"</dt><dd>{share(view.top2_accuracy)}</dd>
                <dt>"Calibration error (ECE)"</dt><dd>{format!("{:.3}", view.ece)}</dd>
                <dt>"Asks a person below"</dt><dd data-testid="model-threshold">{share(view.threshold)}</dd>
            </dl>
            <h3>"Per class"</h3>
            <table class="data-table" data-testid="model-classes">
                <thead><tr><th>"Class"</th><th>"Hold-out lines"</th><th>"Precision"</th><th>"Recall"</th></tr></thead>
                <tbody>
                    {view.classes.into_iter().map(|c| view! {
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
                        <td>{format!("{:.3}", m.macro_f1)}</td>
                        <td>{share(m.accuracy)}</td>
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
