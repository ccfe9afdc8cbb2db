//! Rate limit on failed sign-ins: a few per minute from one address, and a
//! ceiling for all addresses together, so tokens cannot be guessed.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Failures from one address within the window before it is refused.
pub const PER_ADDRESS: usize = 5;
/// Failures from all addresses within the window before all are refused.
pub const OVERALL: usize = 100;

#[derive(Default)]
struct Failures {
    per_address: HashMap<IpAddr, VecDeque<Instant>>,
    overall: VecDeque<Instant>,
}

/// Failed sign-ins of the last minute.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<Failures>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) > WINDOW)
    {
        times.pop_front();
    }
}

impl LoginLimiter {
    /// Whether a sign-in from `ip` may be tried now.
    pub fn allowed(&self, ip: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut f.overall, now);
        if f.overall.len() >= OVERALL {
            return false;
        }
        match ip.and_then(|ip| f.per_address.get_mut(&ip)) {
            Some(times) => {
                prune(times, now);
                times.len() < PER_ADDRESS
            }
            None => true,
        }
    }

    /// Notes a failed sign-in from `ip`.
    pub fn failed(&self, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        f.overall.push_back(now);
        if let Some(ip) = ip {
            f.per_address.entry(ip).or_default().push_back(now);
        }
        // Forget quiet addresses so the map stays small.
        if f.per_address.len() > 10_000 {
            f.per_address.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_one_address() {
        let l = LoginLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..PER_ADDRESS {
            assert!(l.allowed(Some(a)));
            l.failed(Some(a));
        }
        assert!(!l.allowed(Some(a)));
        assert!(l.allowed(Some(b)));
    }
}
