-- Addresses posts had on the site they were imported from, kept as permanent redirects (301)
-- to the post's address here. The path is stored without a trailing slash.
CREATE TABLE redirects (
    old_path    TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
