-- Bearer tokens for Micropub and other IndieAuth clients: issued by the token endpoint after
-- an author consents, or by `chorus token create`. Only the SHA-256 of a token is stored.
CREATE TABLE access_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The client's URL for IndieAuth grants, or a label such as `command line`.
    client_id    TEXT NOT NULL,
    client_name  TEXT NOT NULL DEFAULT '',
    -- Granted scopes, space-separated, in a fixed order.
    scope        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id, created_at);
