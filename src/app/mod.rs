//! The Leptos application: routes (this file), pages (one per route) and
//! reusable components.

pub mod components;
pub mod pages;

use components::footer::SiteFooter;
use components::header::SiteHeader;
use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};
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

/// Every page but the dashboard is a lazily loaded route: the client is
/// split by `cargo leptos build --split`, so the dashboard, the page an
/// analyst waits for, comes in the first download with nothing else, and
/// another page adds only its own part. The dashboard itself stays in the
/// first part: it uses the engine, charts and model that the others share,
/// and as a split part of its own it came to more than the whole client.
/// The server renders every page at once as before.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    LandingPageRoute => LandingPage,
    SignupPageRoute => SignupPage,
    LoginPageRoute => LoginPage,
    ForgotPasswordPageRoute => ForgotPasswordPage,
    ResetPasswordPageRoute => ResetPasswordPage,
    VerifyEmailPageRoute => VerifyEmailPage,
    InvitationPageRoute => InvitationPage,
    OverviewPageRoute => OverviewPage,
    AccountPageRoute => AccountPage,
    SimulationsPageRoute => SimulationsPage,
    ImportUploadPageRoute => ImportUploadPage,
    ImportPageRoute => ImportPage,
    ReportsPageRoute => ReportsPage,
    ReportSettingsPageRoute => ReportSettingsPage,
    MembersPageRoute => MembersPage,
    TeamsPageRoute => TeamsPage,
    TokensPageRoute => TokensPage,
    WebhooksPageRoute => WebhooksPage,
    ConnectionsPageRoute => ConnectionsPage,
    OrganisationPageRoute => OrganisationPage,
    RulesPageRoute => RulesPage,
    ClassificationPageRoute => ClassificationPage,
    RuleProfilePageRoute => RuleProfilePage,
    NotificationsPageRoute => NotificationsPage,
    AuditPageRoute => AuditPage,
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
                    <Route path=path!("") view={Lazy::<LandingPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("signup") view={Lazy::<SignupPageRoute>::new()} />
                    <Route path=path!("login") view={Lazy::<LoginPageRoute>::new()} />
                    <Route path=path!("forgot-password") view={Lazy::<ForgotPasswordPageRoute>::new()} />
                    <Route path=path!("reset-password/:token") view={Lazy::<ResetPasswordPageRoute>::new()} />
                    <Route path=path!("verify-email/:token") view={Lazy::<VerifyEmailPageRoute>::new()} />
                    <Route path=path!("invitations/:token") view={Lazy::<InvitationPageRoute>::new()} />
                    <Route path=path!("app") view={Lazy::<OverviewPageRoute>::new()} />
                    <Route path=path!("app/account") view={Lazy::<AccountPageRoute>::new()} />
                    <Route path=path!("app/simulations") view={Lazy::<SimulationsPageRoute>::new()} />
                    <Route path=path!("app/simulations/:id") view=DashboardPage />
                    <Route path=path!("app/imports") view={Lazy::<ImportUploadPageRoute>::new()} />
                    <Route path=path!("app/imports/:id") view={Lazy::<ImportPageRoute>::new()} />
                    <Route path=path!("app/reports") view={Lazy::<ReportsPageRoute>::new()} />
                    <Route path=path!("app/reports/settings") view={Lazy::<ReportSettingsPageRoute>::new()} />
                    <Route path=path!("app/members") view={Lazy::<MembersPageRoute>::new()} />
                    <Route path=path!("app/teams") view={Lazy::<TeamsPageRoute>::new()} />
                    <Route path=path!("app/tokens") view={Lazy::<TokensPageRoute>::new()} />
                    <Route path=path!("app/webhooks") view={Lazy::<WebhooksPageRoute>::new()} />
                    <Route path=path!("app/connections") view={Lazy::<ConnectionsPageRoute>::new()} />
                    <Route path=path!("app/organisation") view={Lazy::<OrganisationPageRoute>::new()} />
                    <Route path=path!("app/rules") view={Lazy::<RulesPageRoute>::new()} />
                    <Route path=path!("app/classification") view={Lazy::<ClassificationPageRoute>::new()} />
                    <Route path=path!("app/rules/:id") view={Lazy::<RuleProfilePageRoute>::new()} />
                    <Route path=path!("app/notifications") view={Lazy::<NotificationsPageRoute>::new()} />
                    <Route path=path!("app/audit") view={Lazy::<AuditPageRoute>::new()} />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
