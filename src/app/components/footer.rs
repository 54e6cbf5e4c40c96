use leptos::prelude::*;

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-row">
                <p>"© 2026 Prudentia. Prudential ratio simulation for banks."</p>
                <nav aria-label="Footer">
                    <a href="/#features">"Features"</a>
                    <a href="/#pricing">"Pricing"</a>
                    <a href="/#contact">"Contact"</a>
                    <a href="/signup">"Sign up"</a>
                </nav>
                <p class="fine-print">
                    "Figures produced with Prudentia are simulations for internal analysis; they are not a regulatory filing."
                </p>
            </div>
        </footer>
    }
}
