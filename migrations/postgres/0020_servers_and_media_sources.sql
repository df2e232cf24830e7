-- The `chorus serve` processes running on this database, so that a command that changes
-- public content can return once every running server answers with the change
-- (read-your-writes). Each server writes its row when it starts, then the content generation
-- its page cache has applied and a heartbeat (`seen_at`) about once a second; it deletes the
-- row when it stops. A row whose heartbeat is a few seconds old belongs to a process that is
-- gone (killed, say) and is ignored.
CREATE TABLE server_processes (
    id          TEXT PRIMARY KEY,
    address     TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL
);

-- Every change to public content is announced on the channel `chorus_content` when its
-- transaction commits (the payload is the new generation), so servers that LISTEN drop stale
-- pages at once instead of at their next poll.
CREATE OR REPLACE FUNCTION record_content_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO content_changes (generation, scope) VALUES (NEW.content_generation, NEW.change_scope)
        ON CONFLICT (generation) DO UPDATE SET scope = excluded.scope;
    DELETE FROM content_changes WHERE generation <= NEW.content_generation - 10000;
    PERFORM pg_notify('chorus_content', NEW.content_generation::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Images uploaded by `chorus post publish` from files a post names by a relative path, by the
-- SHA-256 of the file's bytes, so that publishing the same file again reuses the upload.
CREATE TABLE media_sources (
    owner_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sha256    TEXT NOT NULL,
    media_id  BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    PRIMARY KEY (owner_id, sha256)
);
