//! Items (copies): their status, reading and changing them, and availability by branch.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

athenaeum_db::stored_enum! {
    /// Where an item is in its life.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum ItemStatus: "item status" {
        /// On the shelf, can be borrowed.
        Available = "available",
        /// Borrowed.
        OnLoan = "on_loan",
        /// Waiting on the holds shelf for the patron who asked for it.
        OnHoldShelf = "on_hold_shelf",
        /// Travelling between branches.
        InTransit = "in_transit",
        /// Not where it should be; being looked for.
        Missing = "missing",
        /// Declared lost.
        Lost = "lost",
        /// Taken out of the collection.
        Withdrawn = "withdrawn",
        /// Being catalogued, processed or repaired.
        InProcessing = "in_processing",
    }
}

/// A physical (or lendable) copy of a record's resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Opaque id.
    pub id: String,
    /// The record it is a copy of.
    pub record_id: String,
    /// Barcode, unique within the tenant.
    pub barcode: String,
    /// The branch that owns it.
    pub branch_id: String,
    /// Its shelving location.
    pub location_id: Option<String>,
    /// Call number (shelf mark).
    pub call_number: Option<String>,
    /// Material type.
    pub material_type_id: Option<String>,
    /// Loan type.
    pub loan_type_id: Option<String>,
    /// Copy number.
    pub copy_number: Option<String>,
    /// Volume or part, e.g. "v.2".
    pub volume: Option<String>,
    /// Replacement price in minor units of the tenant's currency (pence, cents).
    pub price_minor: Option<i64>,
    /// Where it is in its life.
    pub status: ItemStatus,
    /// When the status last changed.
    pub status_changed_at: DateTime<Utc>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// Note shown to everyone.
    pub public_note: Option<String>,
    /// Note shown to staff only; `None` for everyone else.
    pub staff_note: Option<String>,
    /// Increases with every change; pass it back when editing.
    pub version: i32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An item's editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ItemInput {
    /// Barcode, unique within the tenant.
    pub barcode: String,
    /// The owning branch.
    pub branch_id: ID,
    /// Shelving location (of that branch).
    #[graphql(default)]
    pub location_id: Option<ID>,
    /// Call number.
    #[graphql(default)]
    pub call_number: Option<String>,
    /// Material type.
    #[graphql(default)]
    pub material_type_id: Option<ID>,
    /// Loan type.
    #[graphql(default)]
    pub loan_type_id: Option<ID>,
    /// Copy number.
    #[graphql(default)]
    pub copy_number: Option<String>,
    /// Volume or part.
    #[graphql(default)]
    pub volume: Option<String>,
    /// Replacement price as a decimal, e.g. "12.99".
    #[graphql(default)]
    pub price: Option<String>,
    /// Note shown to everyone.
    #[graphql(default)]
    pub public_note: Option<String>,
    /// Note for staff only.
    #[graphql(default)]
    pub staff_note: Option<String>,
}

impl ItemInput {
    /// An item with a barcode at a branch and nothing else set yet.
    pub fn new(barcode: impl Into<String>, branch_id: ID) -> ItemInput {
        ItemInput {
            barcode: barcode.into(),
            branch_id,
            location_id: None,
            call_number: None,
            material_type_id: None,
            loan_type_id: None,
            copy_number: None,
            volume: None,
            price: None,
            public_note: None,
            staff_note: None,
        }
    }
}

/// Adds an item to a record. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateItem {
    /// The record.
    pub record_id: String,
    /// The item.
    pub item: ItemInput,
}

/// Changes an item's fields. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateItem {
    /// The item.
    pub id: String,
    /// The version the editor started from; `CONFLICT` if it changed since.
    pub version: i32,
    /// The new fields.
    pub item: ItemInput,
}

/// Changes an item's status by hand (missing, lost, withdrawn, in processing, back to
/// available). Staff. Loans and holds change it through circulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetItemStatus {
    /// The item.
    pub id: String,
    /// The new status.
    pub status: ItemStatus,
    /// Why, shown to staff.
    pub reason: Option<String>,
}

/// Reads one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetItem {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The item's id, or
    pub id: Option<String>,
    /// its barcode.
    pub barcode: Option<String>,
}

/// Lists a record's items (or, without a record, every item), by barcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItems {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The record.
    pub record_id: Option<String>,
    /// The page.
    pub page: PageRequest,
}

/// A page of items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPage {
    /// The items.
    pub items: Vec<Item>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// How many copies of a record a branch holds, and how many are on the shelf now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchAvailability {
    /// The branch.
    pub branch_id: String,
    /// Copies it holds (withdrawn ones not counted).
    pub total: i64,
    /// Of those, available now.
    pub available: i64,
}

/// Asks for the availability of records, per branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAvailability {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// Up to 500 records.
    pub record_ids: Vec<String>,
}

/// Availability of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAvailability {
    /// The record.
    pub record_id: String,
    /// Per branch that holds a copy.
    pub branches: Vec<BranchAvailability>,
}

/// Availability of several records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// One entry per record asked for that has items.
    pub records: Vec<RecordAvailability>,
}
