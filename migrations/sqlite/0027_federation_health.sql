-- What the federation health page charts and lists, kept after the delivery rows are gone.

-- Delivery attempts by outcome, per hour (the hour's start, UTC). Rows older than 31 days
-- are deleted by the queue's cleanup.
CREATE TABLE delivery_counts (
    hour      TEXT PRIMARY KEY,
    delivered INTEGER NOT NULL DEFAULT 0,
    retried   INTEGER NOT NULL DEFAULT 0,
    dead      INTEGER NOT NULL DEFAULT 0
);

-- Incoming requests refused for their signature, by the server that claimed to sign them (the
-- host of the key or actor named) and the reason.
CREATE TABLE signature_failures (
    domain   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    failures INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    last_at  TEXT NOT NULL,
    PRIMARY KEY (domain, reason)
);
CREATE INDEX signature_failures_recent ON signature_failures (last_at);

-- The health page's per-instance counts: pending deliveries and last errors by domain.
CREATE INDEX deliveries_by_domain ON deliveries (domain, status);
