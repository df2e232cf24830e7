//! The delivery policy, every constant of the queue in one place: how many workers take how
//! many rows for how long, when a failed delivery is tried again, when the queue gives up, how
//! long instances that keep failing are left alone, and how long finished rows are kept.
//!
//! Production uses the constants below through [`QueuePolicy::default`]; tests build a
//! policy with a schedule of milliseconds so that retries happen within seconds.

use std::time::Duration;

use chrono::{DateTime, Utc};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(60 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Worker tasks per process.
pub const WORKERS: usize = 4;
/// Rows a worker claims at once and sends concurrently.
pub const BATCH_SIZE: i64 = 64;
/// How long a claimed row belongs to its worker. Longer than a request may take (see
/// `crate::federation::client::REQUEST_TIMEOUT`), so a live worker never loses its rows; after a
/// crash on PostgreSQL other processes take the rows over when it runs out.
pub const LEASE: Duration = Duration::from_secs(30);
/// The longest a worker sleeps when nothing is due. Other processes (the CLI, other servers
/// on the same PostgreSQL database) enqueue without waking this one.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The wait before each retry of a delivery that failed with a transient error.
///
/// First attempt at once, then retries after 1 min, 5 min, 30 min, 1 h, 3 h, 6 h, 12 h and
/// 24 h: nine attempts over about 46.6 hours (two days). After the last retry fails the
/// delivery is marked dead. Each wait is lengthened by up to [`JITTER_PERCENT`] so that a
/// fan-out that failed together does not retry in one burst.
pub const RETRY_SCHEDULE: [Duration; 8] = [
    MINUTE,
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    HOUR,
    Duration::from_secs(3 * 60 * 60),
    Duration::from_secs(6 * 60 * 60),
    Duration::from_secs(12 * 60 * 60),
    DAY,
];

/// The largest share (in percent) by which a retry wait is lengthened, spread by row id.
pub const JITTER_PERCENT: u32 = 10;

/// A delivery still pending this long after it was queued is marked dead, even if it has
/// attempts left (its instance was paused most of that time). Longer than the whole
/// [`RETRY_SCHEDULE`] with jitter, so that it only catches rows the schedule could not.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// After this many consecutive failed deliveries to an instance (timeouts, refused
/// connections, 5xx, 429), the instance is paused: nothing is sent to it before its
/// `retry_after`, then one delivery at a time probes it until one succeeds.
pub const INSTANCE_FAILURE_THRESHOLD: i64 = 5;

/// The shortest pause of a failing instance.
pub const INSTANCE_PAUSE_MIN: Duration = MINUTE;

/// The longest pause of a failing instance. Between the two, an instance is paused for as
/// long as it has been failing, so probes come at roughly doubling intervals: after 1 min,
/// 2 min, 4 min, … and then every 6 h.
pub const INSTANCE_PAUSE_MAX: Duration = Duration::from_secs(6 * 60 * 60);

/// Delivered rows are kept this long (for diagnosis), then deleted.
pub const KEEP_DONE: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// Dead rows (with their last error) are kept this long, then deleted.
pub const KEEP_DEAD: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// How long the federation health page's history is kept: delivery counts per hour and
/// signature failures (a chart of 30 days needs a little more).
pub const KEEP_HEALTH_HISTORY: Duration = Duration::from_secs(31 * 24 * 60 * 60);

/// How often old rows are deleted and over-age rows given up.
pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Deliveries are signed with RFC 9421 first. An instance that refused an RFC 9421 signature
/// (400, 401 or 403) and took the same delivery signed with draft-cavage is sent draft-cavage
/// from then on; after this long it is offered RFC 9421 again, in case it learned it.
pub const SIGNATURE_REPROBE_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Everything the workers decide by: how many there are, how much they take at once, and the
/// timing rules above.
#[derive(Debug, Clone)]
pub struct QueuePolicy {
    /// Worker tasks per process.
    pub workers: usize,
    /// Rows one worker claims and sends concurrently.
    pub batch_size: i64,
    /// How long a claimed row belongs to its worker; after that another may take it.
    pub lease: Duration,
    /// The longest a worker sleeps when nothing is due (other processes enqueue too).
    pub poll_interval: Duration,
    /// Waits before each retry; when they run out the row is dead.
    pub retry_schedule: Vec<Duration>,
    /// See [`GIVE_UP_AFTER`].
    pub give_up_after: Duration,
    /// See [`INSTANCE_FAILURE_THRESHOLD`].
    pub instance_failure_threshold: i64,
    /// See [`INSTANCE_PAUSE_MIN`].
    pub instance_pause_min: Duration,
    /// See [`INSTANCE_PAUSE_MAX`].
    pub instance_pause_max: Duration,
    /// See [`KEEP_DONE`].
    pub keep_done: Duration,
    /// See [`KEEP_DEAD`].
    pub keep_dead: Duration,
    /// See [`CLEANUP_INTERVAL`].
    pub cleanup_interval: Duration,
    /// See [`SIGNATURE_REPROBE_AFTER`].
    pub signature_reprobe_after: Duration,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy {
            workers: WORKERS,
            batch_size: BATCH_SIZE,
            lease: LEASE,
            poll_interval: POLL_INTERVAL,
            retry_schedule: RETRY_SCHEDULE.to_vec(),
            give_up_after: GIVE_UP_AFTER,
            instance_failure_threshold: INSTANCE_FAILURE_THRESHOLD,
            instance_pause_min: INSTANCE_PAUSE_MIN,
            instance_pause_max: INSTANCE_PAUSE_MAX,
            keep_done: KEEP_DONE,
            keep_dead: KEEP_DEAD,
            cleanup_interval: CLEANUP_INTERVAL,
            signature_reprobe_after: SIGNATURE_REPROBE_AFTER,
        }
    }
}

impl QueuePolicy {
    /// The wait before the next attempt of row `row_id` after its `failed_attempts`-th failed
    /// attempt (1 for the first), or `None` when the queue gives up.
    pub fn retry_delay(&self, failed_attempts: i64, row_id: i64) -> Option<Duration> {
        let index = usize::try_from(failed_attempts.checked_sub(1)?).ok()?;
        let base = *self.retry_schedule.get(index)?;
        let percent = u32::try_from(row_id.rem_euclid(i64::from(JITTER_PERCENT) + 1)).unwrap_or(0);
        Some(base + base * percent / 100)
    }

    /// Until when an instance is paused after `failures` consecutive failures, the first at
    /// `failing_since`; `None` while it is below the threshold.
    pub fn instance_pause_until(
        &self,
        failures: i64,
        failing_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if failures < self.instance_failure_threshold {
            return None;
        }
        let failing_for = (now - failing_since).to_std().unwrap_or_default();
        let pause = failing_for.clamp(self.instance_pause_min, self.instance_pause_max);
        Some(now + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::MAX))
    }
}

#[cfg(test)]
mod tests;
