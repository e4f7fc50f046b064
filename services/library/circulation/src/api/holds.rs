//! Holds: placing, cancelling and moving them, the queue, the holds shelf, the pull list
//! and copies in transit.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Decision;

athenaeum_db::stored_enum! {
    /// Where a hold is in its life.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum HoldStatus: "hold status" {
        /// In the queue.
        Waiting = "waiting",
        /// A copy is on its way to the pickup branch.
        InTransit = "in_transit",
        /// A copy waits on the holds shelf.
        Ready = "ready",
        /// Collected: the patron borrowed the copy.
        Fulfilled = "fulfilled",
        /// Cancelled by the patron or staff.
        Cancelled = "cancelled",
        /// Not filled before it expired, or not collected in time.
        Expired = "expired",
    }
}

athenaeum_db::stored_enum! {
    /// What a hold asks for.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum HoldLevel: "hold level" {
        /// Any copy of the record, or of another record of the same work.
        Title = "title",
        /// One copy.
        Copy = "copy",
    }
}

/// A hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Hold {
    /// Opaque id.
    pub id: ID,
    /// The patron.
    pub patron_id: ID,
    /// How the holds shelf names the patron, e.g. "S. Patel".
    pub patron_shelf_name: String,
    /// What it asks for.
    pub level: HoldLevel,
    /// The record.
    pub record_id: ID,
    /// The title.
    pub title: Option<String>,
    /// The copy asked for, or given to it once in transit or on the shelf.
    pub item_id: Option<ID>,
    /// That copy's barcode.
    pub item_barcode: Option<String>,
    /// Where the patron collects it.
    pub pickup_branch_id: ID,
    /// Where it is in its life.
    pub status: HoldStatus,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// Its place in the queue (1 is next) while waiting.
    pub position: Option<i32>,
    /// Unfilled, it expires after this date.
    pub expires_on: Option<NaiveDate>,
    /// When its copy reached the holds shelf.
    pub ready_at: Option<DateTime<Utc>>,
    /// When it must be collected by.
    pub pickup_by: Option<DateTime<Utc>>,
    /// Why it ended, when it has.
    pub closed_reason: Option<String>,
}

/// Places a hold, on a title (`recordId`) or on one copy (`itemBarcode`). The patron, or
/// staff for a patron. Refusals come back with `hold` null and the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct PlaceHold {
    /// The patron (staff); omit for yourself.
    #[graphql(default)]
    pub patron_id: Option<ID>,
    /// The record, for a title hold.
    #[graphql(default)]
    pub record_id: Option<ID>,
    /// The copy, for a copy hold.
    #[graphql(default)]
    pub item_barcode: Option<String>,
    /// Where to collect it.
    pub pickup_branch_id: ID,
    /// Stop waiting after this date.
    #[graphql(default)]
    pub expires_on: Option<NaiveDate>,
    /// Staff: place despite overridable refusals, for this reason.
    #[graphql(default)]
    pub override_reason: Option<String>,
}

/// A hold request's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PlaceHoldResult {
    /// The hold placed; null when refused.
    pub hold: Option<Hold>,
    /// The decision, with every reason.
    pub decision: Decision,
}

/// Names a hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ByHold {
    /// The hold.
    pub hold_id: ID,
}

/// Changes where a hold is collected. The patron, or staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ChangePickup {
    /// The hold.
    pub hold_id: ID,
    /// The new pickup branch.
    pub pickup_branch_id: ID,
}

/// Lists a patron's holds that are not over. The patron, or staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ListHolds {
    /// The patron (staff); omit for yourself.
    #[graphql(default)]
    pub patron_id: Option<ID>,
}

/// A list of holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct HoldList {
    /// The holds.
    pub holds: Vec<Hold>,
}

/// A copy on the shelf that can fill a waiting hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PullEntry {
    /// The copy's barcode.
    pub item_barcode: String,
    /// Its call number.
    pub call_number: Option<String>,
    /// Its shelving location.
    pub location_id: Option<ID>,
    /// The title.
    pub title: Option<String>,
    /// The author.
    pub author: Option<String>,
    /// The first hold in the queue it would fill.
    pub hold_id: ID,
    /// Where that hold is collected.
    pub pickup_branch_id: ID,
}

/// A branch's pull list, in shelf order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PullList {
    /// The copies to pull.
    pub entries: Vec<PullEntry>,
}

/// A copy travelling between branches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Transit {
    /// Opaque id.
    pub id: ID,
    /// The copy's barcode.
    pub item_barcode: String,
    /// The title.
    pub title: Option<String>,
    /// Where it was sent from.
    pub from_branch_id: ID,
    /// Where it is going.
    pub to_branch_id: ID,
    /// The hold it goes to fill, if any.
    pub hold_id: Option<ID>,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

/// Copies in transit to or from a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct TransitList {
    /// Copies on their way to the branch.
    pub incoming: Vec<Transit>,
    /// Copies sent from the branch that have not arrived yet.
    pub outgoing: Vec<Transit>,
}

/// What a run of the hold expiry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ExpiryRound {
    /// Waiting holds past their expiry date.
    pub unfilled_expired: i32,
    /// Holds not collected by their pickup date.
    pub uncollected_expired: i32,
}
