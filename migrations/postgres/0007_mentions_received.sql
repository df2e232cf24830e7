-- Remote posts that mention a local person (a `Mention` tag naming their actor) without being
-- a reply in one of our threads: what that person's notifications show. `visibility` as for
-- comments: 'public', 'followers', or 'private' (addressed only to the people it mentions:
-- never shown on a page). One row per person and post, so a replayed Create adds nothing; an
-- Update of the post replaces the text, its Delete (or its author's) removes the row.
CREATE TABLE mentions_received (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    object_uri      TEXT NOT NULL,
    url             TEXT,
    content_html    TEXT NOT NULL,
    visibility      TEXT NOT NULL CHECK (visibility IN ('public', 'followers', 'private')),
    published       TIMESTAMPTZ NOT NULL,
    updated         TIMESTAMPTZ,
    received_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, object_uri)
);
CREATE INDEX mentions_received_by_object ON mentions_received (object_uri);
CREATE INDEX mentions_received_by_user ON mentions_received (user_id, received_at);
CREATE INDEX mentions_received_by_actor ON mentions_received (remote_actor_id);
