use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="container narrow">
            <h1>"Page not found"</h1>
            <p>"The page you asked for does not exist. It may have moved."</p>
            <p>
                <a class="button button-primary" href="/">"Back to the home page"</a>
            </p>
        </section>
    }
}
