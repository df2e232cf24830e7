-- Conversations: replies from the fediverse stored as comments, their moderation, reactions
-- (likes and boosts), reports, blocked actors and domains, amplified remote posts, and the
-- proxied avatars of remote actors.

-- Who may reply: 'anyone' (approved at once), 'followers' (followers approved at once, others
-- queued for review), 'nobody' (closed). A post's NULL means the site's default.
ALTER TABLE site ADD COLUMN reply_policy TEXT NOT NULL DEFAULT 'anyone'
    CHECK (reply_policy IN ('anyone', 'followers', 'nobody'));
ALTER TABLE posts ADD COLUMN reply_policy TEXT
    CHECK (reply_policy IN ('anyone', 'followers', 'nobody'));
-- When the post's comments or reactions last changed (pages answer Last-Modified from it).
ALTER TABLE posts ADD COLUMN conversation_at TIMESTAMPTZ;

-- The avatar a remote actor's icon was turned into: `avatar_source` is the icon URL last
-- tried (fetched once), `avatar_file` the stored file's name when that worked.
ALTER TABLE remote_actors ADD COLUMN avatar_source TEXT;
ALTER TABLE remote_actors ADD COLUMN avatar_file TEXT;

-- A reply in a post's thread. `visibility`: 'public' (addressed to as:Public), 'followers'
-- (to the replier's followers) or 'private' (only to the people it mentions: never shown on a
-- page). A deleted comment stays as a tombstone (`deleted_at`, empty content) so that a
-- late copy of it is not stored again.
CREATE TABLE comments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id         BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    uri             TEXT NOT NULL UNIQUE,
    in_reply_to     TEXT NOT NULL,
    parent_id       BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    url             TEXT,
    content_html    TEXT NOT NULL,
    visibility      TEXT NOT NULL CHECK (visibility IN ('public', 'followers', 'private')),
    state           TEXT NOT NULL CHECK (state IN ('approved', 'pending', 'hidden')),
    published       TIMESTAMPTZ NOT NULL,
    updated         TIMESTAMPTZ,
    received_at     TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ
);
CREATE INDEX comments_by_post ON comments (post_id, published);
CREATE INDEX comments_by_actor ON comments (remote_actor_id);
CREATE INDEX comments_by_state ON comments (state, received_at);

-- Likes and boosts of local posts: one of each kind per actor and post.
CREATE TABLE reactions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id         BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('like', 'announce')),
    activity_id     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (post_id, remote_actor_id, kind)
);
CREATE INDEX reactions_by_activity ON reactions (activity_id);
CREATE INDEX reactions_by_actor ON reactions (remote_actor_id);

-- Actors ('actor', by id) and domains ('domain', also covering its subdomains) whose
-- activities are refused and whose comments are hidden.
CREATE TABLE blocks (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('actor', 'domain')),
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, value)
);

-- `Flag` reports received: who reported, their words, and the reported objects (one id a line).
CREATE TABLE reports (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id  TEXT NOT NULL UNIQUE,
    reporter_uri TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    object_ids   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ
);
CREATE INDEX reports_open ON reports (resolved_at, created_at);

-- Remote posts the community amplified (announced), with the Announce's id for its Undo.
CREATE TABLE amplifications (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    remote_object_id BIGINT NOT NULL UNIQUE REFERENCES remote_objects (id) ON DELETE CASCADE,
    announce_id      TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);

-- Remote actors a post mentions, resolved by WebFinger when it was published: the Article's
-- Mention tags and `cc`, and inboxes its activities go to besides the followers'.
CREATE TABLE post_mentions (
    post_id     BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_uri   TEXT NOT NULL,
    handle      TEXT NOT NULL,
    profile_url TEXT NOT NULL,
    inbox       TEXT NOT NULL,
    PRIMARY KEY (post_id, actor_uri)
);
