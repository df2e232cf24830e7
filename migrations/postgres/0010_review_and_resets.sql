-- The review loop between contributors and editors, and password resets issued by admins.

-- The note an editor left when sending a post back to its contributor (cleared when it is
-- submitted again).
ALTER TABLE posts ADD COLUMN review_note TEXT NOT NULL DEFAULT '';

-- What a local person is told about the review of a post: submitted (to editors and admins),
-- approved or sent back (to the post's author, with the editor's note).
CREATE TABLE review_notices (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('submitted', 'approved', 'sent_back')),
    by_user    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_notices_by_user ON review_notices (user_id, created_at);

-- A one-time password reset link; only the SHA-256 of its token is stored.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

-- A fourth reply policy: people the author follows.
ALTER TABLE site DROP CONSTRAINT site_reply_policy_check;
ALTER TABLE site ADD CONSTRAINT site_reply_policy_check
    CHECK (reply_policy IN ('anyone', 'followers', 'following', 'nobody'));
ALTER TABLE posts DROP CONSTRAINT posts_reply_policy_check;
ALTER TABLE posts ADD CONSTRAINT posts_reply_policy_check
    CHECK (reply_policy IN ('anyone', 'followers', 'following', 'nobody'));
