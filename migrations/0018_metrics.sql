-- What `/metrics` reads across tenants (issue 22): the depth, oldest age
-- and failures (mail not yet sent after an error; webhook attempts and
-- connection runs failed in the last day) of each worker queue, and the
-- platform's business gauges.
-- One narrow function, so the application role reads counts, never rows.
CREATE FUNCTION app_operational_stats()
    RETURNS TABLE (name text, queue text, value float8)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT 'queue_depth', 'mail', count(*)::float8 FROM outbound_emails WHERE sent_at IS NULL
        UNION ALL
        SELECT 'queue_oldest_seconds', 'mail',
               coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
          FROM outbound_emails WHERE sent_at IS NULL
        UNION ALL
        SELECT 'queue_failures', 'mail', count(*)::float8 FROM outbound_emails
         WHERE sent_at IS NULL AND last_error IS NOT NULL
        UNION ALL
        SELECT 'queue_depth', 'webhooks', count(*)::float8 FROM webhook_deliveries
         WHERE status = 'pending'
        UNION ALL
        SELECT 'queue_oldest_seconds', 'webhooks',
               coalesce(extract(epoch FROM now() - min(m.created_at)), 0)::float8
          FROM webhook_deliveries d
          JOIN webhook_messages m ON m.tenant_id = d.tenant_id AND m.message_id = d.message_id
         WHERE d.status = 'pending'
        UNION ALL
        SELECT 'queue_failures', 'webhooks', count(*)::float8 FROM webhook_attempts
         WHERE attempted_at > now() - interval '1 day'
           AND NOT coalesce(status_code BETWEEN 200 AND 299, false)
        UNION ALL
        SELECT 'queue_depth', 'connections', count(*)::float8 FROM connections
         WHERE enabled AND next_run_at <= now()
        UNION ALL
        SELECT 'queue_oldest_seconds', 'connections',
               coalesce(extract(epoch FROM now() - min(next_run_at)), 0)::float8
          FROM connections WHERE enabled AND next_run_at <= now()
        UNION ALL
        SELECT 'queue_failures', 'connections', count(*)::float8 FROM connection_runs
         WHERE outcome = 'failed' AND started_at > now() - interval '1 day'
        UNION ALL
        SELECT 'organisations', NULL, count(*)::float8 FROM tenants
        UNION ALL
        SELECT 'members', NULL, count(*)::float8 FROM memberships
        UNION ALL
        SELECT 'members_active_today', NULL, count(DISTINCT actor_id)::float8 FROM audit_events
         WHERE occurred_at >= current_date AND actor_id IS NOT NULL
        UNION ALL
        SELECT 'simulations', NULL, count(*)::float8 FROM simulations WHERE deleted_at IS NULL
    $$;
REVOKE ALL ON FUNCTION app_operational_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_operational_stats() TO prudentia_app;
