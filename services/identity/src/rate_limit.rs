//! Sliding-window counters that slow down password guessing: per account (failures)
//! and per client address (attempts). They only count; the service decides what to
//! count and what to refuse.
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

    /// Forgets every event of `key` (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        events.remove(key);
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
        limiter.clear("a");
        assert_eq!(limiter.wait_time("a"), None);
    }
}
