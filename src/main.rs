#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    prudentia::server::cli::run()
}

/// The client-side-rendered bundle built by Trunk (`csr` feature).
#[cfg(all(feature = "csr", not(feature = "ssr")))]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(prudentia::app::App);
}

#[cfg(not(any(feature = "ssr", feature = "csr")))]
fn main() {}
