-- The counsellor's worklist: what the programme noticed about a participant that staff should
-- act on (two no-shows in a row, no activity for a month), and how it was closed. `note` is
-- staff's own words and may name the person: personal data (access export, erasure).
CREATE TABLE worklist_item (
    id             uuid        PRIMARY KEY,
    participant_id uuid        NOT NULL,
    reason         text        NOT NULL CHECK (reason IN ('no_shows_in_a_row', 'inactive')),
    detail         jsonb       NOT NULL DEFAULT '{}',
    status         text        NOT NULL DEFAULT 'open'
                               CHECK (status IN ('open', 'done', 'dismissed')),
    created_at     timestamptz NOT NULL,
    closed_at      timestamptz,
    closed_by      text,
    note           text,
    CHECK ((status = 'open') = (closed_at IS NULL))
);
-- One open item per participant and reason: a third no-show adds nothing while the second's
-- item waits, and the inactivity sweep finds the item it made.
CREATE UNIQUE INDEX worklist_open_once ON worklist_item (participant_id, reason)
    WHERE status = 'open';
CREATE INDEX worklist_by_status ON worklist_item (status, created_at DESC, id DESC);
CREATE INDEX worklist_of ON worklist_item (participant_id);
