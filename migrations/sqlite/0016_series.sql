-- Series: posts grouped under one name, read in the order they were published. `series` is
-- the name as its author wrote it, `series_slug` its address (/series/{slug}); both are ''
-- for a post in no series.
ALTER TABLE posts ADD COLUMN series TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN series_slug TEXT NOT NULL DEFAULT '';
CREATE INDEX posts_by_series ON posts (series_slug, published_at) WHERE series_slug <> '';
