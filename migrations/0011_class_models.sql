-- Classification models an organisation trains on its own labelled lines
-- (issue 19): each training is a new version kept with its card; exactly
-- one (or none: the built-in model) is in force, and an admin can put an
-- older one back.

CREATE TABLE class_models (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    version_no     integer NOT NULL CHECK (version_no > 0),
    own_lines      integer NOT NULL CHECK (own_lines >= 0),
    card           jsonb NOT NULL,
    model          bytea NOT NULL,
    created_by     uuid REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    in_force       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, version_no)
);
CREATE UNIQUE INDEX class_models_in_force ON class_models (tenant_id) WHERE in_force;

ALTER TABLE class_models ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON class_models USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
-- A model never changes; only which one is in force does.
GRANT SELECT, INSERT ON class_models TO prudentia_app;
GRANT UPDATE (in_force) ON class_models TO prudentia_app;
