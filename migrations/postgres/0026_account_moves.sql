-- Account moves (Mastodon's `Move`): the accounts an author says are also theirs
-- (`alsoKnownAs`, a JSON array of actor ids, so followers elsewhere can be moved here), and the
-- account an author moved to (`movedTo`).
ALTER TABLE users ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN moved_to TEXT;
