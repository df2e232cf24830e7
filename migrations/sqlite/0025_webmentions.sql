-- Webmentions received: one row per (source, target), queued until a worker has fetched the
-- source and kept, updated or removed what it says. `reason` tells why one was refused.
CREATE TABLE webmentions (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    target        TEXT NOT NULL,
    post_id       INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- queued, accepted, rejected, removed
    status        TEXT NOT NULL,
    -- reply, like, repost, bookmark, mention (once accepted)
    kind          TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    claimed_until TEXT,
    UNIQUE (source, target)
);
CREATE INDEX webmentions_queued ON webmentions (status, id);

-- Posts whose links are to be told of a change (published, updated, deleted).
CREATE TABLE webmention_jobs (
    post_id       INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    queued_at     TEXT NOT NULL,
    claimed_until TEXT
);

-- Webmentions sent for the links of local posts: the version of the post each link was last
-- told of, so an unchanged post sends nothing again.
CREATE TABLE webmention_sends (
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    target       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    endpoint     TEXT,
    outcome      TEXT NOT NULL,
    sent_at      TEXT NOT NULL,
    PRIMARY KEY (post_id, target)
);
