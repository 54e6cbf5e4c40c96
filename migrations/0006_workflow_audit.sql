-- Approval workflow on versions, comments, notifications and the audit
-- trail (issue: workflow, history, notifications, audit).

-- Who approves besides the admins: nobody else ('admin') or the analysts too.
ALTER TABLE tenants ADD COLUMN approver_role text NOT NULL DEFAULT 'admin'
    CHECK (approver_role IN ('admin', 'analyst'));

-- A version's review state lives beside it: the version's data never
-- changes, its state does (draft → submitted → approved, or back to draft
-- with the reason of a rejection).
CREATE TABLE version_reviews (
    tenant_id        uuid NOT NULL,
    simulation_id    uuid NOT NULL,
    version_no       integer NOT NULL,
    status           text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'submitted', 'approved')),
    submitted_by     uuid REFERENCES users (user_id),
    submitted_at     timestamptz,
    decided_by       uuid REFERENCES users (user_id),
    decided_at       timestamptz,
    rejection_reason text CHECK (length(rejection_reason) <= 1000),
    PRIMARY KEY (tenant_id, simulation_id, version_no),
    FOREIGN KEY (tenant_id, simulation_id, version_no)
        REFERENCES simulation_versions (tenant_id, simulation_id, version_no) ON DELETE CASCADE,
    -- Four eyes, also below the application.
    CHECK (status <> 'approved' OR decided_by IS DISTINCT FROM submitted_by)
);
INSERT INTO version_reviews (tenant_id, simulation_id, version_no)
    SELECT tenant_id, simulation_id, version_no FROM simulation_versions;

-- An approved review is final.
CREATE FUNCTION version_reviews_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'an approved version is locked' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER version_reviews_final BEFORE UPDATE OR DELETE ON version_reviews
    FOR EACH ROW EXECUTE FUNCTION version_reviews_final();

CREATE TABLE version_comments (
    tenant_id      uuid NOT NULL,
    comment_id     uuid NOT NULL,
    simulation_id  uuid NOT NULL,
    version_no     integer NOT NULL,
    author_id      uuid NOT NULL REFERENCES users (user_id),
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, comment_id),
    FOREIGN KEY (tenant_id, simulation_id, version_no)
        REFERENCES simulation_versions (tenant_id, simulation_id, version_no) ON DELETE CASCADE
);
CREATE INDEX version_comments_version ON version_comments (tenant_id, simulation_id, version_no, created_at);

CREATE TABLE notifications (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    notification_id  uuid NOT NULL,
    user_id          uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    kind             text NOT NULL,
    message          text NOT NULL,
    link             text NOT NULL,
    read_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, notification_id)
);
CREATE INDEX notifications_unread ON notifications (tenant_id, user_id, created_at DESC);

-- What a member wants to hear of, and how. No row: the defaults (both).
CREATE TABLE notification_preferences (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    kind       text NOT NULL,
    in_app     boolean NOT NULL,
    email      boolean NOT NULL,
    PRIMARY KEY (tenant_id, user_id, kind)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['version_reviews', 'version_comments', 'notifications',
                             'notification_preferences']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant())'
                       ' WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON version_reviews TO prudentia_app;
GRANT SELECT, INSERT ON version_comments TO prudentia_app;
GRANT SELECT, INSERT, UPDATE ON notifications TO prudentia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_preferences TO prudentia_app;

-- The audit trail: append-only, one hash chain per tenant (the nil uuid
-- chains events that belong to no tenant, such as a failed log-in for an
-- unknown address). Each hash covers the event's content and the previous
-- hash, computed here so that `audit verify` recomputes exactly the same.
CREATE TABLE audit_events (
    tenant_id    uuid NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid,
    actor        text NOT NULL,
    action       text NOT NULL,
    target       text NOT NULL,
    diff         jsonb NOT NULL,
    ip           text,
    user_agent   text,
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_events_time ON audit_events (tenant_id, occurred_at DESC);

CREATE FUNCTION audit_event_hash(e audit_events) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT sha256(e.prev_hash || convert_to(concat_ws(E'\x1f',
            e.tenant_id::text, e.seq::text,
            to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            coalesce(e.actor_id::text, ''), e.actor, e.action, e.target, e.diff::text,
            coalesce(e.ip, ''), coalesce(e.user_agent, '')), 'UTF8'))
    $$;

-- The one way in: takes the next place in the tenant's chain under a lock.
CREATE FUNCTION audit_append(p_tenant uuid, p_actor_id uuid, p_actor text, p_action text,
                             p_target text, p_diff jsonb, p_ip text, p_user_agent text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    e audit_events;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_tenant::text, 0));
    SELECT seq + 1, hash INTO e.seq, e.prev_hash
      FROM audit_events WHERE tenant_id = p_tenant ORDER BY seq DESC LIMIT 1;
    e.seq := coalesce(e.seq, 1);
    e.prev_hash := coalesce(e.prev_hash, '\x'::bytea);
    e.tenant_id := p_tenant;
    e.occurred_at := date_trunc('microseconds', clock_timestamp());
    e.actor_id := p_actor_id;
    e.actor := p_actor;
    e.action := p_action;
    e.target := p_target;
    e.diff := coalesce(p_diff, '{}'::jsonb);
    e.ip := p_ip;
    e.user_agent := left(p_user_agent, 400);
    e.hash := audit_event_hash(e);
    INSERT INTO audit_events VALUES (e.*);
    RETURN e.seq;
END
$$;

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_events FOR SELECT USING (tenant_id = app_tenant());
REVOKE ALL ON FUNCTION audit_append(uuid, uuid, text, text, text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(uuid, uuid, text, text, text, jsonb, text, text),
    audit_event_hash(audit_events) TO prudentia_app;
-- Reading only: the role inserts through audit_append and can neither
-- update nor delete an event.
GRANT SELECT ON audit_events TO prudentia_app;

-- Every version starts its life as a draft.
CREATE FUNCTION simulation_versions_review() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO version_reviews (tenant_id, simulation_id, version_no)
        VALUES (NEW.tenant_id, NEW.simulation_id, NEW.version_no);
    RETURN NEW;
END
$$;
CREATE TRIGGER simulation_versions_review AFTER INSERT ON simulation_versions
    FOR EACH ROW EXECUTE FUNCTION simulation_versions_review();
