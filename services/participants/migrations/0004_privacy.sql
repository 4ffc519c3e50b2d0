-- A person's rights over their data (GDPR 15 and 17) and retention: access requests with the
-- answers gathered from every service, and erasures with every service's confirmation.

-- An erased participant's row is deleted; the facts reports count stay, under a pseudonym that
-- nothing links to the person (episodes: the entry's facts; visits: counted as identified).
ALTER TABLE episode DROP CONSTRAINT episode_participant_id_fkey;
ALTER TABLE visit DROP CONSTRAINT visit_participant_id_fkey;

-- A coordinator's access request. `export` is participants' own part, gathered on the request;
-- every export is personal data and is purged (set NULL, `purged_at` stamped) after a while.
CREATE TABLE access_request (
    id             uuid        PRIMARY KEY,
    participant_id uuid        NOT NULL,
    language       text        NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    requested_by   text        NOT NULL,
    requested_at   timestamptz NOT NULL,
    export         jsonb,
    purged_at      timestamptz,
    CHECK ((export IS NULL) = (purged_at IS NOT NULL))
);
CREATE INDEX access_request_of ON access_request (participant_id);
CREATE INDEX access_request_unpurged ON access_request (requested_at) WHERE purged_at IS NULL;

-- Another service's answer (`privacy.<service>_exported.v1`), once per request and service.
CREATE TABLE access_answer (
    request_id  uuid        NOT NULL REFERENCES access_request (id),
    service     text        NOT NULL,
    answered_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    export      jsonb,
    PRIMARY KEY (request_id, service)
);

-- An erasure: one per participant, ever. `counts` are this service's own rows erased, by data
-- set; the note is the coordinator's and never leaves this service.
CREATE TABLE erasure (
    id               uuid        PRIMARY KEY,
    participant_id   uuid        NOT NULL UNIQUE,
    reason           text        NOT NULL
                                 CHECK (reason IN ('request', 'retention', 'consent_withdrawn',
                                                   'other')),
    note             text        CHECK (length(note) <= 500),
    requested_by     text        NOT NULL,
    requested_at     timestamptz NOT NULL,
    counts           jsonb       NOT NULL,
    key_destroyed_at timestamptz
);
CREATE INDEX erasure_key_pending ON erasure (requested_at) WHERE key_destroyed_at IS NULL;

-- The name the protocol gives every service's list of erased people (docs/privacy.md).
CREATE VIEW erased_participants AS
SELECT participant_id, id AS erasure_id, requested_at AS erased_at FROM erasure;

-- Another service's confirmation (`privacy.<service>_erased.v1`): counts only.
CREATE TABLE erasure_confirmation (
    erasure_id  uuid        NOT NULL REFERENCES erasure (id),
    service     text        NOT NULL,
    erased_at   timestamptz NOT NULL,
    counts      jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (erasure_id, service)
);

-- Retention finds exited participants by their last exit.
CREATE INDEX participant_exited ON participant (id) WHERE status = 'exited';
