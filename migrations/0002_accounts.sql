-- Accounts, tenants, memberships, invitations, teams, sessions and login
-- throttling (issue: accounts and tenants).
--
-- Tenant isolation in depth: every tenant table has tenant_id in its primary
-- key and a row-level security policy reading the per-transaction setting
-- app.tenant_id, which only the repository layer sets. The application runs
-- as the role prudentia_app (the pool sets it on every connection); it owns
-- no table, so the policies apply to it. A query without the setting sees no
-- tenant row at all.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prudentia_app') THEN
        CREATE ROLE prudentia_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;
GRANT prudentia_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO prudentia_app;

-- The tenant of the current transaction, NULL when none is set (an unset
-- custom setting reads as '' once any transaction in the session set it).
CREATE FUNCTION app_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- People: global, one account may belong to several tenants.
CREATE TABLE users (
    user_id        uuid PRIMARY KEY,
    email          citext NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    display_name   text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE tenants (
    tenant_id              uuid PRIMARY KEY,
    name                   text NOT NULL CHECK (length(name) BETWEEN 2 AND 120),
    plan_code              text NOT NULL REFERENCES plans (plan_code),
    -- Quotas: NULL takes the plan's limit (which may itself be NULL: none).
    max_members            integer CHECK (max_members > 0),
    max_simulations        integer CHECK (max_simulations > 0),
    max_storage_mb         bigint CHECK (max_storage_mb > 0),
    max_api_calls_per_day  bigint CHECK (max_api_calls_per_day >= 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE memberships (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE TRIGGER memberships_updated_at BEFORE UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE invitations (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    invitation_id  uuid NOT NULL,
    email          citext NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    role           text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    -- SHA-256 of the token: a database leak does not leak usable links.
    token_hash     bytea NOT NULL UNIQUE,
    invited_by     uuid NOT NULL REFERENCES users (user_id),
    expires_at     timestamptz NOT NULL,
    accepted_at    timestamptz,
    accepted_by    uuid REFERENCES users (user_id),
    revoked_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, invitation_id)
);

CREATE TABLE teams (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    team_id     uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, team_id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE team_members (
    tenant_id  uuid NOT NULL,
    team_id    uuid NOT NULL,
    user_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, team_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);

-- Mail waiting for delivery (the mail issue sends it).
CREATE TABLE outbound_emails (
    tenant_id         uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    outbound_email_id uuid NOT NULL,
    recipient         citext NOT NULL,
    subject           text NOT NULL,
    body_text         text NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    sent_at           timestamptz,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, outbound_email_id)
);
CREATE INDEX outbound_emails_pending ON outbound_emails (created_at) WHERE sent_at IS NULL;

-- Failed logins per key ('account:<email>' or 'ip:<address>'): the throttle.
CREATE TABLE login_throttle (
    throttle_key   text PRIMARY KEY,
    failures       integer NOT NULL,
    last_failure   timestamptz NOT NULL,
    blocked_until  timestamptz
);

-- tower-sessions' PostgreSQL store, created here so the application role
-- needs no DDL rights (same shape as the store's own migration).
CREATE SCHEMA tower_sessions;
CREATE TABLE tower_sessions.session (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
CREATE INDEX session_expiry ON tower_sessions.session (expiry_date);

-- Row-level security on every tenant table.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['memberships', 'invitations', 'teams', 'team_members', 'outbound_emails']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;

-- The few reads that must cross tenants before a tenant is chosen, as
-- narrow functions running with the owner's rights: a user's own
-- memberships (log-in, tenant switch) and an invitation found by its token.
CREATE FUNCTION app_user_memberships(p_user uuid)
    RETURNS TABLE (tenant_id uuid, tenant_name text, role text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
        SELECT m.tenant_id, t.name, m.role
          FROM memberships m JOIN tenants t USING (tenant_id)
         WHERE m.user_id = p_user
         ORDER BY t.name, m.tenant_id
    $$;

CREATE FUNCTION app_invitation_by_token(p_token_hash bytea)
    RETURNS TABLE (tenant_id uuid, invitation_id uuid, tenant_name text, email citext,
                   role text, expires_at timestamptz, accepted_at timestamptz,
                   revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
        SELECT i.tenant_id, i.invitation_id, t.name, i.email, i.role, i.expires_at,
               i.accepted_at, i.revoked_at
          FROM invitations i JOIN tenants t USING (tenant_id)
         WHERE i.token_hash = p_token_hash
    $$;

REVOKE ALL ON FUNCTION app_user_memberships(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_invitation_by_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_user_memberships(uuid), app_invitation_by_token(bytea),
    app_tenant() TO prudentia_app;

GRANT SELECT ON plans TO prudentia_app;
GRANT SELECT, INSERT ON contact_requests TO prudentia_app;
GRANT SELECT, INSERT, UPDATE ON users, login_throttle TO prudentia_app;
GRANT DELETE ON login_throttle TO prudentia_app;
GRANT SELECT, INSERT, UPDATE ON tenants TO prudentia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships, invitations, teams, team_members,
    outbound_emails TO prudentia_app;
GRANT USAGE ON SCHEMA tower_sessions TO prudentia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO prudentia_app;
