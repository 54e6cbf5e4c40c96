use crate::api::plans::list_plans;
use crate::model::money::group_thousands;
use crate::model::plan::Plan;
use leptos::prelude::*;

/// The plan table, read from the `plans` table and rendered on the server.
#[component]
pub fn PricingTable() -> impl IntoView {
    let plans = Resource::new(|| (), |_| list_plans());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading plans…"</p> }>
            {move || Suspend::new(async move {
                match plans.await {
                    Ok(plans) => view! {
                        <div class="plan-grid">
                            {plans.into_iter().map(|plan| view! { <PlanCard plan /> }).collect_view()}
                        </div>
                    }
                    .into_any(),
                    Err(error) => view! {
                        <p class="form-alert" role="alert">
                            "Plans could not be loaded: " {error.to_string()}
                        </p>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

fn limit<T: TryInto<u64>>(value: Option<T>, unit: &str) -> String {
    match value.and_then(|v| v.try_into().ok()) {
        Some(v) => format!("{} {unit}", group_thousands(v)),
        None => format!("Unlimited {unit}"),
    }
}

#[component]
fn PlanCard(plan: Plan) -> impl IntoView {
    let api = match plan.limits.api_calls_per_day {
        Some(0) => "No API access".to_owned(),
        other => format!("{} a day", limit(other, "API calls")),
    };
    let storage = match plan.limits.storage_mb {
        Some(mb) if mb >= 1024 => format!("{} GB storage", mb / 1024),
        Some(mb) => format!("{mb} MB storage"),
        None => "Unlimited storage".to_owned(),
    };
    let class = if plan.featured {
        "plan plan-featured"
    } else {
        "plan"
    };
    let heading_id = format!("plan-{}", plan.code);
    let labelled_by = heading_id.clone();
    view! {
        <article class=class aria-labelledby=labelled_by data-plan=plan.code.clone()>
            {plan.featured.then(|| view! { <p class="plan-badge">"Most chosen"</p> })}
            <h3 id=heading_id>{plan.name.clone()}</h3>
            <p class="plan-tagline">{plan.tagline.clone()}</p>
            <p class="plan-price">
                <span class="amount">{plan.monthly_price.to_string()}</span>
                <span class="period">" / month, excl. VAT"</span>
            </p>
            <ul class="plan-limits">
                <li>{limit(plan.limits.members, "members")}</li>
                <li>{limit(plan.limits.simulations, "simulations")}</li>
                <li>{storage}</li>
                <li>{api}</li>
            </ul>
            <ul class="plan-highlights">
                {plan.highlights.into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}
            </ul>
            <a class="button button-primary" href="/signup">
                "Choose " {plan.name}
            </a>
        </article>
    }
}
