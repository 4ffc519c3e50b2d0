-- The pseudonymous matching profile of each participant, kept from `voimala.participants`.
-- No name, contact, birth date or subsidy days: matching never needs to know who it is.
CREATE TABLE profile (
    participant_id   uuid        PRIMARY KEY,
    skills           text[]      NOT NULL DEFAULT '{}',
    languages        jsonb       NOT NULL DEFAULT '[]',
    municipality     text,
    youth            boolean     NOT NULL DEFAULT false,
    matching_consent boolean     NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
