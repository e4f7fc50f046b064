//! The MARC import engine: records stream from a reader, are prepared (described, keyed,
//! their embedded items found) off the database, and are written in batches, each batch
//! one transaction together with its change events, its problems and the job's counters.
//! So the counters never run ahead of what is committed, and a resumed job starts after
//! the last committed batch.
//!
//! Preparing the next batch overlaps with writing the current one: on a machine with two
//! cores the parsing and the database each get one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use athenaeum_auth::TenantScope;
use athenaeum_db::{Database, DbConnection, DbError};
use athenaeum_kernel::{ErrorCode, Timestamp, new_id, now};
use athenaeum_marc::{ReadOutcome, Record};
use tokio::sync::watch;

use crate::api::{ImportOptions, ItemMapping, ItemStatus, MatchRule, OnMatch, RecordKind};
use crate::domain::{
    EmbeddedItem, HeadingLink, KeyKind, MatchKey, embedded_items, heading_links, match_keys,
};
use crate::error::CatalogueError;
use crate::records::record_row;
use crate::store::{
    self, HeadingLinkRow, ImportProgress, ItemRow, KeyRow, NewChangeEvent, ProblemRow, RecordRow,
};

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
    pub database: Database,
    /// The tenant.
    pub scope: TenantScope,
    /// The job's id.
    pub job_id: String,
    /// How it runs.
    pub options: ImportOptions,
    /// The tenant's item mappings.
    pub mappings: Vec<ItemMapping>,
    /// Records per transaction.
    pub batch_size: usize,
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
    let context = Arc::new(PrepareContext {
        tenant_id: run.scope.tenant_id().to_string(),
        job_id: run.job_id.clone(),
        mappings: run.mappings.clone(),
        create_items: run.options.create_items,
        batch_size: run.batch_size.max(1),
        skip_through,
    });
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
        progress = write_batch(&run, batch, progress).await?;
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

struct PrepareContext {
    tenant_id: String,
    job_id: String,
    mappings: Vec<ItemMapping>,
    create_items: bool,
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
    let row =
        content.into_row(new_id(), &context.tenant_id, 1, Some(context.job_id.clone()), at, at);
    let items = if context.create_items && kind == RecordKind::Bibliographic {
        embedded_items(&record, &context.mappings)
    } else {
        Vec::new()
    };
    Entry::Record(Box::new(Prepared {
        position,
        byte_offset,
        keys: match_keys(&record, kind),
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
    batch: Batch,
    progress: ImportProgress,
) -> Result<ImportProgress, CatalogueError> {
    let Batch { entries, bytes_read, .. } = batch;
    let entries = Arc::new(entries);
    let error = match commit(run, Arc::clone(&entries), None, progress, bytes_read).await {
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
        progress = match commit(run, Arc::clone(&entries), Some(index), progress, bytes).await {
            Ok(progress) => progress,
            Err(error) if error.code() == ErrorCode::Unavailable => return Err(error.into()),
            Err(error) => {
                let message = format!("the record could not be stored: {error}");
                let failed = Arc::new(vec![failure_of(&entries[index], &message)]);
                commit(run, failed, None, progress, bytes).await?
            }
        };
    }
    Ok(progress)
}

/// Writes `entries` (or only the one at `only`) in one transaction.
async fn commit(
    run: &ImportRun,
    entries: Arc<Vec<Entry>>,
    only: Option<usize>,
    progress: ImportProgress,
    bytes_read: u64,
) -> Result<ImportProgress, DbError> {
    let scope = run.scope.clone();
    let job_id = run.job_id.clone();
    let options = run.options.clone();
    run.database
        .write(move |connection| {
            let chosen: Vec<&Entry> = match only {
                Some(index) => vec![&entries[index]],
                None => entries.iter().collect(),
            };
            write_entries(connection, &scope, &job_id, &options, &chosen, progress, bytes_read)
        })
        .await
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

/// What the batch decided for one record.
enum Decision {
    New,
    Overlay { existing_id: String, rule: MatchRule },
    Skip { rule: MatchRule },
}

/// Item codes of the tenant, loaded at the start of each batch transaction.
struct Codes {
    branches: HashMap<String, String>,
    locations: HashMap<(String, String), String>,
    material_types: HashMap<String, String>,
    loan_types: HashMap<String, String>,
}

fn load_codes(connection: &mut DbConnection, scope: &TenantScope) -> Result<Codes, DbError> {
    let branches =
        store::all_branches(connection, scope)?.into_iter().map(|row| (row.code, row.id)).collect();
    let locations = store::all_locations(connection, scope)?
        .into_iter()
        .map(|row| ((row.branch_id, row.code), row.id))
        .collect();
    let mut material_types = HashMap::new();
    let mut loan_types = HashMap::new();
    for term in store::all_terms(connection, scope)? {
        if term.vocabulary == "material_type" {
            material_types.insert(term.code, term.id);
        } else {
            loan_types.insert(term.code, term.id);
        }
    }
    Ok(Codes { branches, locations, material_types, loan_types })
}

/// The key kinds each match rule looks up.
fn rule_kind(rule: MatchRule) -> KeyKind {
    match rule {
        MatchRule::ControlNumber => KeyKind::Control,
        MatchRule::SystemNumber => KeyKind::System,
        MatchRule::Isbn => KeyKind::Isbn,
    }
}

#[expect(clippy::too_many_lines, reason = "one transaction's steps, in order")]
fn write_entries(
    connection: &mut DbConnection,
    scope: &TenantScope,
    job_id: &str,
    options: &ImportOptions,
    entries: &[&Entry],
    mut progress: ImportProgress,
    bytes_read: u64,
) -> Result<ImportProgress, DbError> {
    let at = now();
    let tenant_id = scope.tenant_id();
    let rules: Vec<MatchRule> =
        MatchRule::ALL.into_iter().filter(|rule| options.match_on.contains(rule)).collect();

    // 1. Look up every key the enabled rules need, in one query per kind, and the control
    //    numbers of the records they find.
    let mut existing: HashMap<(KeyKind, String), Vec<String>> = HashMap::new();
    for rule in &rules {
        let kind = rule_kind(*rule);
        let mut values: Vec<String> = entries
            .iter()
            .filter_map(|entry| match entry {
                Entry::Record(prepared) => Some(prepared),
                Entry::Failed { .. } => None,
            })
            .flat_map(|prepared| {
                prepared.keys.iter().filter(|key| key.kind == kind).map(|key| key.value.clone())
            })
            .collect();
        values.sort();
        values.dedup();
        // Oldest record first (ids sort by creation).
        for (value, record_id) in store::find_keys(connection, scope, kind.as_str(), &values)? {
            existing.entry((kind, value)).or_default().push(record_id);
        }
    }
    let mut candidates: Vec<String> = existing
        .iter()
        .filter(|((kind, _), _)| *kind != KeyKind::Control)
        .flat_map(|(_, ids)| ids.iter().cloned())
        .collect();
    candidates.sort();
    candidates.dedup();
    let mut stored_controls: HashMap<String, Vec<String>> = HashMap::new();
    for (record_id, value) in
        store::keys_of(connection, scope, KeyKind::Control.as_str(), &candidates)?
    {
        stored_controls.entry(record_id).or_default().push(value);
    }

    // 2. Decide each record, also against records earlier in this batch. A match by
    //    system number or ISBN is not taken when both records carry control numbers from
    //    the same source that differ: they are different records that share a number
    //    (volumes of a set under one ISBN, a reprint).
    let mut in_batch: HashMap<(KeyKind, String), usize> = HashMap::new();
    let mut decisions: Vec<Option<Decision>> = Vec::with_capacity(entries.len());
    let mut targets: Vec<Option<usize>> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let Entry::Record(prepared) = entry else {
            decisions.push(None);
            targets.push(None);
            continue;
        };
        let own_control: Option<&str> = prepared
            .keys
            .iter()
            .find(|key| key.kind == KeyKind::Control)
            .map(|key| key.value.as_str());
        let conflicts = |controls: &mut dyn Iterator<Item = &str>| -> bool {
            let Some(own) = own_control else { return false };
            let source = own.rsplit_once('|').map_or("", |(source, _)| source);
            for other in controls {
                if other.rsplit_once('|').map_or("", |(other_source, _)| other_source) == source
                    && other != own
                {
                    return true;
                }
            }
            false
        };
        let mut found: Option<(String, Option<usize>, MatchRule)> = None;
        'rules: for rule in &rules {
            let kind = rule_kind(*rule);
            for key in prepared.keys.iter().filter(|key| key.kind == kind) {
                let lookup = (kind, key.value.clone());
                if let Some(earlier) = in_batch.get(&lookup)
                    && let Entry::Record(earlier_record) = entries[*earlier]
                {
                    let mut controls = earlier_record
                        .keys
                        .iter()
                        .filter(|key| key.kind == KeyKind::Control)
                        .map(|key| key.value.as_str());
                    if kind == KeyKind::Control || !conflicts(&mut controls) {
                        found = Some((earlier_record.row.id.clone(), Some(*earlier), *rule));
                        break 'rules;
                    }
                }
                for existing_id in existing.get(&lookup).into_iter().flatten() {
                    let mut controls =
                        stored_controls.get(existing_id).into_iter().flatten().map(String::as_str);
                    if kind == KeyKind::Control || !conflicts(&mut controls) {
                        found = Some((existing_id.clone(), None, *rule));
                        break 'rules;
                    }
                }
            }
        }
        let (decision, target) = match found {
            None => (Decision::New, None),
            Some((existing_id, target, rule)) => match options.on_match {
                OnMatch::Overlay => (Decision::Overlay { existing_id, rule }, target),
                OnMatch::Skip => (Decision::Skip { rule }, target),
            },
        };
        if !matches!(decision, Decision::Skip { .. }) {
            for key in &prepared.keys {
                in_batch.entry((key.kind, key.value.clone())).or_insert(target.unwrap_or(index));
            }
        }
        decisions.push(Some(decision));
        targets.push(target);
    }

    // 3. Build the rows. A record that overlays one earlier in this batch replaces that
    //    one's row; one that overlays a stored record updates it.
    let overlaid_ids: Vec<String> = decisions
        .iter()
        .zip(&targets)
        .filter_map(|(decision, target)| match (decision, target) {
            (Some(Decision::Overlay { existing_id, .. }), None) => Some(existing_id.clone()),
            _ => None,
        })
        .collect();
    let stored: HashMap<String, (i32, Timestamp)> =
        store::record_versions(connection, scope, &overlaid_ids)?
            .into_iter()
            .map(|(id, version, created_at)| (id, (version, created_at)))
            .collect();

    let mut new_rows: Vec<RecordRow> = Vec::new();
    let mut new_index: HashMap<usize, usize> = HashMap::new();
    let mut updates: Vec<(RecordRow, i32)> = Vec::new();
    let mut written: Vec<(usize, String)> = Vec::new();
    let mut problems: Vec<ProblemRow> = Vec::new();
    let mut events: Vec<NewChangeEvent> = Vec::new();
    let problem = |position: u64,
                   byte_offset: u64,
                   control_number: Option<String>,
                   severity: &str,
                   message: String| ProblemRow {
        id: new_id(),
        tenant_id: tenant_id.to_string(),
        job_id: job_id.to_string(),
        position: i64::try_from(position).unwrap_or(i64::MAX),
        byte_offset: i64::try_from(byte_offset).unwrap_or(i64::MAX),
        control_number,
        severity: severity.to_string(),
        message,
    };

    for (index, entry) in entries.iter().enumerate() {
        progress.records_read += 1;
        progress.next_position =
            progress.next_position.max(i64::try_from(entry.position()).unwrap_or(i64::MAX));
        let prepared = match entry {
            Entry::Failed { position, byte_offset, control_number, message } => {
                progress.records_failed += 1;
                problems.push(problem(
                    *position,
                    *byte_offset,
                    control_number.clone(),
                    "error",
                    message.clone(),
                ));
                continue;
            }
            Entry::Record(prepared) => prepared,
        };
        for warning in &prepared.warnings {
            progress.warnings += 1;
            problems.push(problem(
                prepared.position,
                prepared.byte_offset,
                prepared.row.control_number.clone(),
                "warning",
                warning.clone(),
            ));
        }
        let Some(decision) = &decisions[index] else { continue };
        match decision {
            Decision::New => {
                progress.records_new += 1;
                new_index.insert(index, new_rows.len());
                new_rows.push(prepared.row.clone());
                written.push((index, prepared.row.id.clone()));
            }
            Decision::Skip { rule, .. } => {
                progress.records_skipped += 1;
                count_rule(&mut progress, *rule);
            }
            Decision::Overlay { existing_id, rule } => {
                progress.records_overlaid += 1;
                count_rule(&mut progress, *rule);
                match targets[index].and_then(|target| new_index.get(&target).copied()) {
                    Some(slot) => {
                        // Replaces a record created earlier in this same batch.
                        let earlier = &new_rows[slot];
                        let mut row = prepared.row.clone();
                        row.id = earlier.id.clone();
                        row.created_at = earlier.created_at;
                        new_rows[slot] = row;
                        written.push((index, existing_id.clone()));
                    }
                    None => {
                        let (version, created_at) = match stored.get(existing_id) {
                            Some(old) => *old,
                            None => match updates.iter().find(|(row, _)| &row.id == existing_id) {
                                Some((row, version)) => (*version, row.created_at),
                                None => continue,
                            },
                        };
                        let mut row = prepared.row.clone();
                        row.id = existing_id.clone();
                        row.created_at = created_at;
                        row.version = version + 1;
                        updates.retain(|(pending, _)| &pending.id != existing_id);
                        updates.push((row, version));
                        written.push((index, existing_id.clone()));
                    }
                }
            }
        }
    }

    // 4. Records, then their keys and heading links.
    store::insert_records(connection, &new_rows)?;
    for row in &new_rows {
        events.push(change(tenant_id, "record", &row.id, &row.id, "created", at));
    }
    for (row, version) in &updates {
        if store::update_record(connection, scope, row, *version)? == 0 {
            // Edited by someone while the batch ran; the batch is redone record by record
            // and this record reported.
            return Err(DbError::Query(diesel::result::Error::RollbackTransaction));
        }
        events.push(change(tenant_id, "record", &row.id, &row.id, "updated", at));
    }
    let touched: Vec<String> = updates.iter().map(|(row, _)| row.id.clone()).collect();
    store::delete_keys(connection, scope, &touched)?;
    store::delete_heading_links(connection, scope, &touched)?;

    // The last content written for each record id wins (a record overlaid twice in one
    // batch keeps the second's keys).
    let mut final_entry: HashMap<&str, usize> = HashMap::new();
    for (index, record_id) in &written {
        final_entry.insert(record_id.as_str(), *index);
    }
    let mut key_rows = Vec::new();
    let mut link_rows = Vec::new();
    let mut authority_keys: Vec<(String, String)> = Vec::new();
    let mut wanted_authorities: Vec<String> = Vec::new();
    for (record_id, index) in &final_entry {
        let Entry::Record(prepared) = entries[*index] else { continue };
        for key in &prepared.keys {
            key_rows.push(KeyRow {
                tenant_id: tenant_id.to_string(),
                kind: key.kind.as_str().to_string(),
                value: key.value.clone(),
                record_id: (*record_id).to_string(),
            });
            if key.kind == KeyKind::Authority {
                authority_keys.push((key.value.clone(), (*record_id).to_string()));
            }
        }
        for link in &prepared.links {
            wanted_authorities.push(link.authority_key.clone());
        }
    }
    wanted_authorities.sort();
    wanted_authorities.dedup();
    let known_authorities: HashMap<String, String> =
        store::find_keys(connection, scope, KeyKind::Authority.as_str(), &wanted_authorities)?
            .into_iter()
            .collect();
    for (record_id, index) in &final_entry {
        let Entry::Record(prepared) = entries[*index] else { continue };
        for link in &prepared.links {
            link_rows.push(HeadingLinkRow {
                id: new_id(),
                tenant_id: tenant_id.to_string(),
                record_id: (*record_id).to_string(),
                tag: link.tag.clone(),
                heading: link.heading.clone(),
                authority_key: link.authority_key.clone(),
                authority_id: known_authorities.get(&link.authority_key).cloned(),
            });
        }
    }
    key_rows.sort_by(|left, right| {
        (&left.kind, &left.value, &left.record_id).cmp(&(
            &right.kind,
            &right.value,
            &right.record_id,
        ))
    });
    key_rows.dedup();
    store::insert_keys(connection, &key_rows)?;
    store::insert_heading_links(connection, &link_rows)?;
    for (key, authority_id) in &authority_keys {
        store::link_headings(connection, scope, key, authority_id)?;
    }

    // 5. Items from embedded holdings fields.
    let mut codes = load_codes(connection, scope)?;
    // Every written entry's items count, also those of an entry a later one in the batch
    // overlaid: overlaying replaces a record's MARC, never drops its items.
    let mut barcodes: Vec<String> = Vec::new();
    for (index, _) in &written {
        let Entry::Record(prepared) = entries[*index] else { continue };
        barcodes.extend(
            prepared
                .items
                .iter()
                .filter_map(|item| item.as_ref().ok())
                .map(|item| item.barcode.clone()),
        );
    }
    barcodes.sort();
    barcodes.dedup();
    let taken: HashMap<String, String> =
        store::existing_barcodes(connection, scope, &barcodes)?.into_iter().collect();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut item_rows: Vec<ItemRow> = Vec::new();
    for (index, record_id) in &written {
        let (index, record_id) = (*index, record_id.as_str());
        let Entry::Record(prepared) = entries[index] else { continue };
        let report = |problems: &mut Vec<ProblemRow>, severity: &str, message: String| {
            problems.push(problem(
                prepared.position,
                prepared.byte_offset,
                prepared.row.control_number.clone(),
                severity,
                message,
            ));
        };
        for item in &prepared.items {
            let item = match item {
                Ok(item) => item,
                Err(message) => {
                    progress.items_failed += 1;
                    report(&mut problems, "error", message.clone());
                    continue;
                }
            };
            if let Some(owner) = taken.get(&item.barcode) {
                if owner != record_id {
                    progress.items_failed += 1;
                    report(
                        &mut problems,
                        "error",
                        format!(
                            "item barcode {} is already used by an item of another record",
                            item.barcode
                        ),
                    );
                }
                // Already on this record (the file was imported before): kept as it is.
                continue;
            }
            if !claimed.insert(item.barcode.clone()) {
                progress.items_failed += 1;
                report(
                    &mut problems,
                    "error",
                    format!("item barcode {} appears twice in the file", item.barcode),
                );
                continue;
            }
            match item_row(
                connection,
                scope,
                &mut codes,
                options.create_missing_codes,
                record_id,
                item,
                at,
            )? {
                Ok(row) => {
                    for warning in &item.warnings {
                        progress.warnings += 1;
                        report(&mut problems, "warning", warning.clone());
                    }
                    events.push(change(tenant_id, "item", &row.id, record_id, "created", at));
                    item_rows.push(row);
                    progress.items_created += 1;
                }
                Err(message) => {
                    progress.items_failed += 1;
                    report(&mut problems, "error", message);
                }
            }
        }
    }
    store::insert_items(connection, &item_rows)?;

    // 6. Problems, counters, and last the change events.
    store::insert_problems(connection, &problems)?;
    progress.bytes_read = i64::try_from(bytes_read).unwrap_or(i64::MAX).max(progress.bytes_read);
    store::save_progress(connection, scope, job_id, &progress, at)?;
    store::append_changes(connection, &events)?;
    Ok(progress)
}

fn count_rule(progress: &mut ImportProgress, rule: MatchRule) {
    match rule {
        MatchRule::ControlNumber => progress.matched_by_control += 1,
        MatchRule::SystemNumber => progress.matched_by_system += 1,
        MatchRule::Isbn => progress.matched_by_isbn += 1,
    }
}

/// Returns a change event row.
pub(crate) fn change(
    tenant_id: &str,
    entity: &str,
    entity_id: &str,
    record_id: &str,
    kind: &str,
    at: Timestamp,
) -> NewChangeEvent {
    NewChangeEvent {
        tenant_id: tenant_id.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        record_id: record_id.to_string(),
        change: kind.to_string(),
        occurred_at: at,
    }
}

/// Resolves an embedded item's codes (creating missing ones when allowed) into a row.
fn item_row(
    connection: &mut DbConnection,
    scope: &TenantScope,
    codes: &mut Codes,
    create_missing: bool,
    record_id: &str,
    item: &EmbeddedItem,
    at: Timestamp,
) -> Result<Result<ItemRow, String>, DbError> {
    let tenant_id = scope.tenant_id();
    let branch_id = match codes.branches.get(&item.branch) {
        Some(id) => id.clone(),
        None if create_missing => {
            let row = store::BranchRow {
                id: new_id(),
                tenant_id: tenant_id.to_string(),
                code: item.branch.clone(),
                name: item.branch.clone(),
                created_at: at,
                updated_at: at,
            };
            store::insert_branch(connection, &row)?;
            codes.branches.insert(row.code.clone(), row.id.clone());
            row.id
        }
        None => {
            return Ok(Err(format!(
                "item {}: the library has no branch with code {:?}",
                item.barcode, item.branch
            )));
        }
    };
    let location_id = match &item.location {
        None => None,
        Some(code) => match codes.locations.get(&(branch_id.clone(), code.clone())) {
            Some(id) => Some(id.clone()),
            None if create_missing => {
                let row = store::LocationRow {
                    id: new_id(),
                    tenant_id: tenant_id.to_string(),
                    branch_id: branch_id.clone(),
                    code: code.clone(),
                    name: code.clone(),
                    created_at: at,
                    updated_at: at,
                };
                store::insert_location(connection, &row)?;
                codes.locations.insert((branch_id.clone(), code.clone()), row.id.clone());
                Some(row.id)
            }
            None => {
                return Ok(Err(format!(
                    "item {}: branch {} has no shelving location with code {code:?}",
                    item.barcode, item.branch
                )));
            }
        },
    };
    let mut term = |vocabulary: &str,
                    code: &Option<String>|
     -> Result<Result<Option<String>, String>, DbError> {
        let Some(code) = code else { return Ok(Ok(None)) };
        let list = if vocabulary == "material_type" {
            &mut codes.material_types
        } else {
            &mut codes.loan_types
        };
        if let Some(id) = list.get(code) {
            return Ok(Ok(Some(id.clone())));
        }
        if !create_missing {
            return Ok(Err(format!(
                "item {}: the library has no {} with code {code:?}",
                item.barcode,
                vocabulary.replace('_', " ")
            )));
        }
        let row = store::TermRow {
            id: new_id(),
            tenant_id: tenant_id.to_string(),
            vocabulary: vocabulary.to_string(),
            code: code.clone(),
            name: code.clone(),
            created_at: at,
            updated_at: at,
        };
        store::insert_term(connection, &row)?;
        list.insert(code.clone(), row.id.clone());
        Ok(Ok(Some(row.id)))
    };
    let material_type_id = match term("material_type", &item.material_type)? {
        Ok(id) => id,
        Err(message) => return Ok(Err(message)),
    };
    let loan_type_id = match term("loan_type", &item.loan_type)? {
        Ok(id) => id,
        Err(message) => return Ok(Err(message)),
    };
    Ok(Ok(ItemRow {
        id: new_id(),
        tenant_id: tenant_id.to_string(),
        record_id: record_id.to_string(),
        barcode: item.barcode.clone(),
        branch_id,
        location_id,
        call_number: item.call_number.clone(),
        material_type_id,
        loan_type_id,
        copy_number: item.copy_number.clone(),
        volume: item.volume.clone(),
        price_minor: item.price_minor,
        status: item.status.as_str().to_string(),
        status_changed_at: at,
        status_reason: (item.status != ItemStatus::Available).then(|| "imported".to_string()),
        public_note: item.public_note.clone(),
        staff_note: item.staff_note.clone(),
        version: 1,
        created_at: at,
        updated_at: at,
    }))
}

/// Parses a stored record back; a stored record that no longer parses is our fault.
pub(crate) fn stored_record(marc_json: &str) -> Result<Record, CatalogueError> {
    athenaeum_marc::json::from_str(marc_json)
        .map_err(|error| CatalogueError::Internal(format!("stored record does not parse: {error}")))
}
