-- Issue 14: the programme's upcoming occurrences and what each teaches, kept from
-- `voimala.events` (`series.scheduled.v1` carries a series' next occurrences), so that a
-- missing skill in an explanation can name the next occurrence that teaches it.
-- No personal data: the programme is public.
CREATE TABLE programme_occurrence (
    occurrence_id uuid        PRIMARY KEY,
    series_id     uuid        NOT NULL,
    category      text        NOT NULL,
    title         jsonb       NOT NULL,
    location      jsonb       NOT NULL,
    starts_at     timestamptz NOT NULL,
    local_start   text        NOT NULL,
    -- the vocabulary's keys (`domain/vocabulary.py`), or folded free text
    teaches       text[]      NOT NULL DEFAULT '{}'
);
CREATE INDEX programme_occurrence_series ON programme_occurrence (series_id);
CREATE INDEX programme_occurrence_starts ON programme_occurrence (starts_at);
