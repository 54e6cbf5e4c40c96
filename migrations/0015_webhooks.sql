-- Outgoing webhooks (issue 21): an organisation's endpoints, the events
-- written in the same transaction as the change (the outbox), one delivery
-- per endpoint and event, and every attempt with what the receiver said.

CREATE TABLE webhook_endpoints (
    tenant_id              uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    endpoint_id            uuid NOT NULL,
    url                    text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    description            text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events                 text[] NOT NULL CHECK (cardinality(events) > 0),
    -- `whsec_` and the base64 key; the previous one signs too until
    -- `previous_secret_until` (a rotation), so receivers can switch over.
    secret                 text NOT NULL,
    previous_secret        text,
    previous_secret_until  timestamptz,
    enabled                boolean NOT NULL DEFAULT true,
    disabled_reason        text,
    -- The first failure of the current run of failures; none when the
    -- last delivery succeeded.
    failing_since          timestamptz,
    created_by             uuid REFERENCES users (user_id) ON DELETE SET NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, endpoint_id)
);

CREATE TABLE webhook_messages (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    message_id   uuid NOT NULL,
    event_type   text NOT NULL,
    -- The body sent, byte for byte: ids and a summary, never a bank's lines.
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, message_id)
);

CREATE TABLE webhook_deliveries (
    tenant_id        uuid NOT NULL,
    delivery_id      uuid NOT NULL,
    endpoint_id      uuid NOT NULL,
    message_id       uuid NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, delivery_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, endpoint_id)
        ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, message_id) REFERENCES webhook_messages (tenant_id, message_id)
        ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, delivery_id DESC);

CREATE TABLE webhook_attempts (
    tenant_id         uuid NOT NULL,
    delivery_id       uuid NOT NULL,
    attempt_no        integer NOT NULL,
    attempted_at      timestamptz NOT NULL DEFAULT now(),
    status_code       integer,
    latency_ms        integer NOT NULL,
    response_excerpt  text NOT NULL DEFAULT '',
    error             text,
    PRIMARY KEY (tenant_id, delivery_id, attempt_no),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, delivery_id)
        ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_messages', 'webhook_deliveries',
                             'webhook_attempts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO prudentia_app', t);
    END LOOP;
END $$;

-- The delivery worker serves every tenant: it learns which deliveries are
-- due through this narrow function, then works inside each tenant's scope.
CREATE FUNCTION app_due_webhooks(p_limit integer)
    RETURNS TABLE (tenant_id uuid, delivery_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT tenant_id, delivery_id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT p_limit
    $$;
REVOKE ALL ON FUNCTION app_due_webhooks(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_due_webhooks(integer) TO prudentia_app;

-- A month of events and their logs is kept; older ones whose deliveries are
-- all finished go, whatever their tenant (their deliveries and attempts
-- with them).
CREATE FUNCTION app_expire_webhook_messages() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH gone AS (
            DELETE FROM webhook_messages m
             WHERE m.created_at < now() - interval '30 days'
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                                WHERE d.tenant_id = m.tenant_id AND d.message_id = m.message_id
                                  AND d.status = 'pending')
            RETURNING 1)
        SELECT count(*)::integer FROM gone
    $$;
REVOKE ALL ON FUNCTION app_expire_webhook_messages() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_expire_webhook_messages() TO prudentia_app;
