use crate::app::components::workspace::Workspace;
use crate::model::account::Permission;
use leptos::prelude::*;
use leptos_meta::Title;

/// The workspace home: where the simulations will be listed.
#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <Title text="Workspace" />
        <Workspace page=|me| {
            let can_edit = me.can(Permission::EditData);
            view! {
                <h1>{me.tenant.tenant_name.clone()}</h1>
                <p>"Welcome, " {me.display_name.clone()} "."</p>
                {if can_edit {
                    view! { <p data-testid="can-edit">"You can create and edit simulations."</p> }.into_any()
                } else {
                    view! {
                        <p class="notice" data-testid="read-only">
                            "You have read-only access: you can open shared simulations and reports."
                        </p>
                    }
                        .into_any()
                }}
            }
        } />
    }
}
