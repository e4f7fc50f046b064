//! Records: their stored MARC, description and the columns lists and filters use.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{heading_links, record_keys, records};
use diesel::prelude::*;

use super::{CHUNK, Outcome};
use crate::api::{RecordFilter, RecordKind};

/// A row of `records`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = records)]
#[diesel(treat_none_as_null = true)]
pub struct RecordRow {
    pub id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: RecordKind,
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

/// What an overlay needs of the record it replaces, without reading its MARC.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RecordVersion {
    pub id: String,
    pub version: i32,
    pub created_at: Timestamp,
}

/// A record's id and stored MARC-in-JSON, for exports.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MarcRow {
    pub id: String,
    pub marc: String,
}

/// Inserts records in multi-row statements.
pub fn insert_records(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[RecordRow],
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, records, rows);
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
    .set(row.clone())
    .execute(connection)?)
}

/// Returns a record.
pub fn find_record(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
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
    scope: &impl ReadScope,
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

/// Returns the versions of the records with these ids that exist.
pub fn record_versions(
    connection: &mut DbConnection,
    scope: &TenantScope,
    ids: &[String],
) -> Outcome<Vec<RecordVersion>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            records::table
                .filter(records::tenant_id.eq(scope.tenant_id()))
                .filter(records::id.eq_any(chunk))
                .select((records::id, records::version, records::created_at))
                .load::<RecordVersion>(connection)?,
        );
    }
    Ok(found)
}

/// Applies a filter and a cursor to a boxed query on the tenant's `records`.
macro_rules! filtered_records {
    ($scope:expr, $filter:expr, $after:expr) => {{
        let filter: &RecordFilter = $filter;
        let mut query = records::table
            .filter(records::tenant_id.eq($scope.tenant_id().to_string()))
            .into_boxed();
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
    scope: &impl ReadScope,
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
) -> Outcome<Vec<MarcRow>> {
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
    Ok(diesel::delete(
        records::table.filter(records::tenant_id.eq(scope.tenant_id())).filter(records::id.eq(id)),
    )
    .execute(connection)?)
}

/// Returns the ids of the tenant's records of one work, oldest first.
pub fn records_of_work(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    work_key: &str,
) -> Outcome<Vec<String>> {
    Ok(records::table
        .filter(records::tenant_id.eq(scope.tenant_id()))
        .filter(records::work_key.eq(work_key))
        .select(records::id)
        .order(records::id.asc())
        .load(connection)?)
}
