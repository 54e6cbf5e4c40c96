//! The review of the version a dashboard shows: its state and what the
//! caller may do (submit, approve, send back with a reason), its comments,
//! and on demand what changed from the version before.

use crate::api::workflow::{AddComment, ReviewVersion, changes_from_previous, version_comments};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::intel::anomalies::{Anomaly, Severity};
use crate::model::money::percent;
use crate::model::workflow::{Review, ReviewStatus, VersionChanges};
use leptos::prelude::*;

fn status_class(status: ReviewStatus) -> &'static str {
    match status {
        ReviewStatus::Draft => "review-draft",
        ReviewStatus::Submitted => "review-submitted",
        ReviewStatus::Approved => "review-approved",
    }
}

fn amount(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("€{:.1} m", v / 1e6))
}

#[component]
pub fn VersionReview(
    simulation_id: String,
    version: i32,
    review: Review,
    /// The version's anomalies, so a reviewer sees what they approve.
    anomalies: Signal<Vec<Anomaly>>,
) -> impl IntoView {
    let review = RwSignal::new(review);
    let severe = move || {
        anomalies.with(|found| {
            found
                .iter()
                .filter(|a| a.severity == Severity::High && a.dismissed.is_none())
                .count()
        })
    };
    let act = ServerAction::<ReviewVersion>::new();
    let act_value = act.value();
    let reason_error = field_error(act_value, "reason");
    let act_alert = form_error(act_value);
    Effect::new(move |_| {
        if let Some(Ok(updated)) = act_value.get() {
            review.set(updated);
        }
    });
    let comment = ServerAction::<AddComment>::new();
    let comment_value = comment.value();
    let body_error = field_error(comment_value, "body");
    let comment_alert = form_error(comment_value);
    // Browser-side resources: the server renders the review, not these.
    let comments = {
        let id = simulation_id.clone();
        LocalResource::new(move || {
            comment.version().get();
            version_comments(id.clone(), version)
        })
    };
    let show_changes = RwSignal::new(false);
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let changes = {
        let id = simulation_id.clone();
        LocalResource::new(move || {
            let (id, show) = (id.clone(), show_changes.get());
            async move {
                if show {
                    changes_from_previous(id, version).await
                } else {
                    Ok(None)
                }
            }
        })
    };
    let id = StoredValue::new(simulation_id.clone());
    let hidden = {
        move |transition: &'static str| {
            view! {
                <input type="hidden" name="id" value=id.get_value() />
                <input type="hidden" name="version" value=version />
                <input type="hidden" name="transition" value=transition />
            }
        }
    };
    view! {
        <section class="review" aria-label="Review of this version">
            <h2>"Review of version " {version}</h2>
            {move || review.with(|r| {
                let status = r.status;
                view! {
                    <p>
                        <span class=format!("badge {}", status_class(status)) data-testid="review-status">{status.label()}</span>
                        {(status == ReviewStatus::Approved).then_some(" · locked: a new version starts from it")}
                    </p>
                    <ul class="review-facts">
                        {r.submitted_by.clone().map(|who| view! { <li>"Submitted by " {who} " on " {r.submitted_at.clone().unwrap_or_default().to_string()}</li> })}
                        {r.decided_by.clone().map(|who| view! { <li>"Last decided by " {who} " on " {r.decided_at.clone().unwrap_or_default().to_string()}</li> })}
                    </ul>
                    {r.rejection_reason.clone().map(|reason| view! {
                        <p class="notice" data-testid="rejection-reason">"Sent back: " {reason}</p>
                    })}
                    {(status != ReviewStatus::Approved).then_some(move || (severe() > 0).then(|| view! {
                        <p class="notice" data-testid="review-anomalies">
                            {format!("{} high-severity anomalies are open in this version: see the Anomalies panel before approving it.", severe())}
                        </p>
                    }))}
                }
            })}
            <FormAlert error=act_alert />
            {
                move || review.with(|r| r.can_submit).then(|| view! {
                    <ActionForm action=act attr:class="inline-form">
                        {hidden("submit")}
                        <button type="submit" class="button button-primary" disabled=move || act.pending().get()>"Submit for approval"</button>
                    </ActionForm>
                })
            }
            {
                move || review.with(|r| r.can_decide).then(|| view! {
                    <div class="review-decision">
                        <ActionForm action=act attr:class="inline-form">
                            {hidden("approve")}
                            <button type="submit" class="button button-primary" disabled=move || act.pending().get()>"Approve"</button>
                        </ActionForm>
                        <ActionForm action=act attr:class="stack-form" attr:novalidate=true>
                            {hidden("reject")}
                            <FormField label="Reason for sending it back" id="reject-reason" error=reason_error>
                                <textarea id="reject-reason" name="reason" rows="2" maxlength="1000"></textarea>
                            </FormField>
                            <button type="submit" class="button button-danger" disabled=move || act.pending().get()>"Send back to draft"</button>
                        </ActionForm>
                    </div>
                })
            }
            <h3>"Comments"</h3>
            // Loaded by the browser once the page is live: a suspended
            // resource nested in the dashboard's own breaks its hydration.
            {move || live.get().then(|| view! {
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        comments.await.map(|list| {
                            if list.is_empty() {
                                return view! { <p class="muted">"No comment yet."</p> }.into_any();
                            }
                            view! {
                                <ol class="comments" data-testid="comments">
                                    {list.into_iter().map(|c| view! {
                                        <li><strong>{c.author}</strong> <span class="muted">" · " {c.created_at}</span><p>{c.body}</p></li>
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        })
                    })}
                </Transition>
            })}
            <ActionForm action=comment attr:class="stack-form" attr:novalidate=true>
                <input type="hidden" name="id" value=simulation_id.clone() />
                <input type="hidden" name="version" value=version />
                <FormField label="Add a comment (mention someone with @ and their name or e-mail)" id="comment-body" error=body_error>
                    <textarea id="comment-body" name="body" rows="2" maxlength="4000"></textarea>
                </FormField>
                <FormAlert error=comment_alert />
                <button type="submit" class="button" disabled=move || comment.pending().get()>"Comment"</button>
            </ActionForm>
            {(version > 1).then(|| view! {
                <h3>"What changed from version " {version - 1}</h3>
                <button type="button" class="button" on:click=move |_| show_changes.set(true)
                    prop:hidden=move || show_changes.get()>"Show the changes"</button>
                {move || show_changes.get().then(|| view! {
                    <Transition fallback=|| view! { <p>"Comparing the versions…"</p> }>
                        {move || Suspend::new(async move {
                            match changes.await {
                                Ok(Some(c)) => view! { <Changes changes=c /> }.into_any(),
                                Ok(None) => ().into_any(),
                                Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                })}
            })}
        </section>
    }
}

#[component]
fn Changes(changes: VersionChanges) -> impl IntoView {
    let lines = [
        ("added", changes.lines_added),
        ("removed", changes.lines_removed),
        ("modified", changes.lines_modified),
    ];
    let (b, a) = (changes.ratios_before, changes.ratios_after);
    let ratios = [
        ("CET1", b.cet1, a.cet1),
        ("Tier 1", b.tier1, a.tier1),
        ("Total capital", b.total_capital, a.total_capital),
        ("Leverage", b.leverage, a.leverage),
        ("LCR", b.lcr, a.lcr),
        ("NSFR", b.nsfr, a.nsfr),
    ];
    view! {
        <div class="changes" data-testid="changes">
            <ul>
                {lines.into_iter().map(|(what, l)| {
                    let more = l.count.saturating_sub(l.ids.len());
                    view! {
                        <li>{l.count} " lines " {what}
                            {(!l.ids.is_empty()).then(|| format!(": {}{}", l.ids.join(", "), if more > 0 { format!(" and {more} more") } else { String::new() }))}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!changes.capital.is_empty()).then(|| view! {
                <table class="data-table"><thead><tr><th>"Capital item"</th><th>"Before"</th><th>"After"</th></tr></thead>
                    <tbody>{changes.capital.into_iter().map(|(label, before, after)| view! {
                        <tr><td>{label}</td><td>{amount(before)}</td><td>{amount(after)}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
            {(!changes.parameters.is_empty()).then(|| view! {
                <table class="data-table"><thead><tr><th>"Parameter"</th><th>"Before"</th><th>"After"</th></tr></thead>
                    <tbody>{changes.parameters.into_iter().map(|(key, before, after)| view! {
                        <tr><td><code>{key}</code></td><td>{before.unwrap_or_else(|| "—".to_owned())}</td><td>{after.unwrap_or_else(|| "—".to_owned())}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
            <table class="data-table"><thead><tr><th>"Ratio"</th><th>"Before"</th><th>"After"</th><th>"Change"</th></tr></thead>
                <tbody>{ratios.into_iter().map(|(label, before, after)| view! {
                    <tr><td>{label}</td><td>{percent(before)}</td><td>{percent(after)}</td>
                        <td>{before.zip(after).map_or_else(|| "—".to_owned(), |(x, y)| format!("{:+.2} pp", (y - x) * 100.0))}</td></tr>
                }).collect_view()}</tbody>
            </table>
        </div>
    }
}
