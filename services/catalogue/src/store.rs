//! Diesel queries on the catalogue's tables. Every query on a tenant-owned table takes a
//! [`TenantScope`] and filters by it; the change feed is read across tenants by the
//! services that follow it.
//!
//! Look-ups by a unique key use `get_result(..).optional()`, not `first(..)` (which binds
//! `LIMIT ?` and makes SQLite re-plan cached statements). Bulk writes go in chunks that
//! stay under both databases' limits on bound parameters.

use athenaeum_auth::TenantScope;
use athenaeum_db::{DbConnection, DbError};
use athenaeum_kernel::Timestamp;
use diesel::prelude::*;

use crate::api::RecordFilter;
use crate::schema::{
    branches, catalogue_settings, change_events, heading_links, import_jobs, import_problems,
    items, record_keys, records, shelving_locations, vocabulary_terms,
};

/// Rows per multi-row statement: 500 rows of at most 27 columns stay under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 500;

type Outcome<T> = Result<T, DbError>;

/// Inserts rows into a table: one multi-row statement per chunk on PostgreSQL, one
/// prepared statement per row on SQLite (which diesel cannot batch for a table with
/// defaultable columns, and where a prepared insert costs microseconds in a transaction).
macro_rules! insert_all {
    ($connection:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        match $connection {
            DbConnection::Pg(inner) => {
                for chunk in rows.chunks(CHUNK) {
                    diesel::insert_into($table).values(chunk).execute(inner)?;
                }
            }
            DbConnection::Sqlite(inner) => {
                for row in rows {
                    diesel::insert_into($table).values(row).execute(inner)?;
                }
            }
        }
    }};
}

/// A row of `branches`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = branches)]
pub struct BranchRow {
    pub id: String,
    pub tenant_id: String,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `shelving_locations`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = shelving_locations)]
pub struct LocationRow {
    pub id: String,
    pub tenant_id: String,
    pub branch_id: String,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `vocabulary_terms`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = vocabulary_terms)]
pub struct TermRow {
    pub id: String,
    pub tenant_id: String,
    pub vocabulary: String,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `records`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = records)]
#[diesel(treat_none_as_null = true)]
pub struct RecordRow {
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    pub control_number: Option<String>,
    pub control_source: Option<String>,
    pub title: Option<String>,
    pub sort_title: Option<String>,
    pub primary_author: Option<String>,
    pub format: String,
    pub publication_year: Option<i32>,
    pub language: Option<String>,
    pub work_key: Option<String>,
    pub marc: String,
    pub description: String,
    pub version: i32,
    pub import_job_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `record_keys`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = record_keys)]
pub struct KeyRow {
    pub tenant_id: String,
    pub kind: String,
    pub value: String,
    pub record_id: String,
}

/// A row of `heading_links`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = heading_links)]
pub struct HeadingLinkRow {
    pub id: String,
    pub tenant_id: String,
    pub record_id: String,
    pub tag: String,
    pub heading: String,
    pub authority_key: String,
    pub authority_id: Option<String>,
}

/// A row of `items`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = items)]
#[diesel(treat_none_as_null = true)]
pub struct ItemRow {
    pub id: String,
    pub tenant_id: String,
    pub record_id: String,
    pub barcode: String,
    pub branch_id: String,
    pub location_id: Option<String>,
    pub call_number: Option<String>,
    pub material_type_id: Option<String>,
    pub loan_type_id: Option<String>,
    pub copy_number: Option<String>,
    pub volume: Option<String>,
    pub price_minor: Option<i64>,
    pub status: String,
    pub status_changed_at: Timestamp,
    pub status_reason: Option<String>,
    pub public_note: Option<String>,
    pub staff_note: Option<String>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `catalogue_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = catalogue_settings)]
pub struct SettingsRow {
    pub tenant_id: String,
    pub item_mappings: String,
    pub updated_at: Timestamp,
}

/// A row of `import_jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_jobs)]
pub struct ImportJobRow {
    pub id: String,
    pub tenant_id: String,
    pub file_name: String,
    pub file_size: i64,
    pub fingerprint: Option<String>,
    pub source_path: Option<String>,
    pub format: Option<String>,
    pub status: String,
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
        }
    }
}

/// A row of `import_problems`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_problems)]
pub struct ProblemRow {
    pub id: String,
    pub tenant_id: String,
    pub job_id: String,
    pub position: i64,
    pub byte_offset: i64,
    pub control_number: Option<String>,
    pub severity: String,
    pub message: String,
}

/// A change event to append (its position is given by the database).
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = change_events)]
pub struct NewChangeEvent {
    pub tenant_id: String,
    pub entity: String,
    pub entity_id: String,
    pub record_id: String,
    pub change: String,
    pub occurred_at: Timestamp,
}

/// A row of `change_events`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = change_events)]
pub struct ChangeEventRow {
    pub position: i64,
    pub tenant_id: String,
    pub entity: String,
    pub entity_id: String,
    pub record_id: String,
    pub change: String,
    pub occurred_at: Timestamp,
}

// ---- branches, locations, terms ------------------------------------------------------

/// Inserts a branch; `UniqueViolation` if the code is taken.
pub fn insert_branch(connection: &mut DbConnection, row: &BranchRow) -> Outcome<()> {
    diesel::insert_into(branches::table).values(row).execute(connection)?;
    Ok(())
}

/// Renames a branch (code and name); returns the rows changed.
pub fn update_branch(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    code: &str,
    name: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        branches::table
            .filter(branches::tenant_id.eq(scope.tenant_id()))
            .filter(branches::id.eq(id)),
    )
    .set((branches::code.eq(code), branches::name.eq(name), branches::updated_at.eq(now)))
    .execute(connection)?)
}

/// Returns a branch.
pub fn find_branch(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<Option<BranchRow>> {
    Ok(branches::table
        .filter(branches::tenant_id.eq(scope.tenant_id()))
        .filter(branches::id.eq(id))
        .select(BranchRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` branches after the cursor code, by code.
pub fn list_branches(
    connection: &mut DbConnection,
    scope: &TenantScope,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<BranchRow>> {
    let mut query = branches::table
        .filter(branches::tenant_id.eq(scope.tenant_id()))
        .select(BranchRow::as_select())
        .order(branches::code.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(branches::code.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns every branch of the tenant (import code resolution; tenants have dozens).
pub fn all_branches(connection: &mut DbConnection, scope: &TenantScope) -> Outcome<Vec<BranchRow>> {
    Ok(branches::table
        .filter(branches::tenant_id.eq(scope.tenant_id()))
        .select(BranchRow::as_select())
        .load(connection)?)
}

/// Inserts a shelving location; `UniqueViolation` if the branch has the code already.
pub fn insert_location(connection: &mut DbConnection, row: &LocationRow) -> Outcome<()> {
    diesel::insert_into(shelving_locations::table).values(row).execute(connection)?;
    Ok(())
}

/// Renames a shelving location; returns the rows changed.
pub fn update_location(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    code: &str,
    name: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        shelving_locations::table
            .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
            .filter(shelving_locations::id.eq(id)),
    )
    .set((
        shelving_locations::code.eq(code),
        shelving_locations::name.eq(name),
        shelving_locations::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// Returns a shelving location.
pub fn find_location(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<Option<LocationRow>> {
    Ok(shelving_locations::table
        .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
        .filter(shelving_locations::id.eq(id))
        .select(LocationRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the locations of these branches, by code.
pub fn locations_of(
    connection: &mut DbConnection,
    scope: &TenantScope,
    branch_ids: &[String],
) -> Outcome<Vec<LocationRow>> {
    Ok(shelving_locations::table
        .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
        .filter(shelving_locations::branch_id.eq_any(branch_ids))
        .select(LocationRow::as_select())
        .order(shelving_locations::code.asc())
        .load(connection)?)
}

/// Returns every shelving location of the tenant.
pub fn all_locations(
    connection: &mut DbConnection,
    scope: &TenantScope,
) -> Outcome<Vec<LocationRow>> {
    Ok(shelving_locations::table
        .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
        .select(LocationRow::as_select())
        .load(connection)?)
}

/// Inserts a term; `UniqueViolation` if the list has the code already.
pub fn insert_term(connection: &mut DbConnection, row: &TermRow) -> Outcome<()> {
    diesel::insert_into(vocabulary_terms::table).values(row).execute(connection)?;
    Ok(())
}

/// Renames a term; returns the rows changed.
pub fn update_term(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    code: &str,
    name: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        vocabulary_terms::table
            .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
            .filter(vocabulary_terms::id.eq(id)),
    )
    .set((
        vocabulary_terms::code.eq(code),
        vocabulary_terms::name.eq(name),
        vocabulary_terms::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// Returns a term.
pub fn find_term(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<Option<TermRow>> {
    Ok(vocabulary_terms::table
        .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
        .filter(vocabulary_terms::id.eq(id))
        .select(TermRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` terms of a list after the cursor code, by code.
pub fn list_terms(
    connection: &mut DbConnection,
    scope: &TenantScope,
    vocabulary: &str,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<TermRow>> {
    let mut query = vocabulary_terms::table
        .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
        .filter(vocabulary_terms::vocabulary.eq(vocabulary.to_string()))
        .select(TermRow::as_select())
        .order(vocabulary_terms::code.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(vocabulary_terms::code.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns every term of the tenant.
pub fn all_terms(connection: &mut DbConnection, scope: &TenantScope) -> Outcome<Vec<TermRow>> {
    Ok(vocabulary_terms::table
        .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
        .select(TermRow::as_select())
        .load(connection)?)
}

// ---- records ------------------------------------------------------------------------

/// Inserts records in multi-row statements.
pub fn insert_records(connection: &mut DbConnection, rows: &[RecordRow]) -> Outcome<()> {
    insert_all!(connection, records::table, rows);
    Ok(())
}

/// Replaces a record's content if its version is still `expected_version`; returns the
/// rows changed (0 when it changed meanwhile or does not exist).
pub fn update_record(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &RecordRow,
    expected_version: i32,
) -> Outcome<usize> {
    Ok(diesel::update(
        records::table
            .filter(records::tenant_id.eq(scope.tenant_id()))
            .filter(records::id.eq(&row.id))
            .filter(records::version.eq(expected_version)),
    )
    .set(row)
    .execute(connection)?)
}

/// Returns a record.
pub fn find_record(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<Option<RecordRow>> {
    Ok(records::table
        .filter(records::tenant_id.eq(scope.tenant_id()))
        .filter(records::id.eq(id))
        .select(RecordRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the records with these ids that exist, by id.
pub fn find_records(
    connection: &mut DbConnection,
    scope: &TenantScope,
    ids: &[String],
) -> Outcome<Vec<RecordRow>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            records::table
                .filter(records::tenant_id.eq(scope.tenant_id()))
                .filter(records::id.eq_any(chunk))
                .select(RecordRow::as_select())
                .load(connection)?,
        );
    }
    found.sort_by(|left, right| left.id.cmp(&right.id));
    Ok(found)
}

/// Returns `(id, version, created_at)` of the records with these ids that exist: what an
/// overlay needs of the record it replaces, without reading its MARC.
pub fn record_versions(
    connection: &mut DbConnection,
    scope: &TenantScope,
    ids: &[String],
) -> Outcome<Vec<(String, i32, Timestamp)>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            records::table
                .filter(records::tenant_id.eq(scope.tenant_id()))
                .filter(records::id.eq_any(chunk))
                .select((records::id, records::version, records::created_at))
                .load::<(String, i32, Timestamp)>(connection)?,
        );
    }
    Ok(found)
}

#[diesel::dsl::auto_type(no_type_alias)]
fn tenant_records<'a>(scope: &'a TenantScope) -> _ {
    let tenant_id: &'a str = scope.tenant_id();
    records::table.filter(records::tenant_id.eq(tenant_id))
}

/// Applies a filter and a cursor to a boxed query on `records`.
macro_rules! filtered_records {
    ($scope:expr, $filter:expr, $after:expr) => {{
        let filter: &RecordFilter = $filter;
        let mut query = tenant_records($scope).into_boxed();
        if let Some(ids) = &filter.ids {
            let ids: Vec<String> = ids.iter().map(|id| id.0.clone()).collect();
            query = query.filter(records::id.eq_any(ids));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(records::kind.eq(kind.as_str()));
        }
        if let Some(format) = &filter.format {
            query = query.filter(records::format.eq(format.clone()));
        }
        if let Some(control_number) = &filter.control_number {
            query = query.filter(records::control_number.eq(control_number.trim().to_string()));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(records::updated_at.ge(since.naive_utc()));
        }
        if let Some(job) = &filter.import_job_id {
            query = query.filter(records::import_job_id.eq(job.0.clone()));
        }
        if let Some(after) = $after {
            query = query.filter(records::id.gt(after.to_string()));
        }
        query.order(records::id.asc())
    }};
}

/// Returns up to `limit` records matching `filter` after the cursor id, by id.
pub fn list_records(
    connection: &mut DbConnection,
    scope: &TenantScope,
    filter: &RecordFilter,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<RecordRow>> {
    Ok(filtered_records!(scope, filter, after)
        .select(RecordRow::as_select())
        .limit(limit)
        .load(connection)?)
}

/// Returns up to `limit` records' ids and stored MARC matching `filter` after the cursor,
/// by id.
pub fn list_marc(
    connection: &mut DbConnection,
    scope: &TenantScope,
    filter: &RecordFilter,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<(String, String)>> {
    Ok(filtered_records!(scope, filter, after)
        .select((records::id, records::marc))
        .limit(limit)
        .load(connection)?)
}

/// Deletes a record (its keys and heading links go with it); returns the rows deleted.
pub fn delete_record(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<usize> {
    // Explicit rather than relying on ON DELETE CASCADE, which SQLite only honours with
    // foreign keys switched on for the connection.
    diesel::delete(
        record_keys::table
            .filter(record_keys::record_id.eq(id))
            .filter(record_keys::tenant_id.eq(scope.tenant_id())),
    )
    .execute(connection)?;
    diesel::delete(
        heading_links::table
            .filter(heading_links::record_id.eq(id))
            .filter(heading_links::tenant_id.eq(scope.tenant_id())),
    )
    .execute(connection)?;
    diesel::update(
        heading_links::table
            .filter(heading_links::tenant_id.eq(scope.tenant_id()))
            .filter(heading_links::authority_id.eq(id)),
    )
    .set(heading_links::authority_id.eq(None::<String>))
    .execute(connection)?;
    Ok(diesel::delete(tenant_records(scope).filter(records::id.eq(id))).execute(connection)?)
}

// ---- keys and heading links -----------------------------------------------------------

/// Inserts match keys.
pub fn insert_keys(connection: &mut DbConnection, rows: &[KeyRow]) -> Outcome<()> {
    insert_all!(connection, record_keys::table, rows);
    Ok(())
}

/// Deletes the match keys of these records.
pub fn delete_keys(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_ids: &[String],
) -> Outcome<()> {
    for chunk in record_ids.chunks(CHUNK) {
        diesel::delete(
            record_keys::table
                .filter(record_keys::tenant_id.eq(scope.tenant_id()))
                .filter(record_keys::record_id.eq_any(chunk)),
        )
        .execute(connection)?;
    }
    Ok(())
}

/// Returns `(value, record id)` for every key of `kind` among `values`.
pub fn find_keys(
    connection: &mut DbConnection,
    scope: &TenantScope,
    kind: &str,
    values: &[String],
) -> Outcome<Vec<(String, String)>> {
    let mut found = Vec::new();
    for chunk in values.chunks(CHUNK) {
        found.extend(
            record_keys::table
                .filter(record_keys::tenant_id.eq(scope.tenant_id()))
                .filter(record_keys::kind.eq(kind))
                .filter(record_keys::value.eq_any(chunk))
                .select((record_keys::value, record_keys::record_id))
                .load::<(String, String)>(connection)?,
        );
    }
    // Sorted here, not in SQL: an ORDER BY tempts the planner into walking every key of
    // the kind in index order instead of looking up the values asked for.
    found.sort();
    Ok(found)
}

/// Brings the planner's statistics of the catalogue's big tables up to date. A bulk
/// import calls it as the tables grow: plans made when a table was empty (a filter over
/// every key of a kind, say) turn a lookup into a scan once it holds a million rows.
/// PostgreSQL replans cached statements when statistics change. On SQLite the indexes
/// leave the planner no such choice, and ANALYZE would read whole tables, so it does
/// nothing there.
pub fn refresh_statistics(connection: &mut DbConnection) -> Outcome<()> {
    if let DbConnection::Pg(inner) = connection {
        use diesel::connection::SimpleConnection;
        inner.batch_execute("ANALYZE records, record_keys, heading_links, items")?;
    }
    Ok(())
}

/// Returns `(record id, value)` for the keys of `kind` of these records.
pub fn keys_of(
    connection: &mut DbConnection,
    scope: &TenantScope,
    kind: &str,
    record_ids: &[String],
) -> Outcome<Vec<(String, String)>> {
    let mut found = Vec::new();
    for chunk in record_ids.chunks(CHUNK) {
        found.extend(
            record_keys::table
                .filter(record_keys::tenant_id.eq(scope.tenant_id()))
                .filter(record_keys::kind.eq(kind))
                .filter(record_keys::record_id.eq_any(chunk))
                .select((record_keys::record_id, record_keys::value))
                .load::<(String, String)>(connection)?,
        );
    }
    Ok(found)
}

/// Inserts heading links.
pub fn insert_heading_links(connection: &mut DbConnection, rows: &[HeadingLinkRow]) -> Outcome<()> {
    insert_all!(connection, heading_links::table, rows);
    Ok(())
}

/// Deletes the heading links of these records.
pub fn delete_heading_links(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_ids: &[String],
) -> Outcome<()> {
    for chunk in record_ids.chunks(CHUNK) {
        diesel::delete(
            heading_links::table
                .filter(heading_links::tenant_id.eq(scope.tenant_id()))
                .filter(heading_links::record_id.eq_any(chunk)),
        )
        .execute(connection)?;
    }
    Ok(())
}

/// Points the headings that name `authority_key` at the authority record `authority_id`.
pub fn link_headings(
    connection: &mut DbConnection,
    scope: &TenantScope,
    authority_key: &str,
    authority_id: &str,
) -> Outcome<usize> {
    Ok(diesel::update(
        heading_links::table
            .filter(heading_links::tenant_id.eq(scope.tenant_id()))
            .filter(heading_links::authority_key.eq(authority_key)),
    )
    .set(heading_links::authority_id.eq(authority_id))
    .execute(connection)?)
}

/// Returns how many of the tenant's headings name an authority record, and how many of
/// those are linked to one in the catalogue.
pub fn heading_link_counts(
    connection: &mut DbConnection,
    scope: &TenantScope,
) -> Outcome<(i64, i64)> {
    let total = heading_links::table
        .filter(heading_links::tenant_id.eq(scope.tenant_id()))
        .count()
        .get_result(connection)?;
    let linked = heading_links::table
        .filter(heading_links::tenant_id.eq(scope.tenant_id()))
        .filter(heading_links::authority_id.is_not_null())
        .count()
        .get_result(connection)?;
    Ok((total, linked))
}

// ---- items --------------------------------------------------------------------------

/// Inserts items in multi-row statements; `UniqueViolation` on a taken barcode.
pub fn insert_items(connection: &mut DbConnection, rows: &[ItemRow]) -> Outcome<()> {
    insert_all!(connection, items::table, rows);
    Ok(())
}

/// Returns `(barcode, record id)` for those of these barcodes the tenant's items carry.
pub fn existing_barcodes(
    connection: &mut DbConnection,
    scope: &TenantScope,
    barcodes: &[String],
) -> Outcome<Vec<(String, String)>> {
    let mut found = Vec::new();
    for chunk in barcodes.chunks(CHUNK) {
        found.extend(
            items::table
                .filter(items::tenant_id.eq(scope.tenant_id()))
                .filter(items::barcode.eq_any(chunk))
                .select((items::barcode, items::record_id))
                .load::<(String, String)>(connection)?,
        );
    }
    Ok(found)
}

/// Returns an item by id.
pub fn find_item(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<Option<ItemRow>> {
    Ok(items::table
        .filter(items::tenant_id.eq(scope.tenant_id()))
        .filter(items::id.eq(id))
        .select(ItemRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns an item by barcode.
pub fn find_item_by_barcode(
    connection: &mut DbConnection,
    scope: &TenantScope,
    barcode: &str,
) -> Outcome<Option<ItemRow>> {
    Ok(items::table
        .filter(items::tenant_id.eq(scope.tenant_id()))
        .filter(items::barcode.eq(barcode))
        .select(ItemRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` items (of one record, or all) after the cursor barcode.
pub fn list_items(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<ItemRow>> {
    let mut query = items::table
        .filter(items::tenant_id.eq(scope.tenant_id()))
        .select(ItemRow::as_select())
        .order(items::barcode.asc())
        .into_boxed();
    if let Some(record_id) = record_id {
        query = query.filter(items::record_id.eq(record_id.to_string()));
    }
    if let Some(after) = after {
        query = query.filter(items::barcode.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns how many items a record has.
pub fn count_items(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_id: &str,
) -> Outcome<i64> {
    Ok(items::table
        .filter(items::tenant_id.eq(scope.tenant_id()))
        .filter(items::record_id.eq(record_id))
        .count()
        .get_result(connection)?)
}

/// Returns `(record, branch, status, count)` for the items of these records.
pub fn item_counts(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_ids: &[String],
) -> Outcome<Vec<(String, String, String, i64)>> {
    let mut found = Vec::new();
    for chunk in record_ids.chunks(CHUNK) {
        found.extend(
            items::table
                .filter(items::tenant_id.eq(scope.tenant_id()))
                .filter(items::record_id.eq_any(chunk))
                .group_by((items::record_id, items::branch_id, items::status))
                .select((
                    items::record_id,
                    items::branch_id,
                    items::status,
                    diesel::dsl::count_star(),
                ))
                .load::<(String, String, String, i64)>(connection)?,
        );
    }
    Ok(found)
}

/// Replaces an item's fields if its version is still `expected_version`; returns the
/// rows changed.
pub fn update_item(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &ItemRow,
    expected_version: i32,
) -> Outcome<usize> {
    Ok(diesel::update(
        items::table
            .filter(items::tenant_id.eq(scope.tenant_id()))
            .filter(items::id.eq(&row.id))
            .filter(items::version.eq(expected_version)),
    )
    .set(row)
    .execute(connection)?)
}

/// Deletes an item; returns the rows deleted.
pub fn delete_item(connection: &mut DbConnection, scope: &TenantScope, id: &str) -> Outcome<usize> {
    Ok(diesel::delete(
        items::table.filter(items::tenant_id.eq(scope.tenant_id())).filter(items::id.eq(id)),
    )
    .execute(connection)?)
}

// ---- settings -----------------------------------------------------------------------

/// Returns the tenant's settings row, if it has one.
pub fn find_settings(
    connection: &mut DbConnection,
    scope: &TenantScope,
) -> Outcome<Option<SettingsRow>> {
    Ok(catalogue_settings::table
        .filter(catalogue_settings::tenant_id.eq(scope.tenant_id()))
        .select(SettingsRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Writes the tenant's settings row.
pub fn save_settings(
    connection: &mut DbConnection,
    scope: &TenantScope,
    item_mappings: &str,
    now: Timestamp,
) -> Outcome<()> {
    let changed = diesel::update(
        catalogue_settings::table.filter(catalogue_settings::tenant_id.eq(scope.tenant_id())),
    )
    .set((
        catalogue_settings::item_mappings.eq(item_mappings),
        catalogue_settings::updated_at.eq(now),
    ))
    .execute(connection)?;
    if changed == 0 {
        diesel::insert_into(catalogue_settings::table)
            .values(&SettingsRow {
                tenant_id: scope.tenant_id().to_string(),
                item_mappings: item_mappings.to_string(),
                updated_at: now,
            })
            .execute(connection)?;
    }
    Ok(())
}

// ---- import jobs --------------------------------------------------------------------

/// Inserts an import job.
pub fn insert_job(connection: &mut DbConnection, row: &ImportJobRow) -> Outcome<()> {
    diesel::insert_into(import_jobs::table).values(row).execute(connection)?;
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

/// Returns every uploaded job, of any tenant, that was queued or running: the work to
/// resume after a restart. Jobs of the command line (which read a file of their own) are
/// resumed by running the command again.
pub fn unfinished_jobs(connection: &mut DbConnection) -> Outcome<Vec<ImportJobRow>> {
    Ok(import_jobs::table
        .filter(import_jobs::status.eq_any(["queued", "running"]))
        .filter(import_jobs::source_path.is_null())
        .select(ImportJobRow::as_select())
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
        .filter(import_jobs::status.eq_any(["queued", "running"]))
        .select(ImportJobRow::as_select())
        .order(import_jobs::id.desc())
        .limit(1)
        .load(connection)?
        .pop())
}

/// Sets a job's status, error and finishing time if its status is one of `from`;
/// returns the rows changed (0 when another worker moved it first).
#[expect(clippy::too_many_arguments, reason = "one statement's columns")]
pub fn set_job_status(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    from: &[&str],
    status: &str,
    error: Option<&str>,
    finished_at: Option<Timestamp>,
    now: Timestamp,
) -> Outcome<usize> {
    let from: Vec<String> = from.iter().map(|status| (*status).to_string()).collect();
    Ok(diesel::update(
        import_jobs::table
            .filter(import_jobs::tenant_id.eq(scope.tenant_id()))
            .filter(import_jobs::id.eq(id))
            .filter(import_jobs::status.eq_any(from)),
    )
    .set((
        import_jobs::status.eq(status),
        import_jobs::error.eq(error),
        import_jobs::finished_at.eq(finished_at),
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
            .filter(import_jobs::status.eq("uploading")),
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

/// Inserts import problems.
pub fn insert_problems(connection: &mut DbConnection, rows: &[ProblemRow]) -> Outcome<()> {
    insert_all!(connection, import_problems::table, rows);
    Ok(())
}

/// Returns up to `limit` of a job's problems after the cursor, in file order. The cursor
/// is a problem's `position/id` (see [`problem_cursor`]).
pub fn list_problems(
    connection: &mut DbConnection,
    scope: &TenantScope,
    job_id: &str,
    severity: Option<&str>,
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
        query = query.filter(import_problems::severity.eq(severity.to_string()));
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

// ---- change feed --------------------------------------------------------------------

/// Appends change events. Call it last in the transaction: on PostgreSQL it takes a
/// transaction-level advisory lock first, so that positions are handed out in commit
/// order (SQLite has one writer at a time anyway) and a reader that has seen position
/// `n` can never later find a committed event below `n`.
pub fn append_changes(connection: &mut DbConnection, events: &[NewChangeEvent]) -> Outcome<()> {
    if events.is_empty() {
        return Ok(());
    }
    if let DbConnection::Pg(inner) = connection {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7262001)").execute(inner)?;
    }
    insert_all!(connection, change_events::table, events);
    Ok(())
}

/// Returns up to `limit` events after `after`, in position order, across tenants.
pub fn read_changes(
    connection: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Outcome<Vec<ChangeEventRow>> {
    Ok(change_events::table
        .filter(change_events::position.gt(after))
        .order(change_events::position.asc())
        .select(ChangeEventRow::as_select())
        .limit(limit)
        .load(connection)?)
}

/// What the search index needs of a record: id, tenant, kind, version, created and
/// updated times, and the stored description.
pub type IndexRecordRow = (String, String, String, i32, Timestamp, Timestamp, String);

/// The columns of an [`IndexRecordRow`].
const INDEX_RECORD_COLUMNS: (
    records::id,
    records::tenant_id,
    records::kind,
    records::version,
    records::created_at,
    records::updated_at,
    records::description,
) = (
    records::id,
    records::tenant_id,
    records::kind,
    records::version,
    records::created_at,
    records::updated_at,
    records::description,
);

/// What the search index needs of an item: id, record id, barcode, branch code and name,
/// location name, call number, status.
pub type IndexItemRow =
    (String, String, String, String, String, Option<String>, Option<String>, String);

/// Returns the records with these ids, of any tenant and kind (the change feed names
/// records across tenants; ids are unique platform-wide).
pub fn index_records(
    connection: &mut DbConnection,
    ids: &[String],
) -> Outcome<Vec<IndexRecordRow>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            records::table
                .filter(records::id.eq_any(chunk))
                .select(INDEX_RECORD_COLUMNS)
                .load::<IndexRecordRow>(connection)?,
        );
    }
    Ok(found)
}

/// Returns up to `limit` bibliographic records after `after_id` in id order, of one
/// tenant or of all.
pub fn scan_index_records(
    connection: &mut DbConnection,
    tenant_id: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> Outcome<Vec<IndexRecordRow>> {
    let mut query = records::table
        .filter(records::kind.eq("bibliographic"))
        .filter(records::id.gt(after_id.unwrap_or("")))
        .order(records::id.asc())
        .select(INDEX_RECORD_COLUMNS)
        .limit(limit)
        .into_boxed();
    if let Some(tenant_id) = tenant_id {
        query = query.filter(records::tenant_id.eq(tenant_id.to_string()));
    }
    Ok(query.load::<IndexRecordRow>(connection)?)
}

/// Returns the items of these records with their branch and location names.
pub fn index_items(
    connection: &mut DbConnection,
    record_ids: &[String],
) -> Outcome<Vec<IndexItemRow>> {
    let mut rows = Vec::new();
    for chunk in record_ids.chunks(CHUNK) {
        rows.extend(
            items::table
                .filter(items::record_id.eq_any(chunk))
                .order(items::barcode.asc())
                .select((
                    items::id,
                    items::record_id,
                    items::barcode,
                    items::branch_id,
                    items::location_id,
                    items::call_number,
                    items::status,
                ))
                .load::<(String, String, String, String, Option<String>, Option<String>, String)>(
                    connection,
                )?,
        );
    }
    let mut branch_ids: Vec<String> = rows.iter().map(|row| row.3.clone()).collect();
    branch_ids.sort_unstable();
    branch_ids.dedup();
    let mut location_ids: Vec<String> = rows.iter().filter_map(|row| row.4.clone()).collect();
    location_ids.sort_unstable();
    location_ids.dedup();
    let mut branch_names = std::collections::HashMap::new();
    for chunk in branch_ids.chunks(CHUNK) {
        for (id, code, name) in branches::table
            .filter(branches::id.eq_any(chunk))
            .select((branches::id, branches::code, branches::name))
            .load::<(String, String, String)>(connection)?
        {
            branch_names.insert(id, (code, name));
        }
    }
    let mut location_names = std::collections::HashMap::new();
    for chunk in location_ids.chunks(CHUNK) {
        for (id, name) in shelving_locations::table
            .filter(shelving_locations::id.eq_any(chunk))
            .select((shelving_locations::id, shelving_locations::name))
            .load::<(String, String)>(connection)?
        {
            location_names.insert(id, name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, record_id, barcode, branch_id, location_id, call_number, status)| {
            let (branch_code, branch_name) = branch_names
                .get(&branch_id)
                .cloned()
                .unwrap_or_else(|| (branch_id.clone(), branch_id));
            let location_name = location_id.and_then(|id| location_names.get(&id).cloned());
            (id, record_id, barcode, branch_code, branch_name, location_name, call_number, status)
        })
        .collect())
}

/// Returns the change feed's last position (0 when empty).
pub fn feed_head(connection: &mut DbConnection) -> Outcome<i64> {
    Ok(change_events::table
        .select(diesel::dsl::max(change_events::position))
        .get_result::<Option<i64>>(connection)?
        .unwrap_or(0))
}
