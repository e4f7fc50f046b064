//! The MARC import engine: records stream from a reader, are prepared (described, keyed,
//! their embedded items found) off the database, and are written in batches, each batch
//! one transaction together with its change events, its problems and the job's counters.
//! So the counters never run ahead of what is committed, and a resumed job starts after
//! the last committed batch.
//!
//! Preparing the next batch overlaps with writing the current one: on a machine with two
//! cores the parsing and the database each get one. How a batch is written (look up,
//! decide, build rows, write) is `entries`; its embedded items are `items`. A preview
//! runs the same way but writes only what each record would become (`preview`).

mod entries;
mod items;
mod preview;

use std::sync::{Arc, Mutex};

use athenaeum_auth::TenantScope;
use athenaeum_db::DbError;
use athenaeum_kernel::{ErrorCode, Timestamp, new_id, now};
use athenaeum_library_db::LibraryDatabase;
use athenaeum_marc::ReadOutcome;
use tokio::sync::watch;

use crate::api::{ImportMode, ImportOptions, ItemMapping, RecordKind};
use crate::domain::matching::MatchSettings;
use crate::domain::{
    EmbeddedItem, FieldRef, HeadingLink, MatchKey, embedded_items, heading_links, match_keys,
    parse_field_ref,
};
use crate::error::CatalogueError;
use crate::records::record_row;
use crate::store::{self, ImportProgress, RecordRow};

/// Reads records one at a time; the format is already detected.
pub type RecordSource = Box<dyn Iterator<Item = ReadOutcome> + Send>;

/// A record ready to be written.
struct Prepared {
    position: u64,
    byte_offset: u64,
    row: RecordRow,
    keys: Vec<MatchKey>,
    links: Vec<HeadingLink>,
    items: Vec<Result<EmbeddedItem, String>>,
    warnings: Vec<String>,
}

/// One entry of a batch: a prepared record, or one that could not be read.
enum Entry {
    Record(Box<Prepared>),
    Failed { position: u64, byte_offset: u64, control_number: Option<String>, message: String },
}

impl Entry {
    fn position(&self) -> u64 {
        match self {
            Entry::Record(prepared) => prepared.position,
            Entry::Failed { position, .. } => *position,
        }
    }

    fn byte_offset(&self) -> u64 {
        match self {
            Entry::Record(prepared) => prepared.byte_offset,
            Entry::Failed { byte_offset, .. } => *byte_offset,
        }
    }
}

/// A batch of entries and where the reader stood after it.
struct Batch {
    entries: Vec<Entry>,
    /// Bytes of the file read once the batch was complete.
    bytes_read: u64,
    /// Whether the reader is exhausted.
    finished: bool,
}

/// What an import needs to run.
pub struct ImportRun {
    /// The library database.
    pub database: LibraryDatabase,
    /// The tenant.
    pub scope: TenantScope,
    /// The job's id.
    pub job_id: String,
    /// How it runs.
    pub options: ImportOptions,
    /// Whether it writes the catalogue or only records what it would do.
    pub mode: ImportMode,
    /// The tenant's item mappings.
    pub mappings: Vec<ItemMapping>,
    /// Records per transaction.
    pub batch_size: usize,
    /// Problems listed for the job; more are counted only.
    pub problems_listed: u64,
    /// The counters as committed so far (non-zero when resuming).
    pub progress: ImportProgress,
}

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every record was read.
    Completed,
    /// Told to stop between batches; the job resumes from its last committed batch.
    Stopped,
}

/// Runs an import to the end of `source` (or until `stop` turns true), committing a batch
/// at a time. `bytes_read` tells how far the reader is; `on_batch` hears the committed
/// counters after each batch (the command line draws its progress bar with them).
///
/// Fails only when the database fails in a way retrying record by record cannot get
/// around (it is unreachable, or the job row is gone).
pub async fn run_import(
    run: ImportRun,
    source: RecordSource,
    bytes_read: impl Fn() -> u64 + Send + Sync + 'static,
    mut stop: watch::Receiver<bool>,
    mut on_batch: impl FnMut(&ImportProgress) + Send,
) -> Result<(Ending, ImportProgress), CatalogueError> {
    let bytes_read = Arc::new(bytes_read);
    let skip_through = u64::try_from(run.progress.next_position).unwrap_or(0);
    let local_field = local_field(&run.options)?;
    let context = Arc::new(PrepareContext {
        job_id: run.job_id.clone(),
        mappings: run.mappings.clone(),
        create_items: run.options.create_items,
        local_field: local_field.clone(),
        batch_size: run.batch_size.max(1),
        skip_through,
    });
    let settings =
        Arc::new(MatchSettings::new(&run.options.match_on, local_field, run.options.on_match));
    let memory = Arc::new(Mutex::new(preview::PreviewMemory::default()));
    let mut progress = run.progress;
    let mut batches: u64 = 0;
    let mut pending = spawn_prepare(Arc::clone(&context), source, Arc::clone(&bytes_read));
    loop {
        let (batch, source) = pending
            .await
            .map_err(|error| CatalogueError::Internal(format!("import reader stopped: {error}")))?;
        let finished = batch.finished;
        // Read and prepare the next batch while this one is written.
        let next = (!finished)
            .then(|| spawn_prepare(Arc::clone(&context), source, Arc::clone(&bytes_read)));
        progress = write_batch(&run, &settings, &memory, batch, progress).await?;
        batches += 1;
        if batches.is_power_of_two() {
            // The tables have doubled since the last time: refresh the planner's view.
            run.database.read(store::refresh_statistics).await.map_err(CatalogueError::from)?;
        }
        on_batch(&progress);
        match next {
            None => return Ok((Ending::Completed, progress)),
            Some(next) => {
                if *stop.borrow_and_update() {
                    return Ok((Ending::Stopped, progress));
                }
                pending = next;
            }
        }
    }
}

/// Returns the field an import names for the local number rule, parsed.
///
/// Fails with `VALIDATION` naming `localNumberField` when it is not `TAG$code`.
pub fn local_field(options: &ImportOptions) -> Result<Option<FieldRef>, CatalogueError> {
    options
        .local_number_field
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| {
            parse_field_ref(text).map_err(|problem| {
                athenaeum_kernel::ApiError::validation("localNumberField", problem).into()
            })
        })
        .transpose()
}

struct PrepareContext {
    job_id: String,
    mappings: Vec<ItemMapping>,
    create_items: bool,
    local_field: Option<FieldRef>,
    batch_size: usize,
    skip_through: u64,
}

fn spawn_prepare(
    context: Arc<PrepareContext>,
    mut source: RecordSource,
    bytes_read: Arc<impl Fn() -> u64 + Send + Sync + 'static>,
) -> tokio::task::JoinHandle<(Batch, RecordSource)> {
    tokio::task::spawn_blocking(move || {
        let mut entries = Vec::with_capacity(context.batch_size);
        let mut finished = true;
        let at = now();
        for outcome in source.by_ref() {
            if outcome.position <= context.skip_through {
                continue;
            }
            entries.push(prepare(&context, outcome, at));
            if entries.len() >= context.batch_size {
                finished = false;
                break;
            }
        }
        let batch = Batch { entries, bytes_read: bytes_read(), finished };
        (batch, source)
    })
}

fn prepare(context: &PrepareContext, outcome: ReadOutcome, at: Timestamp) -> Entry {
    let ReadOutcome { position, byte_offset, record, warnings } = outcome;
    let record = match record {
        Ok(record) => record,
        Err(error) => {
            return Entry::Failed {
                position,
                byte_offset,
                control_number: error.control_number,
                message: error.message,
            };
        }
    };
    let content = match record_row(&record) {
        Ok(content) => content,
        Err(message) => {
            return Entry::Failed {
                position,
                byte_offset,
                control_number: record.control_number().map(str::to_string),
                message,
            };
        }
    };
    let kind = content.kind;
    let row = content.into_row(new_id(), 1, Some(context.job_id.clone()), at, at);
    let items = if context.create_items && kind == RecordKind::Bibliographic {
        embedded_items(&record, &context.mappings)
    } else {
        Vec::new()
    };
    Entry::Record(Box::new(Prepared {
        position,
        byte_offset,
        keys: match_keys(&record, kind, context.local_field.as_ref()),
        links: heading_links(&record),
        items,
        warnings,
        row,
    }))
}

/// Writes one batch in one transaction. If the transaction fails for a reason other than
/// an unreachable database, the batch is written again record by record, so that the
/// record at fault is reported and the others are kept.
async fn write_batch(
    run: &ImportRun,
    settings: &Arc<MatchSettings>,
    memory: &Arc<Mutex<preview::PreviewMemory>>,
    batch: Batch,
    progress: ImportProgress,
) -> Result<ImportProgress, CatalogueError> {
    let Batch { entries, bytes_read, .. } = batch;
    let entries = Arc::new(entries);
    let commit_entries = |entries: Arc<Vec<Entry>>, only: Option<usize>, progress, bytes_read| {
        commit(run, Arc::clone(settings), Arc::clone(memory), entries, only, progress, bytes_read)
    };
    let error = match commit_entries(Arc::clone(&entries), None, progress, bytes_read).await {
        Ok(progress) => return Ok(progress),
        Err(error) if error.code() == ErrorCode::Unavailable => return Err(error.into()),
        Err(error) => error,
    };
    tracing::warn!(job = %run.job_id, %error, "import batch failed; retrying record by record");
    let mut progress = progress;
    for index in 0..entries.len() {
        // Only the batch's last record moves the byte count to where the batch ends.
        let bytes = if index + 1 == entries.len() {
            bytes_read
        } else {
            u64::try_from(progress.bytes_read).unwrap_or(0)
        };
        progress = match commit_entries(Arc::clone(&entries), Some(index), progress, bytes).await {
            Ok(progress) => progress,
            Err(error) if error.code() == ErrorCode::Unavailable => return Err(error.into()),
            Err(error) => {
                let message = format!("the record could not be stored: {error}");
                let failed = Arc::new(vec![failure_of(&entries[index], &message)]);
                commit_entries(failed, None, progress, bytes).await?
            }
        };
    }
    Ok(progress)
}

/// Writes `entries` (or only the one at `only`) in one transaction; a preview's memory of
/// the file's records learns the batch's only once it has committed.
async fn commit(
    run: &ImportRun,
    settings: Arc<MatchSettings>,
    memory: Arc<Mutex<preview::PreviewMemory>>,
    entries: Arc<Vec<Entry>>,
    only: Option<usize>,
    progress: ImportProgress,
    bytes_read: u64,
) -> Result<ImportProgress, DbError> {
    let scope = run.scope.clone();
    let job_id = run.job_id.clone();
    let options = run.options.clone();
    let mode = run.mode;
    let problems_listed = run.problems_listed;
    let batch_memory = Arc::clone(&memory);
    let (progress, learned) = run
        .database
        .write(move |transaction| {
            let chosen: Vec<&Entry> = match only {
                Some(index) => vec![&entries[index]],
                None => entries.iter().collect(),
            };
            let seen = match mode {
                ImportMode::Import => None,
                ImportMode::Preview => Some(batch_memory.lock().map_err(|_| {
                    DbError::Task("the preview's memory was poisoned by a panic".to_string())
                })?),
            };
            let batch = entries::BatchWrite {
                scope: &scope,
                job_id: &job_id,
                options: &options,
                settings: &settings,
                seen: seen.as_deref(),
                problems_listed,
            };
            batch.write(transaction, &chosen, progress, bytes_read)
        })
        .await?;
    if let (Some(learned), Ok(mut memory)) = (learned, memory.lock()) {
        memory.learn(learned);
    }
    Ok(progress)
}

fn failure_of(entry: &Entry, message: &str) -> Entry {
    match entry {
        Entry::Record(prepared) => Entry::Failed {
            position: prepared.position,
            byte_offset: prepared.byte_offset,
            control_number: prepared.row.control_number.clone(),
            message: message.to_string(),
        },
        Entry::Failed { position, byte_offset, control_number, message } => Entry::Failed {
            position: *position,
            byte_offset: *byte_offset,
            control_number: control_number.clone(),
            message: message.clone(),
        },
    }
}
