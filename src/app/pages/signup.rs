use leptos::prelude::*;
use leptos_meta::Title;

/// Placeholder until self-service accounts open.
#[component]
pub fn SignupPage() -> impl IntoView {
    view! {
        <Title text="Sign up" />
        <section class="container narrow">
            <h1>"Accounts are opening soon"</h1>
            <p>
                "Self-service sign-up for Prudentia opens shortly. Until then our team sets up your organisation with you, "
                "including a trial workspace loaded with a demo bank."
            </p>
            <p>
                <a class="button button-primary" href="/#contact">"Ask for a trial workspace"</a>
            </p>
        </section>
    }
}
