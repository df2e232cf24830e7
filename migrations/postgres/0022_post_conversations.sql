-- When each post's comments or reactions last changed, kept apart from the post's own row:
-- a counted like rewrote the whole post (its Markdown and HTML, tens of kilobytes) just to
-- move this one timestamp.
CREATE TABLE post_conversations (
    post_id     BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    changed_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO post_conversations (post_id, changed_at)
    SELECT id, conversation_at FROM posts WHERE conversation_at IS NOT NULL;
ALTER TABLE posts DROP COLUMN conversation_at;
