-- Posts an author pinned to their profile: the actor's `featured` collection, which Mastodon,
-- Takahē and Lemmy show as pinned posts. Newest pin first.
CREATE TABLE pins (
    post_id    BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    pinned_at  TIMESTAMPTZ NOT NULL
);
