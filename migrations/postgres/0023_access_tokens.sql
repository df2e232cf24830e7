-- Bearer tokens for Micropub and other IndieAuth clients: issued by the token endpoint after
-- an author consents, or by `chorus token create`. Only the SHA-256 of a token is stored.
CREATE TABLE access_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The client's URL for IndieAuth grants, or a label such as `command line`.
    client_id    TEXT NOT NULL,
    client_name  TEXT NOT NULL DEFAULT '',
    -- Granted scopes, space-separated, in a fixed order.
    scope        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id, created_at);
