-- IndieAuth authorization codes: issued when an author approves a client on the consent page,
-- redeemed once (within ten minutes) at the token or authorization endpoint with the PKCE
-- verifier. Only the SHA-256 of a code is stored.
CREATE TABLE auth_codes (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_hash      TEXT NOT NULL UNIQUE,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    -- Granted scopes, space-separated, in a fixed order; empty for identification only.
    scope          TEXT NOT NULL,
    -- BASE64URL(SHA-256(code_verifier)), RFC 7636 S256.
    code_challenge TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    used_at        TIMESTAMPTZ
);
CREATE INDEX auth_codes_by_expiry ON auth_codes (expires_at);
