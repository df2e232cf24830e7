//! Requests the inbox refused for their signature, counted in memory by the server that
//! claimed to sign them and the reason, and written to the database in batches for the
//! federation health page: a flood of bad requests costs one write per flush, not one per
//! request, and at most [`MAX_PENDING`] rows per flush.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::storage::federation_health::{self, SignatureFailure};
use crate::storage::{Db, Result};

/// Distinct (server, reason) pairs kept between two flushes; failures from further servers
/// are counted under [`OTHER_SERVERS`].
pub const MAX_PENDING: usize = 1000;
/// Where failures go when the server is unknown (no readable key or actor).
pub const UNKNOWN_SERVER: &str = "(unknown)";
/// Where failures go once [`MAX_PENDING`] servers are waiting to be written.
pub const OTHER_SERVERS: &str = "(other servers)";

type Key = (String, &'static str);

/// Refusals not written yet. Shared by every request of a process (clones share them).
#[derive(Default, Clone)]
pub struct Refusals {
    pending: Arc<Mutex<HashMap<Key, (i64, DateTime<Utc>, DateTime<Utc>)>>>,
}

impl Refusals {
    /// Counts one refusal from `domain` (None: unknown) for `reason` at `now`.
    pub fn note(&self, domain: Option<&str>, reason: &'static str, now: DateTime<Utc>) {
        let mut pending = self
            .pending
            .lock()
            .expect("the refusal counts are never poisoned");
        let mut key = (domain.unwrap_or(UNKNOWN_SERVER).to_owned(), reason);
        if !pending.contains_key(&key) && pending.len() >= MAX_PENDING {
            key.0 = OTHER_SERVERS.to_owned();
        }
        let entry = pending.entry(key).or_insert((0, now, now));
        entry.0 += 1;
        entry.2 = now;
    }

    /// Writes what was counted since the last flush; on failure it is counted again next time.
    pub async fn flush(&self, db: &Db) -> Result<()> {
        let taken = std::mem::take(
            &mut *self
                .pending
                .lock()
                .expect("the refusal counts are never poisoned"),
        );
        if taken.is_empty() {
            return Ok(());
        }
        let batch: Vec<SignatureFailure> = taken
            .iter()
            .map(|((domain, reason), (n, first, last))| SignatureFailure {
                domain: domain.clone(),
                reason: (*reason).to_owned(),
                failures: *n,
                first_at: *first,
                last_at: *last,
            })
            .collect();
        if let Err(e) = federation_health::record_signature_failures(db, &batch).await {
            let mut pending = self
                .pending
                .lock()
                .expect("the refusal counts are never poisoned");
            for (key, (n, first, last)) in taken {
                let entry = pending.entry(key).or_insert((0, first, last));
                entry.0 += n;
                entry.1 = entry.1.min(first);
                entry.2 = entry.2.max(last);
            }
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_counted_by_server_and_reason_with_a_bound() {
        let r = Refusals::default();
        let now = Utc::now();
        r.note(Some("a.example"), "bad_signature", now);
        r.note(Some("a.example"), "bad_signature", now);
        r.note(None, "missing", now);
        for i in 0..MAX_PENDING + 5 {
            r.note(Some(&format!("s{i}.example")), "expired", now);
        }
        let pending = r.pending.lock().unwrap();
        assert_eq!(pending[&("a.example".to_owned(), "bad_signature")].0, 2);
        assert_eq!(pending[&(UNKNOWN_SERVER.to_owned(), "missing")].0, 1);
        assert_eq!(pending.len(), MAX_PENDING + 1);
        assert!(pending[&(OTHER_SERVERS.to_owned(), "expired")].0 >= 5);
    }
}
