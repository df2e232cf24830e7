-- A delivery may wait for another activity's delivery to the same inbox: the community's
-- Announce of an author's Create goes to an inbox only once the Create to that inbox was
-- delivered or given up.
ALTER TABLE deliveries ADD COLUMN after_activity_id TEXT;

-- The activity a remote reply came in (its Create, as received), for the community to
-- announce once the reply is approved.
ALTER TABLE comments ADD COLUMN activity TEXT;
