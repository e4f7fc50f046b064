//! Counters that slow down password guessing and mail flooding: sliding windows of events
//! per key ([`RateLimiter`]: failures per address, reset requests) and failures per key
//! remembered for a while after the last one ([`FailureLog`]: a client's failures on an
//! account, an account's failures, for the waits `domain::backoff` decides). They only
//! count; the service decides what to count and what to refuse.
//!
//! Counters live in this process's memory. In a split deployment with several identity
//! processes each keeps its own, so the effective limit is per process; a shared store
//! can replace this without changing callers.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts events per key within a window and says when a key is over its limit.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Creates a limiter that allows `limit` events per key within `window`.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter { limit: limit.max(1) as usize, window, events: Mutex::new(HashMap::new()) }
    }

    /// Returns how long `key` must wait before its next event is allowed, or `None` if
    /// it may go ahead now.
    pub fn wait_time(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let queue = events.get_mut(key)?;
        prune(queue, now, self.window);
        if queue.len() < self.limit {
            return None;
        }
        let oldest = *queue.front()?;
        Some(self.window.saturating_sub(now.duration_since(oldest)).max(Duration::from_secs(1)))
    }

    /// Records an event for `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if events.len() > 100_000 {
            // Bound memory under a flood of distinct keys: forget keys with no live event.
            events.retain(|_, queue| {
                prune(queue, now, self.window);
                !queue.is_empty()
            });
        }
        let queue = events.entry(key.to_string()).or_default();
        prune(queue, now, self.window);
        queue.push_back(now);
    }
}

/// Failures per key: how many, and when the last was; a key is forgotten `memory` after
/// its last failure.
#[derive(Debug)]
pub struct FailureLog {
    memory: Duration,
    entries: Mutex<HashMap<String, Failures>>,
}

/// The failures of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// How many, since the key was last cleared or forgotten.
    pub count: u32,
    /// When the last one happened.
    pub last: Instant,
}

impl FailureLog {
    /// Creates a log that forgets a key `memory` after its last failure.
    pub fn new(memory: Duration) -> FailureLog {
        FailureLog { memory, entries: Mutex::new(HashMap::new()) }
    }

    /// Returns the failures `key` has to its name at `now`, if any.
    pub fn failures(&self, key: &str, now: Instant) -> Option<Failures> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(key).copied().filter(|failures| !self.forgotten(failures, now))
    }

    /// Records a failure of `key` at `now` and returns its failures since.
    pub fn record(&self, key: &str, now: Instant) -> Failures {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() > 100_000 {
            // Bound memory under a flood of distinct keys: drop what is forgotten anyway.
            entries.retain(|_, failures| !self.forgotten(failures, now));
        }
        let entry = entries.entry(key.to_string()).or_insert(Failures { count: 0, last: now });
        if self.forgotten(entry, now) {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        *entry
    }

    /// Forgets every failure of `key` (after it succeeded).
    pub fn clear(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.remove(key);
    }

    fn forgotten(&self, failures: &Failures, now: Instant) -> bool {
        now.saturating_duration_since(failures.last) >= self.memory
    }
}

fn prune(queue: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while queue.front().is_some_and(|oldest| now.duration_since(*oldest) >= window) {
        queue.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_limit_waits_and_other_keys_do_not() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        limiter.record("a");
        assert_eq!(limiter.wait_time("a"), None);
        limiter.record("a");
        let wait = limiter.wait_time("a").unwrap();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert_eq!(limiter.wait_time("b"), None);
    }

    #[test]
    fn failures_add_up_until_cleared_or_forgotten_a_while_after_the_last() {
        let log = FailureLog::new(Duration::from_secs(60));
        let start = Instant::now();
        log.record("a", start);
        let second = log.record("a", start + Duration::from_secs(50));
        assert_eq!(second.count, 2);
        let later = start + Duration::from_secs(100);
        assert_eq!(log.failures("a", later).map(|failures| failures.count), Some(2));
        assert_eq!(log.failures("b", later), None);
        assert_eq!(log.failures("a", start + Duration::from_secs(110)), None);
        assert_eq!(log.record("a", start + Duration::from_secs(111)).count, 1);
        log.clear("a");
        assert_eq!(log.failures("a", start + Duration::from_secs(111)), None);
    }
}
