//! How often strangers can make Chorus ask other servers for something: each inbox POST with
//! an unknown key and each remote-interaction lookup costs one outgoing request, so that
//! Chorus cannot be aimed at a third server. A key document that could not be fetched is not
//! asked for again for a while; each host is asked at most so often; and each client of the
//! reply form may start only so many lookups.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use super::error::FederationError;

/// How long a key document that could not be fetched is not asked for again.
pub const FAILED_FETCH_MEMORY: Duration = Duration::from_secs(5 * 60);
/// The window the counts below are kept over.
pub const LOOKUP_WINDOW: Duration = Duration::from_secs(60);
/// Lookups of keys and accounts one host receives from Chorus per window, at most.
pub const MAX_LOOKUPS_PER_HOST: u32 = 120;
/// Remote-interaction lookups one client may start per window.
pub const MAX_LOOKUPS_PER_CLIENT: u32 = 10;
/// Inbox POSTs signed with keys not known here (each a fetch) one client may send per window.
pub const MAX_KEY_FETCHES_PER_CLIENT: u32 = 300;
/// How often the follows of one remote actor are synchronized at most (FEP-8fcf): a sender
/// whose digest keeps differing costs one fetch of its partial collection per this long.
pub const SYNCHRONIZE_EVERY: Duration = Duration::from_secs(60 * 60);
/// Entries kept before old ones are dropped.
const MAX_ENTRIES: usize = 100_000;

/// The memory of failed lookups and the counts; clones share them.
#[derive(Clone, Default)]
pub struct Lookups {
    /// Key documents (and hosts whose WebFinger failed), and when they failed.
    failed: Arc<Mutex<HashMap<String, Instant>>>,
    /// Lookups per host and per client in the current window: (count, window start).
    counts: Arc<Mutex<HashMap<Counted, (u32, Instant)>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Counted {
    Host(String),
    Client(IpAddr),
    KeysFor(IpAddr),
}

/// `host[:port]` of a URL: what the per-host count is kept for.
fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

impl Lookups {
    /// Whether the key document at `url` may be fetched now: not recently failed, and its host
    /// not asked too often. Counts the fetch when it may.
    pub fn may_fetch_key(&self, url: &Url) -> Result<(), FederationError> {
        let failed = self
            .failed
            .lock()
            .expect("lookup lock")
            .get(url.as_str())
            .is_some_and(|at| at.elapsed() < FAILED_FETCH_MEMORY);
        if failed {
            return Err(FederationError::Transient(format!(
                "{url} could not be fetched a moment ago; not asking again yet"
            )));
        }
        self.count(&[(Counted::Host(host_of(url)), MAX_LOOKUPS_PER_HOST)])
    }

    /// Remembers that the key document at `url` could not be fetched.
    pub fn fetch_failed(&self, url: &Url) {
        let mut failed = self.failed.lock().expect("lookup lock");
        if failed.len() > MAX_ENTRIES {
            failed.retain(|_, at| at.elapsed() < FAILED_FETCH_MEMORY);
        }
        failed.insert(url.as_str().to_owned(), Instant::now());
    }

    /// Whether `client` may make Chorus fetch a key it does not know now; counts it when it may.
    pub fn may_fetch_for(&self, client: IpAddr) -> Result<(), FederationError> {
        self.count(&[(Counted::KeysFor(client), MAX_KEY_FETCHES_PER_CLIENT)])
    }

    /// Remembers that looking up an account on `host` failed.
    pub fn look_up_failed(&self, host: &str) {
        let mut failed = self.failed.lock().expect("lookup lock");
        if failed.len() > MAX_ENTRIES {
            failed.retain(|_, at| at.elapsed() < FAILED_FETCH_MEMORY);
        }
        failed.insert(
            format!("webfinger {}", host.to_ascii_lowercase()),
            Instant::now(),
        );
    }

    /// Whether looking up an account on `host` failed a moment ago.
    pub fn look_up_failed_recently(&self, host: &str) -> bool {
        self.failed
            .lock()
            .expect("lookup lock")
            .get(&format!("webfinger {}", host.to_ascii_lowercase()))
            .is_some_and(|at| at.elapsed() < FAILED_FETCH_MEMORY)
    }

    /// Whether `client` may make Chorus look up an account on `host` now; counts it when it may.
    pub fn may_look_up(&self, client: IpAddr, host: &str) -> Result<(), FederationError> {
        self.count(&[
            (Counted::Client(client), MAX_LOOKUPS_PER_CLIENT),
            (
                Counted::Host(host.to_ascii_lowercase()),
                MAX_LOOKUPS_PER_HOST,
            ),
        ])
    }

    /// Whether the follows of the remote actor `actor` may be synchronized now (at most once
    /// per [`SYNCHRONIZE_EVERY`]); remembers it when they may.
    pub fn may_synchronize(&self, actor: &str) -> bool {
        let mut failed = self.failed.lock().expect("lookup lock");
        if failed.len() > MAX_ENTRIES {
            failed.retain(|_, at| at.elapsed() < SYNCHRONIZE_EVERY);
        }
        let key = format!("synchronize {actor}");
        if failed
            .get(&key)
            .is_some_and(|at| at.elapsed() < SYNCHRONIZE_EVERY)
        {
            return false;
        }
        failed.insert(key, Instant::now());
        true
    }

    fn count(&self, keys: &[(Counted, u32)]) -> Result<(), FederationError> {
        let mut counts = self.counts.lock().expect("lookup lock");
        if counts.len() > MAX_ENTRIES {
            counts.retain(|_, (_, since)| since.elapsed() < LOOKUP_WINDOW);
        }
        for (key, max) in keys {
            if let Some((n, since)) = counts.get(key)
                && *n >= *max
                && since.elapsed() < LOOKUP_WINDOW
            {
                let whom = match key {
                    Counted::Host(h) => format!("{h} was asked"),
                    Counted::Client(_) | Counted::KeysFor(_) => "you asked".to_owned(),
                };
                return Err(FederationError::Transient(format!(
                    "{whom} too often just now; try again in a minute"
                )));
            }
        }
        for (key, _) in keys {
            let entry = counts.entry(key.clone()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= LOOKUP_WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_remembered_and_hosts_and_clients_are_counted() {
        let l = Lookups::default();
        let key = Url::parse("https://target.example/users/x#main-key").unwrap();
        assert!(l.may_fetch_key(&key).is_ok());
        l.fetch_failed(&key);
        assert!(l.may_fetch_key(&key).is_err());
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..MAX_LOOKUPS_PER_CLIENT {
            assert!(l.may_look_up(client, "a.example").is_ok());
        }
        assert!(l.may_look_up(client, "b.example").is_err());
        assert!(
            l.may_look_up("192.0.2.2".parse().unwrap(), "b.example")
                .is_ok()
        );
    }
}
