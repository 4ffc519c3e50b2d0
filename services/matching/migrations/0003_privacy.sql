-- A person's rights over their data (issue 11): access and erasure requests from Kafka.

-- Participants erased here: their profile is gone, their proposals anonymous, and no later
-- event about them (a replayed registration, a late consent) may bring anything back.
CREATE TABLE erased_participants (
    participant_id uuid        PRIMARY KEY,
    erasure_id     uuid        NOT NULL,
    erased_at      timestamptz NOT NULL DEFAULT now()
);
-- The ranking indexes of every process drop the erased at their next sync (as they do exits).
CREATE INDEX erased_changed ON erased_participants (erased_at);

-- Every access or erasure request answered (its request_id or erasure_id): a repeated request
-- gets no second answer, even when it comes in another event. Whose it was is not kept here.
CREATE TABLE privacy_answered (
    request_id  uuid        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('access', 'erasure')),
    answered_at timestamptz NOT NULL DEFAULT now()
);
