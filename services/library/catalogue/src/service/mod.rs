//! The catalogue service: `CatalogueApi` implemented with the domain rules and the store,
//! each change in one transaction of the library database together with its change
//! events. One room per area: vocabularies, records, items, settings, imports (and the
//! jobs that run them), and reading out (exports and the feed). `desk` holds what
//! circulation calls inside its own transactions.

mod feed;
mod imports;
mod items;
mod jobs;
mod records;
mod settings;
mod vocabularies;

use std::path::{Path, PathBuf};

use athenaeum_auth::{Caller, Reader, TenantScope, TokenVerifier};
use athenaeum_db::Database;
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_library_db::LibraryDatabase;
use athenaeum_transport::Call;
use tokio::sync::mpsc;

use crate::api::*;
use crate::config::CatalogueConfig;
use crate::error::CatalogueError;

type Outcome<T> = Result<T, CatalogueError>;

/// An import job waiting for a worker: the tenant it was started in, and its id.
type QueuedJob = (String, String);

/// The catalogue running in this process.
pub struct CatalogueService {
    library: LibraryDatabase,
    verifier: TokenVerifier,
    config: CatalogueConfig,
    spool_dir: PathBuf,
    queue: mpsc::UnboundedSender<QueuedJob>,
    queue_receiver: std::sync::Mutex<Option<mpsc::UnboundedReceiver<QueuedJob>>>,
}

impl std::fmt::Debug for CatalogueService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CatalogueService")
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

impl CatalogueService {
    /// Builds the service on the (migrated) library database. Uploaded import files are
    /// spooled in `data_dir/imports`. Imports run once [`CatalogueService::run_imports`]
    /// is spawned.
    pub fn new(
        library: impl Into<LibraryDatabase>,
        verifier: TokenVerifier,
        config: CatalogueConfig,
        data_dir: &Path,
    ) -> CatalogueService {
        let (queue, receiver) = mpsc::unbounded_channel();
        CatalogueService {
            library: library.into(),
            verifier,
            config,
            spool_dir: data_dir.join("imports"),
            queue,
            queue_receiver: std::sync::Mutex::new(Some(receiver)),
        }
    }

    /// Returns the database, for readiness checks and metrics.
    pub fn database(&self) -> &Database {
        self.library.database()
    }

    /// Returns the caller a token belongs to, for the command line's operator token.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        self.verifier.verify(token).map_err(ApiError::from)
    }

    fn caller(&self, call: &Call) -> Outcome<Caller> {
        Ok(call.caller(&self.verifier)?)
    }

    /// Who reads: the signed-in caller, or an anonymous reader of the library the request
    /// named.
    fn reader(&self, call: &Call, public_tenant_id: Option<&str>) -> Outcome<Reader> {
        call.reader(&self.verifier, public_tenant_id).map_err(|error| match error {
            athenaeum_auth::AuthError::MissingToken => ApiError::unauthenticated(
                "sign in, or name the library whose catalogue you are reading",
            )
            .into(),
            other => other.into(),
        })
    }

    fn staff(&self, call: &Call) -> Outcome<(Caller, TenantScope)> {
        let caller = self.caller(call)?;
        caller.require_staff()?;
        let scope = caller.tenant_scope();
        Ok((caller, scope))
    }

    fn admin(&self, call: &Call) -> Outcome<TenantScope> {
        let caller = self.caller(call)?;
        caller.require_admin()?;
        Ok(caller.tenant_scope())
    }

    fn spool_path(&self, job_id: &str) -> PathBuf {
        self.spool_dir.join(format!("{job_id}.marc"))
    }
}

fn refusal(field: impl Into<String>, message: impl Into<String>) -> CatalogueError {
    ApiError::validation(field, message).into()
}

fn not_found(what: &str, id: &str) -> CatalogueError {
    ApiError::not_found(format!("no {what} has id {id} in this library")).into()
}

fn stale(what: &str, id: &str, current: i32, given: i32) -> CatalogueError {
    ApiError::validation(
        "version",
        format!("{what} {id} is at version {current}, not {given}: someone changed it since you loaded it; reload and edit again"),
    )
    .with_code(ErrorCode::Conflict)
    .into()
}

fn conflict_on_code(
    error: athenaeum_db::DbError,
    field: &str,
    what: &str,
    code: &str,
) -> CatalogueError {
    if error.is_unique_violation() {
        return ApiError::validation(field, format!("another {what} already has {field} {code}"))
            .with_code(ErrorCode::Conflict)
            .into();
    }
    error.into()
}

fn page_size(first: u32, most: u32) -> Outcome<i64> {
    if !(1..=most).contains(&first) {
        return Err(refusal("first", format!("first must be between 1 and {most}, not {first}")));
    }
    Ok(i64::from(first))
}

/// The most ids a request may name at once.
const MOST_IDS: usize = 500;

/// Checks a record filter: it names at most [`MOST_IDS`] ids.
fn check_filter(filter: &RecordFilter) -> Outcome<()> {
    let named = filter.ids.as_ref().map_or(0, Vec::len);
    if named > MOST_IDS {
        return Err(refusal(
            "filter.ids",
            format!("name at most {MOST_IDS} records at once, not {named}"),
        ));
    }
    Ok(())
}

fn split_page<T>(mut rows: Vec<T>, first: i64) -> (Vec<T>, bool) {
    let first = usize::try_from(first).unwrap_or(usize::MAX);
    let has_next_page = rows.len() > first;
    rows.truncate(first);
    (rows, has_next_page)
}

athenaeum_transport::implement_api! {
    CatalogueApi for CatalogueService {
        fn save_branch(SaveBranch) -> Branch => save_branch_as;
        fn save_location(SaveLocation) -> ShelvingLocation => save_location_as;
        fn save_term(SaveTerm) -> Term => save_term_as;
        fn list_branches(ListBranches) -> BranchPage => list_branches_as;
        fn list_terms(ListTerms) -> TermPage => list_terms_as;
        fn get_record(GetRecord) -> CatalogueRecord => get_record_as;
        fn get_records(GetRecords) -> RecordPage => get_records_as;
        fn list_records(ListRecords) -> RecordPage => list_records_as;
        fn create_record(CreateRecord) -> CatalogueRecord => create_record_as;
        fn update_record(UpdateRecord) -> CatalogueRecord => update_record_as;
        fn delete_record(ById) -> Done => delete_record_as;
        fn get_item(GetItem) -> Item => get_item_as;
        fn list_items(ListItems) -> ItemPage => list_items_as;
        fn get_availability(GetAvailability) -> Availability => get_availability_as;
        fn create_item(CreateItem) -> Item => create_item_as;
        fn update_item(UpdateItem) -> Item => update_item_as;
        fn set_item_status(SetItemStatus) -> Item => set_item_status_as;
        fn delete_item(ById) -> Done => delete_item_as;
        fn get_settings(GetSettings) -> CatalogueSettings => get_settings_as;
        fn set_item_mappings(SetItemMappings) -> CatalogueSettings => set_item_mappings_as;
        fn create_import(CreateImport) -> ImportJob => create_import_as;
        fn append_import_data(ImportData) -> ImportJob => append_import_data_as;
        fn start_import(ById) -> ImportJob => start_import_as;
        fn get_import(ById) -> ImportJob => get_import_as;
        fn list_imports(PageRequest) -> ImportJobPage => list_imports_as;
        fn list_import_problems(ListImportProblems) -> ImportProblemPage => list_import_problems_as;
        fn list_import_decisions(ListImportDecisions) -> ImportDecisionPage => list_import_decisions_as;
        fn commit_import(ById) -> ImportJob => commit_import_as;
        fn preview_again(PreviewAgain) -> ImportJob => preview_again_as;
        fn export_records(ExportRecords) -> MarcPage => export_records_as;
        fn read_changes(ReadChanges) -> ChangePage => read_changes_as;
        fn read_index_feed(ReadIndexFeed) -> IndexFeed => read_index_feed_as;
        fn scan_index_records(ScanIndexRecords) -> IndexScan => scan_index_records_as;
    }
}
