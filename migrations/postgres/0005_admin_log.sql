-- Administration: a log of what administrators did and why (domain blocks carry their reason
-- here), and the community actor's avatar.

CREATE TABLE admin_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    admin_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_log_by_target ON admin_log (action, target, created_at);

ALTER TABLE site ADD COLUMN community_avatar_media_id BIGINT;
