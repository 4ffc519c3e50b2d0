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

-- A magic link on its way: single use, valid minutes. Only the token's SHA-256 is stored (the
-- address is not stored at all); who the link is for is learnt from notifications
-- (signin.identified.v1) and written here when it arrives.
CREATE TABLE signin_link (
    id            uuid        PRIMARY KEY,
    token_hash    bytea       NOT NULL UNIQUE,
    next_path     text,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    identified_at timestamptz,
    subject       text,
    role          text CHECK (role IN ('participant', 'employer', 'mentor')),
    org           uuid,
    display_name  text
);
CREATE INDEX signin_link_expiry ON signin_link (expires_at);

-- Sign-in requests counted for rate limits, by a SHA-256 of the address or of the client.
-- Kept only for the rate-limit window.
CREATE TABLE signin_attempt (
    key_hash bytea       NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX signin_attempt_key ON signin_attempt (key_hash, at);

-- A staff sign-in on its way through the identity provider: the state (its SHA-256; the raw
-- value is in the browser's cookie), and the nonce and PKCE verifier the answer is checked with.
CREATE TABLE oidc_request (
    state_hash    bytea       PRIMARY KEY,
    nonce         text        NOT NULL,
    code_verifier text        NOT NULL,
    next_path     text,
    expires_at    timestamptz NOT NULL
);
