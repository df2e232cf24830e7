-- Full-text search over posts: one row per post that is not deleted, holding its title,
-- summary, the text of its body, its tags and its author's name and username, and their
-- weighted tsvector (title A, tags and author B, summary C, body D) under a GIN index.
-- Searches join `posts` and keep published posts only, so drafts, scheduled and unapproved
-- posts are never found. Written by the post write path in the same transaction as the post.
-- English stemming, as SQLite's Porter tokenizer: "publishing" finds "published".
-- Posts stored before this migration are indexed by `chorus migrate` right after it
-- (their body text is taken from their HTML, which SQL cannot do).
CREATE TABLE post_search (
    post_id  BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    title    TEXT NOT NULL,
    summary  TEXT NOT NULL,
    body     TEXT NOT NULL,
    tags     TEXT NOT NULL,
    author   TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', tags || ' ' || author), 'B')
        || setweight(to_tsvector('english', summary), 'C')
        || setweight(to_tsvector('english', body), 'D')
    ) STORED
);
CREATE INDEX post_search_document ON post_search USING GIN (document);
