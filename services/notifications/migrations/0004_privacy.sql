-- Erasure (GDPR 17): who was erased, so that no later or replayed event brings them back, and
-- which access and erasure requests were answered (one answer per request id).
CREATE TABLE erased_participants (
    participant_id uuid        PRIMARY KEY,
    erasure_id     uuid        NOT NULL,
    erased_at      timestamptz NOT NULL
);

CREATE TABLE privacy_request (
    request_id  uuid        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('access', 'erasure')),
    answered_at timestamptz NOT NULL
);

-- An erased person's messages stay as anonymous delivery facts (channel, template, status,
-- attempts, times) with no recipient and no words, so that counts by channel and status stay.
ALTER TABLE message ALTER COLUMN recipient_id DROP NOT NULL;
