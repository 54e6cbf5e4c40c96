//! The Leptos application: routes (this file), pages (one per route) and
//! reusable components.

pub mod components;
pub mod pages;

use components::footer::SiteFooter;
use components::header::SiteHeader;
use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};
use pages::account::AccountPage;
use pages::account_links::{ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage};
use pages::audit::AuditPage;
use pages::classification::ClassificationPage;
use pages::connections::ConnectionsPage;
use pages::dashboard::DashboardPage;
use pages::imports::{ImportPage, ImportUploadPage};
use pages::invitation::InvitationPage;
use pages::landing::LandingPage;
use pages::login::LoginPage;
use pages::members::MembersPage;
use pages::not_found::NotFound;
use pages::notifications::NotificationsPage;
use pages::organisation::OrganisationPage;
use pages::overview::OverviewPage;
use pages::reports::{ReportSettingsPage, ReportsPage};
use pages::rules::{RuleProfilePage, RulesPage};
use pages::signup::SignupPage;
use pages::simulations::SimulationsPage;
use pages::teams::TeamsPage;
use pages::tokens::TokensPage;
use pages::webhooks::WebhooksPage;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=components::theme::theme_from_request()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/prudentia.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Prudentia".to_owned() } else { format!("{page} · Prudentia") }
        } />
        <Meta
            name="description"
            content="Prudentia simulates a bank's capital, leverage, liquidity and large-exposure ratios and recomputes what-if scenarios live in the browser."
        />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <SiteHeader />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    // Async: the whole page, pricing included, is in the first HTML response,
                    // readable without JavaScript and by crawlers.
                    <Route path=path!("") view=LandingPage ssr=SsrMode::Async />
                    <Route path=path!("signup") view=SignupPage />
                    <Route path=path!("login") view=LoginPage />
                    <Route path=path!("forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("reset-password/:token") view=ResetPasswordPage />
                    <Route path=path!("verify-email/:token") view=VerifyEmailPage />
                    <Route path=path!("invitations/:token") view=InvitationPage />
                    <Route path=path!("app") view=OverviewPage />
                    <Route path=path!("app/account") view=AccountPage />
                    <Route path=path!("app/simulations") view=SimulationsPage />
                    <Route path=path!("app/simulations/:id") view=DashboardPage />
                    <Route path=path!("app/imports") view=ImportUploadPage />
                    <Route path=path!("app/imports/:id") view=ImportPage />
                    <Route path=path!("app/reports") view=ReportsPage />
                    <Route path=path!("app/reports/settings") view=ReportSettingsPage />
                    <Route path=path!("app/members") view=MembersPage />
                    <Route path=path!("app/teams") view=TeamsPage />
                    <Route path=path!("app/tokens") view=TokensPage />
                    <Route path=path!("app/webhooks") view=WebhooksPage />
                    <Route path=path!("app/connections") view=ConnectionsPage />
                    <Route path=path!("app/organisation") view=OrganisationPage />
                    <Route path=path!("app/rules") view=RulesPage />
                    <Route path=path!("app/classification") view=ClassificationPage />
                    <Route path=path!("app/rules/:id") view=RuleProfilePage />
                    <Route path=path!("app/notifications") view=NotificationsPage />
                    <Route path=path!("app/audit") view=AuditPage />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
