-- Accounts: sessions, invites, registration, account states; posts under review and cover
-- images; uploaded media.

ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending', 'suspended'));
ALTER TABLE users ADD COLUMN avatar_media_id INTEGER;
ALTER TABLE users ADD COLUMN header_media_id INTEGER;
ALTER TABLE users ADD COLUMN profile_fields TEXT NOT NULL DEFAULT '[]';

ALTER TABLE site ADD COLUMN registration_mode TEXT NOT NULL DEFAULT 'closed' CHECK (registration_mode IN ('closed', 'invite', 'approval'));
ALTER TABLE site ADD COLUMN setup_token_hash TEXT;

ALTER TABLE posts ADD COLUMN review_requested_at TEXT;
ALTER TABLE posts ADD COLUMN cover_media_id INTEGER;
ALTER TABLE posts ADD COLUMN cover_alt TEXT NOT NULL DEFAULT '';

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE invites (
    code       TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    used_at    TEXT
);

-- Uploaded images: the original is decoded and re-encoded (metadata stripped) into a few widths.
CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    owner_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    file_stem   TEXT NOT NULL UNIQUE,
    mime        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    variants    TEXT NOT NULL,
    alt         TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
