//! Limits password attempts per client address, so a password cannot be guessed at speed.
//! A fixed window per address is enough here, and simpler to reason about than a general
//! rate-limiting layer: only the login and setup forms use it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed attempts allowed per address within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Default)]
pub struct LoginLimiter {
    failures: Arc<Mutex<HashMap<IpAddr, (u32, Instant)>>>,
}

impl LoginLimiter {
    /// Whether `addr` may try now; if not, how long until it may.
    pub fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        let map = self.failures.lock().expect("limiter lock");
        match map.get(&addr) {
            Some((n, since)) if *n >= MAX_FAILURES && since.elapsed() < WINDOW => {
                Err(WINDOW - since.elapsed())
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, addr: IpAddr) {
        let mut map = self.failures.lock().expect("limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = map.entry(addr).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, addr: IpAddr) {
        self.failures.lock().expect("limiter lock").remove(&addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_failures_lock_an_address_out_but_not_others() {
        let l = LoginLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(l.check(a).is_ok());
            l.failed(a);
        }
        assert!(l.check(a).is_err());
        assert!(l.check(b).is_ok());
        l.succeeded(a);
        assert!(l.check(a).is_ok());
    }
}
