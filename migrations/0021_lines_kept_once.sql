-- A version keeps its lines once, packed in simulation_versions.lines_packed
-- (gzip-compressed MessagePack): the form the dashboard downloads and every
-- reader of a version decodes. Writing them a second time as jsonb rows took
-- about three quarters of the time of storing a 100k-line version, and most
-- of its storage.
--
-- exposure_lines keeps only the lines of versions stored before 0005, which
-- have no packed form; those move into it (and leave their rows) the first
-- time the version's lines are read.

DELETE FROM exposure_lines l
 USING simulation_versions v
 WHERE v.tenant_id = l.tenant_id AND v.simulation_id = l.simulation_id
   AND v.version_no = l.version_no AND v.lines_packed IS NOT NULL;

UPDATE simulation_versions
   SET stored_bytes = pg_column_size(header) + octet_length(lines_packed)
 WHERE lines_packed IS NOT NULL;

COMMENT ON TABLE exposure_lines IS
    'Lines of versions stored before they were packed (migration 0005); moved into simulation_versions.lines_packed when first read.';
COMMENT ON COLUMN simulation_versions.lines_packed IS
    'The version''s exposure lines: gzip-compressed MessagePack, as the dashboard downloads them.';
