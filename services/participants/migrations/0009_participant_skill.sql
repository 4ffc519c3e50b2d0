-- The list's skill filter (issue 18): every participant's skills, one a row, in the order the
-- list reads (registration time, then id). A page of one skill walks only that skill's rows,
-- so a skill few people have is answered at once. The array's GIN index finds who has a skill,
-- but not in that order: for a skill the statistics did not know, the planner walked the
-- registration order through the whole table (0.3-0.5 s a page).
--
-- Kept by the triggers below whoever writes `participant` (a registration, a correction, the
-- import); the rows go with the participant (an erasure deletes it).
CREATE TABLE participant_skill (
    skill          text        NOT NULL,
    created_at     timestamptz NOT NULL,
    participant_id uuid        NOT NULL REFERENCES participant (id) ON DELETE CASCADE,
    PRIMARY KEY (skill, created_at, participant_id)
);
CREATE INDEX participant_skill_of ON participant_skill (participant_id);

CREATE FUNCTION participant_skill_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM participant_skill WHERE participant_id = OLD.id;
    END IF;
    INSERT INTO participant_skill (skill, created_at, participant_id)
    SELECT DISTINCT s, NEW.created_at, NEW.id FROM unnest(NEW.skills) AS s;
    RETURN NULL;
END $$;
CREATE TRIGGER participant_skill_added AFTER INSERT ON participant
    FOR EACH ROW EXECUTE FUNCTION participant_skill_kept();
CREATE TRIGGER participant_skill_changed AFTER UPDATE OF skills, created_at ON participant
    FOR EACH ROW
    WHEN (OLD.skills IS DISTINCT FROM NEW.skills OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION participant_skill_kept();

INSERT INTO participant_skill (skill, created_at, participant_id)
SELECT DISTINCT s, p.created_at, p.id FROM participant p, unnest(p.skills) AS s;
