-- Partners, openings, mentors and proposals; the profile grows to the whole matching profile.

-- The rest of the pseudonymous matching profile. `target_group` is for ranking only (the
-- programme's priority): it is never shown to employers or mentors.
ALTER TABLE profile
    -- The skills as compared (lower case, single spaces); `skills` keeps them as entered.
    ADD COLUMN skill_keys        text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN education_level   smallint,
    ADD COLUMN availability      text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN goals             text,
    ADD COLUMN target_group      text,
    ADD COLUMN wants_mentor      boolean     NOT NULL DEFAULT false,
    ADD COLUMN status            text        NOT NULL DEFAULT 'active',
    -- The consent to share contact after an accepted match, as last recorded.
    ADD COLUMN contact_sharing   boolean     NOT NULL DEFAULT false;
CREATE INDEX profile_candidates ON profile USING gin (skill_keys)
    WHERE matching_consent AND status = 'active';
CREATE INDEX profile_changed ON profile (updated_at);

-- Participants who left: their profile is gone, and a late profile event must not bring it back.
CREATE TABLE exited_participant (
    participant_id uuid        PRIMARY KEY,
    exited_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exited_changed ON exited_participant (exited_at);

CREATE TABLE partner (
    id           uuid        PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('employer', 'association')),
    name         text        NOT NULL,
    business_id  text        UNIQUE,
    municipality text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The people who act for a partner; `user_id` is their login subject. Matching owns these.
CREATE TABLE partner_contact (
    partner_id         uuid NOT NULL REFERENCES partner (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL,
    name               text NOT NULL,
    email              text,
    phone              text,
    preferred_language text NOT NULL DEFAULT 'fi',
    preferred_channel  text NOT NULL DEFAULT 'email',
    PRIMARY KEY (partner_id, user_id)
);

CREATE TABLE opening (
    id              uuid        PRIMARY KEY,
    partner_id      uuid        NOT NULL REFERENCES partner (id),
    type            text        NOT NULL,
    title           text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    required_skills text[]      NOT NULL DEFAULT '{}',
    nice_skills     text[]      NOT NULL DEFAULT '{}',
    languages       jsonb       NOT NULL DEFAULT '[]',
    municipality    text,
    remote          boolean     NOT NULL DEFAULT false,
    hours           text,
    start_date      date,
    places          integer     NOT NULL CHECK (places >= 1),
    deadline        date,
    status          text        NOT NULL CHECK (status IN ('draft', 'open', 'filled', 'closed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opening_partner ON opening (partner_id, created_at DESC);
CREATE INDEX opening_open ON opening (status) WHERE status = 'open';
CREATE INDEX opening_changed ON opening (updated_at);

CREATE TABLE mentor (
    id                 uuid        PRIMARY KEY,
    user_id            uuid        NOT NULL UNIQUE,
    name               text        NOT NULL,
    email              text,
    phone              text,
    preferred_language text        NOT NULL DEFAULT 'fi',
    fields             text[]      NOT NULL DEFAULT '{}',
    languages          text[]      NOT NULL DEFAULT '{}',
    capacity           integer     NOT NULL CHECK (capacity >= 0),
    available          boolean     NOT NULL DEFAULT true,
    prefers_youth      boolean     NOT NULL DEFAULT false,
    municipality       text,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- One proposal of a participant to an opening (answered by its partner) or to a mentor.
-- Live: proposed or accepted or confirmed. Active for a mentor's capacity: accepted or
-- confirmed and mentoring not ended; for an opening's places: accepted or confirmed.
CREATE TABLE proposal (
    id             uuid        PRIMARY KEY,
    participant_id uuid        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('opening', 'mentor')),
    opening_id     uuid        REFERENCES opening (id),
    mentor_id      uuid        REFERENCES mentor (id),
    partner_id     uuid        REFERENCES partner (id),
    score          double precision NOT NULL,
    explanation    jsonb       NOT NULL,
    status         text        NOT NULL CHECK (status IN
                       ('proposed', 'accepted', 'declined', 'withdrawn', 'expired', 'confirmed')),
    proposed_by    text        NOT NULL,
    proposed_at    timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    answered_by    text,
    answered_at    timestamptz,
    reason         text,
    confirmed_at   timestamptz,
    outcome        text,
    outcome_at     timestamptz,
    CHECK ((kind = 'opening') = (opening_id IS NOT NULL)),
    CHECK ((kind = 'mentor') = (mentor_id IS NOT NULL))
);
CREATE UNIQUE INDEX proposal_live_opening ON proposal (participant_id, opening_id)
    WHERE status IN ('proposed', 'accepted', 'confirmed') AND opening_id IS NOT NULL;
CREATE UNIQUE INDEX proposal_live_mentor ON proposal (participant_id, mentor_id)
    WHERE status IN ('proposed', 'accepted', 'confirmed') AND mentor_id IS NOT NULL;
CREATE INDEX proposal_due ON proposal (expires_at) WHERE status = 'proposed';
CREATE INDEX proposal_participant ON proposal (participant_id);
CREATE INDEX proposal_opening ON proposal (opening_id, status);
CREATE INDEX proposal_mentor ON proposal (mentor_id, status);
CREATE INDEX proposal_partner ON proposal (partner_id, proposed_at DESC);
