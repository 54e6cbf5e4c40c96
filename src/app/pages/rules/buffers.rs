//! The organisation's management buffers, profile by profile: what the
//! suggestion targets default to and where the traffic lights turn.

use crate::api::rule_profiles::management_buffers;
use crate::intel::suggest::Ratio;
use leptos::prelude::*;

#[component]
pub fn ManagementBuffers() -> impl IntoView {
    let profiles = Resource::new(|| (), |_| management_buffers());
    view! {
        <h2>"Default targets"</h2>
        <p class="muted">
            "A plan's default target for each ratio is its requirement plus the management buffer of the simulation's rule profile, the same buffer that turns its traffic light to \"Below target\" on the dashboard, in reports and through the API. The large-exposure target is the 25 % limit less its buffer. The regulatory profiles carry no buffer; an organisation sets its own in a "
            <a href="/app/rules">"rule profile"</a> "."
        </p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                profiles.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted" data-testid="buffers-none">"No rule profile yet: every target is the requirement itself."</p> }.into_any();
                    }
                    let head = list[0].buffers.iter().map(|(key, _)| view! { <th>{label(key)}</th> }).collect_view();
                    view! {
                        <table class="data-table" data-testid="management-buffers">
                            <thead><tr><th>"Rule profile"</th>{head}</tr></thead>
                            <tbody>
                                {list.into_iter().map(|p| view! {
                                    <tr>
                                        <td><a href=format!("/app/rules/{}", p.summary.profile_id)>{format!("{} v{}", p.summary.name, p.summary.latest_version)}</a></td>
                                        {p.buffers.into_iter().map(|(_, v)| view! { <td>{format!("{:.2} pp", v * 100.0)}</td> }).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            })}
        </Transition>
    }
}

/// The column of a `mgmt_buffer.KEY`: the ratio of the same key.
fn label(key: &str) -> String {
    Ratio::ALL
        .into_iter()
        .find(|r| r.key() == key)
        .map_or_else(|| key.to_owned(), Ratio::title)
}
