//! Waiting in tests for something that happens in the background (an index catching up,
//! a job finishing, a mail arriving), by polling with a deadline rather than sleeping
//! for a guessed time.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 20 ms until it returns true; returns how long that took, or
/// `None` when it did not within `timeout` (the caller decides whether that fails the
/// test, and can report the time taken when it does not).
pub async fn poll_until<F, Fut>(timeout: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return Some(started.elapsed());
        }
        if started.elapsed() >= timeout {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn polling_stops_when_the_check_holds_and_gives_up_at_the_deadline() {
        let polls = AtomicU32::new(0);
        let took = poll_until(Duration::from_secs(5), || async {
            polls.fetch_add(1, Ordering::SeqCst) >= 2
        })
        .await;
        assert!(took.is_some());
        assert_eq!(polls.load(Ordering::SeqCst), 3);

        let never = poll_until(Duration::from_millis(50), || async { false }).await;
        assert_eq!(never, None);
    }
}
