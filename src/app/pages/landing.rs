use crate::app::components::contact_form::ContactForm;
use crate::app::components::pricing::PricingTable;
use leptos::prelude::*;
use leptos_meta::Title;

struct Feature {
    title: &'static str,
    text: &'static str,
}

const FEATURES: &[Feature] = &[
    Feature {
        title: "Every prudential ratio, one engine",
        text: "CET1, Tier 1, total capital, leverage, LCR, NSFR and large exposures under Basel 3.1 or EU CRR3, each figure traceable to the rule that produced it.",
    },
    Feature {
        title: "What-if scenarios at the speed of thought",
        text: "Scale a portfolio, downgrade a sector, pay a dividend or shock run-off rates: every ratio, buffer and headroom recomputes in your browser as you type.",
    },
    Feature {
        title: "A dashboard your committee reads",
        text: "Traffic lights against the requirement stack, the capital stack against minimum, P2R and buffers, RWA by class and risk weight, drill-down to every line.",
    },
    Feature {
        title: "Your spreadsheets, as they are",
        text: "Import Excel and CSV files with English or French headers; Prudentia proposes the mapping, shows every problem by row and column, and commits all or nothing.",
    },
    Feature {
        title: "Reports and governance",
        text: "PDF and Excel reports in your colours, approval by a second pair of eyes, version history and a tamper-evident audit trail for your supervisor.",
    },
    Feature {
        title: "Built for banks' security teams",
        text: "Strict tenant isolation, roles per team, Argon2id passwords, an audited REST API with scoped tokens, and rules versioned so every result can be reproduced.",
    },
];

struct Testimonial {
    quote: &'static str,
    who: &'static str,
}

const TESTIMONIALS: &[Testimonial] = &[
    Testimonial {
        quote: "Our ICAAP stress runs went from a week of spreadsheet surgery to an afternoon of scenarios we can actually discuss.",
        who: "Head of capital management, regional bank",
    },
    Testimonial {
        quote: "The drill-down settles arguments: every risk weight says which paragraph set it.",
        who: "Regulatory reporting lead, savings bank group",
    },
    Testimonial {
        quote: "We show the liquidity buffers live in ALCO and move the levers with the committee in the room.",
        who: "Treasurer, cooperative bank",
    },
];

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="Capital and liquidity ratios, simulated live" />
        <section class="hero">
            <div class="container hero-grid">
                <div>
                    <p class="eyebrow">"For bank capital, liquidity and risk teams"</p>
                    <h1>"See every prudential ratio move as you change the plan."</h1>
                    <p class="lead">
                        "Prudentia computes your CET1, leverage, LCR, NSFR and large exposures from your own data, "
                        "and recomputes every figure instantly while you explore what-if scenarios."
                    </p>
                    <div class="cta-row">
                        <a class="button button-primary button-large" href="/signup">"Start a trial"</a>
                        <a class="button button-large" href="#contact">"Talk to our team"</a>
                    </div>
                </div>
                <figure class="hero-figure" aria-labelledby="hero-figure-caption">
                    <dl class="metric-cards">
                        <div class="metric ok"><dt>"CET1"</dt><dd>"14.2 %"</dd><dd class="metric-note">"req. 10.9 %"</dd></div>
                        <div class="metric ok"><dt>"Leverage"</dt><dd>"5.8 %"</dd><dd class="metric-note">"req. 3.0 %"</dd></div>
                        <div class="metric ok"><dt>"LCR"</dt><dd>"152 %"</dd><dd class="metric-note">"req. 100 %"</dd></div>
                        <div class="metric warn"><dt>"Largest exposure"</dt><dd>"21.4 %"</dd><dd class="metric-note">"limit 25 %"</dd></div>
                    </dl>
                    <figcaption id="hero-figure-caption">"Illustrative figures for a demo bank."</figcaption>
                </figure>
            </div>
        </section>

        <section id="features" class="section" aria-labelledby="features-title">
            <div class="container">
                <h2 id="features-title">"What Prudentia does for your team"</h2>
                <div class="feature-grid">
                    {FEATURES
                        .iter()
                        .map(|f| view! {
                            <article class="feature">
                                <h3>{f.title}</h3>
                                <p>{f.text}</p>
                            </article>
                        })
                        .collect_view()}
                </div>
            </div>
        </section>

        <section id="pricing" class="section section-alt" aria-labelledby="pricing-title">
            <div class="container">
                <h2 id="pricing-title">"Pricing"</h2>
                <p class="lead">"One price per organisation, every regulatory profile included. Cancel monthly."</p>
                <PricingTable />
            </div>
        </section>

        <section id="testimonials" class="section" aria-labelledby="testimonials-title">
            <div class="container">
                <h2 id="testimonials-title">"What teams tell us"</h2>
                <p class="notice">
                    "Illustrative testimonials: these quotes show the use we design for; they are not statements of real customers."
                </p>
                <div class="quote-grid">
                    {TESTIMONIALS
                        .iter()
                        .map(|t| view! {
                            <figure class="quote">
                                <blockquote>{t.quote}</blockquote>
                                <figcaption>{t.who} " (illustrative)"</figcaption>
                            </figure>
                        })
                        .collect_view()}
                </div>
            </div>
        </section>

        <section id="contact" class="section section-alt" aria-labelledby="contact-title">
            <div class="container narrow">
                <h2 id="contact-title">"Talk to us"</h2>
                <p class="lead">"A demo, a trial workspace, a question about the rules: we answer within one business day."</p>
                <ContactForm />
            </div>
        </section>
    }
}
