-- The targets an analyst set for a simulation's suggested plans (issue 20);
-- a ratio left out takes its requirement plus the management buffer.

CREATE TABLE simulation_targets (
    tenant_id      uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    targets        jsonb NOT NULL CHECK (jsonb_typeof(targets) = 'object'),
    updated_by     uuid REFERENCES users (user_id),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, simulation_id),
    FOREIGN KEY (tenant_id, simulation_id) REFERENCES simulations (tenant_id, simulation_id)
        ON DELETE CASCADE
);

ALTER TABLE simulation_targets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON simulation_targets USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON simulation_targets TO prudentia_app;
