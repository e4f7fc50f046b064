//! What circulation, the library service's other wing, may do to the catalogue inside
//! its own transactions: read an item and its record for a desk decision, and change an
//! item's status together with its change-feed event. Each function takes the open
//! [`LibraryTransaction`] (or, to read, its connection) and the tenant scope; none opens
//! a transaction of its own, and none writes anything but the item and the feed. So a
//! checkout changes the loan, the item and the feed in one transaction while
//! circulation never writes the catalogue's tables itself.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::{ApiError, Timestamp};
use athenaeum_library_db::LibraryTransaction;
use athenaeum_library_db::feed::{Change, FeedChange};

use crate::api::ItemStatus;
use crate::error::CatalogueError;
use crate::store::{self, ItemRow};

/// What a desk decision needs of an item and of its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskItem {
    /// The item's id.
    pub id: String,
    /// Its barcode.
    pub barcode: String,
    /// Its status now.
    pub status: ItemStatus,
    /// The branch that owns it.
    pub branch_id: String,
    /// Its shelving location.
    pub location_id: Option<String>,
    /// Its material type (loan rules key on it).
    pub material_type_id: Option<String>,
    /// Its loan type (loan rules key on it).
    pub loan_type_id: Option<String>,
    /// Its call number.
    pub call_number: Option<String>,
    /// Its version, which every change of the item raises.
    pub version: i32,
    /// Its price in minor units, when the catalogue knows it.
    pub price_minor: Option<i64>,
    /// The record it is a copy of.
    pub record: DeskRecord,
}

/// What a desk shows of an item's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskRecord {
    /// The record's id.
    pub id: String,
    /// Its title for lists.
    pub title: Option<String>,
    /// Its primary contributor.
    pub primary_author: Option<String>,
    /// Its format code (`book`, `dvd`, …).
    pub format: String,
    /// The key its work shares with other records of the same work (editions,
    /// translations), when it has one: a title hold may be filled by a copy of any of them.
    pub work_key: Option<String>,
}

/// Returns the item with this barcode and its record, or `None` when the tenant has no
/// such item. One indexed look-up of the item and one of its record.
pub fn find_item_by_barcode(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    barcode: &str,
) -> Result<Option<DeskItem>, CatalogueError> {
    match store::find_item_by_barcode(connection, scope, barcode.trim())? {
        Some(item) => desk_item(connection, scope, item).map(Some),
        None => Ok(None),
    }
}

/// Returns the item with this id and its record, or `None` when the tenant has no such
/// item.
pub fn find_item(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    item_id: &str,
) -> Result<Option<DeskItem>, CatalogueError> {
    match store::find_item(connection, scope, item_id)? {
        Some(item) => desk_item(connection, scope, item).map(Some),
        None => Ok(None),
    }
}

fn desk_item(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    item: ItemRow,
) -> Result<DeskItem, CatalogueError> {
    let record = store::find_record(connection, scope, &item.record_id)?.ok_or_else(|| {
        CatalogueError::Internal(format!("item {} names a record that is gone", item.id))
    })?;
    Ok(DeskItem {
        id: item.id,
        barcode: item.barcode,
        status: item.status,
        branch_id: item.branch_id,
        location_id: item.location_id,
        material_type_id: item.material_type_id,
        loan_type_id: item.loan_type_id,
        call_number: item.call_number,
        version: item.version,
        price_minor: item.price_minor,
        record: DeskRecord {
            id: record.id,
            title: record.title,
            primary_author: record.primary_author,
            format: record.format,
            work_key: record.work_key,
        },
    })
}

/// A status change a desk makes: the item moves from `from` to `to` at `at`, for
/// `reason` (shown to staff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMove<'a> {
    /// The status the desk decided on; the change is made only if the item is still in it.
    pub from: ItemStatus,
    /// The status it moves to.
    pub to: ItemStatus,
    /// Why, for staff (`checked out`, `checked in`, …).
    pub reason: Option<&'a str>,
    /// When.
    pub at: Timestamp,
}

/// Moves an item from `change.from` to `change.to` and records the change in the feed,
/// in the caller's transaction: the search index shows the new availability once that
/// transaction commits, and neither happens if it rolls back.
///
/// Fails with `CONFLICT` when the item is no longer in `change.from` (another desk or a
/// kiosk changed it since it was read), `NOT_FOUND` when the tenant has no such item.
/// One conditional update and one feed event written at commit.
pub fn change_item_status(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    item_id: &str,
    change: StatusMove<'_>,
) -> Result<(), CatalogueError> {
    let moved = store::change_item_status(
        transaction,
        scope,
        item_id,
        change.from,
        change.to,
        change.reason,
        change.at,
    )?;
    let Some(record_id) = moved else {
        let current = store::find_item(transaction, scope, item_id)?.ok_or_else(|| {
            ApiError::not_found(format!("no item has id {item_id} in this library"))
        })?;
        return Err(ApiError::conflict(format!(
            "item {} is {} now, not {}; it was changed meanwhile",
            current.barcode,
            current.status.as_str().replace('_', " "),
            change.from.as_str().replace('_', " ")
        ))
        .into());
    };
    transaction.record_change(
        scope,
        Change::item(item_id, &record_id, FeedChange::StatusChanged, change.at),
    );
    Ok(())
}

/// A branch as a desk names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskBranch {
    /// The branch's id.
    pub id: String,
    /// Its code.
    pub code: String,
    /// Its name, e.g. "Central Library".
    pub name: String,
}

/// Returns every branch of the tenant (tenants have dozens), for naming branches in desk
/// answers and checking the branches a request names.
pub fn branches(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Result<Vec<DeskBranch>, CatalogueError> {
    Ok(store::all_branches(connection, scope)?
        .into_iter()
        .map(|branch| DeskBranch { id: branch.id, code: branch.code, name: branch.name })
        .collect())
}

/// A term of one of the tenant's item vocabularies (material or loan types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskTerm {
    /// The term's id.
    pub id: String,
    /// Whether it is a material type (else a loan type).
    pub is_material_type: bool,
    /// Its code.
    pub code: String,
    /// Its name, e.g. "Book".
    pub name: String,
}

/// Returns every material and loan type of the tenant, for naming them in reasons.
pub fn terms(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Result<Vec<DeskTerm>, CatalogueError> {
    Ok(store::all_terms(connection, scope)?
        .into_iter()
        .map(|term| DeskTerm {
            is_material_type: term.vocabulary == crate::api::Vocabulary::MaterialType,
            id: term.id,
            code: term.code,
            name: term.name,
        })
        .collect())
}

/// Returns the record with this id as a desk shows it, or `None`.
pub fn find_record(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    record_id: &str,
) -> Result<Option<DeskRecord>, CatalogueError> {
    Ok(store::find_record(connection, scope, record_id)?.map(|record| DeskRecord {
        id: record.id,
        title: record.title,
        primary_author: record.primary_author,
        format: record.format,
        work_key: record.work_key,
    }))
}

/// Returns the ids of the tenant's records of the work with this key.
pub fn records_of_work(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    work_key: &str,
) -> Result<Vec<String>, CatalogueError> {
    Ok(store::records_of_work(connection, scope, work_key)?)
}

/// Returns the items of these records, with their records, ordered by branch and call
/// number: what a pull list or a hold's choice of copies reads. At most 500 records.
pub fn items_of_records(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    record_ids: &[String],
) -> Result<Vec<DeskItem>, CatalogueError> {
    let rows = store::items_of_records(connection, scope, record_ids)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(desk_item(connection, scope, row)?);
    }
    Ok(items)
}
