-- One optimiser for openings (issue 14): something changed that calls for a new run of the
-- openings optimiser (a decline, an expiry, a new or changed opening or profile). Insert-only,
-- so that the handlers that ask never wait for each other; a run takes every row there is
-- (`DELETE … RETURNING` in its own transaction) and a burst of changes makes one run.
-- No personal data: the reason is a code, no participant id.
CREATE TABLE optimiser_request (
    id           bigserial   PRIMARY KEY,
    reason       text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
);
