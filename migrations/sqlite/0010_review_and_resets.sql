-- The review loop between contributors and editors, and password resets issued by admins.

-- The note an editor left when sending a post back to its contributor (cleared when it is
-- submitted again).
ALTER TABLE posts ADD COLUMN review_note TEXT NOT NULL DEFAULT '';

-- What a local person is told about the review of a post: submitted (to editors and admins),
-- approved or sent back (to the post's author, with the editor's note).
CREATE TABLE review_notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('submitted', 'approved', 'sent_back')),
    by_user    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX review_notices_by_user ON review_notices (user_id, created_at);

-- A one-time password reset link; only the SHA-256 of its token is stored.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- A fourth reply policy: people the author follows. SQLite cannot change a column's CHECK, so
-- the columns are made again with the wider one.
ALTER TABLE site RENAME COLUMN reply_policy TO reply_policy_before;
ALTER TABLE site ADD COLUMN reply_policy TEXT NOT NULL DEFAULT 'anyone'
    CHECK (reply_policy IN ('anyone', 'followers', 'following', 'nobody'));
UPDATE site SET reply_policy = reply_policy_before;
ALTER TABLE site DROP COLUMN reply_policy_before;
ALTER TABLE posts RENAME COLUMN reply_policy TO reply_policy_before;
ALTER TABLE posts ADD COLUMN reply_policy TEXT
    CHECK (reply_policy IN ('anyone', 'followers', 'following', 'nobody'));
UPDATE posts SET reply_policy = reply_policy_before;
ALTER TABLE posts DROP COLUMN reply_policy_before;
