//! The catalogue service: `CatalogueApi` implemented with the domain rules and the store,
//! each change in one transaction together with its change events.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_graphql::ID;
use athenaeum_auth::{Anonymous, Caller, ResumedWork, TenantScope, TokenVerifier};
use athenaeum_db::{Database, DbConnection};
use athenaeum_kernel::{ApiError, ErrorCode, Timestamp, new_id, now};
use athenaeum_marc::Record;
use athenaeum_transport::Call;
use tokio::sync::{mpsc, watch};

use crate::api::*;
use crate::config::CatalogueConfig;
use crate::domain::{
    Code, HeadingLink, MatchKey, Name, apply_form, check_manual_status, check_mapping,
    default_item_mappings, heading_links, match_keys, parse_price, record_from_form,
};
use crate::error::CatalogueError;
use crate::import::{self, Ending, ImportRun, change};
use crate::records::{item_view, record_row, record_view};
use crate::store::{self, BranchRow, ImportJobRow, ImportProgress, ItemRow, LocationRow, TermRow};

type Outcome<T> = Result<T, CatalogueError>;

/// The catalogue running in this process.
pub struct CatalogueService {
    database: Database,
    verifier: TokenVerifier,
    config: CatalogueConfig,
    spool_dir: PathBuf,
    queue: mpsc::UnboundedSender<(String, String)>,
    queue_receiver: std::sync::Mutex<Option<mpsc::UnboundedReceiver<(String, String)>>>,
}

impl std::fmt::Debug for CatalogueService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CatalogueService")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

/// Who reads, within which tenant.
struct Reader {
    scope: TenantScope,
    staff: bool,
}

impl CatalogueService {
    /// Builds the service on its (migrated) database. Uploaded import files are spooled
    /// in `data_dir/imports`. Imports run once [`CatalogueService::run_imports`] is
    /// spawned.
    pub fn new(
        database: Database,
        verifier: TokenVerifier,
        config: CatalogueConfig,
        data_dir: &Path,
    ) -> CatalogueService {
        let (queue, receiver) = mpsc::unbounded_channel();
        CatalogueService {
            database,
            verifier,
            config,
            spool_dir: data_dir.join("imports"),
            queue,
            queue_receiver: std::sync::Mutex::new(Some(receiver)),
        }
    }

    /// Returns the database, for readiness checks and metrics.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Returns the caller a token belongs to, for the command line's operator token.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        self.verifier.verify(token).map_err(ApiError::from)
    }

    fn caller(&self, call: &Call) -> Outcome<Caller> {
        let token = call.token.as_deref().ok_or(athenaeum_auth::AuthError::MissingToken)?;
        Ok(self.verifier.verify(token)?)
    }

    fn reader(&self, call: &Call, public_tenant_id: Option<&str>) -> Outcome<Reader> {
        if call.token.is_some() {
            let caller = self.caller(call)?;
            return Ok(Reader { scope: caller.tenant_scope(), staff: caller.is_staff() });
        }
        match public_tenant_id {
            Some(tenant_id) if !tenant_id.is_empty() => {
                Ok(Reader { scope: Anonymous.tenant_scope(tenant_id), staff: false })
            }
            _ => Err(ApiError::unauthenticated(
                "sign in, or name the library whose catalogue you are reading",
            )
            .into()),
        }
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

    // ---- branches and vocabularies ----------------------------------------------------

    async fn save_branch_as(&self, call: &Call, request: SaveBranch) -> Outcome<Branch> {
        let scope = self.admin(call)?;
        let code = Code::parse("code", &request.code)?;
        let name = Name::parse("name", &request.name)?;
        let at = now();
        let branch = self
            .database
            .write(move |connection| {
                let id = match request.id {
                    Some(id) => {
                        let changed = store::update_branch(
                            connection,
                            &scope,
                            &id,
                            code.as_str(),
                            name.as_str(),
                            at,
                        )
                        .map_err(|error| {
                            conflict_on_code(error, "code", "branch", code.as_str())
                        })?;
                        if changed == 0 {
                            return Err(not_found("branch", &id));
                        }
                        id.0
                    }
                    None => {
                        let row = BranchRow {
                            id: new_id(),
                            tenant_id: scope.tenant_id().to_string(),
                            code: code.as_str().to_string(),
                            name: name.as_str().to_string(),
                            created_at: at,
                            updated_at: at,
                        };
                        store::insert_branch(connection, &row).map_err(|error| {
                            conflict_on_code(error, "code", "branch", code.as_str())
                        })?;
                        row.id
                    }
                };
                branch_view(connection, &scope, &id)
            })
            .await?;
        Ok(branch)
    }

    async fn save_location_as(
        &self,
        call: &Call,
        request: SaveLocation,
    ) -> Outcome<ShelvingLocation> {
        let scope = self.admin(call)?;
        let code = Code::parse("code", &request.code)?;
        let name = Name::parse("name", &request.name)?;
        let at = now();
        let location = self
            .database
            .write(move |connection| {
                let branch_id = request.branch_id.0.clone();
                if store::find_branch(connection, &scope, &branch_id)?.is_none() {
                    return Err(refusal(
                        "branchId",
                        format!("no branch has id {branch_id} in this library"),
                    ));
                }
                let id = match request.id {
                    Some(id) => {
                        let existing = store::find_location(connection, &scope, &id)?
                            .ok_or_else(|| not_found("shelving location", &id))?;
                        if existing.branch_id != branch_id {
                            return Err(refusal(
                                "branchId",
                                "a shelving location cannot move to another branch",
                            ));
                        }
                        store::update_location(
                            connection,
                            &scope,
                            &id,
                            code.as_str(),
                            name.as_str(),
                            at,
                        )
                        .map_err(|error| {
                            conflict_on_code(error, "code", "shelving location", code.as_str())
                        })?;
                        id.0
                    }
                    None => {
                        let row = LocationRow {
                            id: new_id(),
                            tenant_id: scope.tenant_id().to_string(),
                            branch_id: branch_id.clone(),
                            code: code.as_str().to_string(),
                            name: name.as_str().to_string(),
                            created_at: at,
                            updated_at: at,
                        };
                        store::insert_location(connection, &row).map_err(|error| {
                            conflict_on_code(error, "code", "shelving location", code.as_str())
                        })?;
                        row.id
                    }
                };
                let row = store::find_location(connection, &scope, &id)?
                    .ok_or_else(|| not_found("shelving location", &id))?;
                Ok(location_view(row))
            })
            .await?;
        Ok(location)
    }

    async fn save_term_as(&self, call: &Call, request: SaveTerm) -> Outcome<Term> {
        let scope = self.admin(call)?;
        let code = Code::parse("code", &request.code)?;
        let name = Name::parse("name", &request.name)?;
        let vocabulary = request.vocabulary;
        let at = now();
        self.database
            .write(move |connection| {
                let id = match request.id {
                    Some(id) => {
                        let existing = store::find_term(connection, &scope, &id)?
                            .ok_or_else(|| not_found("term", &id))?;
                        if existing.vocabulary != vocabulary.as_str() {
                            return Err(refusal(
                                "vocabulary",
                                "a term cannot move to another list",
                            ));
                        }
                        store::update_term(
                            connection,
                            &scope,
                            &id,
                            code.as_str(),
                            name.as_str(),
                            at,
                        )
                        .map_err(|error| conflict_on_code(error, "code", "term", code.as_str()))?;
                        id.0
                    }
                    None => {
                        let row = TermRow {
                            id: new_id(),
                            tenant_id: scope.tenant_id().to_string(),
                            vocabulary: vocabulary.as_str().to_string(),
                            code: code.as_str().to_string(),
                            name: name.as_str().to_string(),
                            created_at: at,
                            updated_at: at,
                        };
                        store::insert_term(connection, &row).map_err(|error| {
                            conflict_on_code(error, "code", "term", code.as_str())
                        })?;
                        row.id
                    }
                };
                let row = store::find_term(connection, &scope, &id)?
                    .ok_or_else(|| not_found("term", &id))?;
                Ok(term_view(row))
            })
            .await
    }

    async fn list_branches_as(&self, call: &Call, request: ListBranches) -> Outcome<BranchPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        self.database
            .read(move |connection| {
                let rows = store::list_branches(
                    connection,
                    &reader.scope,
                    request.page.after.as_deref(),
                    first + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, first);
                let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
                let mut locations: BTreeMap<String, Vec<ShelvingLocation>> = BTreeMap::new();
                for location in store::locations_of(connection, &reader.scope, &ids)? {
                    locations
                        .entry(location.branch_id.clone())
                        .or_default()
                        .push(location_view(location));
                }
                let branches = rows
                    .into_iter()
                    .map(|row| Branch {
                        locations: locations.remove(&row.id).unwrap_or_default(),
                        id: ID(row.id),
                        code: row.code,
                        name: row.name,
                    })
                    .collect();
                Ok(BranchPage { branches, has_next_page })
            })
            .await
    }

    async fn list_terms_as(&self, call: &Call, request: ListTerms) -> Outcome<TermPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        self.database
            .read(move |connection| {
                let rows = store::list_terms(
                    connection,
                    &reader.scope,
                    request.vocabulary.as_str(),
                    request.page.after.as_deref(),
                    first + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, first);
                Ok(TermPage { terms: rows.into_iter().map(term_view).collect(), has_next_page })
            })
            .await
    }

    // ---- records ----------------------------------------------------------------------

    async fn get_record_as(&self, call: &Call, request: GetRecord) -> Outcome<CatalogueRecord> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let row = self
            .database
            .read(move |connection| {
                store::find_record(connection, &reader.scope, &request.id)?
                    .ok_or_else(|| not_found("record", &request.id))
            })
            .await?;
        record_view(row)
    }

    async fn get_records_as(&self, call: &Call, request: GetRecords) -> Outcome<RecordPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        if request.ids.len() > 500 {
            return Err(refusal(
                "ids",
                format!("ask for at most 500 records at once, not {}", request.ids.len()),
            ));
        }
        let rows = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::find_records(
                    connection,
                    &reader.scope,
                    &request.ids,
                )?)
            })
            .await?;
        let records = rows.into_iter().map(record_view).collect::<Outcome<Vec<_>>>()?;
        Ok(RecordPage { records, has_next_page: false })
    }

    async fn list_records_as(&self, call: &Call, request: ListRecords) -> Outcome<RecordPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        let rows = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_records(
                    connection,
                    &reader.scope,
                    &request.filter,
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        let records = rows.into_iter().map(record_view).collect::<Outcome<Vec<_>>>()?;
        Ok(RecordPage { records, has_next_page })
    }

    async fn create_record_as(
        &self,
        call: &Call,
        request: CreateRecord,
    ) -> Outcome<CatalogueRecord> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let record = match request.content {
            RecordContent::Marc { syntax, text } => parse_marc(syntax, &text)?,
            RecordContent::Form(form) => record_from_form(&form, &today(at))?,
        };
        let content = record_row(&record).map_err(|message| refusal("marc", message))?;
        let kind = content.kind;
        let row = content.into_row(new_id(), scope.tenant_id(), 1, None, at, at);
        let keys = match_keys(&record, kind);
        let links = heading_links(&record);
        let stored = row.clone();
        self.database
            .write(move |connection| {
                store::insert_records(connection, std::slice::from_ref(&row))?;
                write_keys_and_links(connection, &scope, &row.id, &keys, &links)?;
                store::append_changes(
                    connection,
                    &[change(scope.tenant_id(), "record", &row.id, &row.id, "created", at)],
                )?;
                Ok::<_, CatalogueError>(())
            })
            .await?;
        record_view(stored)
    }

    async fn update_record_as(
        &self,
        call: &Call,
        request: UpdateRecord,
    ) -> Outcome<CatalogueRecord> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let existing = {
            let scope = scope.clone();
            let id = request.id.clone();
            self.database
                .read(move |connection| {
                    store::find_record(connection, &scope, &id)?
                        .ok_or_else(|| not_found("record", &id))
                })
                .await?
        };
        if existing.version != request.version {
            return Err(stale("record", &request.id, existing.version, request.version));
        }
        let record = match request.content {
            RecordContent::Marc { syntax, text } => parse_marc(syntax, &text)?,
            RecordContent::Form(form) => {
                let current = import::stored_record(&existing.marc)?;
                apply_form(&current, &form, &today(at))?
            }
        };
        let content = record_row(&record).map_err(|message| refusal("marc", message))?;
        let kind = content.kind;
        let row = content.into_row(
            existing.id.clone(),
            scope.tenant_id(),
            existing.version + 1,
            existing.import_job_id.clone(),
            existing.created_at,
            at,
        );
        let keys = match_keys(&record, kind);
        let links = heading_links(&record);
        let stored = row.clone();
        let version = request.version;
        self.database
            .write(move |connection| {
                if store::update_record(connection, &scope, &row, version)? == 0 {
                    return Err(ApiError::conflict(format!(
                        "record {} was changed by someone else while you edited it; reload it and edit again",
                        row.id
                    ))
                    .into());
                }
                let ids = [row.id.clone()];
                store::delete_keys(connection, &scope, &ids)?;
                store::delete_heading_links(connection, &scope, &ids)?;
                write_keys_and_links(connection, &scope, &row.id, &keys, &links)?;
                store::append_changes(
                    connection,
                    &[change(scope.tenant_id(), "record", &row.id, &row.id, "updated", at)],
                )?;
                Ok::<_, CatalogueError>(())
            })
            .await?;
        record_view(stored)
    }

    async fn delete_record_as(&self, call: &Call, request: ById) -> Outcome<Done> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        self.database
            .write(move |connection| {
                if store::find_record(connection, &scope, &request.id)?.is_none() {
                    return Err(not_found("record", &request.id));
                }
                let count = store::count_items(connection, &scope, &request.id)?;
                if count > 0 {
                    return Err(ApiError::conflict(format!(
                        "record {} still has {count} item(s); delete or move them first",
                        request.id
                    ))
                    .into());
                }
                store::delete_record(connection, &scope, &request.id)?;
                store::append_changes(
                    connection,
                    &[change(scope.tenant_id(), "record", &request.id, &request.id, "deleted", at)],
                )?;
                Ok(Done {})
            })
            .await
    }

    // ---- items ------------------------------------------------------------------------

    async fn get_item_as(&self, call: &Call, request: GetItem) -> Outcome<Item> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let staff = reader.staff;
        let row = self
            .database
            .read(move |connection| match (&request.id, &request.barcode) {
                (Some(id), None) => store::find_item(connection, &reader.scope, id)?
                    .ok_or_else(|| not_found("item", id)),
                (None, Some(barcode)) => {
                    let barcode = barcode.trim();
                    store::find_item_by_barcode(connection, &reader.scope, barcode)?.ok_or_else(
                        || {
                            ApiError::not_found(format!(
                                "no item has barcode {barcode} in this library"
                            ))
                            .into()
                        },
                    )
                }
                _ => Err(refusal("id", "give either the item's id or its barcode")),
            })
            .await?;
        Ok(item_view(row, staff))
    }

    async fn list_items_as(&self, call: &Call, request: ListItems) -> Outcome<ItemPage> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        let first = page_size(request.page.first, 100)?;
        let staff = reader.staff;
        let rows = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_items(
                    connection,
                    &reader.scope,
                    request.record_id.as_deref(),
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(ItemPage {
            items: rows.into_iter().map(|row| item_view(row, staff)).collect(),
            has_next_page,
        })
    }

    async fn get_availability_as(
        &self,
        call: &Call,
        request: GetAvailability,
    ) -> Outcome<Availability> {
        let reader = self.reader(call, request.public_tenant_id.as_deref())?;
        if request.record_ids.len() > 500 {
            return Err(refusal("recordIds", "ask for at most 500 records at once"));
        }
        let counts = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::item_counts(
                    connection,
                    &reader.scope,
                    &request.record_ids,
                )?)
            })
            .await?;
        let mut by_record: BTreeMap<String, BTreeMap<String, BranchAvailability>> = BTreeMap::new();
        for (record_id, branch_id, status, count) in counts {
            if status == ItemStatus::Withdrawn.as_str() {
                continue;
            }
            let entry = by_record
                .entry(record_id)
                .or_default()
                .entry(branch_id.clone())
                .or_insert(BranchAvailability { branch_id, total: 0, available: 0 });
            entry.total += count;
            if status == ItemStatus::Available.as_str() {
                entry.available += count;
            }
        }
        Ok(Availability {
            records: by_record
                .into_iter()
                .map(|(record_id, branches)| RecordAvailability {
                    record_id,
                    branches: branches.into_values().collect(),
                })
                .collect(),
        })
    }

    async fn create_item_as(&self, call: &Call, request: CreateItem) -> Outcome<Item> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let row = self
            .database
            .write(move |connection| {
                if store::find_record(connection, &scope, &request.record_id)?.is_none() {
                    return Err(refusal(
                        "recordId",
                        format!("no record has id {} in this library", request.record_id),
                    ));
                }
                let fields = checked_item(connection, &scope, &request.item)?;
                let row = ItemRow {
                    id: new_id(),
                    tenant_id: scope.tenant_id().to_string(),
                    record_id: request.record_id.clone(),
                    status: ItemStatus::Available.as_str().to_string(),
                    status_changed_at: at,
                    status_reason: None,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    ..fields
                };
                store::insert_items(connection, std::slice::from_ref(&row))
                    .map_err(|error| conflict_on_code(error, "barcode", "item", &row.barcode))?;
                store::append_changes(
                    connection,
                    &[change(scope.tenant_id(), "item", &row.id, &row.record_id, "created", at)],
                )?;
                Ok(row)
            })
            .await?;
        Ok(item_view(row, true))
    }

    async fn update_item_as(&self, call: &Call, request: UpdateItem) -> Outcome<Item> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let row = self
            .database
            .write(move |connection| {
                let existing = store::find_item(connection, &scope, &request.id)?
                    .ok_or_else(|| not_found("item", &request.id))?;
                if existing.version != request.version {
                    return Err(stale("item", &request.id, existing.version, request.version));
                }
                let fields = checked_item(connection, &scope, &request.item)?;
                let row = ItemRow {
                    id: existing.id.clone(),
                    tenant_id: existing.tenant_id.clone(),
                    record_id: existing.record_id.clone(),
                    status: existing.status.clone(),
                    status_changed_at: existing.status_changed_at,
                    status_reason: existing.status_reason.clone(),
                    version: existing.version + 1,
                    created_at: existing.created_at,
                    updated_at: at,
                    ..fields
                };
                let changed = store::update_item(connection, &scope, &row, request.version)
                    .map_err(|error| conflict_on_code(error, "barcode", "item", &row.barcode))?;
                if changed == 0 {
                    return Err(stale("item", &request.id, existing.version + 1, request.version));
                }
                store::append_changes(
                    connection,
                    &[change(scope.tenant_id(), "item", &row.id, &row.record_id, "updated", at)],
                )?;
                Ok(row)
            })
            .await?;
        Ok(item_view(row, true))
    }

    async fn set_item_status_as(&self, call: &Call, request: SetItemStatus) -> Outcome<Item> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        let reason = request
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_string);
        let row = self
            .database
            .write(move |connection| {
                let existing = store::find_item(connection, &scope, &request.id)?
                    .ok_or_else(|| not_found("item", &request.id))?;
                let from = ItemStatus::parse(&existing.status).unwrap_or(ItemStatus::Available);
                check_manual_status(from, request.status)?;
                let row = ItemRow {
                    status: request.status.as_str().to_string(),
                    status_changed_at: at,
                    status_reason: reason,
                    version: existing.version + 1,
                    updated_at: at,
                    ..existing.clone()
                };
                if store::update_item(connection, &scope, &row, existing.version)? == 0 {
                    return Err(stale("item", &request.id, existing.version + 1, existing.version));
                }
                store::append_changes(
                    connection,
                    &[change(
                        scope.tenant_id(),
                        "item",
                        &row.id,
                        &row.record_id,
                        "status_changed",
                        at,
                    )],
                )?;
                Ok(row)
            })
            .await?;
        Ok(item_view(row, true))
    }

    async fn delete_item_as(&self, call: &Call, request: ById) -> Outcome<Done> {
        let (_, scope) = self.staff(call)?;
        let at = now();
        self.database
            .write(move |connection| {
                let existing = store::find_item(connection, &scope, &request.id)?
                    .ok_or_else(|| not_found("item", &request.id))?;
                let status = ItemStatus::parse(&existing.status).unwrap_or(ItemStatus::Available);
                if matches!(
                    status,
                    ItemStatus::OnLoan | ItemStatus::OnHoldShelf | ItemStatus::InTransit
                ) {
                    return Err(ApiError::conflict(format!(
                        "item {} is {}; check it in before deleting it",
                        existing.barcode,
                        status.as_str().replace('_', " ")
                    ))
                    .into());
                }
                store::delete_item(connection, &scope, &request.id)?;
                store::append_changes(
                    connection,
                    &[change(
                        scope.tenant_id(),
                        "item",
                        &existing.id,
                        &existing.record_id,
                        "deleted",
                        at,
                    )],
                )?;
                Ok(Done {})
            })
            .await
    }

    // ---- settings ---------------------------------------------------------------------

    /// Returns the tenant's item mappings (the defaults until an admin sets them).
    pub async fn item_mappings(&self, scope: &TenantScope) -> Outcome<Vec<ItemMapping>> {
        let scope = scope.clone();
        let row = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::find_settings(connection, &scope)?)
            })
            .await?;
        match row {
            None => Ok(default_item_mappings()),
            Some(row) => serde_json::from_str(&row.item_mappings).map_err(|error| {
                CatalogueError::Internal(format!("stored item mappings do not parse: {error}"))
            }),
        }
    }

    async fn get_settings_as(&self, call: &Call) -> Outcome<CatalogueSettings> {
        let (_, scope) = self.staff(call)?;
        Ok(CatalogueSettings { item_mappings: self.item_mappings(&scope).await? })
    }

    async fn set_item_mappings_as(
        &self,
        call: &Call,
        request: SetItemMappings,
    ) -> Outcome<CatalogueSettings> {
        let scope = self.admin(call)?;
        for (index, mapping) in request.item_mappings.iter().enumerate() {
            check_mapping(mapping)
                .map_err(|problem| refusal(format!("itemMappings[{index}]"), problem))?;
        }
        let text = serde_json::to_string(&request.item_mappings)
            .map_err(|error| CatalogueError::Internal(error.to_string()))?;
        let at = now();
        self.database
            .write(move |connection| {
                Ok::<_, CatalogueError>(store::save_settings(connection, &scope, &text, at)?)
            })
            .await?;
        Ok(CatalogueSettings { item_mappings: request.item_mappings })
    }

    // ---- imports ----------------------------------------------------------------------

    async fn create_import_as(&self, call: &Call, request: CreateImport) -> Outcome<ImportJob> {
        let (caller, scope) = self.staff(call)?;
        let file_name = request.file_name.trim().to_string();
        if file_name.is_empty() || file_name.chars().count() > 255 {
            return Err(refusal("fileName", "give the file's name (at most 255 characters)"));
        }
        check_options(&request.options)?;
        let at = now();
        let row =
            new_job_row(&scope, &file_name, &request.options, None, Some(caller.account_id), at)?;
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
        self.database
            .write(move |connection| {
                Ok::<_, CatalogueError>(store::insert_job(connection, &stored)?)
            })
            .await?;
        job_view(row)
    }

    async fn append_import_data_as(&self, call: &Call, request: ImportData) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        let job = self.job(&scope, &request.job_id).await?;
        if job.status != ImportStatus::Uploading.as_str() {
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
            .database
            .write(move |connection| {
                store::set_job_size(connection, &scope, &id, size, now())?;
                store::find_job(connection, &scope, &id)?.ok_or_else(|| not_found("import", &id))
            })
            .await?;
        job_view(updated)
    }

    async fn start_import_as(&self, call: &Call, request: ById) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        let job = self.job(&scope, &request.id).await?;
        if job.status != ImportStatus::Uploading.as_str() {
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
            .database
            .write(move |connection| {
                if store::set_job_status(
                    connection,
                    &queued_scope,
                    &id,
                    &["uploading"],
                    "queued",
                    None,
                    None,
                    now(),
                )? == 0
                {
                    return Err(ApiError::conflict(format!(
                        "import {id} has already been started"
                    ))
                    .into());
                }
                store::find_job(connection, &queued_scope, &id)?
                    .ok_or_else(|| not_found("import", &id))
            })
            .await?;
        let _ = self.queue.send((scope.tenant_id().to_string(), updated.id.clone()));
        job_view(updated)
    }

    async fn job(&self, scope: &TenantScope, id: &str) -> Outcome<ImportJobRow> {
        let scope = scope.clone();
        let id = id.to_string();
        self.database
            .read(move |connection| {
                store::find_job(connection, &scope, &id)?.ok_or_else(|| not_found("import", &id))
            })
            .await
    }

    async fn get_import_as(&self, call: &Call, request: ById) -> Outcome<ImportJob> {
        let (_, scope) = self.staff(call)?;
        job_view(self.job(&scope, &request.id).await?)
    }

    async fn list_imports_as(&self, call: &Call, request: PageRequest) -> Outcome<ImportJobPage> {
        let (_, scope) = self.staff(call)?;
        let first = page_size(request.first, 100)?;
        let rows = self
            .database
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

    async fn list_import_problems_as(
        &self,
        call: &Call,
        request: ListImportProblems,
    ) -> Outcome<ImportProblemPage> {
        let (_, scope) = self.staff(call)?;
        let first = page_size(request.page.first, 100)?;
        self.job(&scope, &request.job_id).await?;
        let rows = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_problems(
                    connection,
                    &scope,
                    &request.job_id,
                    request.severity.map(|severity| match severity {
                        ProblemSeverity::Error => "error",
                        ProblemSeverity::Warning => "warning",
                    }),
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

    /// Returns how many of the tenant's headings name an authority record (by `$0` or
    /// `$9`), and how many of those are linked to one in the catalogue.
    pub async fn linked_heading_count(&self, scope: &TenantScope) -> Outcome<(i64, i64)> {
        let scope = scope.clone();
        self.database
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
            .database
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

    /// Runs queued imports (and, first, the ones a restart interrupted) until `stop`
    /// turns true, `import_workers` at a time. An import stopped between batches stays
    /// running and resumes at the next start.
    pub async fn run_imports(self: Arc<Self>, stop: watch::Receiver<bool>) {
        let Some(mut receiver) = self.queue_receiver.lock().ok().and_then(|mut slot| slot.take())
        else {
            return;
        };
        let interrupted = self
            .database
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

    async fn run_queued_import(&self, tenant_id: &str, job_id: &str, stop: watch::Receiver<bool>) {
        let scope = ResumedWork.tenant_scope(tenant_id);
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
                .database
                .write(move |connection| {
                    store::set_job_status(
                        connection,
                        &scope,
                        &id,
                        &["queued", "running"],
                        "failed",
                        Some(&message),
                        Some(now()),
                        now(),
                    )
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
        let (ending, _) = self.run_job(scope, job, reader, stop, |_| {}).await?;
        if ending == Ending::Completed {
            let path = self.spool_path(job_id);
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        }
        Ok(())
    }

    /// Runs an import job over `reader`: marks it running, imports every record after
    /// the job's last committed one, then marks it completed (or leaves it running when
    /// stopped, to resume later). `on_batch` hears the committed counters.
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
        {
            let scope = scope.clone();
            let id = job.id.clone();
            let fingerprint = job.fingerprint.clone().unwrap_or_default();
            self.database
                .write(move |connection| {
                    let at = now();
                    store::set_job_status(
                        connection,
                        &scope,
                        &id,
                        &["queued", "running"],
                        "running",
                        None,
                        None,
                        at,
                    )?;
                    store::set_job_started(connection, &scope, &id, at)?;
                    store::set_job_format(connection, &scope, &id, format, &fingerprint, at)?;
                    Ok::<_, CatalogueError>(())
                })
                .await?;
        }
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let source = CountedReader { reader, counter: Arc::clone(&counter) };
        let run = ImportRun {
            database: self.database.clone(),
            scope: scope.clone(),
            job_id: job.id.clone(),
            options,
            mappings,
            batch_size: self.config.import_batch_size,
            progress: ImportProgress::from(&job),
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
            .database
            .write(move |connection| {
                if ending == Ending::Completed {
                    store::set_job_status(
                        connection,
                        &scope,
                        &id,
                        &["running"],
                        "completed",
                        None,
                        Some(now()),
                        now(),
                    )?;
                }
                store::find_job(connection, &scope, &id)?.ok_or_else(|| not_found("import", &id))
            })
            .await?;
        Ok((ending, finished))
    }

    /// Creates (or finds, to resume) the job for the command line's import of a local
    /// file: a job that did not complete for a file with the same fingerprint is resumed
    /// after its last committed record.
    pub async fn local_import_job(
        &self,
        scope: &TenantScope,
        path: &Path,
        options: &ImportOptions,
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
        let mut row = new_job_row(
            scope,
            &file_name,
            options,
            Some(absolute.display().to_string()),
            None,
            now(),
        )?;
        row.fingerprint = Some(fingerprint.clone());
        row.file_size = i64::try_from(size).unwrap_or(i64::MAX);
        row.status = "queued".to_string();
        let scope = scope.clone();
        self.database
            .write(move |connection| {
                if let Some(existing) = store::resumable_job(connection, &scope, &fingerprint)? {
                    return Ok((existing, true));
                }
                store::insert_job(connection, &row)?;
                Ok::<_, CatalogueError>((row, false))
            })
            .await
    }

    /// Returns a job as callers see it.
    pub fn job_view(job: ImportJobRow) -> Result<ImportJob, ApiError> {
        job_view(job).map_err(|error| error.into_api("command-line"))
    }

    // ---- export and change feed ---------------------------------------------------------

    async fn export_records_as(&self, call: &Call, request: ExportRecords) -> Outcome<MarcPage> {
        let (_, scope) = self.staff(call)?;
        self.export_page(&scope, request).await
    }

    /// Returns a page of stored MARC, for exports.
    pub async fn export_page(
        &self,
        scope: &TenantScope,
        request: ExportRecords,
    ) -> Outcome<MarcPage> {
        let first = page_size(request.page.first, 1_000)?;
        let scope = scope.clone();
        let rows = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::list_marc(
                    connection,
                    &scope,
                    &request.filter,
                    request.page.after.as_deref(),
                    first + 1,
                )?)
            })
            .await?;
        let (rows, has_next_page) = split_page(rows, first);
        Ok(MarcPage {
            records: rows.into_iter().map(|(id, marc_json)| StoredMarc { id, marc_json }).collect(),
            has_next_page,
        })
    }

    async fn read_index_feed_as(&self, call: &Call, request: ReadIndexFeed) -> Outcome<IndexFeed> {
        self.caller(call)?.require_service("search")?;
        check_feed_limit(request.limit, 10_000)?;
        self.database
            .read(move |connection| {
                let events =
                    store::read_changes(connection, request.after, i64::from(request.limit))?;
                let last_position = events.last().map_or(request.after, |event| event.position);
                let mut touched: Vec<String> =
                    events.iter().map(|event| event.record_id.clone()).collect();
                touched.sort_unstable();
                touched.dedup();
                let rows = store::index_records(connection, &touched)?;
                let (records, other_kinds) = index_records(connection, rows)?;
                // Each touched record once: indexed, or named for removal.
                let mut seen: std::collections::HashSet<String> = records
                    .iter()
                    .map(|record| record.record_id.clone())
                    .chain(other_kinds.iter().map(|gone| gone.record_id.clone()))
                    .collect();
                let mut removed: Vec<RecordRef> = other_kinds;
                for event in &events {
                    if seen.insert(event.record_id.clone()) {
                        removed.push(RecordRef {
                            tenant_id: event.tenant_id.clone(),
                            record_id: event.record_id.clone(),
                        });
                    }
                }
                Ok::<_, CatalogueError>(IndexFeed {
                    last_position,
                    events: u32::try_from(events.len()).unwrap_or(u32::MAX),
                    records,
                    removed,
                })
            })
            .await
    }

    async fn scan_index_records_as(
        &self,
        call: &Call,
        request: ScanIndexRecords,
    ) -> Outcome<IndexScan> {
        self.caller(call)?.require_service("search")?;
        check_feed_limit(request.limit, 2_000)?;
        self.database
            .read(move |connection| {
                // Read the head first: every change up to it is committed, so the page read
                // after it reflects at least that much.
                let head_position = store::feed_head(connection)?;
                let rows = store::scan_index_records(
                    connection,
                    request.tenant_id.as_deref(),
                    request.after_id.as_deref(),
                    i64::from(request.limit) + 1,
                )?;
                let (rows, has_next_page) = split_page(rows, i64::from(request.limit));
                let (records, _) = index_records(connection, rows)?;
                Ok::<_, CatalogueError>(IndexScan { head_position, records, has_next_page })
            })
            .await
    }

    async fn read_changes_as(&self, call: &Call, request: ReadChanges) -> Outcome<ChangePage> {
        self.caller(call)?.require_service("search")?;
        check_feed_limit(request.limit, 10_000)?;
        let rows = self
            .database
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::read_changes(
                    connection,
                    request.after,
                    i64::from(request.limit),
                )?)
            })
            .await?;
        Ok(ChangePage {
            events: rows
                .into_iter()
                .map(|row| ChangeEvent {
                    position: row.position,
                    tenant_id: row.tenant_id,
                    entity: if row.entity == "item" {
                        ChangeEntity::Item
                    } else {
                        ChangeEntity::Record
                    },
                    entity_id: row.entity_id,
                    record_id: row.record_id,
                    change: match row.change.as_str() {
                        "created" => ChangeKind::Created,
                        "deleted" => ChangeKind::Deleted,
                        "status_changed" => ChangeKind::StatusChanged,
                        _ => ChangeKind::Updated,
                    },
                    occurred_at: row.occurred_at.and_utc(),
                })
                .collect(),
        })
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

fn new_job_row(
    scope: &TenantScope,
    file_name: &str,
    options: &ImportOptions,
    source_path: Option<String>,
    created_by: Option<String>,
    at: Timestamp,
) -> Outcome<ImportJobRow> {
    Ok(ImportJobRow {
        id: new_id(),
        tenant_id: scope.tenant_id().to_string(),
        file_name: file_name.to_string(),
        file_size: 0,
        fingerprint: None,
        source_path,
        format: None,
        status: "uploading".to_string(),
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
    })
}

fn check_options(options: &ImportOptions) -> Outcome<()> {
    let mut seen = Vec::new();
    for rule in &options.match_on {
        if seen.contains(rule) {
            return Err(refusal("matchOn", format!("the rule {rule:?} is listed twice")));
        }
        seen.push(*rule);
    }
    Ok(())
}

fn job_view(row: ImportJobRow) -> Outcome<ImportJob> {
    let options: ImportOptions = serde_json::from_str(&row.options).map_err(|error| {
        CatalogueError::Internal(format!("stored import options do not parse: {error}"))
    })?;
    Ok(ImportJob {
        id: ID(row.id),
        file_name: row.file_name,
        file_size: row.file_size,
        format: row.format,
        status: ImportStatus::parse(&row.status).unwrap_or(ImportStatus::Failed),
        options: options.into(),
        records_read: row.records_read,
        records_new: row.records_new,
        records_overlaid: row.records_overlaid,
        records_skipped: row.records_skipped,
        records_failed: row.records_failed,
        matched_by_control_number: row.matched_by_control,
        matched_by_system_number: row.matched_by_system,
        matched_by_isbn: row.matched_by_isbn,
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
        severity: if row.severity == "error" {
            ProblemSeverity::Error
        } else {
            ProblemSeverity::Warning
        },
        message: row.message,
    }
}

/// Parses one MARC record given through the API.
fn parse_marc(syntax: MarcSyntax, text: &str) -> Outcome<Record> {
    let parsed = match syntax {
        MarcSyntax::MarcXml => athenaeum_marc::xml::read_record(text).map(|(record, _)| record),
        MarcSyntax::MarcJson => athenaeum_marc::json::from_str(text),
        MarcSyntax::Iso2709 => {
            use base64::Engine;
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|error| {
                    refusal("marc", format!("the ISO 2709 record is not valid base64: {error}"))
                })?;
            athenaeum_marc::iso2709::read_record(&bytes).map(|(record, _)| record)
        }
    };
    parsed.map_err(|error| {
        refusal("marc", format!("the MARC record cannot be read: {}", error.message))
    })
}

/// Today as `yymmdd`, for 008/00-05.
fn today(at: Timestamp) -> String {
    at.format("%y%m%d").to_string()
}

fn write_keys_and_links(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_id: &str,
    keys: &[MatchKey],
    links: &[HeadingLink],
) -> Outcome<()> {
    let key_rows: Vec<store::KeyRow> = keys
        .iter()
        .map(|key| store::KeyRow {
            tenant_id: scope.tenant_id().to_string(),
            kind: key.kind.as_str().to_string(),
            value: key.value.clone(),
            record_id: record_id.to_string(),
        })
        .collect();
    store::insert_keys(connection, &key_rows)?;
    let wanted: Vec<String> = links.iter().map(|link| link.authority_key.clone()).collect();
    let known: BTreeMap<String, String> =
        store::find_keys(connection, scope, "authority", &wanted)?.into_iter().collect();
    let link_rows: Vec<store::HeadingLinkRow> = links
        .iter()
        .map(|link| store::HeadingLinkRow {
            id: new_id(),
            tenant_id: scope.tenant_id().to_string(),
            record_id: record_id.to_string(),
            tag: link.tag.clone(),
            heading: link.heading.clone(),
            authority_key: link.authority_key.clone(),
            authority_id: known.get(&link.authority_key).cloned(),
        })
        .collect();
    store::insert_heading_links(connection, &link_rows)?;
    for key in keys.iter().filter(|key| key.kind == crate::domain::KeyKind::Authority) {
        store::link_headings(connection, scope, &key.value, record_id)?;
    }
    Ok(())
}

/// Checks an item's fields against the tenant's branches, locations and lists, and
/// returns them as a row missing only its id, record, status, version and times.
fn checked_item(
    connection: &mut DbConnection,
    scope: &TenantScope,
    input: &ItemInput,
) -> Outcome<ItemRow> {
    let barcode = input.barcode.trim();
    if barcode.is_empty()
        || barcode.chars().count() > 64
        || barcode.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(refusal(
            "barcode",
            format!("barcode {barcode:?} must be 1 to 64 characters without spaces"),
        ));
    }
    let branch_id = input.branch_id.0.clone();
    if store::find_branch(connection, scope, &branch_id)?.is_none() {
        return Err(refusal("branchId", format!("no branch has id {branch_id} in this library")));
    }
    if let Some(location_id) = &input.location_id {
        let location = store::find_location(connection, scope, location_id)?.ok_or_else(|| {
            refusal("locationId", format!("no shelving location has id {}", location_id.0))
        })?;
        if location.branch_id != branch_id {
            return Err(refusal("locationId", "the shelving location belongs to another branch"));
        }
    }
    for (field, id, vocabulary) in [
        ("materialTypeId", &input.material_type_id, Vocabulary::MaterialType),
        ("loanTypeId", &input.loan_type_id, Vocabulary::LoanType),
    ] {
        if let Some(id) = id {
            let term = store::find_term(connection, scope, id)?
                .ok_or_else(|| refusal(field, format!("no term has id {}", id.0)))?;
            if term.vocabulary != vocabulary.as_str() {
                return Err(refusal(
                    field,
                    format!("term {} is not a {}", id.0, vocabulary.as_str().replace('_', " ")),
                ));
            }
        }
    }
    let price_minor = match input.price.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        None => None,
        Some(text) => Some(parse_price(text).ok_or_else(|| {
            refusal("price", format!("price {text:?} is not an amount such as 12.99"))
        })?),
    };
    let text = |value: &Option<String>| {
        value.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_string)
    };
    let at = now();
    Ok(ItemRow {
        id: String::new(),
        tenant_id: scope.tenant_id().to_string(),
        record_id: String::new(),
        barcode: barcode.to_string(),
        branch_id,
        location_id: input.location_id.as_ref().map(|id| id.0.clone()),
        call_number: text(&input.call_number),
        material_type_id: input.material_type_id.as_ref().map(|id| id.0.clone()),
        loan_type_id: input.loan_type_id.as_ref().map(|id| id.0.clone()),
        copy_number: text(&input.copy_number),
        volume: text(&input.volume),
        price_minor,
        status: String::new(),
        status_changed_at: at,
        status_reason: None,
        public_note: text(&input.public_note),
        staff_note: text(&input.staff_note),
        version: 0,
        created_at: at,
        updated_at: at,
    })
}

fn branch_view(connection: &mut DbConnection, scope: &TenantScope, id: &str) -> Outcome<Branch> {
    let row = store::find_branch(connection, scope, id)?.ok_or_else(|| not_found("branch", id))?;
    let locations = store::locations_of(connection, scope, std::slice::from_ref(&row.id))?
        .into_iter()
        .map(location_view)
        .collect();
    Ok(Branch { id: ID(row.id), code: row.code, name: row.name, locations })
}

fn location_view(row: LocationRow) -> ShelvingLocation {
    ShelvingLocation {
        id: ID(row.id),
        branch_id: ID(row.branch_id),
        code: row.code,
        name: row.name,
    }
}

fn term_view(row: TermRow) -> Term {
    Term {
        id: ID(row.id),
        vocabulary: Vocabulary::parse(&row.vocabulary).unwrap_or(Vocabulary::MaterialType),
        code: row.code,
        name: row.name,
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
        fn get_settings(GetSettings) -> CatalogueSettings => get_settings_as without request;
        fn set_item_mappings(SetItemMappings) -> CatalogueSettings => set_item_mappings_as;
        fn create_import(CreateImport) -> ImportJob => create_import_as;
        fn append_import_data(ImportData) -> ImportJob => append_import_data_as;
        fn start_import(ById) -> ImportJob => start_import_as;
        fn get_import(ById) -> ImportJob => get_import_as;
        fn list_imports(PageRequest) -> ImportJobPage => list_imports_as;
        fn list_import_problems(ListImportProblems) -> ImportProblemPage => list_import_problems_as;
        fn export_records(ExportRecords) -> MarcPage => export_records_as;
        fn read_changes(ReadChanges) -> ChangePage => read_changes_as;
        fn read_index_feed(ReadIndexFeed) -> IndexFeed => read_index_feed_as;
        fn scan_index_records(ScanIndexRecords) -> IndexScan => scan_index_records_as;
    }
}

fn check_feed_limit(limit: u32, most: u32) -> Outcome<()> {
    if (1..=most).contains(&limit) {
        return Ok(());
    }
    Err(refusal("limit", format!("limit must be between 1 and {most}, not {limit}")))
}

/// Turns stored rows into what the index needs, with their items; rows that are not
/// bibliographic come back as references to drop from the index.
fn index_records(
    connection: &mut DbConnection,
    rows: Vec<store::IndexRecordRow>,
) -> Result<(Vec<IndexRecord>, Vec<RecordRef>), CatalogueError> {
    let (bibliographic, others): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|row| row.2 == "bibliographic");
    let ids: Vec<String> = bibliographic.iter().map(|row| row.0.clone()).collect();
    let mut items: std::collections::HashMap<String, Vec<IndexItem>> =
        std::collections::HashMap::new();
    for (
        item_id,
        record_id,
        barcode,
        branch_code,
        branch_name,
        location_name,
        call_number,
        status,
    ) in store::index_items(connection, &ids)?
    {
        items.entry(record_id).or_default().push(IndexItem {
            item_id,
            barcode,
            branch_code,
            branch_name,
            location_name,
            call_number,
            status: ItemStatus::parse(&status).unwrap_or(ItemStatus::InProcessing),
        });
    }
    let records = bibliographic
        .into_iter()
        .map(|(record_id, tenant_id, _, version, created_at, updated_at, description)| {
            IndexRecord {
                items: items.remove(&record_id).unwrap_or_default(),
                tenant_id,
                record_id,
                version,
                created_at: created_at.and_utc(),
                updated_at: updated_at.and_utc(),
                description,
            }
        })
        .collect();
    let others =
        others.into_iter().map(|row| RecordRef { tenant_id: row.1, record_id: row.0 }).collect();
    Ok((records, others))
}
