//! What the search index reads of records and their items, across tenants: the change
//! feed names records of every tenant, and the index holds them all. Only the
//! operations meant for the search service call these.

use std::collections::HashMap;

use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{branches, items, records, shelving_locations};
use diesel::prelude::*;

use super::{CHUNK, Outcome};
use crate::api::{ItemStatus, RecordKind};

/// What the search index needs of a record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct IndexRecordRow {
    pub id: String,
    pub tenant_id: String,
    #[diesel(deserialize_as = String)]
    pub kind: RecordKind,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub description: String,
}

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

/// An item as the index stores it: with its branch's code and name and its location's
/// name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexItemRow {
    pub id: String,
    pub record_id: String,
    pub barcode: String,
    pub branch_code: String,
    pub branch_name: String,
    pub location_name: Option<String>,
    pub call_number: Option<String>,
    pub status: ItemStatus,
}

/// An item's columns as stored, before its branch and location get their names.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
struct StoredItem {
    id: String,
    record_id: String,
    barcode: String,
    branch_id: String,
    location_id: Option<String>,
    call_number: Option<String>,
    #[diesel(deserialize_as = String)]
    status: ItemStatus,
}

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
        .filter(records::kind.eq(RecordKind::Bibliographic.as_str()))
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

/// Returns the items of these records with their branch and location names, by barcode.
pub fn index_items(
    connection: &mut DbConnection,
    record_ids: &[String],
) -> Outcome<Vec<IndexItemRow>> {
    let mut stored = Vec::new();
    for chunk in record_ids.chunks(CHUNK) {
        stored.extend(
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
                .load::<StoredItem>(connection)?,
        );
    }
    let mut branch_ids: Vec<String> = stored.iter().map(|item| item.branch_id.clone()).collect();
    branch_ids.sort_unstable();
    branch_ids.dedup();
    let mut location_ids: Vec<String> =
        stored.iter().filter_map(|item| item.location_id.clone()).collect();
    location_ids.sort_unstable();
    location_ids.dedup();
    let mut branch_names = HashMap::new();
    for chunk in branch_ids.chunks(CHUNK) {
        for (id, code, name) in branches::table
            .filter(branches::id.eq_any(chunk))
            .select((branches::id, branches::code, branches::name))
            .load::<(String, String, String)>(connection)?
        {
            branch_names.insert(id, (code, name));
        }
    }
    let mut location_names = HashMap::new();
    for chunk in location_ids.chunks(CHUNK) {
        for (id, name) in shelving_locations::table
            .filter(shelving_locations::id.eq_any(chunk))
            .select((shelving_locations::id, shelving_locations::name))
            .load::<(String, String)>(connection)?
        {
            location_names.insert(id, name);
        }
    }
    Ok(stored
        .into_iter()
        .map(|item| {
            let (branch_code, branch_name) = branch_names
                .get(&item.branch_id)
                .cloned()
                .unwrap_or_else(|| (item.branch_id.clone(), item.branch_id.clone()));
            IndexItemRow {
                location_name: item.location_id.and_then(|id| location_names.get(&id).cloned()),
                id: item.id,
                record_id: item.record_id,
                barcode: item.barcode,
                branch_code,
                branch_name,
                call_number: item.call_number,
                status: item.status,
            }
        })
        .collect())
}
