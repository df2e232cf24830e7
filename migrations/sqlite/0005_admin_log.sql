-- Administration: a log of what administrators did and why (domain blocks carry their reason
-- here), and the community actor's avatar.

CREATE TABLE admin_log (
    id         INTEGER PRIMARY KEY,
    admin_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX admin_log_by_target ON admin_log (action, target, created_at);

ALTER TABLE site ADD COLUMN community_avatar_media_id INTEGER;
