-- The REST API: personal tokens, the keys that sign them, the daily call
-- count per tenant and idempotency keys (issue: REST API v1).

-- The keys that sign API tokens (HS256). The newest active key signs; every
-- active key verifies, so a rotation leaves older tokens valid until their
-- key is retired. Not tenant data: one set for the whole service.
CREATE TABLE api_signing_keys (
    key_id      text PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    secret      bytea NOT NULL CHECK (octet_length(secret) >= 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);
GRANT SELECT, INSERT, UPDATE ON api_signing_keys TO prudentia_app;

-- A personal API token. The token itself (a JWT) is shown once and never
-- stored; this row is what revocation and expiry are checked against.
CREATE TABLE api_tokens (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    token_id     uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    scope        text NOT NULL CHECK (scope IN ('read', 'read_write')),
    key_id       text NOT NULL REFERENCES api_signing_keys (key_id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, token_id),
    CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id, created_at DESC);

-- API calls per tenant and UTC day, against the plan's daily limit.
CREATE TABLE api_usage (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    day        date NOT NULL,
    calls      bigint NOT NULL DEFAULT 0 CHECK (calls >= 0),
    PRIMARY KEY (tenant_id, day)
);

-- A create or an import commit made with an Idempotency-Key: a retry with
-- the same key and the same request gets the resource made the first time.
-- Written in the transaction that creates the resource.
CREATE TABLE idempotency_keys (
    tenant_id       uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    fingerprint     text NOT NULL,
    resource_id     uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- Idempotency keys are kept a day, whatever their tenant.
CREATE FUNCTION app_expire_idempotency_keys() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public
    AS $$
        WITH gone AS (DELETE FROM idempotency_keys
                       WHERE created_at < now() - interval '1 day' RETURNING 1)
        SELECT count(*)::integer FROM gone
    $$;
REVOKE ALL ON FUNCTION app_expire_idempotency_keys() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_expire_idempotency_keys() TO prudentia_app;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_tokens', 'api_usage', 'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON api_tokens, api_usage, idempotency_keys TO prudentia_app;
