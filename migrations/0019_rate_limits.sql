-- Short-term rates (API calls per token, contact requests per address)
-- shared by every application server: one row per key holding its
-- "theoretical arrival time" (the generic cell rate algorithm), so a
-- client gets the same allowance whichever server answers it.
-- Unlogged: a crash or a failover forgets the moment's counts, which only
-- forgives a burst, and the rows that change on every call skip the WAL.
CREATE UNLOGGED TABLE rate_limits (
    rate_key  text PRIMARY KEY,
    tat       timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO prudentia_app;
