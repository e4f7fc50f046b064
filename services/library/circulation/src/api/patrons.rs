//! Patrons: their records, cards and blocks, finding them, and registering online.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

athenaeum_db::stored_enum! {
    /// Where a patron's membership stands.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum PatronStatus: "patron status" {
        /// A member in good standing.
        Active = "active",
        /// Registered online; staff have not yet confirmed them.
        Provisional = "provisional",
        /// No longer a member; kept for their account.
        Inactive = "inactive",
    }
}

/// A block staff put on a patron by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PatronBlock {
    /// Opaque id.
    pub id: ID,
    /// Why, in words the patron may be told.
    pub reason: String,
    /// The account of the staff member who put it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A patron of one library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Patron {
    /// Opaque id.
    pub id: ID,
    /// Full name.
    pub name: String,
    /// Email address, where notices go.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address, a line of text per line.
    pub address: Option<String>,
    /// Their home branch.
    pub home_branch_id: ID,
    /// Their patron group.
    pub patron_group_id: ID,
    /// When their card expires.
    pub expires_on: Option<NaiveDate>,
    /// A note for staff; null when the caller is the patron.
    pub staff_note: Option<String>,
    /// Their status.
    pub status: PatronStatus,
    /// Whether an online account is linked to them.
    pub has_online_account: bool,
    /// Whether their loan history is kept (they opted in).
    pub keep_history: bool,
    /// Their card barcodes.
    pub cards: Vec<String>,
    /// Blocks in force.
    pub blocks: Vec<PatronBlock>,
    /// Raised by every change; give it back when saving.
    pub version: i32,
}

/// Creates a patron, or changes one when `id` is given. Staff. `CONFLICT` when a card
/// barcode belongs to another patron or `version` is stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SavePatron {
    /// The patron to change; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// The version the change was made from (required with `id`).
    #[graphql(default)]
    pub version: Option<i32>,
    /// Full name.
    pub name: String,
    /// Email address.
    #[graphql(default)]
    pub email: Option<String>,
    /// Phone number.
    #[graphql(default)]
    pub phone: Option<String>,
    /// Postal address.
    #[graphql(default)]
    pub address: Option<String>,
    /// Home branch.
    pub home_branch_id: ID,
    /// Patron group.
    pub patron_group_id: ID,
    /// Card expiry date.
    #[graphql(default)]
    pub expires_on: Option<NaiveDate>,
    /// Note for staff.
    #[graphql(default)]
    pub staff_note: Option<String>,
    /// Status; a new patron is active unless told otherwise.
    #[graphql(default)]
    pub status: Option<PatronStatus>,
    /// Card barcodes, at least one; unique within the library.
    pub cards: Vec<String>,
}

/// Finds patrons by card barcode (exact), email (exact, any case) or name (words in
/// order, any case). Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct FindPatrons {
    /// What to look for.
    pub query: String,
    /// Return patrons after this cursor.
    #[graphql(default)]
    pub after: Option<String>,
    /// How many, 1 to 100.
    #[graphql(default = 20)]
    pub first: u32,
}

/// A page of patrons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PatronPage {
    /// The patrons, by name.
    pub patrons: Vec<Patron>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// The cursor of the last one.
    pub end_cursor: Option<String>,
}

/// Names a patron; omitted, the signed-in patron themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, InputObject)]
pub struct PatronRef {
    /// The patron (staff only); omit for yourself.
    #[graphql(default)]
    pub patron_id: Option<ID>,
}

/// Puts a block on a patron. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct AddBlock {
    /// The patron.
    pub patron_id: ID,
    /// Why, in words the patron may be told.
    pub reason: String,
}

/// Lifts a block. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct LiftBlock {
    /// The block.
    pub block_id: ID,
}

/// Registers the signed-in person as a patron of their library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct RegisterPatron {
    /// Full name.
    pub name: String,
    /// Email address for notices.
    #[graphql(default)]
    pub email: Option<String>,
    /// Phone number.
    #[graphql(default)]
    pub phone: Option<String>,
    /// Postal address.
    #[graphql(default)]
    pub address: Option<String>,
    /// The branch they will use most.
    pub home_branch_id: ID,
}

/// Turns keeping the patron's own loan history on or off. Patrons, for themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SetKeepHistory {
    /// Keep it from now on; turning it off also anonymises the history kept so far.
    pub keep: bool,
}
