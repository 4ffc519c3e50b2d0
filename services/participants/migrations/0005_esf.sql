-- ESF+ entry and exit facts of an episode (Annex I of Regulation (EU) 2021/1057), kept apart
-- from the programme's own outcomes (episode.outcome, episode.follow_up_outcome).
-- Append-only: recording and every correction is a new row stamped by the database; the newest
-- row recorded by a report's `as_of` holds, so that a past report is rebuilt identically.
-- Both tables follow their episode (ON UPDATE CASCADE): an erasure that moves the episode to
-- a pseudonym moves these facts with it, anonymous, as the other episode facts.

-- A new consent purpose for the sensitive characteristics (disability, minority, …).
ALTER TABLE consent DROP CONSTRAINT consent_purpose_check;
ALTER TABLE consent ADD CONSTRAINT consent_purpose_check CHECK (purpose IN ('registry',
    'matching', 'contact_sharing', 'notifications_email', 'notifications_sms', 'statistics',
    'sensitive_characteristics'));

-- The situation on entry. gender, age_from/age_to (the age on the entry day; a range when only
-- the birth year is known) and education_level are taken from the record when recorded.
CREATE TABLE esf_entry (
    id                     bigserial   PRIMARY KEY,
    participant_id         uuid        NOT NULL,
    episode                integer     NOT NULL,
    labour_market_status   text        NOT NULL CHECK (labour_market_status IN ('employed',
                           'self_employed', 'unemployed', 'inactive_in_education',
                           'inactive_not_in_education')),
    unemployed_since       date,
    gender                 text CHECK (gender IN ('female', 'male', 'other', 'unknown')),
    age_from               integer CHECK (age_from >= 0),
    age_to                 integer CHECK (age_to >= age_from),
    education_level        integer CHECK (education_level BETWEEN 0 AND 8),
    municipality_code      text CHECK (municipality_code ~ '^[0-9]{3}$'),
    rural                  boolean,
    -- Sensitive: only with the participant's consent `sensitive_characteristics`; NULL =
    -- not asked, or not told.
    disability             boolean,
    third_country_national boolean,
    foreign_background     boolean,
    minority               boolean,
    homeless               boolean,
    recorded_by            text        NOT NULL,
    recorded_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (participant_id, episode) REFERENCES episode (participant_id, number)
        ON UPDATE CASCADE,
    CHECK ((labour_market_status = 'unemployed') = (unemployed_since IS NOT NULL)),
    CHECK ((age_from IS NULL) = (age_to IS NULL))
);
CREATE INDEX esf_entry_of ON esf_entry (participant_id, episode, recorded_at DESC, id DESC);

-- The ESF+ results as a set, per stage: `leaving` (upon leaving, observed within four weeks of
-- the exit) and `six_months` (observed six months or more after the exit). `results` maps
-- each result (employed, self_employed, in_education_or_training, job_searching,
-- qualification_gained) to the day it was observed; {} = recorded, none of them.
CREATE TABLE esf_results (
    id             bigserial   PRIMARY KEY,
    participant_id uuid        NOT NULL,
    episode        integer     NOT NULL,
    stage          text        NOT NULL CHECK (stage IN ('leaving', 'six_months')),
    results        jsonb       NOT NULL,
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (participant_id, episode) REFERENCES episode (participant_id, number)
        ON UPDATE CASCADE
);
CREATE INDEX esf_results_of ON esf_results (participant_id, episode, stage, recorded_at DESC, id DESC);
