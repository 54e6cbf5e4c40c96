-- Rule profiles an organisation keeps (issue 18): derived from a
-- regulatory profile (basel31 or crr3), every change a new immutable
-- version holding the full parameter map, so a result computed with a
-- version can always be recomputed exactly.

CREATE TABLE rule_profiles (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    profile_id     uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    base           text NOT NULL CHECK (base IN ('basel31', 'crr3')),
    created_by     uuid NOT NULL REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, profile_id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE rule_profile_versions (
    tenant_id      uuid NOT NULL,
    profile_id     uuid NOT NULL,
    version_no     integer NOT NULL CHECK (version_no > 0),
    parameters     jsonb NOT NULL,
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by     uuid NOT NULL REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, profile_id, version_no),
    FOREIGN KEY (tenant_id, profile_id) REFERENCES rule_profiles (tenant_id, profile_id)
        ON DELETE CASCADE
);

-- The profile version a simulation version was computed with (none: the
-- data set's own profile name and overrides).
ALTER TABLE simulation_versions
    ADD COLUMN rule_profile_id uuid,
    ADD COLUMN rule_profile_version integer,
    ADD CONSTRAINT simulation_versions_rules_fk
        FOREIGN KEY (tenant_id, rule_profile_id, rule_profile_version)
        REFERENCES rule_profile_versions (tenant_id, profile_id, version_no),
    ADD CONSTRAINT simulation_versions_rules_both
        CHECK ((rule_profile_id IS NULL) = (rule_profile_version IS NULL));

ALTER TABLE rule_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE rule_profile_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rule_profiles USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_isolation ON rule_profile_versions USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
-- Versions are never changed: no UPDATE or DELETE for the application.
-- UPDATE on the profile only for the row lock that orders new versions.
GRANT SELECT, INSERT, UPDATE ON rule_profiles TO prudentia_app;
GRANT SELECT, INSERT ON rule_profile_versions TO prudentia_app;
