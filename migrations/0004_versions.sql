-- Versions carry the baseline results the server computed for them (the
-- dashboard opens without reading a single line, and the trend across
-- versions reads one row per version) and a note saying why they exist.
-- A version's data never changes once written: only its results may be
-- filled in, once, for rows stored before this migration.

ALTER TABLE simulation_versions
    ADD COLUMN results jsonb,
    ADD COLUMN note text NOT NULL DEFAULT '' CHECK (length(note) <= 500);

CREATE FUNCTION simulation_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.tenant_id, NEW.simulation_id, NEW.version_no, NEW.reporting_date, NEW.header,
        NEW.line_count, NEW.created_by, NEW.created_at, NEW.note)
       IS DISTINCT FROM
       (OLD.tenant_id, OLD.simulation_id, OLD.version_no, OLD.reporting_date, OLD.header,
        OLD.line_count, OLD.created_by, OLD.created_at, OLD.note)
       OR (OLD.results IS NOT NULL AND NEW.results IS DISTINCT FROM OLD.results) THEN
        RAISE EXCEPTION 'simulation versions are immutable' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER simulation_versions_immutable BEFORE UPDATE ON simulation_versions
    FOR EACH ROW EXECUTE FUNCTION simulation_versions_immutable();

REVOKE UPDATE ON exposure_lines FROM prudentia_app;
