-- The full registry: eligibility, profile, consent history, episodes (entry and exit facts),
-- the service path, drop-in visits, ideas and the audit log of personal-data reads.
-- Facts that reports count are appended with the time they were recorded, never rewritten,
-- so that a report "as of" a moment is rebuilt identically later.

ALTER TABLE participant
    ADD COLUMN birth_date        date,
    ADD COLUMN gender            text CHECK (gender IN ('female', 'male', 'other', 'unknown')),
    ADD COLUMN preferred_channel text NOT NULL DEFAULT 'in_app'
                                 CHECK (preferred_channel IN ('email', 'sms', 'in_app')),
    ADD COLUMN education_level   integer CHECK (education_level BETWEEN 0 AND 8),
    ADD COLUMN skill_uris        jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN work_history      text,
    ADD COLUMN goals             text,
    ADD COLUMN availability      text[] NOT NULL DEFAULT '{}',
    ADD COLUMN subsidy_days      integer CHECK (subsidy_days >= 0),
    ADD COLUMN referral_reason   text,
    ADD COLUMN target_group      text
        CHECK (target_group IN ('subsidy_500_plus', 'subsidy_300_499', 'referred_by_staff')),
    ADD COLUMN referral_source   text
        CHECK (referral_source IN ('employment_services', 'career_coaching', 'self', 'other')),
    ADD COLUMN wants_mentor      boolean NOT NULL DEFAULT false,
    ADD COLUMN search_text       text NOT NULL DEFAULT '',
    ADD COLUMN search            tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;

-- One registration per e-mail address, whatever its case.
CREATE UNIQUE INDEX participant_email ON participant (lower(email));
CREATE INDEX participant_status ON participant (status, created_at, id);
CREATE INDEX participant_target_group ON participant (target_group, created_at, id);
CREATE INDEX participant_skills ON participant USING gin (skills);
CREATE INDEX participant_languages ON participant USING gin (languages jsonb_path_ops);
CREATE INDEX participant_search ON participant USING gin (search);

-- Consent, per purpose: every grant and withdrawal is a row; the newest per purpose holds.
CREATE TABLE consent (
    id             bigserial   PRIMARY KEY,
    participant_id uuid        NOT NULL REFERENCES participant (id),
    purpose        text        NOT NULL CHECK (purpose IN ('registry', 'matching',
                               'contact_sharing', 'notifications_email', 'notifications_sms',
                               'statistics')),
    granted        boolean     NOT NULL,
    text_version   text        NOT NULL,
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_current ON consent (participant_id, purpose, recorded_at DESC, id DESC);

-- An episode is one stay in the programme: entry facts as they were on entry (for ESF entry
-- indicators), then the exit, then the follow-up six months on. A participant who returns
-- gets a new episode; the first one stays as it was.
CREATE TABLE episode (
    participant_id         uuid        NOT NULL REFERENCES participant (id),
    number                 integer     NOT NULL CHECK (number >= 1),
    started_on             date        NOT NULL,
    started_at             timestamptz NOT NULL DEFAULT now(),
    gender                 text,
    age_group              text        NOT NULL,
    youth                  boolean     NOT NULL,
    education_level        integer,
    target_group           text,
    exit_date              date,
    outcome                text CHECK (outcome IN ('employed', 'pay_subsidised_job',
                           'work_trial', 'apprenticeship', 'education', 'other', 'unknown')),
    exit_recorded_at       timestamptz,
    exit_recorded_by       text,
    follow_up_outcome      text CHECK (follow_up_outcome IN ('employed', 'pay_subsidised_job',
                           'work_trial', 'apprenticeship', 'education', 'other', 'unknown')),
    follow_up_recorded_at  timestamptz,
    PRIMARY KEY (participant_id, number),
    CHECK (exit_date IS NULL OR exit_date >= started_on),
    CHECK ((exit_date IS NULL) = (outcome IS NULL))
);
CREATE INDEX episode_started ON episode (started_on);
CREATE INDEX episode_exit ON episode (exit_date) WHERE exit_date IS NOT NULL;

-- The service path: what happened to a participant, here and in the other services.
-- `event_id` dedupes what came from Kafka; `detail` holds no personal data.
CREATE TABLE timeline_entry (
    id             bigserial   PRIMARY KEY,
    participant_id uuid        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    kind           text        NOT NULL,
    source         text        NOT NULL,
    detail         jsonb       NOT NULL DEFAULT '{}',
    event_id       uuid        UNIQUE,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeline_of ON timeline_entry (participant_id, occurred_at DESC, id DESC);
CREATE INDEX timeline_kind ON timeline_entry (kind, participant_id, occurred_at);

CREATE TABLE visit (
    id             uuid        PRIMARY KEY,
    participant_id uuid        REFERENCES participant (id),
    purpose        text        NOT NULL,
    age_group      text        NOT NULL,
    count          integer     NOT NULL DEFAULT 1 CHECK (count >= 1),
    visited_at     timestamptz NOT NULL,
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visit_when ON visit (visited_at);

CREATE TABLE idea (
    id                    uuid        PRIMARY KEY,
    text                  text        NOT NULL,
    language              text        NOT NULL,
    author_participant_id uuid,
    status                text        NOT NULL DEFAULT 'submitted'
                                      CHECK (status IN ('submitted', 'planned', 'realised')),
    submitted_at          timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idea_submitted ON idea (submitted_at, id);

-- Who read whose personal data, when and why: written in the transaction of the read.
CREATE TABLE audit_log (
    id             bigserial   PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text        NOT NULL,
    actor_roles    text[]      NOT NULL,
    participant_id uuid        NOT NULL,
    action         text        NOT NULL,
    purpose        text        NOT NULL
);
CREATE INDEX audit_log_of ON audit_log (participant_id, at DESC, id DESC);

-- Participants registered before this migration: their registration is their first episode,
-- their consent to matching as it stood, and a registry consent on the old form.
INSERT INTO episode (participant_id, number, started_on, started_at, age_group, youth)
SELECT id, 1, (created_at AT TIME ZONE 'Europe/Helsinki')::date, created_at, 'unknown', false
FROM participant;
INSERT INTO consent (participant_id, purpose, granted, text_version, recorded_by, recorded_at)
SELECT id, 'registry', true, 'legacy', registered_by, created_at FROM participant
UNION ALL
SELECT id, 'matching', matching_consent, 'legacy', registered_by, created_at FROM participant;
UPDATE participant
SET search_text = lower(concat_ws(' ', given_name, family_name, email, array_to_string(skills, ' ')));
