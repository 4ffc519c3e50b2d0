-- The portal keeps only who is signed in and the sign-in links on their way: no personal data
-- of the programme (that stays in the services).

-- A signed-in person. The cookie holds a random id; only its SHA-256 is stored here.
CREATE TABLE session (
    id_hash      bytea       PRIMARY KEY,
    subject      text        NOT NULL,
    role         text        NOT NULL,
    org          uuid,
    display_name text        NOT NULL DEFAULT '',
    via          text        NOT NULL CHECK (via IN ('link', 'oidc', 'dev')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX session_expiry ON session (expires_at);

-- A magic link on its way: single use, valid minutes. The token and the address are stored as
-- SHA-256 only; who the address belongs to is learnt from notifications (signin.identified.v1).
CREATE TABLE signin_link (
    id           uuid        PRIMARY KEY,
    token_hash   bytea       NOT NULL UNIQUE,
    address_hash bytea       NOT NULL,
    language     text        NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    subject      text,
    role         text,
    org          uuid,
    display_name text
);
CREATE INDEX signin_link_expiry ON signin_link (expires_at);

-- Sign-in requests counted for rate limits, by a hash of the address or of the client.
CREATE TABLE signin_attempt (
    key_hash bytea       NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signin_attempt_key ON signin_attempt (key_hash, at);
