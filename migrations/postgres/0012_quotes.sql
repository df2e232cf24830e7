-- Quote consent (FEP-044f, as Mastodon 4.5 reads it): who may quote each post (NULL: the
-- site's setting, 'anyone' out of the box; 'ask' holds each request for the author), and one
-- row per quote asked for: 'pending' while the author decides, 'allowed' or 'refused'. An
-- allowed row's id names the QuoteAuthorization served at /@author/quote_authorizations/ID; a
-- revoked authorization answers 410 and its quote no longer counts.
ALTER TABLE posts ADD COLUMN quote_policy TEXT CHECK (quote_policy IN ('anyone', 'followers', 'nobody', 'ask'));
ALTER TABLE site ADD COLUMN quote_policy TEXT NOT NULL DEFAULT 'anyone' CHECK (quote_policy IN ('anyone', 'followers', 'nobody', 'ask'));

CREATE TABLE quote_authorizations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id         BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    -- The quoting post, and the QuoteRequest that asked.
    quote_uri       TEXT NOT NULL,
    quote_url       TEXT,
    request_id      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'allowed', 'refused')),
    created_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    UNIQUE (post_id, quote_uri)
);
CREATE INDEX quote_authorizations_by_actor ON quote_authorizations (remote_actor_id);
