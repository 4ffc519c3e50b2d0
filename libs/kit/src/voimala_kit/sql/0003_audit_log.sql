-- Who read or changed whose personal data, when and why (issue 11 E): one table in every
-- service's database, written in the transaction of the read or the change (voimala_kit.audit).
--
-- participants had this table before the kit did (its 0002_registry.sql, the same columns):
-- a service's own migrations run before the kit's (service.py), so there it already exists
-- and is taken over as it is; everywhere else it is created here.
CREATE TABLE IF NOT EXISTS audit_log (
    id             bigserial   PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text        NOT NULL,
    actor_roles    text[]      NOT NULL,
    participant_id uuid        NOT NULL,
    action         text        NOT NULL,
    purpose        text        NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_of ON audit_log (participant_id, at DESC, id DESC);

-- Append only. A statement that would rewrite or remove rows fails, whoever sends it (the
-- trigger holds for a superuser too, unless triggers are switched off on purpose); the message
-- names no row. Per statement, so that a DELETE matching nothing is refused as well.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- And the privileges: the service's role owns its database and so this table; an owner may
-- give up its own privileges. What remains to it is INSERT and SELECT. (An owner could grant
-- them back or drop the trigger: that is deliberate DDL, not something the service's queries
-- can do; docs/privacy.md says how to take ownership away where that is wanted.)
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC, CURRENT_USER;
