-- Simulations: a bank data set at a reporting date, in immutable versions
-- whose exposure lines live in their own table (one row per line), and
-- named scenarios of edits with the results the server computed for them.

CREATE TABLE simulations (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    simulation_id  uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    created_by     uuid NOT NULL REFERENCES users (user_id),
    -- Who reads it besides its author: the whole tenant, or one team.
    shared_with_tenant boolean NOT NULL DEFAULT true,
    shared_team_id uuid,
    deleted_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, simulation_id),
    FOREIGN KEY (tenant_id, shared_team_id) REFERENCES teams (tenant_id, team_id)
);
CREATE TRIGGER simulations_updated_at BEFORE UPDATE ON simulations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE simulation_versions (
    tenant_id      uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    version_no     integer NOT NULL CHECK (version_no > 0),
    reporting_date date,
    -- The data set without its exposure lines (capital, liquidity, funding,
    -- requirements, profile and overrides), as dataset.md writes it.
    header         jsonb NOT NULL,
    line_count     integer NOT NULL CHECK (line_count >= 0),
    created_by     uuid NOT NULL REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, simulation_id, version_no),
    FOREIGN KEY (tenant_id, simulation_id) REFERENCES simulations (tenant_id, simulation_id)
        ON DELETE CASCADE
);

CREATE TABLE exposure_lines (
    tenant_id      uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    version_no     integer NOT NULL,
    line_no        integer NOT NULL CHECK (line_no >= 0),
    line           jsonb NOT NULL,
    PRIMARY KEY (tenant_id, simulation_id, version_no, line_no),
    FOREIGN KEY (tenant_id, simulation_id, version_no)
        REFERENCES simulation_versions (tenant_id, simulation_id, version_no) ON DELETE CASCADE
);

CREATE TABLE scenarios (
    tenant_id      uuid NOT NULL,
    scenario_id    uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    edits          jsonb NOT NULL,
    -- Computed on the server when saved, with the profile that produced them.
    version_no     integer NOT NULL,
    results        jsonb NOT NULL,
    profile        jsonb NOT NULL,
    created_by     uuid NOT NULL REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, scenario_id),
    UNIQUE (tenant_id, simulation_id, name),
    FOREIGN KEY (tenant_id, simulation_id) REFERENCES simulations (tenant_id, simulation_id)
        ON DELETE CASCADE
);
CREATE TRIGGER scenarios_updated_at BEFORE UPDATE ON scenarios
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['simulations', 'simulation_versions', 'exposure_lines', 'scenarios']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON simulations, simulation_versions, exposure_lines,
    scenarios TO prudentia_app;
