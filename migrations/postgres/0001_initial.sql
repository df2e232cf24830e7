-- Users, posts, tags and the site's own state.
CREATE TABLE users (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username          TEXT NOT NULL UNIQUE,
    display_name      TEXT NOT NULL,
    bio               TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    password_hash     TEXT NOT NULL,
    fediverse_creator TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE posts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id    BIGINT NOT NULL REFERENCES users (id),
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    markdown     TEXT NOT NULL,
    content_html TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'deleted')),
    published_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    deleted_at   TIMESTAMPTZ
);
CREATE INDEX posts_by_status ON posts (status, published_at DESC);
CREATE INDEX posts_by_author ON posts (author_id, status, published_at DESC);

CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_by_tag ON post_tags (tag, post_id);

CREATE TABLE site (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    title              TEXT NOT NULL,
    description        TEXT NOT NULL,
    language           TEXT NOT NULL,
    content_generation BIGINT NOT NULL
);
INSERT INTO site (id, title, description, language, content_generation)
VALUES (1, 'Chorus', 'Long-form writing from our community.', 'en', 0);
