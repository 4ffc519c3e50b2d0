-- EURA 2021 reconciliation: staff record that a participant's EURA 2021 start form and exit
-- form (the funder's participant data) are done, per episode: on which day, by whom, when
-- recorded. A form marked done by mistake can be unmarked (the row goes; the audit log keeps
-- who did both). Erasure deletes a person's rows (handlers/erasure.py): reports do not count them.
CREATE TABLE eura_form (
    participant_id uuid        NOT NULL,
    episode        integer     NOT NULL,
    form           text        NOT NULL CHECK (form IN ('start', 'exit')),
    done_on        date        NOT NULL,
    recorded_by    text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (participant_id, episode, form),
    FOREIGN KEY (participant_id, episode) REFERENCES episode (participant_id, number)
        ON UPDATE CASCADE
);
