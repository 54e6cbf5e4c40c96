//! The classes the model proposes for lines whose file gave none, least
//! confident first: the analyst confirms or corrects each, or every listed
//! line of the same product or counterparty at once. Choices live in the
//! mapping, so the next check and the commit carry them.

use crate::engine::dataset::ExposureClass;
use crate::model::import::{ClassProposal, Mapping};
use leptos::prelude::*;

fn class_of(key: &str) -> Option<ExposureClass> {
    ExposureClass::ALL.into_iter().find(|c| c.key() == key)
}

/// Ids of the listed lines sharing a value with `p` (its product or its
/// counterparty), when there are several.
fn group(
    all: &[ClassProposal],
    p: &ClassProposal,
    key: fn(&ClassProposal) -> Option<&String>,
) -> Vec<String> {
    let Some(value) = key(p) else {
        return Vec::new();
    };
    let ids: Vec<String> = all
        .iter()
        .filter(|q| key(q) == Some(value))
        .map(|q| q.id.clone())
        .collect();
    if ids.len() > 1 { ids } else { Vec::new() }
}

#[component]
pub fn ClassProposals(
    proposals: Vec<ClassProposal>,
    total: usize,
    to_confirm: usize,
    threshold: f64,
    mapping: RwSignal<Mapping>,
) -> impl IntoView {
    let shown = proposals.len();
    let rows: Vec<_> = proposals
        .iter()
        .map(|p| {
            let by_product = group(&proposals, p, |q| q.product.as_ref());
            let by_counterparty = group(&proposals, p, |q| q.counterparty_id.as_ref());
            view! { <ProposalRow proposal=p.clone() threshold by_product by_counterparty mapping /> }
        })
        .collect();
    view! {
        <section class="card" data-testid="class-proposals">
            <h3>"Proposed classes"</h3>
            <p data-testid="class-summary">
                {format!(
                    "{total} line(s) had no class; {to_confirm} proposed below {:.0} % confidence must be confirmed or corrected before the simulation is created.",
                    threshold * 100.0
                )}
                {(shown < total).then(|| format!(" The {shown} least confident are listed; the others take the proposed class."))}
            </p>
            <p class="muted">"A choice applies at the next check."</p>
            <div class="table-scroll">
                <table class="data-table">
                    <thead>
                        <tr>
                            <th>"Row"</th><th>"Line"</th><th>"Counterparty"</th><th>"Product"</th>
                            <th>"Proposed"</th><th>"Why"</th><th>"Class"</th><th>"Apply"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn ProposalRow(
    proposal: ClassProposal,
    threshold: f64,
    by_product: Vec<String>,
    by_counterparty: Vec<String>,
    mapping: RwSignal<Mapping>,
) -> impl IntoView {
    let id = proposal.id.clone();
    let chosen = {
        let id = id.clone();
        move || mapping.with(|m| m.classes.get(&id).copied())
    };
    let selected = RwSignal::new(proposal.chosen.unwrap_or(proposal.class));
    let choose = move |ids: Vec<String>| {
        let class = selected.get_untracked();
        mapping.update(|m| {
            for id in ids {
                m.classes.insert(id, class);
            }
        });
    };
    let needs = proposal.needs_confirmation(threshold);
    let alternatives = proposal
        .alternatives
        .iter()
        .map(|a| format!("{} {:.0} %", a.class.key(), a.confidence * 100.0))
        .collect::<Vec<_>>()
        .join(", ");
    let product_count = by_product.len();
    let counterparty_count = by_counterparty.len();
    view! {
        <tr data-testid="class-proposal" data-line=id.clone() class:needs-confirmation=needs>
            <td>{format!("{} {}", proposal.sheet, proposal.row)}</td>
            <td>{id.clone()}</td>
            <td>{proposal.counterparty_name.clone().or(proposal.counterparty_id.clone())}</td>
            <td>{proposal.product.clone()}</td>
            <td>
                <strong>{proposal.class.key()}</strong>
                {format!(" {:.0} %", proposal.confidence * 100.0)}
                {(!alternatives.is_empty()).then(|| view! { <div class="muted">"then " {alternatives}</div> })}
                {proposal.counterparty_type.as_ref().map(|g| view! {
                    <div class="muted" data-testid="type-guess">
                        {format!("counterparty type {} {:.0} %", g.kind.key(), g.confidence * 100.0)}
                    </div>
                })}
            </td>
            <td class="muted">{proposal.reasons.join("; ")}</td>
            <td>
                <select aria-label=format!("Class of line {id}") data-testid="class-choice"
                    on:change=move |ev| if let Some(class) = class_of(&event_target_value(&ev)) { selected.set(class) }>
                    {ExposureClass::ALL.into_iter().map(|c| view! {
                        <option value=c.key() selected=move || selected.get() == c>{c.key()}</option>
                    }).collect_view()}
                </select>
                <div class="muted" data-testid="class-chosen">
                    {move || chosen().map(|c| format!("chosen: {}", c.key()))}
                </div>
            </td>
            <td class="button-row">
                <button type="button" class="button" data-testid="confirm-class"
                    on:click={ let id = id.clone(); move |_| choose(vec![id.clone()]) }>"This line"</button>
                {(product_count > 1).then(|| view! {
                    <button type="button" class="button" data-testid="confirm-product"
                        on:click=move |_| choose(by_product.clone())>
                        {format!("The {product_count} of this product")}
                    </button>
                })}
                {(counterparty_count > 1).then(|| view! {
                    <button type="button" class="button" data-testid="confirm-counterparty"
                        on:click=move |_| choose(by_counterparty.clone())>
                        {format!("The {counterparty_count} of this counterparty")}
                    </button>
                })}
            </td>
        </tr>
    }
}
