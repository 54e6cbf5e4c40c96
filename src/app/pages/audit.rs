//! The audit trail (admins): search by actor, action, target and period,
//! the activity charts, the chain check, and the CSV export.

use crate::api::workflow::load_audit;
use crate::app::components::workspace::Workspace;
use crate::charts;
use crate::model::workflow::AuditFilter;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit trail" />
        <Workspace page=|_| view! { <Audit /> } />
    }
}

#[component]
fn Audit() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        query.with(|q| AuditFilter {
            actor: q.get("actor").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            target: q.get("target").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
        })
    };
    let page = Resource::new(filter, |f| {
        load_audit(f.actor, f.action, f.target, f.from, f.to)
    });
    let csv = move || {
        let f = filter();
        let pairs = [
            ("actor", f.actor),
            ("action", f.action),
            ("target", f.target),
            ("from", f.from),
            ("to", f.to),
        ];
        let encoded: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| {
                let v: String = v
                    .bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                format!("{k}={v}")
            })
            .collect();
        format!("/api/audit.csv?{}", encoded.join("&"))
    };
    let field = move |name: &'static str, label: &'static str, kind: &'static str| {
        let value = query.with_untracked(|q| q.get(name).unwrap_or_default());
        view! {
            <label>{label} " " <input type=kind name=name value=value /></label>
        }
    };
    view! {
        <h1>"Audit trail"</h1>
        <Form method="GET" action="" attr:class="drill-controls" attr:data-testid="audit-filters">
            {field("actor", "Who", "search")}
            {field("action", "Action starts with", "search")}
            {field("target", "Target contains", "search")}
            {field("from", "From", "date")}
            {field("to", "To", "date")}
            <button type="submit" class="button">"Search"</button>
        </Form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(p) => {
                        let chain = if p.chain.broken.is_empty() {
                            view! { <p class="badge review-approved" data-testid="chain">"Chain intact: " {p.chain.events} " events verified"</p> }.into_any()
                        } else {
                            view! {
                                <div class="form-alert" role="alert" data-testid="chain">
                                    <p>"The chain is broken: " {p.chain.broken.len()} " events fail the check."</p>
                                    <ul>{p.chain.broken.iter().map(|b| view! { <li>"#" {b.seq} ": " {b.problem.clone()}</li> }).collect_view()}</ul>
                                </div>
                            }.into_any()
                        };
                        view! {
                            {chain}
                            <p class="muted" data-testid="audit-total">{p.total} " matching events" {(p.total > p.events.len() as i64).then(|| format!(" (the latest {} shown)", p.events.len()))}
                                " · " <a href=csv() rel="external" download="prudentia-audit.csv">"Download as CSV"</a></p>
                            <section class="chart-grid" aria-label="Activity">
                                <figure class="chart"><figcaption>"Events per day"</figcaption><div inner_html=charts::counts(&p.activity.per_day)></div></figure>
                                <figure class="chart"><figcaption>"Events per person"</figcaption><div inner_html=charts::counts(&p.activity.per_actor)></div></figure>
                                <figure class="chart"><figcaption>"Events per action"</figcaption><div inner_html=charts::counts(&p.activity.per_action)></div></figure>
                            </section>
                            <div class="table-scroll" tabindex="0" role="region" aria-label="Audit events">
                                <table class="data-table audit-table" data-testid="audit-events">
                                    <thead><tr><th>"#"</th><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Change"</th><th>"From"</th></tr></thead>
                                    <tbody>
                                        {p.events.into_iter().map(|e| view! {
                                            <tr>
                                                <td>{e.seq}</td><td>{e.occurred_at}</td><td>{e.actor}</td><td><code>{e.action}</code></td>
                                                <td>{e.target}</td><td class="diff"><code>{e.diff}</code></td>
                                                <td title=e.user_agent.unwrap_or_default()>{e.ip.unwrap_or_default()}</td>
                                            </tr>
                                        }.into_any()).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
