-- What each change to public content touched, so that every process drops only the cached
-- pages it affects instead of all of them. The statement that moves `site.content_generation`
-- also sets `site.change_scope` ('all', 'posts <ids>' or 'pages <ids>'); this trigger
-- writes the pair down in the same transaction. The last 10,000 changes are kept: a process
-- further behind than that drops its whole cache.
ALTER TABLE site ADD COLUMN change_scope TEXT NOT NULL DEFAULT 'all';

CREATE TABLE content_changes (
    generation INTEGER PRIMARY KEY,
    scope      TEXT NOT NULL
);

CREATE TRIGGER site_content_changed AFTER UPDATE OF content_generation ON site
WHEN NEW.content_generation <> OLD.content_generation
BEGIN
    INSERT INTO content_changes (generation, scope) VALUES (NEW.content_generation, NEW.change_scope)
        ON CONFLICT (generation) DO UPDATE SET scope = excluded.scope;
    DELETE FROM content_changes WHERE generation <= NEW.content_generation - 10000;
END;
