//! One tantivy index on disk and its position in the change feed.
//!
//! The search folder holds index folders and a `CURRENT` file naming the one in use. A
//! rebuild writes a new folder and then replaces `CURRENT` (write, fsync, rename), so a
//! crash at any moment leaves either the old index or the new one in use, never a mix.
//! Each commit carries the change-feed position it reflects in its payload, in the same
//! atomic step as the documents, so a restart resumes after exactly what was committed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use athenaeum_catalogue::api::{IndexRecord, RecordRef};
use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, directory::MmapDirectory};

use crate::analysis;
use crate::document::{self, Fields, SCHEMA_VERSION};
use crate::error::SearchError;

/// What each commit records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Payload {
    /// The schema version the documents were made with.
    schema: u32,
    /// The change-feed position the index reflects.
    position: i64,
}

/// An open index with its writer.
pub struct LiveIndex {
    /// Its folder.
    pub dir: PathBuf,
    /// The index.
    pub index: Index,
    /// Searchers come from here; reloaded after every commit.
    pub reader: IndexReader,
    /// Its fields.
    pub fields: Fields,
    writer: Mutex<IndexWriter>,
    /// The change-feed position of the commit the reader shows.
    searchable: AtomicI64,
    /// Branch names by `tenant/code`, for facet labels; forgotten at every commit (a
    /// branch renamed reaches the index as changed records).
    branch_names: Mutex<std::collections::HashMap<String, String>>,
}

impl std::fmt::Debug for LiveIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("LiveIndex").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// Bytes of memory each indexing thread may buffer before writing a segment.
const WRITER_MEMORY_PER_THREAD: usize = 48 << 20;

impl LiveIndex {
    /// Opens the index in `dir`, creating an empty one when the folder is empty. Fails when
    /// another process holds its writer.
    pub fn open(dir: &Path, threads: usize) -> Result<LiveIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|error| SearchError::io(dir, error))?;
        let (schema, fields) = document::schema();
        let directory =
            MmapDirectory::open(dir).map_err(|error| SearchError::Index(error.to_string()))?;
        let index = Index::open_or_create(directory, schema)?;
        analysis::register(&index);
        let threads = threads.clamp(1, 4);
        let writer =
            match index.writer_with_num_threads(threads, WRITER_MEMORY_PER_THREAD * threads) {
                Ok(writer) => writer,
                Err(tantivy::TantivyError::LockFailure(..)) => {
                    return Err(SearchError::Busy(dir.display().to_string()));
                }
                Err(error) => return Err(error.into()),
            };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let live = LiveIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            writer: Mutex::new(writer),
            searchable: AtomicI64::new(0),
            branch_names: Mutex::new(std::collections::HashMap::new()),
        };
        live.searchable.store(live.committed_position()?.unwrap_or(0), Ordering::SeqCst);
        Ok(live)
    }

    /// Returns the position of the last commit, or `None` for an index that was never
    /// committed or was made with another schema version.
    pub fn committed_position(&self) -> Result<Option<i64>, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .and_then(|payload| serde_json::from_str::<Payload>(&payload).ok())
            .filter(|payload| payload.schema == SCHEMA_VERSION)
            .map(|payload| payload.position))
    }

    /// Replaces the documents of `records` and deletes those of `removed`, uncommitted.
    /// A record whose stored description does not read is logged and dropped from the
    /// index rather than stopping the rest. Returns how many documents were written.
    pub fn apply(
        &self,
        records: &[IndexRecord],
        removed: &[RecordRef],
    ) -> Result<usize, SearchError> {
        let writer =
            self.writer.lock().map_err(|_| SearchError::Index("index writer poisoned".into()))?;
        let mut written = 0;
        for gone in removed {
            writer.delete_term(document::doc_key_term(
                &self.fields,
                &gone.tenant_id,
                &gone.record_id,
            ));
        }
        for record in records {
            writer.delete_term(document::doc_key_term(
                &self.fields,
                &record.tenant_id,
                &record.record_id,
            ));
            match document::build(&self.fields, record) {
                Ok(Some(doc)) => {
                    writer.add_document(doc)?;
                    written += 1;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, tenant = %record.tenant_id, "record left out of the search index");
                }
            }
        }
        Ok(written)
    }

    /// Deletes every document of a tenant, uncommitted.
    pub fn delete_tenant(&self, tenant_id: &str) -> Result<(), SearchError> {
        let writer =
            self.writer.lock().map_err(|_| SearchError::Index("index writer poisoned".into()))?;
        writer.delete_term(Term::from_field_text(self.fields.tenant, tenant_id));
        Ok(())
    }

    /// Commits what was applied as reflecting `position`, and makes it searchable.
    pub fn commit(&self, position: i64) -> Result<(), SearchError> {
        let mut writer =
            self.writer.lock().map_err(|_| SearchError::Index("index writer poisoned".into()))?;
        let payload = serde_json::to_string(&Payload { schema: SCHEMA_VERSION, position })
            .map_err(|error| SearchError::Index(error.to_string()))?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        if let Ok(mut names) = self.branch_names.lock() {
            names.clear();
        }
        self.searchable.store(position, Ordering::SeqCst);
        Ok(())
    }

    /// Returns the change-feed position that searches reflect: the last commit's, once
    /// the reader shows it (the commit is on disk a moment before).
    pub fn searchable_position(&self) -> i64 {
        self.searchable.load(Ordering::SeqCst)
    }

    /// Returns a branch's name remembered since the last commit.
    pub fn branch_name(&self, tenant_id: &str, code: &str) -> Option<String> {
        self.branch_names.lock().ok()?.get(&format!("{tenant_id}/{code}")).cloned()
    }

    /// Remembers a branch's name until the next commit.
    pub fn remember_branch_name(&self, tenant_id: &str, code: &str, name: &str) {
        if let Ok(mut names) = self.branch_names.lock() {
            names.insert(format!("{tenant_id}/{code}"), name.to_string());
        }
    }

    /// Drops what was applied since the last commit.
    pub fn rollback(&self) -> Result<(), SearchError> {
        let mut writer =
            self.writer.lock().map_err(|_| SearchError::Index("index writer poisoned".into()))?;
        writer.rollback()?;
        Ok(())
    }

    /// Returns how many documents the last reload sees.
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// The search folder: index folders and the `CURRENT` pointer.
#[derive(Debug, Clone)]
pub struct IndexFolder {
    root: PathBuf,
}

impl IndexFolder {
    /// The folder `root` (created when missing).
    pub fn new(root: &Path) -> Result<IndexFolder, SearchError> {
        std::fs::create_dir_all(root).map_err(|error| SearchError::io(root, error))?;
        Ok(IndexFolder { root: root.to_path_buf() })
    }

    /// Returns the folder of the index in use, if `CURRENT` names one that exists.
    pub fn current(&self) -> Option<PathBuf> {
        let name = std::fs::read_to_string(self.root.join("CURRENT")).ok()?;
        let name = name.trim();
        let valid = !name.is_empty()
            && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
        let dir = self.root.join(name);
        (valid && dir.is_dir()).then_some(dir)
    }

    /// Returns a fresh folder for a new index.
    pub fn fresh(&self) -> PathBuf {
        self.root.join(format!("index-{}", athenaeum_kernel::new_id()))
    }

    /// Makes `dir` the index in use, atomically, and removes every other index folder.
    pub fn publish(&self, dir: &Path) -> Result<(), SearchError> {
        let name = dir.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_string();
        let temporary = self.root.join("CURRENT.tmp");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&temporary)
                .map_err(|error| SearchError::io(&temporary, error))?;
            file.write_all(name.as_bytes()).map_err(|error| SearchError::io(&temporary, error))?;
            file.sync_all().map_err(|error| SearchError::io(&temporary, error))?;
        }
        let current = self.root.join("CURRENT");
        std::fs::rename(&temporary, &current).map_err(|error| SearchError::io(&current, error))?;
        if let Ok(folder) = std::fs::File::open(&self.root) {
            let _ = folder.sync_all();
        }
        self.remove_others(dir);
        Ok(())
    }

    /// Removes index folders other than `keep` (abandoned rebuilds, replaced indexes).
    pub fn remove_others(&self, keep: &Path) {
        let Ok(entries) = std::fs::read_dir(&self.root) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_index = path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("index-"));
            if is_index
                && path != keep
                && path.is_dir()
                && let Err(error) = std::fs::remove_dir_all(&path)
            {
                tracing::warn!(path = %path.display(), %error, "cannot remove an old search index");
            }
        }
    }
}
