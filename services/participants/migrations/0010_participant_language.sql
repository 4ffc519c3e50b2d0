-- The list's language filter (issue 18), as 0009 did for skills: every participant's languages
-- by code, one a row, in the order the list reads (registration time, then id). A page of one
-- language walks only that language's rows, with one plan for every language: the array's GIN
-- index finds who speaks a language but not in that order, so the planner chose per page, by
-- the statistics, between it and the registration order (planned anew each page, and a
-- language the statistics do not list would walk the whole registration order).
--
-- Kept by the triggers below whoever writes `participant`; the rows go with the participant
-- (an erasure deletes it). The level stays in `participant.languages`, checked on the rows
-- walked.
CREATE TABLE participant_language (
    code           text        NOT NULL,
    created_at     timestamptz NOT NULL,
    participant_id uuid        NOT NULL REFERENCES participant (id) ON DELETE CASCADE,
    PRIMARY KEY (code, created_at, participant_id)
);
CREATE INDEX participant_language_of ON participant_language (participant_id);

CREATE FUNCTION participant_language_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM participant_language WHERE participant_id = OLD.id;
    END IF;
    INSERT INTO participant_language (code, created_at, participant_id)
    SELECT DISTINCT l->>'code', NEW.created_at, NEW.id
    FROM jsonb_array_elements(NEW.languages) AS l WHERE l->>'code' IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER participant_language_added AFTER INSERT ON participant
    FOR EACH ROW EXECUTE FUNCTION participant_language_kept();
CREATE TRIGGER participant_language_changed AFTER UPDATE OF languages, created_at ON participant
    FOR EACH ROW
    WHEN (OLD.languages IS DISTINCT FROM NEW.languages OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION participant_language_kept();

INSERT INTO participant_language (code, created_at, participant_id)
SELECT DISTINCT l->>'code', p.created_at, p.id
FROM participant p, jsonb_array_elements(p.languages) AS l WHERE l->>'code' IS NOT NULL;
