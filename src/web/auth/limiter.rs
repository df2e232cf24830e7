//! Limits password attempts, so a password cannot be guessed at speed. A fixed window per key
//! is enough here, and simpler to reason about than a general rate-limiting layer.
//!
//! An attempt is counted when it starts, before the password is hashed, so parallel guesses
//! cannot slip past the count. Each attempt counts twice: for the address and the account
//! tried from it, and for the address alone. Signing in to an account forgives only that
//! account's count from that address (and the attempt that succeeded); no one can clear the
//! count of another account by signing in to their own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed attempts allowed per address and account within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
/// Failed attempts allowed per address, whatever account they try, within [`WINDOW`].
pub const MAX_ADDRESS_FAILURES: u32 = 3 * MAX_FAILURES;
/// Wrong current passwords allowed per account on the password-change form within [`WINDOW`].
pub const MAX_PASSWORD_CHANGE_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// What an attempt counts against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Account(IpAddr, String),
    /// A signed-in account checking its current password, from any address.
    OwnPassword(i64),
    /// Refused registrations (and accounts left waiting for approval) from an address.
    Registration(IpAddr),
}

#[derive(Clone, Default)]
pub struct LoginLimiter {
    failures: Arc<Mutex<HashMap<Key, (u32, Instant)>>>,
}

/// One attempt, counted when it began. Call [`Attempt::succeeded`] when the password was
/// right, or [`Attempt::not_checked`] when it could not be checked at all.
#[must_use]
pub struct Attempt {
    limiter: LoginLimiter,
    keys: Vec<Key>,
}

impl Attempt {
    /// The password was right: the account's count from this address is forgiven, and this
    /// attempt no longer counts against the address.
    pub fn succeeded(self) {
        let mut map = self.limiter.lock();
        for key in &self.keys {
            match key {
                Key::Address(_) => {
                    if let Some(entry) = map.get_mut(key) {
                        entry.0 = entry.0.saturating_sub(1);
                    }
                }
                Key::Account(..) | Key::OwnPassword(_) | Key::Registration(_) => {
                    map.remove(key);
                }
            }
        }
    }

    /// The password was not checked (the server was busy): the attempt does not count.
    pub fn not_checked(self) {
        let mut map = self.limiter.lock();
        for key in &self.keys {
            if let Some(entry) = map.get_mut(key) {
                entry.0 = entry.0.saturating_sub(1);
            }
        }
    }
}

impl LoginLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (u32, Instant)>> {
        self.failures.lock().expect("limiter lock")
    }

    /// Counts an attempt to sign in to `account` from `addr`, or refuses it with how long
    /// until the address may try again.
    pub fn begin(&self, addr: IpAddr, account: &str) -> Result<Attempt, Duration> {
        let account = account.trim().to_lowercase();
        self.count(vec![
            (Key::Account(addr, account), MAX_FAILURES),
            (Key::Address(addr), MAX_ADDRESS_FAILURES),
        ])
    }

    /// Counts a signed-in account's check of its current password (from any address).
    pub fn begin_own_password(&self, user_id: i64) -> Result<Attempt, Duration> {
        self.count(vec![(
            Key::OwnPassword(user_id),
            MAX_PASSWORD_CHANGE_FAILURES,
        )])
    }

    /// Counts one attempt against every key, unless one of them is used up: then nothing is
    /// counted and the wait is given.
    fn count(&self, keys: Vec<(Key, u32)>) -> Result<Attempt, Duration> {
        let mut map = self.lock();
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let mut wait = None;
        for (key, max) in &keys {
            if let Some((n, since)) = map.get(key)
                && *n >= *max
                && since.elapsed() < WINDOW
            {
                let left = WINDOW - since.elapsed();
                wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
            }
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        for (key, _) in &keys {
            let entry = map.entry(key.clone()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        Ok(Attempt {
            limiter: self.clone(),
            keys: keys.into_iter().map(|(k, _)| k).collect(),
        })
    }

    /// Whether `addr` may register now; if not, how long until it may.
    pub fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        let map = self.lock();
        match map.get(&Key::Registration(addr)) {
            Some((n, since)) if *n >= MAX_FAILURES && since.elapsed() < WINDOW => {
                Err(WINDOW - since.elapsed())
            }
            _ => Ok(()),
        }
    }

    /// Counts a refused registration against `addr`.
    pub fn failed(&self, addr: IpAddr) {
        let mut map = self.lock();
        let entry = map
            .entry(Key::Registration(addr))
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_count_when_they_begin_and_only_their_own_account_is_forgiven() {
        let l = LoginLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let pending: Vec<Attempt> = (0..MAX_FAILURES)
            .map(|_| l.begin(a, "victim").unwrap())
            .collect();
        assert!(l.begin(a, "victim").is_err());
        assert!(l.begin(b, "victim").is_ok());
        l.begin(a, "me").unwrap().succeeded();
        assert!(l.begin(a, "Victim").is_err());
        drop(pending);
        let own = l.begin_own_password(7).unwrap();
        own.not_checked();
        for _ in 0..MAX_PASSWORD_CHANGE_FAILURES {
            let _ = l.begin_own_password(7).unwrap();
        }
        assert!(l.begin_own_password(7).is_err());
        assert!(l.begin_own_password(8).is_ok());
    }
}
