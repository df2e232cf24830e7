-- Full-text search over posts: one row per post that is not deleted (rowid = posts.id),
-- holding its title, summary, the text of its body, its tags and its author's name and
-- username. Searches join `posts` and keep published posts only, so drafts, scheduled and
-- unapproved posts are never found. Written by the post write path in the same transaction
-- as the post. Porter stemming: "publishing" finds "published".
-- Posts stored before this migration are indexed by `chorus migrate` right after it
-- (their body text is taken from their HTML, which SQL cannot do).
CREATE VIRTUAL TABLE post_search USING fts5(
    title, summary, body, tags, author,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
