-- Webmentions received: one row per (source, target), queued until a worker has fetched the
-- source and kept, updated or removed what it says. `reason` tells why one was refused.
CREATE TABLE webmentions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        TEXT NOT NULL,
    target        TEXT NOT NULL,
    post_id       BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- queued, accepted, rejected, removed
    status        TEXT NOT NULL,
    -- reply, like, repost, bookmark, mention (once accepted)
    kind          TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    attempts      BIGINT NOT NULL DEFAULT 0,
    received_at   TIMESTAMPTZ NOT NULL,
    processed_at  TIMESTAMPTZ,
    claimed_until TIMESTAMPTZ,
    UNIQUE (source, target)
);
CREATE INDEX webmentions_queued ON webmentions (status, id);

-- Posts whose links are to be told of a change (published, updated, deleted).
CREATE TABLE webmention_jobs (
    post_id       BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    queued_at     TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ
);

-- Webmentions sent for the links of local posts: the version of the post each link was last
-- told of, so an unchanged post sends nothing again.
CREATE TABLE webmention_sends (
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    target       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    endpoint     TEXT,
    outcome      TEXT NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, target)
);
