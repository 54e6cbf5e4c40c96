-- A staged upload keeps its cells as read (MessagePack, gzip-compressed), so
-- that every preview and the commit decode them instead of reading the
-- workbook again: about a second for 100k rows of xlsx, on each mapping
-- change. The file itself stays as it was sent. Both count in storage.

ALTER TABLE imports ADD COLUMN parsed bytea;

CREATE OR REPLACE FUNCTION tenant_stored_bytes() RETURNS bigint
    LANGUAGE sql STABLE SET search_path = public, pg_temp
    AS $$
        SELECT ((SELECT coalesce(sum(stored_bytes), 0) FROM simulation_versions)
              + (SELECT coalesce(sum(octet_length(content) + coalesce(octet_length(parsed), 0)), 0)
                   FROM imports)
              + (SELECT coalesce(sum(octet_length(content)), 0) FROM reports)
              + (SELECT coalesce(sum(octet_length(logo)), 0) FROM tenant_branding))::int8
    $$;
