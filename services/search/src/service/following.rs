//! Following the library's change feed into the index in use: applying changes as they
//! come and committing them in batches, so a restart resumes where the last commit
//! stood. Rebuilds asked for through the API are started from here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum_catalogue::api::ReadIndexFeed;
use tokio::sync::watch;

use super::{Outcome, SearchService};
use crate::error::SearchError;

impl SearchService {
    /// Follows the change feed until `shutdown`: builds the index first when it was never
    /// built, then applies changes as they come and commits them in batches. Rebuilds
    /// asked for through the API run beside it.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut requests =
            self.rebuild_receiver.lock().ok().and_then(|mut receiver| receiver.take());
        let never_built = matches!(self.current().committed_position(), Ok(None));
        if never_built {
            let service = Arc::clone(&self);
            tokio::spawn(async move { service.run_rebuild(None).await });
        }
        let poll = Duration::from_millis(self.config.poll_interval_ms.max(10));
        let mut failures: u32 = 0;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let caught_up = if never_built && self.rebuilding() {
                true
            } else {
                match self.follow_once().await {
                    Ok(caught_up) => {
                        failures = 0;
                        caught_up
                    }
                    Err(error) => {
                        failures = failures.saturating_add(1);
                        if failures == 1 || failures.is_multiple_of(60) {
                            tracing::warn!(%error, failures, "search index cannot follow the change feed; retrying");
                        }
                        tokio::select! {
                            _ = shutdown.changed() => {}
                            () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                        continue;
                    }
                }
            };
            if caught_up {
                let request = async {
                    match requests.as_mut() {
                        Some(receiver) => receiver.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = shutdown.changed() => {}
                    () = tokio::time::sleep(poll) => {}
                    Some(tenant) = request => {
                        let service = Arc::clone(&self);
                        tokio::spawn(async move { service.run_rebuild(tenant).await });
                    }
                }
            }
        }
        // Commit what was applied, so a restart does not redo it.
        let mut follower = self.follower.lock().await;
        if follower.pending > 0 {
            let live = self.current();
            let position = follower.applied;
            match tokio::task::spawn_blocking(move || live.commit(position)).await {
                Ok(Ok(())) => follower.pending = 0,
                Ok(Err(error)) => tracing::warn!(%error, "search index: final commit failed"),
                Err(error) => tracing::warn!(%error, "search index: final commit failed"),
            }
        }
    }

    /// Applies one run of the feed and commits when due. Returns true when the feed had
    /// nothing more.
    async fn follow_once(&self) -> Outcome<bool> {
        let mut follower = self.follower.lock().await;
        let limit = self.config.feed_batch.clamp(1, 10_000);
        let feed = self
            .catalogue
            .read_index_feed(
                &self.service_call()?,
                ReadIndexFeed { after: follower.applied, limit },
            )
            .await?;
        let live = self.current();
        if feed.events > 0 {
            let (records, removed) = (feed.records, feed.removed);
            let index = Arc::clone(&live);
            let applied = tokio::task::spawn_blocking(move || index.apply(&records, &removed))
                .await
                .map_err(|error| SearchError::Index(error.to_string()))?;
            if let Err(error) = applied {
                // Start again from the last commit rather than skip anything.
                let index = Arc::clone(&live);
                let _ = tokio::task::spawn_blocking(move || index.rollback()).await;
                follower.applied = live.committed_position()?.unwrap_or(0);
                follower.pending = 0;
                return Err(error);
            }
            follower.applied = feed.last_position;
            follower.pending += feed.events as usize;
        }
        let caught_up = feed.events < limit;
        let due = follower.pending > 0
            && (caught_up
                || follower.pending >= self.config.commit_every
                || follower.last_commit.elapsed()
                    >= Duration::from_millis(self.config.commit_interval_ms));
        if due {
            let position = follower.applied;
            let index = Arc::clone(&live);
            tokio::task::spawn_blocking(move || index.commit(position))
                .await
                .map_err(|error| SearchError::Index(error.to_string()))??;
            follower.pending = 0;
            follower.last_commit = Instant::now();
        }
        Ok(caught_up)
    }
}
