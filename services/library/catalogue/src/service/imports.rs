//! Imports as callers see them: starting one and sending its file in chunks, reading its
//! progress and problems. Running them is `jobs`.

use std::io::Write;

use async_graphql::ID;
use athenaeum_auth::TenantScope;
use athenaeum_kernel::{ApiError, ErrorCode, Timestamp, new_id, now};
use athenaeum_transport::Call;

use super::{CatalogueService, Outcome, not_found, page_size, refusal, split_page};
use crate::api::*;
use crate::error::CatalogueError;
use crate::store::{self, ImportJobRow, StatusChange};

impl CatalogueService {
    pub(super) async fn create_import_as(
        &self,
        call: &Call,
        request: CreateImport,
    ) -> Outcome<ImportJob> {
        let (caller, scope) = self.staff(call)?;
        let file_name = request.file_name.trim().to_string();
        if file_name.is_empty() || file_name.chars().count() > 255 {
            return Err(refusal("fileName", "give the file's name (at most 255 characters)"));
        }
        check_options(&request.options)?;
        let at = now();
        let mut row = new_job_row(
            &file_name,
            &request.options,
            None,
            Some(caller.account_id().to_string()),
            at,
        )?;
        row.mode = request.mode;
        let spool = self.spool_path(&row.id);
        let spool_dir = self.spool_dir.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&spool_dir)?;
            std::fs::File::create(&spool)?;
            Ok::<_, std::io::Error>(())
        })
        .await
        .map_err(|error| CatalogueError::Internal(error.to_string()))?
        .map_err(|source| CatalogueError::File {
            path: self.spool_dir.display().to_string(),
            source,
        })?;
        let stored = row.clone();
        self.library
            .write(move |transaction| {
                Ok::<_, CatalogueError>(store::insert_job(transaction, &scope, &stored)?)
            })
            .await?;
        job_view(row)
    }

    pub(super) async fn append_import_data_as(
        &self,
        call: &Call,
        request: ImportData,
    ) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        let job = self.job(&scope, &request.job_id).await?;
        if job.status != ImportStatus::Uploading {
            return Err(ApiError::conflict(format!(
                "import {} is no longer receiving its file",
                job.id
            ))
            .into());
        }
        if request.offset != job.file_size {
            return Err(ApiError::validation(
                "offset",
                format!(
                    "the next chunk of import {} must start at byte {}, not {}",
                    job.id, job.file_size, request.offset
                ),
            )
            .with_code(ErrorCode::Conflict)
            .into());
        }
        let size = job.file_size + i64::try_from(request.data.len()).unwrap_or(i64::MAX);
        if u64::try_from(size).unwrap_or(u64::MAX) > self.config.max_upload_bytes {
            return Err(ApiError::new(
                ErrorCode::TooLarge,
                format!(
                    "the file is larger than the limit of {} bytes",
                    self.config.max_upload_bytes
                ),
            )
            .into());
        }
        let path = self.spool_path(&job.id);
        let display = path.display().to_string();
        let offset = u64::try_from(job.file_size).unwrap_or(0);
        tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new().write(true).open(&path)?;
            // Truncate to the committed size first: a chunk half-written before a crash is
            // written again.
            file.set_len(offset)?;
            let mut file = std::io::BufWriter::new(file);
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))?;
            file.write_all(&request.data)?;
            file.flush()?;
            Ok::<_, std::io::Error>(())
        })
        .await
        .map_err(|error| CatalogueError::Internal(error.to_string()))?
        .map_err(|source| CatalogueError::File { path: display, source })?;
        let id = job.id.clone();
        let updated = self
            .library
            .write(move |transaction| {
                store::set_job_size(transaction, &scope, &id, size, now())?;
                store::find_job(transaction, &scope, &id)?.ok_or_else(|| not_found("import", &id))
            })
            .await?;
        job_view(updated)
    }

    pub(super) async fn start_import_as(&self, call: &Call, request: ById) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        let job = self.job(&scope, &request.id).await?;
        if job.status != ImportStatus::Uploading {
            return Err(
                ApiError::conflict(format!("import {} has already been started", job.id)).into()
            );
        }
        let path = self.spool_path(&job.id);
        let display = path.display().to_string();
        tokio::task::spawn_blocking(move || std::fs::File::open(&path)?.sync_all())
            .await
            .map_err(|error| CatalogueError::Internal(error.to_string()))?
            .map_err(|source| CatalogueError::File { path: display, source })?;
        let id = job.id.clone();
        let queued_scope = scope.clone();
        let updated = self
            .library
            .write(move |transaction| {
                let queued = StatusChange {
                    from: &[ImportStatus::Uploading],
                    to: ImportStatus::Queued,
                    error: None,
                    finished_at: None,
                };
                if store::set_job_status(transaction, &queued_scope, &id, queued, now())? == 0 {
                    return Err(ApiError::conflict(format!(
                        "import {id} has already been started"
                    ))
                    .into());
                }
                store::find_job(transaction, &queued_scope, &id)?
                    .ok_or_else(|| not_found("import", &id))
            })
            .await?;
        let _ = self.queue.send((scope.tenant_id().to_string(), updated.id.clone()));
        job_view(updated)
    }

    pub(super) async fn job(&self, scope: &TenantScope, id: &str) -> Outcome<ImportJobRow> {
        let scope = scope.clone();
        let id = id.to_string();
        self.library
            .read(move |connection| {
                store::find_job(connection, &scope, &id)?.ok_or_else(|| not_found("import", &id))
            })
            .await
    }

    pub(super) async fn get_import_as(&self, call: &Call, request: ById) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        job_view(self.job(&scope, &request.id).await?)
    }

    pub(super) async fn list_imports_as(
        &self,
        call: &Call,
        request: PageRequest,
    ) -> Outcome<ImportJobPage> {
        let (_, scope) = self.staff(call)?;
        let first = page_size(request.first, 100)?;
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_jobs(
                    connection,
                    &scope,
                    request.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(ImportJobPage {
            jobs: rows.into_iter().map(job_view).collect::<Outcome<Vec<_>>>()?,
            has_next_page,
        })
    }

    pub(super) async fn list_import_problems_as(
        &self,
        call: &Call,
        request: ListImportProblems,
    ) -> Outcome<ImportProblemPage> {
        let (_, scope) = self.staff(call)?;
        let first = page_size(request.page.first, 100)?;
        self.job(&scope, &request.job_id).await?;
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_problems(
                    connection,
                    &scope,
                    &request.job_id,
                    request.severity,
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(ImportProblemPage {
            problems: rows.into_iter().map(problem_view).collect(),
            has_next_page,
        })
    }

    pub(super) async fn list_import_decisions_as(
        &self,
        call: &Call,
        request: ListImportDecisions,
    ) -> Outcome<ImportDecisionPage> {
        let (_, scope) = self.staff(call)?;
        let job = self.job(&scope, &request.job_id).await?;
        if job.mode != ImportMode::Preview {
            return Err(refusal(
                "jobId",
                format!("import {} is not a preview, so it has no decisions", job.id),
            ));
        }
        self.decisions_page(&scope, &request.job_id, request.outcome, request.page).await
    }

    /// Returns a page of a preview's decisions, with the titles of the records they
    /// match, for the API and the command line's report.
    pub async fn decisions_page(
        &self,
        scope: &TenantScope,
        job_id: &str,
        outcome: Option<DecisionOutcome>,
        page: PageRequest,
    ) -> Outcome<ImportDecisionPage> {
        let first = page_size(page.first, 100)?;
        let after = match page.after.as_deref() {
            None => None,
            Some(cursor) => Some(
                cursor.parse::<i64>().map_err(|_| refusal("after", "this cursor is not ours"))?,
            ),
        };
        let scope = scope.clone();
        let job_id = job_id.to_string();
        let (rows, titles) = self
            .library
            .read(move |connection| {
                let rows =
                    store::list_decisions(connection, &scope, &job_id, outcome, after, first + 1)?;
                let matched: Vec<String> =
                    rows.iter().filter_map(|row| row.matched_record_id.clone()).collect();
                let titles: std::collections::HashMap<String, Option<String>> =
                    store::find_records(connection, &scope, &matched)?
                        .into_iter()
                        .map(|record| (record.id, record.title))
                        .collect();
                Ok::<_, CatalogueError>((rows, titles))
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        let decisions = rows
            .into_iter()
            .map(|row| ImportDecision {
                cursor: row.position.to_string(),
                matched_title: row
                    .matched_record_id
                    .as_ref()
                    .and_then(|id| titles.get(id).cloned().flatten()),
                position: row.position,
                byte_offset: row.byte_offset,
                control_number: row.control_number,
                title: row.title,
                outcome: row.outcome,
                rule: row.rule.as_deref().and_then(MatchRule::parse),
                matched_record_id: row.matched_record_id.map(ID),
                matched_position: row.matched_position,
                items: row.items,
            })
            .collect();
        Ok(ImportDecisionPage { decisions, has_next_page })
    }

    pub(super) async fn commit_import_as(&self, call: &Call, request: ById) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        let job = self.job(&scope, &request.id).await?;
        self.restart(&scope, job, ImportMode::Import, None).await
    }

    pub(super) async fn preview_again_as(
        &self,
        call: &Call,
        request: PreviewAgain,
    ) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        check_options(&request.options)?;
        let job = self.job(&scope, &request.job_id).await?;
        self.restart(&scope, job, ImportMode::Preview, Some(request.options)).await
    }

    /// Runs a finished preview's file again: as an import with its settings, or as
    /// another preview with new ones. Only a job of the API (whose file is spooled here)
    /// that finished previewing can.
    async fn restart(
        &self,
        scope: &TenantScope,
        job: ImportJobRow,
        mode: ImportMode,
        options: Option<ImportOptions>,
    ) -> Outcome<ImportJob> {
        if job.mode != ImportMode::Preview
            || job.status != ImportStatus::Completed
            || job.source_path.is_some()
        {
            return Err(ApiError::conflict(format!(
                "import {} is not a finished preview of an uploaded file, so it cannot be {}",
                job.id,
                if mode == ImportMode::Import { "committed" } else { "previewed again" }
            ))
            .into());
        }
        let options = match options {
            Some(options) => serde_json::to_string(&options)
                .map_err(|error| CatalogueError::Internal(error.to_string()))?,
            None => job.options.clone(),
        };
        let id = job.id.clone();
        let restart_scope = scope.clone();
        let restarted = self
            .library
            .write(move |transaction| {
                let restart = store::Restart {
                    from_mode: ImportMode::Preview,
                    from: &[ImportStatus::Completed],
                    to_mode: mode,
                    options: &options,
                };
                if store::restart_job(transaction, &restart_scope, &id, restart, now())? == 0 {
                    return Err(ApiError::conflict(format!(
                        "import {id} was committed or previewed again meanwhile"
                    ))
                    .into());
                }
                store::find_job(transaction, &restart_scope, &id)?
                    .ok_or_else(|| not_found("import", &id))
            })
            .await?;
        let _ = self.queue.send((scope.tenant_id().to_string(), restarted.id.clone()));
        job_view(restarted)
    }

    /// Returns how many of the tenant's headings name an authority record (by `$0` or
    /// `$9`), and how many of those are linked to one in the catalogue.
    pub async fn linked_heading_count(
        &self,
        scope: &TenantScope,
    ) -> Outcome<store::HeadingLinkCounts> {
        let scope = scope.clone();
        self.library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::heading_link_counts(connection, &scope)?)
            })
            .await
    }

    /// Returns a page of a job's problems, for the command line's report.
    pub async fn problems_page(
        &self,
        scope: &TenantScope,
        job_id: &str,
        after: Option<String>,
        first: u32,
    ) -> Outcome<ImportProblemPage> {
        let scope = scope.clone();
        let job_id = job_id.to_string();
        let first = page_size(first, 100)?;
        let rows = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_problems(
                    connection,
                    &scope,
                    &job_id,
                    None,
                    after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(ImportProblemPage {
            problems: rows.into_iter().map(problem_view).collect(),
            has_next_page,
        })
    }
}

pub(super) fn new_job_row(
    file_name: &str,
    options: &ImportOptions,
    source_path: Option<String>,
    created_by: Option<String>,
    at: Timestamp,
) -> Outcome<ImportJobRow> {
    Ok(ImportJobRow {
        id: new_id(),
        file_name: file_name.to_string(),
        file_size: 0,
        fingerprint: None,
        source_path,
        format: None,
        status: ImportStatus::Uploading,
        options: serde_json::to_string(options)
            .map_err(|error| CatalogueError::Internal(error.to_string()))?,
        records_read: 0,
        records_new: 0,
        records_overlaid: 0,
        records_skipped: 0,
        records_failed: 0,
        matched_by_control: 0,
        matched_by_system: 0,
        matched_by_isbn: 0,
        items_created: 0,
        items_failed: 0,
        warnings: 0,
        bytes_read: 0,
        next_position: 0,
        error: None,
        created_by,
        created_at: at,
        started_at: None,
        finished_at: None,
        updated_at: at,
        mode: ImportMode::Import,
        matched_by_local: 0,
        matched_by_content: 0,
    })
}

pub(super) fn check_options(options: &ImportOptions) -> Outcome<()> {
    let mut seen = Vec::new();
    for rule in &options.match_on {
        if seen.contains(rule) {
            return Err(refusal("matchOn", format!("the rule {rule:?} is listed twice")));
        }
        seen.push(*rule);
    }
    crate::import::local_field(options)?;
    Ok(())
}

pub(super) fn job_view(row: ImportJobRow) -> Outcome<ImportJob> {
    let options: ImportOptions = serde_json::from_str(&row.options).map_err(|error| {
        CatalogueError::Internal(format!("stored import options do not parse: {error}"))
    })?;
    Ok(ImportJob {
        id: ID(row.id),
        mode: row.mode,
        file_name: row.file_name,
        file_size: row.file_size,
        format: row.format,
        status: row.status,
        options: options.into(),
        records_read: row.records_read,
        records_new: row.records_new,
        records_overlaid: row.records_overlaid,
        records_skipped: row.records_skipped,
        records_failed: row.records_failed,
        matched_by_control_number: row.matched_by_control,
        matched_by_system_number: row.matched_by_system,
        matched_by_local_number: row.matched_by_local,
        matched_by_isbn: row.matched_by_isbn,
        matched_by_content: row.matched_by_content,
        items_created: row.items_created,
        items_failed: row.items_failed,
        warnings: row.warnings,
        bytes_read: row.bytes_read,
        error: row.error,
        created_at: row.created_at.and_utc(),
        started_at: row.started_at.map(|at| at.and_utc()),
        finished_at: row.finished_at.map(|at| at.and_utc()),
    })
}

fn problem_view(row: store::ProblemRow) -> ImportProblem {
    let cursor = store::problem_cursor(&row);
    ImportProblem {
        cursor,
        position: row.position,
        byte_offset: row.byte_offset,
        control_number: row.control_number,
        severity: row.severity,
        message: row.message,
    }
}
