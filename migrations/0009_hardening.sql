-- Hardening (issue 16): log-in throttling that cannot be turned against
-- users, sessions ended by a password change, and the audit chain written
-- only in the current tenant's scope.

-- Throttling keys: an account from an address, an address, an account.
-- `refused` counts attempts turned away during the current delay, reported
-- once in the event that starts the next one.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    throttle_key   text PRIMARY KEY,
    failures       integer NOT NULL DEFAULT 0,
    window_start   timestamptz NOT NULL DEFAULT now(),
    blocked_until  timestamptz,
    refused        integer NOT NULL DEFAULT 0
);
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO prudentia_app;

-- Addresses an account logged in from: they are exempt from the address's
-- and the account's own delays (only the pair's applies).
CREATE TABLE login_known_addresses (
    user_id       uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    ip            inet NOT NULL,
    last_success  timestamptz NOT NULL,
    PRIMARY KEY (user_id, ip)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON login_known_addresses TO prudentia_app;

-- A password change moves the epoch; sessions remember the epoch they
-- started in, so every older session ends.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- The chain itself: the next place in a tenant's chain, under a lock. The
-- application cannot call it; it goes through one of the two doors below,
-- which run as the owner and check who may write where.
CREATE FUNCTION audit_chain_append(p_tenant uuid, p_actor_id uuid, p_actor text, p_action text,
                                   p_target text, p_diff jsonb, p_ip text, p_user_agent text)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
DECLARE
    e audit_events;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_tenant::text, 0));
    SELECT seq + 1, hash INTO e.seq, e.prev_hash
      FROM audit_events WHERE tenant_id = p_tenant ORDER BY seq DESC LIMIT 1;
    e.seq := coalesce(e.seq, 1);
    e.prev_hash := coalesce(e.prev_hash, '\x'::bytea);
    e.tenant_id := p_tenant;
    e.occurred_at := date_trunc('microseconds', clock_timestamp());
    e.actor_id := p_actor_id;
    e.actor := p_actor;
    e.action := p_action;
    e.target := p_target;
    e.diff := coalesce(p_diff, '{}'::jsonb);
    e.ip := p_ip;
    e.user_agent := left(p_user_agent, 400);
    e.hash := audit_event_hash(e);
    INSERT INTO audit_events VALUES (e.*);
    RETURN e.seq;
END
$$;
REVOKE ALL ON FUNCTION audit_chain_append(uuid, uuid, text, text, text, jsonb, text, text) FROM PUBLIC;

-- The application appends only to the chain of the tenant its transaction
-- is scoped to.
CREATE OR REPLACE FUNCTION audit_append(p_tenant uuid, p_actor_id uuid, p_actor text, p_action text,
                                        p_target text, p_diff jsonb, p_ip text, p_user_agent text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF p_tenant IS DISTINCT FROM app_tenant() THEN
        RAISE EXCEPTION 'audit events go to the current tenant''s chain only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN audit_chain_append(p_tenant, p_actor_id, p_actor, p_action, p_target, p_diff, p_ip,
                              p_user_agent);
END
$$;

-- The platform chain (the nil tenant) takes only log-in events for
-- addresses no account has, and only outside any tenant's scope.
CREATE FUNCTION audit_append_platform(p_actor text, p_action text, p_target text, p_diff jsonb,
                                      p_ip text, p_user_agent text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF app_tenant() IS NOT NULL OR p_action NOT LIKE 'session.%' THEN
        RAISE EXCEPTION 'the platform chain takes only log-in events'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN audit_chain_append('00000000-0000-0000-0000-000000000000', NULL, p_actor, p_action,
                              p_target, p_diff, p_ip, p_user_agent);
END
$$;
REVOKE ALL ON FUNCTION audit_append_platform(text, text, text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append_platform(text, text, text, jsonb, text, text) TO prudentia_app;

-- A SECURITY DEFINER function must not find a caller's temporary objects
-- ahead of ours: pg_temp goes last on every one.
ALTER FUNCTION app_user_memberships(uuid) SET search_path = public, pg_temp;
ALTER FUNCTION app_due_emails(integer, integer) SET search_path = public, pg_temp;
ALTER FUNCTION app_expire_imports() SET search_path = public, pg_temp;
ALTER FUNCTION app_expire_idempotency_keys() SET search_path = public, pg_temp;

-- Sign-up starts a trial of a public plan; the billing issue turns trials
-- into subscriptions. NULL: not on trial.
ALTER TABLE tenants ADD COLUMN trial_ends_at timestamptz;

-- A tenant's own quota may lower its plan's limit, never raise it: the
-- database holds the line too.
CREATE FUNCTION tenants_quotas_within_plan() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
DECLARE
    p plans;
BEGIN
    SELECT * INTO p FROM plans WHERE plan_code = NEW.plan_code;
    IF (NEW.max_members > p.max_members)
       OR (NEW.max_simulations > p.max_simulations)
       OR (NEW.max_storage_mb > p.max_storage_mb)
       OR (NEW.max_api_calls_per_day > p.max_api_calls_per_day) THEN
        RAISE EXCEPTION 'a quota may not exceed the plan''s limit'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_quotas_within_plan
    BEFORE INSERT OR UPDATE OF plan_code, max_members, max_simulations, max_storage_mb,
                               max_api_calls_per_day ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_quotas_within_plan();

-- Four eyes: neither the submitter (CHECK of 0006) nor the version's author
-- may approve it.
CREATE FUNCTION version_reviews_not_by_author() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
BEGIN
    IF NEW.status = 'approved' AND EXISTS (
        SELECT 1 FROM simulation_versions v
         WHERE v.tenant_id = NEW.tenant_id AND v.simulation_id = NEW.simulation_id
           AND v.version_no = NEW.version_no AND v.created_by = NEW.decided_by) THEN
        RAISE EXCEPTION 'four eyes: the author of a version may not approve it'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER version_reviews_not_by_author BEFORE UPDATE ON version_reviews
    FOR EACH ROW EXECUTE FUNCTION version_reviews_not_by_author();

-- Accounts prove their address: a single-use link (stored hashed) confirms
-- it; another resets a lost password within the hour. Accounts from before
-- verification existed, and those made from an invitation (whose link
-- proved the address), count as confirmed.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;
CREATE TABLE account_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
GRANT SELECT, INSERT, UPDATE, DELETE ON account_tokens TO prudentia_app;

-- The application logs in as prudentia_login: a member of prudentia_app
-- that inherits none of its rights (the pool SETs ROLE prudentia_app), owns
-- nothing and is no superuser, so a RESET ROLE leaves no rights at all.
-- Migrations keep their own owner connection. A server whose owner may not
-- create roles is told so and carries on; its operator creates the role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prudentia_login') THEN
        CREATE ROLE prudentia_login LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    GRANT prudentia_app TO prudentia_login;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'create the role prudentia_login (LOGIN NOINHERIT, member of prudentia_app) '
                 'and point DATABASE_URL at it';
END
$$;

-- Mail limits: who caused a mail (its member; NULL for the platform's own
-- mail), counted per member and per organisation over the last hour; and
-- whom members may mail outside the organisation (none by default).
ALTER TABLE outbound_emails ADD COLUMN sender_id uuid REFERENCES users (user_id) ON DELETE SET NULL;
CREATE INDEX outbound_emails_recent ON outbound_emails (tenant_id, created_at);
ALTER TABLE tenants
    ADD COLUMN mail_outside text NOT NULL DEFAULT 'none' CHECK (mail_outside IN ('none', 'domains', 'any')),
    ADD COLUMN mail_domains text[] NOT NULL DEFAULT '{}';

-- Storage is counted: each version records what it takes (lines, packed
-- copy, header); uploads, reports and logos are measured where they are.
ALTER TABLE simulation_versions ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;
UPDATE simulation_versions v
   SET stored_bytes = pg_column_size(v.header) + coalesce(octet_length(v.lines_packed), 0)
       + (SELECT coalesce(sum(pg_column_size(l.line)), 0) FROM exposure_lines l
           WHERE l.tenant_id = v.tenant_id AND l.simulation_id = v.simulation_id
             AND l.version_no = v.version_no);

-- What the current tenant stores, in bytes: versions, uploads not yet
-- committed or purged, reports and the logo (under row-level security).
CREATE FUNCTION tenant_stored_bytes() RETURNS bigint
    LANGUAGE sql STABLE SET search_path = public, pg_temp
    AS $$
        SELECT ((SELECT coalesce(sum(stored_bytes), 0) FROM simulation_versions)
              + (SELECT coalesce(sum(octet_length(content)), 0) FROM imports)
              + (SELECT coalesce(sum(octet_length(content)), 0) FROM reports)
              + (SELECT coalesce(sum(octet_length(logo)), 0) FROM tenant_branding))::int8
    $$;
GRANT EXECUTE ON FUNCTION tenant_stored_bytes() TO prudentia_app;
