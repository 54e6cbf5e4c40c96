-- Scheduled imports and exports (issue 21): where files come from and go
-- to, when, with which secret (sealed by the application with a key from
-- its environment: the database never holds one in clear), and every run
-- with its outcome and reason.

CREATE TABLE connections (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    connection_id    uuid NOT NULL,
    -- 'import': a source whose newest matching file becomes a draft
    -- version; 'export': a target a report or results are pushed to.
    direction        text NOT NULL CHECK (direction IN ('import', 'export')),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    transport        text NOT NULL CHECK (transport IN ('folder', 'sftp', 'https')),
    location         text NOT NULL CHECK (length(location) BETWEEN 1 AND 2000),
    auth             text NOT NULL CHECK (auth IN ('none', 'password', 'key', 'bearer')),
    sealed_secret    bytea,
    -- An SFTP server's host key, as `SHA256:…`: given, or learnt at the
    -- first connection; a server that shows another is refused.
    host_key         text,
    file_pattern     text NOT NULL DEFAULT '' CHECK (length(file_pattern) <= 200),
    content          text CHECK (content IN ('report_pdf', 'report_xlsx', 'results_json', 'results_csv')),
    schedule         text CHECK (length(schedule) <= 100),
    time_zone        text NOT NULL DEFAULT 'UTC',
    on_approval      boolean NOT NULL DEFAULT false,
    simulation_id    uuid NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    next_run_at      timestamptz,
    -- An export owed to an approval: the version approved.
    approved_version integer,
    running_since    timestamptz,
    created_by       uuid REFERENCES users (user_id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, connection_id),
    FOREIGN KEY (tenant_id, simulation_id) REFERENCES simulations (tenant_id, simulation_id)
        ON DELETE CASCADE,
    CHECK ((direction = 'import') = (content IS NULL))
);
CREATE INDEX connections_due ON connections (next_run_at) WHERE enabled;

CREATE TABLE connection_runs (
    tenant_id      uuid NOT NULL,
    run_id         uuid NOT NULL,
    connection_id  uuid NOT NULL,
    trigger        text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'approval')),
    started_at     timestamptz NOT NULL DEFAULT now(),
    duration_ms    integer NOT NULL,
    outcome        text NOT NULL
                   CHECK (outcome IN ('imported', 'skipped', 'no_file', 'exported', 'failed')),
    file_name      text,
    sha256         text,
    bytes          bigint,
    version_no     integer,
    message        text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, run_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, connection_id)
        ON DELETE CASCADE
);
CREATE INDEX connection_runs_latest ON connection_runs (tenant_id, connection_id, started_at DESC);
CREATE INDEX connection_runs_imported ON connection_runs (tenant_id, connection_id, sha256)
    WHERE outcome = 'imported';

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['connections', 'connection_runs']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO prudentia_app', t);
    END LOOP;
END $$;

-- The scheduler serves every tenant: it learns which connections are due
-- (a run left half-way by a stopped server is due again after an hour),
-- then works inside each tenant's scope.
CREATE FUNCTION app_due_connections(p_limit integer)
    RETURNS TABLE (tenant_id uuid, connection_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT tenant_id, connection_id FROM connections
         WHERE enabled AND next_run_at <= now()
           AND (running_since IS NULL OR running_since < now() - interval '1 hour')
         ORDER BY next_run_at
         LIMIT p_limit
    $$;
REVOKE ALL ON FUNCTION app_due_connections(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_due_connections(integer) TO prudentia_app;

-- Runs are kept for 90 days, whatever their tenant.
CREATE FUNCTION app_expire_connection_runs() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH gone AS (
            DELETE FROM connection_runs WHERE started_at < now() - interval '90 days'
            RETURNING 1)
        SELECT count(*)::integer FROM gone
    $$;
REVOKE ALL ON FUNCTION app_expire_connection_runs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_expire_connection_runs() TO prudentia_app;

-- The quotas an organisation was told it nears (80 % of a limit), so
-- `quota.near_limit` fires once per crossing, again after it fell back.
CREATE TABLE quota_warnings (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    quota      text NOT NULL,
    warned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, quota)
);
ALTER TABLE quota_warnings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON quota_warnings USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, DELETE ON quota_warnings TO prudentia_app;
