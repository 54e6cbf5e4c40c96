use super::theme::ThemeToggle;
use crate::api::accounts::current_user;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn SiteHeader() -> impl IntoView {
    // Asked again on each navigation, so logging in or out shows at once.
    let path = use_location().pathname;
    let me = Resource::new(move || path.get(), |_| current_user());
    let signed_in = move || {
        me.get()
            .and_then(Result::ok)
            .flatten()
            .map(|me| me.display_name)
    };
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
                    <Transition fallback=|| ()>
                        {move || match signed_in() {
                            Some(name) => view! {
                                <a class="button button-primary" href="/app" data-testid="open-workspace" title=name>
                                    "Open workspace"
                                </a>
                            }
                            .into_any(),
                            None => view! {
                                <a class="button" href="/login">"Log in"</a>
                                <a class="button button-primary" href="/signup">"Sign up"</a>
                            }
                            .into_any(),
                        }}
                    </Transition>
                </div>
            </div>
        </header>
    }
}
