-- Preferences and consent per person, the partner/mentor -> person map, delivery state per
-- message (retries, holds, digest), and the proposals already answered through signed links.
-- A guest: a resident who registered for an event without an account, by the registration.
ALTER TABLE recipient DROP CONSTRAINT recipient_kind_check;
ALTER TABLE recipient
    ADD CONSTRAINT recipient_kind_check
        CHECK (kind IN ('participant', 'partner', 'mentor', 'staff', 'guest')),
    ADD COLUMN family_name       text,
    ADD COLUMN status            text    NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'exited')),
    ADD COLUMN preferred_channel text    NOT NULL DEFAULT 'in_app'
        CHECK (preferred_channel IN ('in_app', 'email', 'sms')),
    -- NULL: the default (the inbox and the preferred channel); else what the person chose.
    ADD COLUMN channels          text[],
    ADD COLUMN email_allowed     boolean NOT NULL DEFAULT true,
    ADD COLUMN sms_allowed       boolean NOT NULL DEFAULT true,
    ADD COLUMN opted_out         text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN quiet_start       time,
    ADD COLUMN quiet_end         time,
    ADD COLUMN digest            boolean NOT NULL DEFAULT false;

-- Who answers for a partner (its contact people) and who a mentor is (their login subject).
CREATE TABLE recipient_of (
    owner_kind   text NOT NULL CHECK (owner_kind IN ('partner', 'mentor')),
    owner_id     uuid NOT NULL,
    recipient_id uuid NOT NULL REFERENCES recipient (id),
    PRIMARY KEY (owner_kind, owner_id, recipient_id)
);

ALTER TABLE message DROP CONSTRAINT message_status_check;
ALTER TABLE message
    ADD CONSTRAINT message_status_check
        CHECK (status IN ('queued', 'held', 'sent', 'failed', 'cancelled')),
    ADD COLUMN category     text        NOT NULL DEFAULT 'programme',
    ADD COLUMN mandatory    boolean     NOT NULL DEFAULT false,
    ADD COLUMN html         text,
    ADD COLUMN ref          uuid,                 -- what it is about (e.g. the proposal)
    ADD COLUMN attempts     integer     NOT NULL DEFAULT 0,
    ADD COLUMN not_before   timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN lease_until  timestamptz,          -- claimed by a delivery worker until then
    ADD COLUMN last_error   text,                 -- a reason code, never an address
    ADD COLUMN segments     integer,              -- SMS only
    ADD COLUMN digest       boolean     NOT NULL DEFAULT false,
    ADD COLUMN digest_id    uuid,                 -- the digest e-mail that carried it
    ADD COLUMN caused_at    timestamptz;          -- the time of the event that caused it
CREATE INDEX message_due ON message (not_before) WHERE status IN ('queued', 'held');
CREATE INDEX message_ref ON message (ref) WHERE ref IS NOT NULL;
CREATE INDEX message_status ON message (status, created_at DESC);

CREATE TABLE action_answer (
    proposal_id uuid        PRIMARY KEY,
    answer      text        CHECK (answer IN ('accept', 'decline')),
    link_id     uuid        UNIQUE,
    via         text        NOT NULL CHECK (via IN ('link', 'matching')),
    answered_at timestamptz NOT NULL DEFAULT now()
);

-- Events whose answerer (a partner's contact people, a mentor) is not known yet: partner and
-- proposal events have different keys, so a proposal may overtake its partner's
-- registration. Applied again when the partner or mentor arrives.
CREATE TABLE waiting_event (
    owner_kind text        NOT NULL CHECK (owner_kind IN ('partner', 'mentor')),
    owner_id   uuid        NOT NULL,
    event_id   uuid        NOT NULL,
    envelope   bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_kind, owner_id, event_id)
);
