//! Settings of the search service.

use serde::{Deserialize, Serialize};

/// How the index follows the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// How long the follower waits before asking the feed again once it has caught up.
    pub poll_interval_ms: u64,
    /// The longest a change waits for a commit while changes keep coming.
    pub commit_interval_ms: u64,
    /// Changes applied before a commit is forced, whatever the time.
    pub commit_every: usize,
    /// Events read per request to the feed.
    pub feed_batch: u32,
    /// Indexing threads of a rebuild (each buffers up to 48 MB).
    pub rebuild_threads: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            poll_interval_ms: 150,
            commit_interval_ms: 400,
            commit_every: 20_000,
            feed_batch: 2_000,
            rebuild_threads: 2,
        }
    }
}
