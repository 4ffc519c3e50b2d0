-- A participant's rights over their data (issue 11): access and erasure, asked through Kafka.
--
-- Erasure anonymises rather than deletes: a registration or an attendance row stays as an
-- anonymous fact (no participant id, its person key its own row's), so seat counters, waitlist
-- order and a past month's counts do not change. An anonymised registration is neither a
-- participant's nor a guest's.
ALTER TABLE registration DROP CONSTRAINT registration_check;
ALTER TABLE registration ADD COLUMN anonymised_at timestamptz;
ALTER TABLE registration ADD CONSTRAINT registration_holder CHECK (
    CASE WHEN anonymised_at IS NULL
         THEN (participant_id IS NULL) <> (guest_name IS NULL)
         ELSE participant_id IS NULL
    END
);

-- Whom this service has erased: later events about them are acknowledged without effect, and
-- the API registers or checks in none of them again.
CREATE TABLE erased_participants (
    participant_id  uuid        PRIMARY KEY,
    erasure_id      uuid        NOT NULL,
    erased_at       timestamptz NOT NULL
);

-- Access and erasure requests answered, by their id: the same request again (a new event
-- with the same request id) gets no second answer. No participant id here.
CREATE TABLE privacy_answer (
    request_id      uuid        PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('access', 'erasure')),
    answered_at     timestamptz NOT NULL
);
