-- Sign-in as built (a separate step, so that databases made from 0001 keep working):
-- a link stores no address at all (not even hashed: the rate limits count hashes on their
-- own) and no language (the e-mail's link says it), but where to go after signing in and when
-- its person became known; and staff sign-ins on their way through the identity provider.
ALTER TABLE signin_link
    DROP COLUMN address_hash,
    DROP COLUMN language,
    ALTER COLUMN created_at DROP DEFAULT,
    ADD COLUMN next_path     text,
    ADD COLUMN identified_at timestamptz,
    ADD CONSTRAINT signin_link_role_check CHECK (role IN ('participant', 'employer', 'mentor'));

ALTER TABLE signin_attempt ALTER COLUMN at DROP DEFAULT;

-- The state's SHA-256 (the raw value is in the browser's cookie), and the nonce and PKCE
-- verifier the provider's answer is checked with.
CREATE TABLE oidc_request (
    state_hash    bytea       PRIMARY KEY,
    nonce         text        NOT NULL,
    code_verifier text        NOT NULL,
    next_path     text,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_request_expiry ON oidc_request (expires_at);
