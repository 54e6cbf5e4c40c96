use crate::api::admin::{SetMailPolicy, SetQuotas, get_quotas, mail_policy};
use crate::api::anomalies::{ResetAnomalyThresholds, SetAnomalyThresholds, anomaly_thresholds};
use crate::api::suggestions::{SetSuggestionAction, suggestion_catalogue};
use crate::api::workflow::{SetApproverRole, approver_role};
use crate::app::components::form::{FormAlert, FormField, field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::app::pages::rules::ManagementBuffers;
use crate::intel::suggest::catalogue::{ActionKind, Override};
use crate::model::account::{Me, Permission, Usage};
use leptos::prelude::*;
use leptos_meta::Title;

/// The plan, the tenant's quotas and what it uses; admins override limits.
#[component]
pub fn OrganisationPage() -> impl IntoView {
    view! {
        <Title text="Organisation" />
        <Workspace page=|me| view! { <Organisation me /> } />
    }
}

fn limit_text(limit: Option<i64>) -> String {
    limit.map_or_else(|| "no limit".to_owned(), |l| l.to_string())
}

#[component]
fn Organisation(me: Me) -> impl IntoView {
    let admin = me.can(Permission::ManageTenant);
    let set = ServerAction::<SetQuotas>::new();
    let quotas = Resource::new(move || set.version().get(), |_| get_quotas());
    let value = set.value();
    let errors = [
        field_error(value, "members"),
        field_error(value, "simulations"),
        field_error(value, "storage_mb"),
        field_error(value, "api_calls_per_day"),
    ];
    let alert = form_error(value);
    view! {
        <h1>{me.tenant.tenant_name.clone()}</h1>
        <Approvers admin />
        <MailRecipients admin />
        <AnomalyThresholds admin />
        <SuggestionActions admin />
        <ManagementBuffers />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                quotas.await.map(|q| {
                    let rows: [(&str, &str, Usage); 4] = [
                        ("Members (with open invitations)", "members", q.members.clone()),
                        ("Simulations", "simulations", q.simulations.clone()),
                        ("Storage (MB)", "storage_mb", q.storage_mb.clone()),
                        ("API calls per day", "api_calls_per_day", q.api_calls_per_day.clone()),
                    ];
                    view! {
                        <p>"Plan: " <strong>{q.plan_name.clone()}</strong></p>
                        <table class="data-table" data-testid="quotas">
                            <thead><tr><th>"Quota"</th><th>"Used"</th><th>"Limit"</th><th>"Plan limit"</th></tr></thead>
                            <tbody>
                                {rows.clone().into_iter().map(|(label, _, u)| view! {
                                    <tr><td>{label}</td><td>{u.used}</td><td>{limit_text(u.limit)}</td><td>{limit_text(u.plan_limit)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {admin.then(|| view! {
                            <h2>"Override limits"</h2>
                            <p class="muted">"Leave a field empty to use the plan's limit."</p>
                            <ActionForm action=set attr:class="stack-form" attr:novalidate=true>
                                {rows.into_iter().zip(errors).map(|((label, name, u), error)| {
                                    let own = if u.limit != u.plan_limit { u.limit.map(|l| l.to_string()).unwrap_or_default() } else { String::new() };
                                    view! {
                                        <FormField label id=name error>
                                            <input id=name name=name type="text" inputmode="numeric" value=own />
                                        </FormField>
                                    }
                                }).collect_view()}
                                <FormAlert error=alert />
                                <button type="submit" class="button button-primary">"Save limits"</button>
                            </ActionForm>
                        })}
                    }
                })
            })}
        </Transition>
    }
}

/// Who approves simulation versions besides the admins.
#[component]
fn Approvers(admin: bool) -> impl IntoView {
    let set = ServerAction::<SetApproverRole>::new();
    let current = Resource::new(move || set.version().get(), |_| approver_role());
    let alert = form_error(set.value());
    view! {
        <h2>"Approvals"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.map(|role| {
                    let analysts = role == "analyst";
                    view! {
                        <p data-testid="approvers">{if analysts {
                            "Admins and analysts approve versions; never a version they wrote or submitted."
                        } else {
                            "Admins approve versions; never a version they wrote or submitted."
                        }}</p>
                        {admin.then(|| view! {
                            <ActionForm action=set attr:class="inline-form">
                                <label for="approver-role">"Approvers "</label>
                                <select id="approver-role" name="approver_role">
                                    <option value="admin" selected=!analysts>"Admins"</option>
                                    <option value="analyst" selected=analysts>"Admins and analysts"</option>
                                </select>
                                <button type="submit" class="button">"Save"</button>
                                <FormAlert error=alert />
                            </ActionForm>
                        })}
                    }
                })
            })}
        </Transition>
    }
}

/// Whom members may send reports to outside the organisation.
#[component]
fn MailRecipients(admin: bool) -> impl IntoView {
    use crate::model::mail::OutsideRecipients;
    let set = ServerAction::<SetMailPolicy>::new();
    let current = Resource::new(move || set.version().get(), |_| mail_policy());
    let value = set.value();
    let domains_error = field_error(value, "domains");
    let alert = form_error(value);
    view! {
        <h2>"Mail"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.map(|policy| {
                    let shown = match policy.outside {
                        OutsideRecipients::None => "Reports go to members of the organisation only.".to_owned(),
                        OutsideRecipients::Domains => format!("Reports go to members and to addresses at {}.", policy.domains.join(", ")),
                        OutsideRecipients::Any => "Reports go to members and to any address.".to_owned(),
                    };
                    let choice = policy.outside;
                    view! {
                        <p data-testid="mail-policy">{shown}</p>
                        {admin.then(|| view! {
                            <ActionForm action=set attr:class="stack-form" attr:novalidate=true>
                                <div class="field">
                                    <label for="mail-outside">"Outside the organisation"</label>
                                    <select id="mail-outside" name="outside">
                                        <option value="none" selected=choice == OutsideRecipients::None>"Nobody"</option>
                                        <option value="domains" selected=choice == OutsideRecipients::Domains>"Addresses at these domains"</option>
                                        <option value="any" selected=choice == OutsideRecipients::Any>"Any address"</option>
                                    </select>
                                </div>
                                <FormField label="Domains" id="mail-domains" error=domains_error hint="Separated by commas, e.g. bank.eu, auditor.example">
                                    <input id="mail-domains" name="domains" type="text" value=policy.domains.join(", ") />
                                </FormField>
                                <FormAlert error=alert />
                                <button type="submit" class="button">"Save"</button>
                            </ActionForm>
                        })}
                    }
                })
            })}
        </Transition>
    }
}

/// What the anomaly detection flags: the outlier threshold (learnt from
/// dismissals unless an admin sets it) and the alert budget.
#[component]
fn AnomalyThresholds(admin: bool) -> impl IntoView {
    let set = ServerAction::<SetAnomalyThresholds>::new();
    let reset = ServerAction::<ResetAnomalyThresholds>::new();
    let current = Resource::new(
        move || (set.version().get(), reset.version().get()),
        |_| anomaly_thresholds(),
    );
    let value = set.value();
    let z_error = field_error(value, "outlier_z");
    let budget_error = field_error(value, "alert_budget");
    let alert = form_error(value);
    let reset_alert = form_error(reset.value());
    view! {
        <h2>"Anomalies"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.map(|t| {
                    let source = if t.fixed {
                        "set by an admin".to_owned()
                    } else if t.learnt_from >= crate::intel::anomalies::MIN_DISMISSALS {
                        format!("learnt from the {} latest dismissed outliers", t.learnt_from)
                    } else {
                        format!("the default; dismissed outliers teach it from {}", crate::intel::anomalies::MIN_DISMISSALS)
                    };
                    view! {
                        <p data-testid="anomaly-thresholds">
                            {format!(
                                "An amount is an outlier beyond a modified z-score of {:.2} among its peers ({source}); \
                                 outlier alerts take at most {:.2} % of a version's lines.",
                                t.outlier_z,
                                t.alert_budget * 100.0
                            )}
                        </p>
                        {admin.then(|| view! {
                            <ActionForm action=set attr:class="stack-form" attr:novalidate=true>
                                <FormField label="Outlier threshold (modified z-score)" id="outlier-z" error=z_error hint="Default 2.5; higher flags fewer lines.">
                                    <input id="outlier-z" name="outlier_z" type="text" inputmode="decimal" value=format!("{:.2}", t.outlier_z) />
                                </FormField>
                                <FormField label="Alert budget (% of lines)" id="alert-budget" error=budget_error hint="Default 0.5 %.">
                                    <input id="alert-budget" name="alert_budget_percent" type="text" inputmode="decimal" value=format!("{:.2}", t.alert_budget * 100.0) />
                                </FormField>
                                <FormAlert error=alert />
                                <button type="submit" class="button">"Save thresholds"</button>
                            </ActionForm>
                            <button type="button" class="button secondary" data-testid="reset-thresholds"
                                on:click=move |_| { reset.dispatch(ResetAnomalyThresholds {}); }>
                                "Back to the defaults"
                            </button>
                            <FormAlert error=reset_alert />
                        })}
                    }
                })
            })}
        </Transition>
    }
}

/// The actions a suggested plan may take, with the organisation's bounds
/// and costs where it set its own (admins change them, one row at a time).
#[component]
fn SuggestionActions(admin: bool) -> impl IntoView {
    let set = ServerAction::<SetSuggestionAction>::new();
    let current = Resource::new(move || set.version().get(), |_| suggestion_catalogue());
    let value = set.value();
    let alert = move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    };
    view! {
        <h2>"Suggested plans"</h2>
        <p class="muted">"The actions a plan may take. An empty bound or cost is the shipped one; a plan never goes beyond what the data set holds."</p>
        {move || alert().map(|e| view! { <p class="form-alert" role="alert" data-testid="action-error">{e}</p> })}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.map(|overrides| view! {
                    <table class="data-table" data-testid="suggestion-actions">
                        <thead><tr><th>"Action"</th><th>"Shipped"</th><th>"Used"</th><th>"Bound (€ m)"</th><th>"Cost (% a year)"</th><th></th></tr></thead>
                        <tbody>
                            {ActionKind::all().into_iter().map(|kind| {
                                let own = overrides.iter().find(|o| o.kind == kind).cloned();
                                view! { <ActionRow kind own admin set /> }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
    }
}

#[component]
fn ActionRow(
    kind: ActionKind,
    own: Option<Override>,
    admin: bool,
    set: ServerAction<SetSuggestionAction>,
) -> impl IntoView {
    let key = kind.key();
    let shipped = kind.shipped().map_or_else(
        || "not shipped: give a bound and a cost".to_owned(),
        |(cost, bound)| format!("{:.1} % a year, up to {bound}", cost * 100.0),
    );
    let enabled =
        own.as_ref().is_none_or(|o| o.enabled) && (kind.shipped().is_some() || own.is_some());
    let max = own
        .as_ref()
        .and_then(|o| o.max)
        .map(|m| format!("{}", m / 1e6))
        .unwrap_or_default();
    let cost = own
        .as_ref()
        .and_then(|o| o.cost)
        .map(|c| format!("{}", c * 100.0))
        .unwrap_or_default();
    let form = format!("action-{}", key.replace(':', "-"));
    let hidden = key.clone();
    let (use_label, bound_label, cost_label) = (
        format!("Use {key}"),
        format!("Bound of {key}"),
        format!("Cost of {key}"),
    );
    view! {
        <tr data-action=key.clone()>
            <td>{key.clone()}</td>
            <td class="muted">{shipped}</td>
            {if admin {
                view! {
                    <td><input type="checkbox" name="enabled" form=form.clone() checked=enabled aria-label=use_label /></td>
                    <td><input type="text" inputmode="decimal" name="max_m" form=form.clone() value=max aria-label=bound_label /></td>
                    <td><input type="text" inputmode="decimal" name="cost_percent" form=form.clone() value=cost aria-label=cost_label /></td>
                    <td>
                        <ActionForm action=set attr:id=form>
                            <input type="hidden" name="action" value=hidden.clone() />
                            <button type="submit" class="button">"Save"</button>
                        </ActionForm>
                    </td>
                }.into_any()
            } else {
                view! {
                    <td>{if enabled { "yes" } else { "no" }}</td><td>{max}</td><td>{cost}</td><td></td>
                }.into_any()
            }}
        </tr>
    }
}
