//! Prudentia: prudential ratio simulation for banks.
//!
//! `engine` holds the regulatory rules and `intel` what the data says about
//! its own quality (both pure, compiled to the server and to
//! WASM), `model` the types both sides share, `charts` the charts both the
//! dashboard and the reports draw, `app` the Leptos pages, `api` the server
//! functions, and `server` everything that exists only on the server.

// The optimised WASM build lays out the import page's nested view types
// deeper than the default limit of 128 queries.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod charts;
pub mod engine;
pub mod intel;
pub mod model;
pub mod samples;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "wasm-bench")]
pub mod wasm_bench;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous: the page's own part of the client may still be loading.
    wasm_bindgen_futures::spawn_local(async {
        leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App)
            .await
            .forget();
        // Lets styles (and browser tests) tell a live page from server HTML.
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
