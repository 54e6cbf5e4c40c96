use super::theme::ThemeToggle;
use leptos::prelude::*;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="container header-row">
                <a class="brand" href="/" aria-label="Prudentia home">
                    <img src="/logo.svg" alt="" width="32" height="32" />
                    <span>"Prudentia"</span>
                </a>
                <nav class="site-nav" aria-label="Main">
                    <a href="/#features">"Features"</a>
                    <a href="/#pricing">"Pricing"</a>
                    <a href="/#contact">"Contact"</a>
                </nav>
                <div class="header-actions">
                    <ThemeToggle />
                    <a class="button" href="/login">
                        "Log in"
                    </a>
                    <a class="button button-primary" href="/signup">
                        "Sign up"
                    </a>
                </div>
            </div>
        </header>
    }
}
