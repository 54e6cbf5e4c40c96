-- Live collaboration (issue 21): what people looking at a simulation see
-- without reloading. Each event is a row written in the transaction of the
-- change, with a NOTIFY that PostgreSQL delivers at commit to every
-- application server; a browser that reconnects replays the rows after its
-- Last-Event-ID. Presence: one row per open stream, refreshed while open.

CREATE TABLE live_events (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id       bigint GENERATED ALWAYS AS IDENTITY,
    simulation_id  uuid NOT NULL,
    kind           text NOT NULL,
    payload        jsonb NOT NULL,
    -- When it was written, not when its transaction began: streams re-read
    -- recent events in case one committed after a later-numbered one.
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX live_events_simulation ON live_events (tenant_id, simulation_id, event_id);

CREATE TABLE live_presence (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    connection_id  uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    user_id        uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    seen_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, connection_id)
);
CREATE INDEX live_presence_simulation ON live_presence (tenant_id, simulation_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['live_events', 'live_presence']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO prudentia_app', t);
    END LOOP;
END $$;

-- Events older than the day a reconnecting browser may replay, and the
-- presence of streams that stopped refreshing it (a server that died), go
-- whatever their tenant.
CREATE FUNCTION app_expire_live_events() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH stale AS (DELETE FROM live_presence WHERE seen_at < now() - interval '1 hour'),
             gone AS (DELETE FROM live_events WHERE created_at < now() - interval '1 day' RETURNING 1)
        SELECT count(*)::integer FROM gone
    $$;
REVOKE ALL ON FUNCTION app_expire_live_events() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_expire_live_events() TO prudentia_app;
