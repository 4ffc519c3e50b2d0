-- The registry of participants (job seekers). Contact and name are personal data: they never
-- leave this service except inside the marked `personal` part of an event.
CREATE TABLE participant (
    id                 uuid        PRIMARY KEY,
    given_name         text        NOT NULL,
    family_name        text        NOT NULL,
    email              text,
    phone              text,
    preferred_language text        NOT NULL CHECK (preferred_language IN ('fi', 'sv', 'en')),
    birth_year         integer     CHECK (birth_year BETWEEN 1900 AND 2100),
    municipality       text,
    skills             text[]      NOT NULL DEFAULT '{}',
    languages          jsonb       NOT NULL DEFAULT '[]',
    matching_consent   boolean     NOT NULL DEFAULT false,
    status             text        NOT NULL DEFAULT 'active'
                                   CHECK (status IN ('active', 'paused', 'exited')),
    registered_by      text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participant_created ON participant (created_at, id);
