-- The exposure lines of a version as the dashboard downloads them
-- (MessagePack, gzip-compressed), written once: reading and encoding 100k
-- rows per page view took most of the dashboard's load time. The rows of
-- exposure_lines stay the data of record.

ALTER TABLE simulation_versions ADD COLUMN lines_packed bytea;

CREATE OR REPLACE FUNCTION simulation_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.tenant_id, NEW.simulation_id, NEW.version_no, NEW.reporting_date, NEW.header,
        NEW.line_count, NEW.created_by, NEW.created_at, NEW.note)
       IS DISTINCT FROM
       (OLD.tenant_id, OLD.simulation_id, OLD.version_no, OLD.reporting_date, OLD.header,
        OLD.line_count, OLD.created_by, OLD.created_at, OLD.note)
       OR (OLD.results IS NOT NULL AND NEW.results IS DISTINCT FROM OLD.results)
       OR (OLD.lines_packed IS NOT NULL AND NEW.lines_packed IS DISTINCT FROM OLD.lines_packed) THEN
        RAISE EXCEPTION 'simulation versions are immutable' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
