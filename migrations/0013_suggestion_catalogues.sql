-- An organisation's changes to the shipped catalogue of suggestion actions
-- (issue 20): which actions are left out, and its own bounds and costs.
-- One row per organisation; its history is in the audit chain.

CREATE TABLE suggestion_catalogues (
    tenant_id      uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    overrides      jsonb NOT NULL CHECK (jsonb_typeof(overrides) = 'array'),
    updated_by     uuid REFERENCES users (user_id),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE suggestion_catalogues ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON suggestion_catalogues USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON suggestion_catalogues TO prudentia_app;
