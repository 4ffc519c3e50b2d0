-- Issue 14: what a series teaches (skill ids of the vocabulary, or free text), published in
-- `series.scheduled.v1` so that matching can name an upcoming occurrence as a next step.
ALTER TABLE series ADD COLUMN teaches text[] NOT NULL DEFAULT '{}';
