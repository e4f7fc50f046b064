//! Import jobs, their progress counters and their problems.

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{
    import_decisions, import_jobs, import_problem_counts, import_problems,
};
use diesel::prelude::*;

use super::Outcome;
use crate::api::{DecisionOutcome, ImportMode, ImportStatus, MatchRule, ProblemSeverity};

/// A row of `import_jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_jobs)]
pub struct ImportJobRow {
    pub id: String,
    pub file_name: String,
    pub file_size: i64,
    pub fingerprint: Option<String>,
    pub source_path: Option<String>,
    pub format: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ImportStatus,
    pub options: String,
    pub records_read: i64,
    pub records_new: i64,
    pub records_overlaid: i64,
    pub records_skipped: i64,
    pub records_failed: i64,
    pub matched_by_control: i64,
    pub matched_by_system: i64,
    pub matched_by_isbn: i64,
    pub items_created: i64,
    pub items_failed: i64,
    pub warnings: i64,
    pub bytes_read: i64,
    pub next_position: i64,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub mode: ImportMode,
    pub matched_by_local: i64,
    pub matched_by_content: i64,
}

/// The counters of an import job that a committed batch advances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = import_jobs)]
pub struct ImportProgress {
    pub records_read: i64,
    pub records_new: i64,
    pub records_overlaid: i64,
    pub records_skipped: i64,
    pub records_failed: i64,
    pub matched_by_control: i64,
    pub matched_by_system: i64,
    pub matched_by_isbn: i64,
    pub items_created: i64,
    pub items_failed: i64,
    pub warnings: i64,
    pub bytes_read: i64,
    pub next_position: i64,
    pub matched_by_local: i64,
    pub matched_by_content: i64,
}

impl From<&ImportJobRow> for ImportProgress {
    /// The counters a job has committed so far.
    fn from(job: &ImportJobRow) -> ImportProgress {
        ImportProgress {
            records_read: job.records_read,
            records_new: job.records_new,
            records_overlaid: job.records_overlaid,
            records_skipped: job.records_skipped,
            records_failed: job.records_failed,
            matched_by_control: job.matched_by_control,
            matched_by_system: job.matched_by_system,
            matched_by_isbn: job.matched_by_isbn,
            items_created: job.items_created,
            items_failed: job.items_failed,
            warnings: job.warnings,
            bytes_read: job.bytes_read,
            next_position: job.next_position,
            matched_by_local: job.matched_by_local,
            matched_by_content: job.matched_by_content,
        }
    }
}

impl ImportProgress {
    /// Counts a match found by `rule`.
    pub fn count_match(&mut self, rule: MatchRule) {
        match rule {
            MatchRule::ControlNumber => self.matched_by_control += 1,
            MatchRule::SystemNumber => self.matched_by_system += 1,
            MatchRule::LocalNumber => self.matched_by_local += 1,
            MatchRule::Isbn => self.matched_by_isbn += 1,
            MatchRule::Content => self.matched_by_content += 1,
        }
    }
}

/// A row of `import_problems`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_problems)]
pub struct ProblemRow {
    pub id: String,
    pub job_id: String,
    pub position: i64,
    pub byte_offset: i64,
    pub control_number: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub severity: ProblemSeverity,
    pub message: String,
}

/// A row of `import_decisions`: what a preview found for one record of the file.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_decisions)]
pub struct DecisionRow {
    pub job_id: String,
    pub position: i64,
    pub byte_offset: i64,
    pub control_number: Option<String>,
    pub title: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub outcome: DecisionOutcome,
    /// The stored name of the rule that matched ([`MatchRule::as_str`]).
    pub rule: Option<String>,
    pub matched_record_id: Option<String>,
    pub matched_position: Option<i64>,
    pub items: i64,
}

/// A job to resume after a restart, with the tenant it was started in.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct UnfinishedJob {
    pub tenant_id: String,
    pub id: String,
    pub next_position: i64,
}

/// Inserts an import job.
pub fn insert_job(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &ImportJobRow,
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, import_jobs, std::slice::from_ref(row));
    Ok(())
}

/// Returns an import job.
pub fn find_job(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<Option<ImportJobRow>> {
    Ok(import_jobs::table
        .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
        .filter(import_jobs::id.eq(id))
        .select(ImportJobRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` of the tenant's jobs before the cursor id, newest first.
pub fn list_jobs(
    connection: &mut DbConnection,
    scope: &TenantScope,
    before: Option<&str>,
    limit: i64,
) -> Outcome<Vec<ImportJobRow>> {
    let mut query = import_jobs::table
        .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
        .select(ImportJobRow::as_select())
        .order(import_jobs::id.desc())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(import_jobs::id.lt(before.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// The states of a job that a worker still owes work.
const UNFINISHED: [ImportStatus; 2] = [ImportStatus::Queued, ImportStatus::Running];

fn stored_names(statuses: &[ImportStatus]) -> Vec<&'static str> {
    statuses.iter().map(|status| status.as_str()).collect()
}

/// Returns every uploaded job, of any tenant, that was queued or running: the work to
/// resume after a restart. Jobs of the command line (which read a file of their own) are
/// resumed by running the command again.
pub fn unfinished_jobs(connection: &mut DbConnection) -> Outcome<Vec<UnfinishedJob>> {
    Ok(import_jobs::table
        .filter(import_jobs::status.eq_any(stored_names(&UNFINISHED)))
        .filter(import_jobs::source_path.is_null())
        .select((import_jobs::tenant_id, import_jobs::id, import_jobs::next_position))
        .order(import_jobs::id.asc())
        .load(connection)?)
}

/// Returns the newest command-line job of this tenant that read a file with this
/// fingerprint and did not complete: the one to resume.
pub fn resumable_job(
    connection: &mut DbConnection,
    scope: &TenantScope,
    fingerprint: &str,
) -> Outcome<Option<ImportJobRow>> {
    Ok(import_jobs::table
        .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
        .filter(import_jobs::fingerprint.eq(fingerprint))
        .filter(import_jobs::source_path.is_not_null())
        .filter(import_jobs::mode.eq(ImportMode::Import.as_str()))
        .filter(import_jobs::status.eq_any(stored_names(&UNFINISHED)))
        .select(ImportJobRow::as_select())
        .order(import_jobs::id.desc())
        .limit(1)
        .load(connection)?
        .pop())
}

/// A job's move to another status, made only if the job is still in one of `from`.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The states it may move from.
    pub from: &'a [ImportStatus],
    /// The state it moves to.
    pub to: ImportStatus,
    /// Why it failed, for `Failed`.
    pub error: Option<&'a str>,
    /// When it finished, for `Completed` and `Failed`.
    pub finished_at: Option<Timestamp>,
}

/// Moves a job to another status if its status is one of `change.from`; returns the
/// rows changed (0 when another worker moved it first).
pub fn set_job_status(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    change: StatusChange<'_>,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::status.eq_any(stored_names(change.from))),
    )
    .set((
        import_jobs::status.eq(change.to.as_str()),
        import_jobs::error.eq(change.error),
        import_jobs::finished_at.eq(change.finished_at),
        import_jobs::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// Records when a job first started reading.
pub fn set_job_started(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::started_at.is_null()),
    )
    .set(import_jobs::started_at.eq(now))
    .execute(connection)?)
}

/// Records the upload's growth.
pub fn set_job_size(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    file_size: i64,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::status.eq(ImportStatus::Uploading.as_str())),
    )
    .set((import_jobs::file_size.eq(file_size), import_jobs::updated_at.eq(now)))
    .execute(connection)?)
}

/// Records the detected format and the file's fingerprint.
pub fn set_job_format(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    format: &str,
    fingerprint: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id)),
    )
    .set((
        import_jobs::format.eq(format),
        import_jobs::fingerprint.eq(fingerprint),
        import_jobs::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// Writes a job's counters, in the transaction of the batch they count.
pub fn save_progress(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    progress: &ImportProgress,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id)),
    )
    .set((progress, import_jobs::updated_at.eq(now)))
    .execute(connection)?)
}

/// Stores as many of a batch's `problems` as fit under `limit` listed for the job, and
/// counts the rest: once any go unlisted, one summary problem (severity error, after
/// every listed one) says how many, and is rewritten as the count grows.
pub fn insert_problems_within(
    connection: &mut DbConnection,
    scope: &TenantScope,
    job_id: &str,
    mut problems: Vec<ProblemRow>,
    limit: u64,
) -> Outcome<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let (listed, unlisted): (i64, i64) = import_problem_counts::table
        .filter(import_problem_counts::tenant_id.eq(scope.tenant_id()))
        .filter(import_problem_counts::job_id.eq(job_id))
        .select((import_problem_counts::listed, import_problem_counts::unlisted))
        .first(connection)
        .optional()?
        .unwrap_or((0, 0));
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let room = usize::try_from((limit - listed).max(0)).unwrap_or(usize::MAX);
    let last = problems.last().cloned();
    let over = problems.len().saturating_sub(room);
    problems.truncate(room);
    let listed = listed + i64::try_from(problems.len()).unwrap_or(i64::MAX);
    let unlisted = unlisted + i64::try_from(over).unwrap_or(i64::MAX);
    insert_for_tenant!(connection, scope, import_problems, &problems);
    diesel::delete(
        import_problem_counts::table
            .filter(import_problem_counts::tenant_id.eq(scope.tenant_id()))
            .filter(import_problem_counts::job_id.eq(job_id)),
    )
    .execute(connection)?;
    diesel::insert_into(import_problem_counts::table)
        .values((
            import_problem_counts::job_id.eq(job_id),
            import_problem_counts::tenant_id.eq(scope.tenant_id()),
            import_problem_counts::listed.eq(listed),
            import_problem_counts::unlisted.eq(unlisted),
        ))
        .execute(connection)?;
    if let (true, Some(last)) = (over > 0, last) {
        let summary_id = format!("{job_id}-unlisted");
        diesel::delete(
            import_problems::table
                .filter(import_problems::tenant_id.eq(scope.tenant_id()))
                .filter(import_problems::id.eq(&summary_id)),
        )
        .execute(connection)?;
        let summary = ProblemRow {
            id: summary_id,
            severity: ProblemSeverity::Error,
            control_number: None,
            message: format!(
                "{unlisted} more problems, up to record {}, are not listed: an import lists \
                 its first {listed}; the job's counts include every one",
                last.position
            ),
            ..last
        };
        insert_for_tenant!(connection, scope, import_problems, std::slice::from_ref(&summary));
    }
    Ok(())
}

/// Returns up to `limit` of a job's problems after the cursor, in file order. The cursor
/// is a problem's `position/id` (see [`problem_cursor`]).
pub fn list_problems(
    connection: &mut DbConnection,
    scope: &TenantScope,
    job_id: &str,
    severity: Option<ProblemSeverity>,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<ProblemRow>> {
    let mut query = import_problems::table
        .filter(import_problems::tenant_id.eq(scope.tenant_id()))
        .filter(import_problems::job_id.eq(job_id.to_string()))
        .select(ProblemRow::as_select())
        .order((import_problems::position.asc(), import_problems::id.asc()))
        .into_boxed();
    if let Some(severity) = severity {
        query = query.filter(import_problems::severity.eq(severity.as_str()));
    }
    if let Some((position, id)) = after.and_then(|cursor| cursor.split_once('/')) {
        let position: i64 = position.parse().unwrap_or(i64::MAX);
        query = query.filter(import_problems::position.gt(position).or(
            import_problems::position.eq(position).and(import_problems::id.gt(id.to_string())),
        ));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns the paging cursor of a problem.
pub fn problem_cursor(row: &ProblemRow) -> String {
    format!("{}/{}", row.position, row.id)
}

/// Inserts a preview's decisions.
pub fn insert_decisions(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[DecisionRow],
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, import_decisions, rows);
    Ok(())
}

/// Returns up to `limit` of a preview's decisions after the cursor position, in file
/// order, optionally only those with `outcome`.
pub fn list_decisions(
    connection: &mut DbConnection,
    scope: &TenantScope,
    job_id: &str,
    outcome: Option<DecisionOutcome>,
    after_position: Option<i64>,
    limit: i64,
) -> Outcome<Vec<DecisionRow>> {
    let mut query = import_decisions::table
        .filter(import_decisions::tenant_id.eq(scope.tenant_id()))
        .filter(import_decisions::job_id.eq(job_id.to_string()))
        .select(DecisionRow::as_select())
        .order(import_decisions::position.asc())
        .into_boxed();
    if let Some(outcome) = outcome {
        query = query.filter(import_decisions::outcome.eq(outcome.as_str()));
    }
    if let Some(after) = after_position {
        query = query.filter(import_decisions::position.gt(after));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Starts a job over: its counters, problems and decisions cleared, its mode and options
/// set, and it queued, if it is in one of `from` (returns the rows changed: 0 when it is
/// not).
pub fn restart_job(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    restart: Restart<'_>,
    now: Timestamp,
) -> Outcome<usize> {
    let changed = diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::mode.eq(restart.from_mode.as_str()))
            .filter(import_jobs::status.eq_any(stored_names(restart.from))),
    )
    .set((
        &ImportProgress::default(),
        import_jobs::mode.eq(restart.to_mode.as_str()),
        import_jobs::options.eq(restart.options),
        import_jobs::status.eq(ImportStatus::Queued.as_str()),
        import_jobs::error.eq(None::<String>),
        import_jobs::started_at.eq(None::<Timestamp>),
        import_jobs::finished_at.eq(None::<Timestamp>),
        import_jobs::updated_at.eq(now),
    ))
    .execute(connection)?;
    if changed == 0 {
        return Ok(0);
    }
    clear_results(connection, scope, id)?;
    Ok(changed)
}

/// Removes a job's problems and decisions, before it runs again from the start.
pub fn clear_results(connection: &mut DbConnection, scope: &TenantScope, id: &str) -> Outcome<()> {
    diesel::delete(
        import_problem_counts::table
            .filter(import_problem_counts::tenant_id.eq(scope.tenant_id()))
            .filter(import_problem_counts::job_id.eq(id)),
    )
    .execute(connection)?;
    diesel::delete(
        import_problems::table
            .filter(import_problems::tenant_id.eq(scope.tenant_id()))
            .filter(import_problems::job_id.eq(id)),
    )
    .execute(connection)?;
    diesel::delete(
        import_decisions::table
            .filter(import_decisions::tenant_id.eq(scope.tenant_id()))
            .filter(import_decisions::job_id.eq(id)),
    )
    .execute(connection)?;
    Ok(())
}

/// How [`restart_job`] starts a job over.
#[derive(Debug, Clone, Copy)]
pub struct Restart<'a> {
    /// The mode it must be in.
    pub from_mode: ImportMode,
    /// The states it may be in.
    pub from: &'a [ImportStatus],
    /// The mode it runs in now.
    pub to_mode: ImportMode,
    /// Its options (as stored JSON).
    pub options: &'a str,
}
