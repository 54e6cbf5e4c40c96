-- Foundation: helpers every later table uses, the plan catalogue and the
-- landing page's contact requests.

CREATE EXTENSION IF NOT EXISTS citext;

-- Keeps `updated_at` honest without relying on every UPDATE statement to set it.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Subscription plans: a global catalogue (not tenant data). A NULL limit means
-- the plan sets none. Prices in euro cents so they never round.
CREATE TABLE plans (
    plan_code             text PRIMARY KEY CHECK (plan_code ~ '^[a-z][a-z0-9_]*$'),
    name                  text NOT NULL,
    tagline               text NOT NULL,
    monthly_price_cents   bigint NOT NULL CHECK (monthly_price_cents >= 0),
    max_members           integer CHECK (max_members > 0),
    max_simulations       integer CHECK (max_simulations > 0),
    max_storage_mb        bigint CHECK (max_storage_mb > 0),
    max_api_calls_per_day bigint CHECK (max_api_calls_per_day >= 0),
    highlights            text[] NOT NULL DEFAULT '{}',
    featured              boolean NOT NULL DEFAULT false,
    public                boolean NOT NULL DEFAULT true,
    sort_order            integer NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER plans_updated_at BEFORE UPDATE ON plans
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

INSERT INTO plans (plan_code, name, tagline, monthly_price_cents, max_members, max_simulations,
                   max_storage_mb, max_api_calls_per_day, highlights, featured, sort_order)
VALUES
    ('starter', 'Starter', 'For a small treasury or risk team getting started.',
     49000, 5, 20, 2048, 0,
     ARRAY['Basel 3.1 and CRR3 profiles', 'What-if scenarios in the browser',
           'Excel and CSV import', 'PDF and Excel reports'],
     false, 10),
    ('professional', 'Professional', 'For capital and liquidity teams who report every month.',
     149000, 25, 200, 20480, 10000,
     ARRAY['Everything in Starter', 'Approval workflow and audit trail',
           'REST API with 10,000 calls a day', 'Report templates with your branding'],
     true, 20),
    ('enterprise', 'Enterprise', 'For groups with several entities and integrations.',
     490000, NULL, NULL, 204800, 200000,
     ARRAY['Everything in Professional', 'Unlimited members and simulations',
           'Webhooks and scheduled imports', 'Priority support and onboarding'],
     false, 30);

-- Contact requests from visitors of the landing page.
CREATE TABLE contact_requests (
    contact_request_id uuid PRIMARY KEY,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email              citext NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    organisation       text CHECK (length(organisation) <= 160),
    message            text NOT NULL CHECK (length(message) BETWEEN 10 AND 4000),
    client_ip          inet,
    user_agent         text,
    handled_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_requests_created_at ON contact_requests (created_at DESC);
CREATE TRIGGER contact_requests_updated_at BEFORE UPDATE ON contact_requests
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
