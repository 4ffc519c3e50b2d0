-- The participant's current episode, kept on their row: every read and every listed row shows
-- it, and looking it up per row (max(number) over episode) was 40 % of a list page's database
-- time. Starting an episode sets it in the same statement (repository/episodes.py).
ALTER TABLE participant ADD COLUMN episode integer NOT NULL DEFAULT 1;

UPDATE participant p SET episode = e.number
FROM (SELECT participant_id, max(number) AS number FROM episode GROUP BY participant_id) e
WHERE e.participant_id = p.id AND p.episode <> e.number;
