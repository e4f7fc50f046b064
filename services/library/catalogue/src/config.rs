//! The catalogue's settings.

use serde::{Deserialize, Serialize};

/// How the catalogue behaves: import batching and concurrency, upload limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogueConfig {
    /// Records per import transaction. Larger batches import faster; a crash loses at
    /// most one uncommitted batch, which the import redoes when it resumes.
    pub import_batch_size: usize,
    /// Imports run at the same time in this process; more wait in the queue.
    pub import_workers: usize,
    /// Largest MARC file accepted through the API, in bytes.
    pub max_upload_bytes: u64,
    /// Problems listed per import; beyond this many, problems are counted but not stored
    /// one by one (a file of a million broken records stores this many rows, not a
    /// million).
    pub import_problems_listed: u64,
}

impl Default for CatalogueConfig {
    fn default() -> Self {
        CatalogueConfig {
            import_batch_size: 500,
            import_workers: 1,
            max_upload_bytes: 2 << 30,
            import_problems_listed: 10_000,
        }
    }
}
