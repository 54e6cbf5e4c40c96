-- Anomalies a person judged not an error (issue 19), and the outlier
-- threshold those judgements teach each organisation. A dismissal is never
-- changed or removed: it is the record of who judged what, and the
-- threshold's history is in the audit chain.

CREATE TABLE anomaly_dismissals (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    simulation_id  uuid NOT NULL,
    version_no     integer NOT NULL CHECK (version_no > 0),
    -- The exposure line; '' for items that are not lines.
    line_id        text NOT NULL,
    section        text NOT NULL,
    field          text NOT NULL,
    kind           text NOT NULL,
    value          double precision NOT NULL,
    score          double precision NOT NULL,
    reason         text NOT NULL CHECK (length(reason) <= 500),
    dismissed_by   uuid NOT NULL REFERENCES users (user_id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, simulation_id) REFERENCES simulations (tenant_id, simulation_id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, simulation_id, version_no, line_id, section, field, kind)
);
-- The recent dismissed outliers of an organisation, newest first.
CREATE INDEX anomaly_dismissals_recent ON anomaly_dismissals (tenant_id, kind, created_at DESC);

ALTER TABLE anomaly_dismissals ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON anomaly_dismissals USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT ON anomaly_dismissals TO prudentia_app;

CREATE TABLE anomaly_thresholds (
    tenant_id      uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    outlier_z      double precision NOT NULL CHECK (outlier_z >= 1 AND outlier_z <= 20),
    alert_budget   double precision NOT NULL CHECK (alert_budget > 0 AND alert_budget <= 0.2),
    -- Set by an admin: dismissals no longer move the outlier threshold.
    fixed          boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE anomaly_thresholds ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON anomaly_thresholds USING (tenant_id = app_tenant())
    WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON anomaly_thresholds TO prudentia_app;
