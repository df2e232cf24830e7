-- Each person's time zone (an IANA name such as Europe/Berlin): the editor reads and shows
-- the time to publish a post at in it. Times are stored in UTC as before.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
