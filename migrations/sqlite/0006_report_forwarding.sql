-- Reports an administrator forwarded to the reported account's server: when, and to which
-- server (its domain).
ALTER TABLE reports ADD COLUMN forwarded_at TEXT;
ALTER TABLE reports ADD COLUMN forwarded_to TEXT;
