//! Items: the copies of records, with their status.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::items;
use diesel::prelude::*;

use super::{CHUNK, Outcome};
use crate::api::ItemStatus;

/// A row of `items`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = items)]
#[diesel(treat_none_as_null = true)]
pub struct ItemRow {
    pub id: String,
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
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ItemStatus,
    pub status_changed_at: Timestamp,
    pub status_reason: Option<String>,
    pub public_note: Option<String>,
    pub staff_note: Option<String>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How many items of a record a branch holds in one status.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ItemCount {
    pub record_id: String,
    pub branch_id: String,
    #[diesel(deserialize_as = String)]
    pub status: ItemStatus,
    pub count: i64,
}

/// A barcode the tenant's items carry, and the record whose item carries it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct BarcodeHolder {
    pub barcode: String,
    pub record_id: String,
}

/// Inserts items in multi-row statements; `UniqueViolation` on a taken barcode.
pub fn insert_items(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[ItemRow],
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, items, rows);
    Ok(())
}

/// Returns which of these barcodes the tenant's items carry.
pub fn existing_barcodes(
    connection: &mut DbConnection,
    scope: &TenantScope,
    barcodes: &[String],
) -> Outcome<Vec<BarcodeHolder>> {
    let mut found = Vec::new();
    for chunk in barcodes.chunks(CHUNK) {
        found.extend(
            items::table
                .filter(items::tenant_id.eq(scope.tenant_id()))
                .filter(items::barcode.eq_any(chunk))
                .select((items::barcode, items::record_id))
                .load::<BarcodeHolder>(connection)?,
        );
    }
    Ok(found)
}

/// Returns an item by id.
pub fn find_item(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
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
    scope: &impl ReadScope,
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
    scope: &impl ReadScope,
    record_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<ItemRow>> {
    let mut query = items::table
        .filter(items::tenant_id.eq(scope.tenant_id().to_string()))
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

/// Counts the items of these records by branch and status.
pub fn item_counts(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    record_ids: &[String],
) -> Outcome<Vec<ItemCount>> {
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
                .load::<ItemCount>(connection)?,
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
    .set(row.clone())
    .execute(connection)?)
}

/// Moves an item from status `from` to status `to` if it is still in `from`: the
/// conditional update that makes a desk's read-then-write safe at READ COMMITTED.
/// Returns the item's record id, or `None` when the item is gone or in another status by
/// now. One statement.
pub fn change_item_status(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    from: ItemStatus,
    to: ItemStatus,
    reason: Option<&str>,
    at: Timestamp,
) -> Outcome<Option<String>> {
    Ok(diesel::update(
        items::table
            .filter(items::tenant_id.eq(scope.tenant_id()))
            .filter(items::id.eq(id))
            .filter(items::status.eq(from.as_str())),
    )
    .set((
        items::status.eq(to.as_str()),
        items::status_changed_at.eq(at),
        items::status_reason.eq(reason),
        items::version.eq(items::version + 1),
        items::updated_at.eq(at),
    ))
    .returning(items::record_id)
    .get_result(connection)
    .optional()?)
}

/// Deletes an item; returns the rows deleted.
pub fn delete_item(connection: &mut DbConnection, scope: &TenantScope, id: &str) -> Outcome<usize> {
    Ok(diesel::delete(
        items::table.filter(items::tenant_id.eq(scope.tenant_id())).filter(items::id.eq(id)),
    )
    .execute(connection)?)
}

/// Returns the items of these records, by branch and call number.
pub fn items_of_records(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    record_ids: &[String],
) -> Outcome<Vec<ItemRow>> {
    Ok(items::table
        .filter(items::tenant_id.eq(scope.tenant_id()))
        .filter(items::record_id.eq_any(record_ids))
        .select(ItemRow::as_select())
        .order((items::branch_id.asc(), items::call_number.asc(), items::barcode.asc()))
        .load(connection)?)
}
