//! Running imports: the queue of uploaded files, resuming interrupted jobs after a
//! restart, and the command line's imports of local files.

use std::path::Path;
use std::sync::Arc;

use athenaeum_auth::TenantScope;
use athenaeum_kernel::{ApiError, ServiceError, now};
use tokio::sync::watch;

use super::imports::{check_options, job_view, new_job_row};
use super::{CatalogueService, Outcome, not_found};
use crate::api::*;
use crate::domain::KeyKind;
use crate::error::CatalogueError;
use crate::import::{self, Ending, ImportRun};
use crate::store::{self, ImportJobRow, ImportProgress, StatusChange};

impl CatalogueService {
    /// Runs queued imports (and, first, the ones a restart interrupted) until `stop`
    /// turns true, `import_workers` at a time. An import stopped between batches stays
    /// running and resumes at the next start.
    pub async fn run_imports(self: Arc<Self>, stop: watch::Receiver<bool>) {
        let Some(mut receiver) = self.queue_receiver.lock().ok().and_then(|mut slot| slot.take())
        else {
            return;
        };
        let interrupted = self
            .library
            .read(|connection| Ok::<_, CatalogueError>(store::unfinished_jobs(connection)?))
            .await;
        match interrupted {
            Ok(jobs) => {
                for job in jobs {
                    tracing::info!(job = %job.id, position = job.next_position, "resuming import");
                    let _ = self.queue.send((job.tenant_id, job.id));
                }
            }
            Err(error) => tracing::error!(%error, "cannot look for interrupted imports"),
        }
        let permits = Arc::new(tokio::sync::Semaphore::new(self.config.import_workers.max(1)));
        let mut running = tokio::task::JoinSet::new();
        {
            let service = Arc::clone(&self);
            let stop = stop.clone();
            running.spawn(async move {
                if let Err(error) = service.backfill_match_keys(stop).await {
                    tracing::error!(%error, "giving older records their local number and content keys failed; the next start tries again");
                }
            });
        }
        let mut stop_signal = stop.clone();
        loop {
            tokio::select! {
                next = receiver.recv() => {
                    let Some((tenant_id, job_id)) = next else { break };
                    let Ok(permit) = Arc::clone(&permits).acquire_owned().await else { break };
                    let service = Arc::clone(&self);
                    let stop = stop.clone();
                    running.spawn(async move {
                        service.run_queued_import(&tenant_id, &job_id, stop).await;
                        drop(permit);
                    });
                }
                _ = stop_signal.changed() => {
                    if *stop_signal.borrow() { break; }
                }
            }
        }
        while running.join_next().await.is_some() {}
    }

    /// Gives records stored before the local number and content rules existed their
    /// keys for those rules, a batch at a time, until none is left or `stop` turns true.
    /// Safe beside running imports (keys they wrote are kept) and after a crash (it
    /// carries on with the records still without a content key).
    pub async fn backfill_match_keys(&self, stop: watch::Receiver<bool>) -> Outcome<u64> {
        let mut given = 0;
        loop {
            if *stop.borrow() {
                return Ok(given);
            }
            let verifier = self.verifier.clone();
            let count = self
                .library
                .write(move |transaction| {
                    let records = store::records_without_content_key(transaction, 500)?;
                    for record in &records {
                        let marc = crate::records::stored_record(&record.marc)?;
                        let kind = RecordKind::try_from(record.kind.clone())
                            .map_err(|error| CatalogueError::Internal(error.to_string()))?;
                        let keys: Vec<store::KeyRow> = crate::domain::match_keys(&marc, kind, None)
                            .into_iter()
                            .filter(|key| matches!(key.kind, KeyKind::Local | KeyKind::Content))
                            .map(|key| store::KeyRow {
                                kind: key.kind,
                                value: key.value,
                                record_id: record.id.clone(),
                            })
                            .collect();
                        // The record was written under its tenant's scope; this is upkeep
                        // of that stored work.
                        let scope = verifier.resumed_work_scope(&record.tenant_id);
                        store::insert_missing_keys(transaction, &scope, &keys)?;
                    }
                    Ok::<_, CatalogueError>(records.len())
                })
                .await?;
            if count == 0 {
                if given > 0 {
                    tracing::info!(
                        records = given,
                        "older records given local number and content keys"
                    );
                }
                return Ok(given);
            }
            given += u64::try_from(count).unwrap_or(0);
        }
    }

    async fn run_queued_import(&self, tenant_id: &str, job_id: &str, stop: watch::Receiver<bool>) {
        // The job row was written under the scope of the person who started the import.
        let scope = self.verifier.resumed_work_scope(tenant_id);
        let outcome = self.run_spooled_import(&scope, job_id, stop).await;
        if let Err(error) = outcome {
            tracing::error!(job = %job_id, %error, "import failed");
            let message = match &error {
                CatalogueError::Refused(refusal) => refusal.message.clone(),
                _ => "the import stopped on an error on our side; it can be started again"
                    .to_string(),
            };
            let id = job_id.to_string();
            let _ = self
                .library
                .write(move |transaction| {
                    let failed = StatusChange {
                        from: &[ImportStatus::Queued, ImportStatus::Running],
                        to: ImportStatus::Failed,
                        error: Some(&message),
                        finished_at: Some(now()),
                    };
                    store::set_job_status(transaction, &scope, &id, failed, now())
                })
                .await;
        }
    }

    async fn run_spooled_import(
        &self,
        scope: &TenantScope,
        job_id: &str,
        stop: watch::Receiver<bool>,
    ) -> Outcome<()> {
        let job = self.job(scope, job_id).await?;
        let path = self.spool_path(job_id);
        let display = path.display().to_string();
        let reader = tokio::task::spawn_blocking(move || athenaeum_marc::RecordReader::open(&path))
            .await
            .map_err(|error| CatalogueError::Internal(error.to_string()))?
            .map_err(|source| CatalogueError::File { path: display, source })?;
        let mode = job.mode;
        let (ending, _) = self.run_job(scope, job, reader, stop, |_| {}).await?;
        // A finished preview keeps its file, to be committed or previewed again.
        if ending == Ending::Completed && mode == ImportMode::Import {
            let path = self.spool_path(job_id);
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        }
        Ok(())
    }

    /// Runs an import job over `reader`: marks it running, imports every record after
    /// the job's last committed one, then marks it completed (or leaves it running when
    /// stopped, to resume later). A preview writes only what each record would become,
    /// and one that was interrupted starts over from the first record (what it learns of
    /// the file as it goes is not kept). `on_batch` hears the committed counters.
    pub async fn run_job(
        &self,
        scope: &TenantScope,
        job: ImportJobRow,
        reader: athenaeum_marc::RecordReader,
        stop: watch::Receiver<bool>,
        on_batch: impl FnMut(&ImportProgress) + Send,
    ) -> Outcome<(Ending, ImportJobRow)> {
        let options: ImportOptions = serde_json::from_str(&job.options).map_err(|error| {
            CatalogueError::Internal(format!("stored import options do not parse: {error}"))
        })?;
        let mappings = self.item_mappings(scope).await?;
        let format = match reader.format() {
            Some(athenaeum_marc::Format::Iso2709) => "ISO2709",
            Some(athenaeum_marc::Format::MarcXml) => "MARCXML",
            None => "unknown",
        };
        let start_over = job.mode == ImportMode::Preview && job.next_position > 0;
        {
            let scope = scope.clone();
            let id = job.id.clone();
            let fingerprint = job.fingerprint.clone().unwrap_or_default();
            self.library
                .write(move |transaction| {
                    let at = now();
                    if start_over {
                        store::clear_results(transaction, &scope, &id)?;
                        store::save_progress(
                            transaction,
                            &scope,
                            &id,
                            &ImportProgress::default(),
                            at,
                        )?;
                    }
                    let running = StatusChange {
                        from: &[ImportStatus::Queued, ImportStatus::Running],
                        to: ImportStatus::Running,
                        error: None,
                        finished_at: None,
                    };
                    store::set_job_status(transaction, &scope, &id, running, at)?;
                    store::set_job_started(transaction, &scope, &id, at)?;
                    store::set_job_format(transaction, &scope, &id, format, &fingerprint, at)?;
                    Ok::<_, CatalogueError>(())
                })
                .await?;
        }
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let source = CountedReader { reader, counter: Arc::clone(&counter) };
        let run = ImportRun {
            database: self.library.clone(),
            scope: scope.clone(),
            job_id: job.id.clone(),
            options,
            mode: job.mode,
            mappings,
            batch_size: self.config.import_batch_size,
            problems_listed: self.config.import_problems_listed,
            progress: if start_over {
                ImportProgress::default()
            } else {
                ImportProgress::from(&job)
            },
        };
        let (ending, _) = import::run_import(
            run,
            Box::new(source),
            move || counter.load(std::sync::atomic::Ordering::Relaxed),
            stop,
            on_batch,
        )
        .await?;
        let scope = scope.clone();
        let id = job.id.clone();
        let finished = self
            .library
            .write(move |transaction| {
                if ending == Ending::Completed {
                    let completed = StatusChange {
                        from: &[ImportStatus::Running],
                        to: ImportStatus::Completed,
                        error: None,
                        finished_at: Some(now()),
                    };
                    store::set_job_status(transaction, &scope, &id, completed, now())?;
                }
                store::find_job(transaction, &scope, &id)?.ok_or_else(|| not_found("import", &id))
            })
            .await?;
        Ok((ending, finished))
    }

    /// Creates (or finds, to resume) the job for the command line's import of a local
    /// file: an import that did not complete for a file with the same fingerprint is
    /// resumed after its last committed record. A preview (`mode`) is always a new job.
    pub async fn local_import_job(
        &self,
        scope: &TenantScope,
        path: &Path,
        options: &ImportOptions,
        mode: ImportMode,
    ) -> Outcome<(ImportJobRow, bool)> {
        check_options(options)?;
        let absolute = std::fs::canonicalize(path)
            .map_err(|source| CatalogueError::File { path: path.display().to_string(), source })?;
        let fingerprint = {
            let absolute = absolute.clone();
            tokio::task::spawn_blocking(move || fingerprint(&absolute))
                .await
                .map_err(|error| CatalogueError::Internal(error.to_string()))?
                .map_err(|source| CatalogueError::File {
                    path: path.display().to_string(),
                    source,
                })?
        };
        let file_name = absolute
            .file_name()
            .map_or_else(|| "import".to_string(), |name| name.to_string_lossy().into_owned());
        let size = std::fs::metadata(&absolute).map(|meta| meta.len()).unwrap_or(0);
        let mut row =
            new_job_row(&file_name, options, Some(absolute.display().to_string()), None, now())?;
        row.fingerprint = Some(fingerprint.clone());
        row.file_size = i64::try_from(size).unwrap_or(i64::MAX);
        row.status = ImportStatus::Queued;
        row.mode = mode;
        let scope = scope.clone();
        self.library
            .write(move |transaction| {
                if mode == ImportMode::Import
                    && let Some(existing) = store::resumable_job(transaction, &scope, &fingerprint)?
                {
                    return Ok((existing, true));
                }
                store::insert_job(transaction, &scope, &row)?;
                Ok::<_, CatalogueError>((row, false))
            })
            .await
    }

    /// Returns a job as callers see it.
    pub fn job_view(job: ImportJobRow) -> Result<ImportJob, ApiError> {
        job_view(job).map_err(|error| error.into_api("command-line"))
    }
}

/// Passes records through, noting how far the reader is for the progress bar.
struct CountedReader {
    reader: athenaeum_marc::RecordReader,
    counter: Arc<std::sync::atomic::AtomicU64>,
}

impl Iterator for CountedReader {
    type Item = athenaeum_marc::ReadOutcome;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.reader.next();
        self.counter.store(self.reader.bytes_read(), std::sync::atomic::Ordering::Relaxed);
        next
    }
}

/// A file's fingerprint: its size and the SHA-256 of its first and last megabyte, enough
/// to recognise the same file again without reading gigabytes.
fn fingerprint(path: &Path) -> std::io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buffer = vec![0; 1 << 20];
    let read = file.read(&mut buffer)?;
    context.update(&buffer[..read]);
    if size > (2 << 20) {
        file.seek(SeekFrom::End(-(1 << 20)))?;
        let read = file.read(&mut buffer)?;
        context.update(&buffer[..read]);
    }
    let digest = context.finish();
    let hex: String = digest.as_ref().iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("{size}:{hex}"))
}
