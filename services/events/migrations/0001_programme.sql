-- The service point's programme: series (a recurrence rule in Europe/Helsinki wall-clock time),
-- their materialised occurrences, registrations with a waitlist, attendance, reminders, and
-- the programme ideas read from the participants service. Guests' contacts (residents without
-- an account) are personal data: they leave this service only inside `personal` of an event.
CREATE TABLE series (
    id                  uuid        PRIMARY KEY,
    category            text        NOT NULL,
    profession          text,
    title               jsonb       NOT NULL,
    description         jsonb       NOT NULL,
    location            jsonb       NOT NULL,
    host_organisation   text,
    audience            text        NOT NULL,
    capacity            integer     CHECK (capacity >= 0),
    rrule               text        NOT NULL,
    first_date          date        NOT NULL,
    start_time          time        NOT NULL,
    end_time            time        NOT NULL,
    skip_holidays       boolean     NOT NULL DEFAULT true,
    exdates             date[]      NOT NULL DEFAULT '{}',
    opens_days_before   integer     NOT NULL DEFAULT 30,
    closes_minutes_before integer   NOT NULL DEFAULT 0,
    slot_minutes        integer,
    slots_from          time,
    slots_until         time,
    ended_from          date,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE occurrence (
    id              uuid        PRIMARY KEY,
    series_id       uuid        NOT NULL REFERENCES series (id),
    rule_date       date        NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    title           jsonb,
    location        jsonb,
    capacity        integer     CHECK (capacity >= 0),
    status          text        NOT NULL DEFAULT 'scheduled'
                                CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason   text,
    overridden      boolean     NOT NULL DEFAULT false,
    confirmed       integer     NOT NULL DEFAULT 0,
    attendance_closed_at timestamptz,
    sequence        integer     NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (series_id, rule_date),
    CHECK (ends_at > starts_at)
);
CREATE INDEX occurrence_starts ON occurrence (starts_at);

CREATE SEQUENCE registration_arrival;

CREATE TABLE registration (
    id              uuid        PRIMARY KEY,
    occurrence_id   uuid        NOT NULL REFERENCES occurrence (id),
    participant_id  uuid,
    guest_name      text,
    guest_email     text,
    guest_phone     text,
    guest_language  text,
    person_key      text        NOT NULL,
    cancel_token    text,            -- sha256 of the token given to a guest
    status          text        NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    arrival         bigint      NOT NULL DEFAULT nextval('registration_arrival'),
    slot_start      timestamptz,
    created_by      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    promoted_at     timestamptz,
    cancelled_at    timestamptz,
    CHECK ((participant_id IS NULL) <> (guest_name IS NULL))
);
-- One live registration per person per occurrence; one person per bookable slot.
CREATE UNIQUE INDEX registration_person ON registration (occurrence_id, person_key)
    WHERE status <> 'cancelled';
CREATE UNIQUE INDEX registration_slot ON registration (occurrence_id, slot_start)
    WHERE status <> 'cancelled' AND slot_start IS NOT NULL;
CREATE INDEX registration_waitlist ON registration (occurrence_id, arrival)
    WHERE status = 'waitlisted';
CREATE INDEX registration_participant ON registration (participant_id, created_at)
    WHERE participant_id IS NOT NULL;

CREATE TABLE attendance (
    id              uuid        PRIMARY KEY,
    occurrence_id   uuid        NOT NULL REFERENCES occurrence (id),
    registration_id uuid        REFERENCES registration (id),
    participant_id  uuid,
    person_key      text,
    status          text        NOT NULL CHECK (status IN ('attended', 'no_show')),
    walk_in         boolean     NOT NULL DEFAULT false,
    recorded_by     text        NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX attendance_person ON attendance (occurrence_id, person_key)
    WHERE person_key IS NOT NULL;

-- One reminder per confirmed registration; sent_at is set in the transaction that writes
-- reminder.due.v1 to the outbox, by whichever replica claimed the row (SKIP LOCKED).
CREATE TABLE reminder (
    id              uuid        PRIMARY KEY,
    registration_id uuid        NOT NULL UNIQUE REFERENCES registration (id),
    due_at          timestamptz NOT NULL,
    sent_at         timestamptz,
    dropped_at      timestamptz
);
CREATE INDEX reminder_due ON reminder (due_at) WHERE sent_at IS NULL AND dropped_at IS NULL;

-- Ideas for the programme, as idea.submitted.v1 brought them (text is not personal data by
-- contract; the author is a participant id or none).
CREATE TABLE idea (
    id              uuid        PRIMARY KEY,
    text            text        NOT NULL,
    theme           text        NOT NULL,
    language        text        NOT NULL,
    author_participant_id uuid,
    submitted_at    timestamptz NOT NULL,
    series_id       uuid        REFERENCES series (id),
    realised_at     timestamptz
);
CREATE INDEX idea_theme ON idea (theme);
