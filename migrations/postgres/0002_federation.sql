-- ActivityPub: local actors and their keys, remote actors, follows, incoming activity ids,
-- outgoing activities with their delivery rows, and the health of remote instances.

ALTER TABLE site ADD COLUMN community_username TEXT NOT NULL DEFAULT 'community';
ALTER TABLE site ADD COLUMN community_name TEXT NOT NULL DEFAULT 'Community';

-- A local actor: a person (one per user), the community group, or the instance application.
CREATE TABLE local_actors (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('person', 'group', 'application')),
    user_id         BIGINT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    private_key_pem TEXT NOT NULL,
    public_key_pem  TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX local_actors_singletons ON local_actors (kind) WHERE kind IN ('group', 'application');

CREATE TABLE remote_actors (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uri            TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    username       TEXT NOT NULL,
    domain         TEXT NOT NULL,
    display_name   TEXT NOT NULL DEFAULT '',
    url            TEXT,
    icon_url       TEXT,
    inbox          TEXT NOT NULL,
    shared_inbox   TEXT,
    key_id         TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX remote_actors_by_key ON remote_actors (key_id);
CREATE INDEX remote_actors_by_domain ON remote_actors (domain);

-- Remote actors following local actors.
CREATE TABLE followers (
    local_actor_id  BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    follow_id       TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (local_actor_id, remote_actor_id)
);
CREATE INDEX followers_by_remote ON followers (remote_actor_id);

-- Local actors following remote actors.
CREATE TABLE following (
    local_actor_id  BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    follow_id       TEXT NOT NULL UNIQUE,
    accepted        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (local_actor_id, remote_actor_id)
);

-- Objects received from actors local actors follow (posts, notes), kept as sent.
CREATE TABLE remote_objects (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uri             TEXT NOT NULL UNIQUE,
    remote_actor_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    name            TEXT,
    summary         TEXT,
    content         TEXT NOT NULL DEFAULT '',
    url             TEXT,
    in_reply_to     TEXT,
    published       TIMESTAMPTZ,
    updated         TIMESTAMPTZ,
    deleted_at      TIMESTAMPTZ,
    received_at     TIMESTAMPTZ NOT NULL,
    announced_by    TEXT
);

-- Ids of every activity received, so that a replay changes nothing.
CREATE TABLE inbox_activities (
    activity_id TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

-- Activities this server sent, served at their id.
CREATE TABLE outgoing_activities (
    id             TEXT PRIMARY KEY,
    local_actor_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

-- One row per (activity, inbox): the persistent delivery queue.
CREATE TABLE deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id     TEXT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox           TEXT NOT NULL,
    domain          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Remote servers that keep failing are tried less often: `failing_since` is the first failure
-- since the last success, and no delivery to the domain is claimed before `retry_after`.
CREATE TABLE instances (
    domain               TEXT PRIMARY KEY,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    last_success_at      TIMESTAMPTZ,
    last_failure_at      TIMESTAMPTZ,
    failing_since        TIMESTAMPTZ,
    retry_after          TIMESTAMPTZ
);
