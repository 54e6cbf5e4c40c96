//! Light and dark themes. The choice is kept in a cookie so that the server
//! renders the right theme on the first byte (no flash, no inline script);
//! without a cookie the page follows the system preference.

use leptos::prelude::*;

const COOKIE: &str = "theme";

/// `Some("light" | "dark")` from the request's cookie; server side only.
pub fn theme_from_request() -> Option<&'static str> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        let cookies = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
        cookies
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| match value {
                "light" => Some("light"),
                "dark" => Some("dark"),
                _ => None,
            })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <button
            type="button"
            class="theme-toggle"
            aria-label="Switch between light and dark theme"
            title="Switch between light and dark theme"
            on:click=move |_| toggle()
        >
            <svg class="icon icon-moon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
            </svg>
            <svg class="icon icon-sun" viewBox="0 0 24 24" aria-hidden="true">
                <circle cx="12" cy="12" r="4.5" />
                <path d="M12 1.5v3M12 19.5v3M1.5 12h3M19.5 12h3M4.6 4.6l2.1 2.1M17.3 17.3l2.1 2.1M4.6 19.4l2.1-2.1M17.3 6.7l2.1-2.1" />
            </svg>
        </button>
    }
}

#[cfg(any(feature = "hydrate", feature = "csr"))]
fn toggle() {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let Some(root) = document.document_element() else {
        return;
    };
    let current = match root.get_attribute("data-theme").as_deref() {
        Some("dark") => "dark",
        Some("light") => "light",
        _ => {
            let prefers_dark = window
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|query| query.matches());
            if prefers_dark { "dark" } else { "light" }
        }
    };
    let next = if current == "dark" { "light" } else { "dark" };
    let _ = root.set_attribute("data-theme", next);
    if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
        let _ = html.set_cookie(&format!(
            "{COOKIE}={next}; Path=/; Max-Age=31536000; SameSite=Lax"
        ));
    }
}

#[cfg(not(any(feature = "hydrate", feature = "csr")))]
fn toggle() {}
