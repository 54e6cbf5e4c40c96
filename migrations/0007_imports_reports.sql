-- Imports of bank spreadsheets, reports (PDF, Excel) with their templates,
-- branding and history, and e-mail delivery with retries (issue: import,
-- export, reports, e-mail).

-- An uploaded file waiting for its mapping to be confirmed. The file is
-- kept until it is committed or abandoned (a day), so the preview and the
-- commit read exactly what was uploaded.
CREATE TABLE imports (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    import_id      uuid NOT NULL,
    created_by     uuid NOT NULL REFERENCES users (user_id),
    file_name      text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content        bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, import_id)
);
CREATE INDEX imports_age ON imports (created_at);

-- A tenant's column choices for a sheet layout (its folded headers), reused
-- for the next file with the same headers.
CREATE TABLE import_mappings (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    signature      text NOT NULL,
    section        text NOT NULL,
    columns        jsonb NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, signature)
);

-- The tenant's look in reports: a logo (PNG, JPEG or SVG) and two colours.
CREATE TABLE tenant_branding (
    tenant_id      uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    logo           bytea CHECK (octet_length(logo) <= 1048576),
    logo_type      text CHECK (logo_type IN ('png', 'jpg', 'svg')),
    primary_colour text NOT NULL DEFAULT '#1f3a5f' CHECK (primary_colour ~ '^#[0-9a-f]{6}$'),
    accent_colour  text NOT NULL DEFAULT '#c8862a' CHECK (accent_colour ~ '^#[0-9a-f]{6}$'),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((logo IS NULL) = (logo_type IS NULL))
);

CREATE TABLE report_templates (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    template_id    uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    sections       text[] NOT NULL,
    footer         text NOT NULL DEFAULT '' CHECK (length(footer) <= 300),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, template_id),
    UNIQUE (tenant_id, name)
);

-- Every generated report, with what it describes and how it was made.
CREATE TABLE reports (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    report_id      uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    version_no     integer NOT NULL,
    scenario_id    uuid,
    format         text NOT NULL CHECK (format IN ('pdf', 'xlsx')),
    title          text NOT NULL,
    parameters     jsonb NOT NULL,
    content        bytea NOT NULL,
    created_by     uuid NOT NULL REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, report_id),
    FOREIGN KEY (tenant_id, simulation_id, version_no)
        REFERENCES simulation_versions (tenant_id, simulation_id, version_no) ON DELETE CASCADE
);
CREATE INDEX reports_recent ON reports (tenant_id, created_at DESC);

-- Mail: a report may travel as an attachment; failed deliveries are
-- retried later, up to a limit.
ALTER TABLE outbound_emails
    ADD COLUMN report_id uuid,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD FOREIGN KEY (tenant_id, report_id) REFERENCES reports (tenant_id, report_id) ON DELETE SET NULL (report_id);
DROP INDEX outbound_emails_pending;
CREATE INDEX outbound_emails_due ON outbound_emails (next_attempt_at) WHERE sent_at IS NULL;

-- The sender works for every tenant: it learns which mail is due through
-- this narrow function, then delivers each one inside its tenant's scope.
CREATE FUNCTION app_due_emails(p_limit integer, p_max_attempts integer)
    RETURNS TABLE (tenant_id uuid, outbound_email_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
        SELECT tenant_id, outbound_email_id FROM outbound_emails
         WHERE sent_at IS NULL AND attempts < p_max_attempts AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT p_limit
    $$;
REVOKE ALL ON FUNCTION app_due_emails(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_due_emails(integer, integer) TO prudentia_app;

-- Abandoned uploads are removed after a day, whatever their tenant.
CREATE FUNCTION app_expire_imports() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public
    AS $$
        WITH gone AS (DELETE FROM imports WHERE created_at < now() - interval '1 day' RETURNING 1)
        SELECT count(*)::integer FROM gone
    $$;
REVOKE ALL ON FUNCTION app_expire_imports() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_expire_imports() TO prudentia_app;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['imports', 'import_mappings', 'tenant_branding', 'report_templates', 'reports']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_mappings, tenant_branding,
    report_templates, reports TO prudentia_app;
