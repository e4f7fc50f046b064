//! Rebuilding the index from the catalogue: the whole index in a new folder swapped in
//! when ready, or one library's records replaced within the index in use. Searches keep
//! answering meanwhile.

use std::sync::Arc;
use std::time::Instant;

use athenaeum_catalogue::api::{IndexRecord, ReadIndexFeed, RecordRef, ScanIndexRecords};
use athenaeum_kernel::ApiError;

use super::{Outcome, SearchService, blocking, commit};
use crate::error::SearchError;
use crate::index::LiveIndex;

impl SearchService {
    /// Returns true while a rebuild runs.
    pub(super) fn rebuilding(&self) -> bool {
        self.rebuild.lock().map(|state| state.running).unwrap_or(false)
    }

    /// Starts a rebuild unless one runs; returns false when one was already running.
    fn begin_rebuild(&self) -> bool {
        let Ok(mut state) = self.rebuild.lock() else { return false };
        if state.running {
            return false;
        }
        state.running = true;
        true
    }

    fn end_rebuild(&self, outcome: String) {
        if let Ok(mut state) = self.rebuild.lock() {
            state.running = false;
            state.last = Some(outcome);
        }
    }

    /// Rebuilds (the whole index, or one library's records) unless a rebuild runs, and
    /// logs the outcome: for rebuilds nobody waits for.
    pub(super) async fn run_rebuild(self: Arc<Self>, tenant_id: Option<String>) {
        match self.rebuild_exclusive(tenant_id.as_deref()).await {
            Ok(_) => {
                let outcome = self.status().ok().and_then(|status| status.last_rebuild);
                tracing::info!(outcome = ?outcome, "search index rebuilt");
            }
            Err(error) => {
                tracing::error!(%error, "search index rebuild failed or did not start");
            }
        }
    }

    /// Rebuilds and returns how many records were indexed. The whole index is built in a
    /// new folder while searches use the old one, then swapped in; one library's
    /// records are replaced within the index in use in one commit (following pauses
    /// meanwhile, and resumes from where it stood).
    pub async fn rebuild_now(&self, tenant_id: Option<&str>) -> Outcome<u64> {
        match tenant_id {
            Some(tenant_id) => self.rebuild_tenant(tenant_id).await,
            None => self.rebuild_all().await,
        }
    }

    /// Rebuilds while holding the rebuild flag, and records the outcome in the status.
    pub async fn rebuild_exclusive(&self, tenant_id: Option<&str>) -> Outcome<u64> {
        if !self.begin_rebuild() {
            return Err(ApiError::conflict("a rebuild is already running").into());
        }
        let started = Instant::now();
        let outcome = self.rebuild_now(tenant_id).await;
        let seconds = started.elapsed().as_secs_f64();
        self.end_rebuild(match (&outcome, tenant_id) {
            (Ok(documents), Some(tenant)) => {
                format!("rebuilt library {tenant}: {documents} records in {seconds:.1} s")
            }
            (Ok(documents), None) => {
                format!("rebuilt the whole index: {documents} records in {seconds:.1} s")
            }
            (Err(error), _) => format!("rebuild failed: {error}"),
        });
        outcome
    }

    async fn rebuild_all(&self) -> Outcome<u64> {
        let dir = self.folder.fresh();
        let threads = self.config.rebuild_threads;
        let open_dir = dir.clone();
        let fresh = Arc::new(
            tokio::task::spawn_blocking(move || LiveIndex::open(&open_dir, threads))
                .await
                .map_err(|error| SearchError::Index(error.to_string()))??,
        );
        let built = async {
            let (head, documents) = self.scan_into(&fresh, None).await?;
            commit(&fresh, head).await?;
            // Catch up while searches still use the old index...
            let position = self.catch_up(&fresh, head).await?;
            commit(&fresh, position).await?;
            // ...then pause following for the last few changes and swap.
            let mut follower = self.follower.lock().await;
            let position = self.catch_up(&fresh, position).await?;
            commit(&fresh, position).await?;
            self.folder.publish(&dir)?;
            match self.live.write() {
                Ok(mut live) => *live = Arc::clone(&fresh),
                Err(poisoned) => *poisoned.into_inner() = Arc::clone(&fresh),
            }
            follower.applied = position;
            follower.pending = 0;
            follower.last_commit = Instant::now();
            Ok::<u64, SearchError>(documents)
        }
        .await;
        if built.is_err() {
            drop(fresh);
            let _ = std::fs::remove_dir_all(&dir);
        }
        built
    }

    async fn rebuild_tenant(&self, tenant_id: &str) -> Outcome<u64> {
        let mut follower = self.follower.lock().await;
        let live = self.current();
        let position = follower.applied;
        if follower.pending > 0 {
            commit(&live, position).await?;
            follower.pending = 0;
        }
        let index = Arc::clone(&live);
        let tenant = tenant_id.to_string();
        blocking(move || index.delete_tenant(&tenant)).await?;
        let built = self.scan_into(&live, Some(tenant_id)).await;
        match built {
            Ok((_, documents)) => {
                commit(&live, position).await?;
                follower.last_commit = Instant::now();
                Ok(documents)
            }
            Err(error) => {
                let index = Arc::clone(&live);
                let _ = blocking(move || index.rollback()).await;
                Err(error)
            }
        }
    }

    /// Adds every bibliographic record (of one tenant or all) to `index`, uncommitted.
    /// Returns the feed position the scan reflects and how many records it added.
    async fn scan_into(
        &self,
        index: &Arc<LiveIndex>,
        tenant_id: Option<&str>,
    ) -> Outcome<(i64, u64)> {
        let mut after_id = None;
        let mut head = None;
        let mut documents = 0u64;
        loop {
            let page = self
                .catalogue
                .scan_index_records(
                    &self.service_call()?,
                    ScanIndexRecords {
                        tenant_id: tenant_id.map(str::to_string),
                        after_id: after_id.clone(),
                        limit: 1_000,
                    },
                )
                .await?;
            head.get_or_insert(page.head_position);
            after_id = page.records.last().map(|record| record.record_id.clone());
            let records: Vec<IndexRecord> = page.records;
            let target = Arc::clone(index);
            documents += blocking(move || target.apply(&records, &[])).await? as u64;
            if !page.has_next_page || after_id.is_none() {
                break;
            }
        }
        Ok((head.unwrap_or(0), documents))
    }

    /// Applies the feed after `position` to `index` until it has nothing more.
    async fn catch_up(&self, index: &Arc<LiveIndex>, mut position: i64) -> Outcome<i64> {
        let limit = self.config.feed_batch.clamp(1, 10_000);
        loop {
            let feed = self
                .catalogue
                .read_index_feed(&self.service_call()?, ReadIndexFeed { after: position, limit })
                .await?;
            if feed.events == 0 {
                return Ok(position);
            }
            let (records, removed): (Vec<IndexRecord>, Vec<RecordRef>) =
                (feed.records, feed.removed);
            let target = Arc::clone(index);
            blocking(move || target.apply(&records, &removed)).await?;
            position = feed.last_position;
            if feed.events < limit {
                return Ok(position);
            }
        }
    }
}
