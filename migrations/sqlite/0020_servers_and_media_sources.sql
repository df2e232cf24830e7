-- The `chorus serve` processes running on this database, so that a command that changes
-- public content can return once every running server answers with the change
-- (read-your-writes). Each server writes its row when it starts, then the content generation
-- its page cache has applied and a heartbeat (`seen_at`) about once a second; it deletes the
-- row when it stops. A row whose heartbeat is a few seconds old belongs to a process that is
-- gone (killed, say) and is ignored.
CREATE TABLE server_processes (
    id          TEXT PRIMARY KEY,
    address     TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    seen_at     TEXT NOT NULL
);

-- Images uploaded by `chorus post publish` from files a post names by a relative path, by the
-- SHA-256 of the file's bytes, so that publishing the same file again reuses the upload.
CREATE TABLE media_sources (
    owner_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sha256    TEXT NOT NULL,
    media_id  INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    PRIMARY KEY (owner_id, sha256)
);
