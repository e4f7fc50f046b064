//! Reading out of the catalogue: MARC exports, the change feed, and what the search
//! index reads of the records the feed touches.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use athenaeum_library_db::feed::{FeedChange as ChangeKind, FeedEntity as ChangeEntity};

use super::*;

/// Reads records' stored MARC in id order, for exports. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecords {
    /// Which records.
    pub filter: RecordFilter,
    /// The page (up to 1,000).
    pub page: PageRequest,
}

/// One record's stored MARC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMarc {
    /// The record's id.
    pub id: String,
    /// MARC-in-JSON, as stored.
    pub marc_json: String,
}

/// A page of stored MARC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarcPage {
    /// The records, by id.
    pub records: Vec<StoredMarc>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Its position; positions increase in commit order.
    pub position: i64,
    /// The tenant.
    pub tenant_id: String,
    /// What it is about.
    pub entity: ChangeEntity,
    /// The record's or item's id.
    pub entity_id: String,
    /// The record concerned (the item's record for items).
    pub record_id: String,
    /// What changed.
    pub change: ChangeKind,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// Reads the change feed after a position. Operators (and the search service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadChanges {
    /// Return events after this position (0 for the start).
    pub after: i64,
    /// At most this many (1 to 10,000).
    pub limit: u32,
}

/// A run of change events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePage {
    /// The events in position order.
    pub events: Vec<ChangeEvent>,
}

/// Reads what the search service indexes of the records that changed after a position.
/// The search service (its own token) or operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadIndexFeed {
    /// Read events after this position (0 for the start).
    pub after: i64,
    /// At most this many events (1 to 10,000).
    pub limit: u32,
}

/// The records touched by a run of change events, as they are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFeed {
    /// The position of the last event read: the next read starts after it. Equal to
    /// `after` when nothing changed.
    pub last_position: i64,
    /// How many events were read.
    pub events: u32,
    /// Bibliographic records to index, as they are now.
    pub records: Vec<IndexRecord>,
    /// Records to drop from the index: deleted, or not bibliographic.
    pub removed: Vec<RecordRef>,
}

/// A record named across tenants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// The tenant.
    pub tenant_id: String,
    /// The record.
    pub record_id: String,
}

/// Lists bibliographic records for indexing, in id order, with the feed position that an
/// index built from them follows on from. The search service or operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanIndexRecords {
    /// Only this tenant's records; every tenant's when `None`.
    pub tenant_id: Option<String>,
    /// Records after this id (`None` for the start).
    pub after_id: Option<String>,
    /// At most this many (1 to 2,000).
    pub limit: u32,
}

/// A page of records to index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexScan {
    /// The change feed's last position when the page was read: everything up to it is
    /// reflected in the page.
    pub head_position: i64,
    /// The records, by id.
    pub records: Vec<IndexRecord>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// What the search service indexes of one bibliographic record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexRecord {
    /// The tenant.
    pub tenant_id: String,
    /// The record.
    pub record_id: String,
    /// Its version.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its `describe` output as stored (JSON of `athenaeum_marc::describe::Description`).
    pub description: String,
    /// Its items.
    pub items: Vec<IndexItem>,
}

/// What the search service indexes of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexItem {
    /// The item.
    pub item_id: String,
    /// Its barcode (staff search only).
    pub barcode: String,
    /// Its branch's code.
    pub branch_code: String,
    /// Its branch's name.
    pub branch_name: String,
    /// Its shelving location's name.
    pub location_name: Option<String>,
    /// Its call number.
    pub call_number: Option<String>,
    /// Its status now.
    pub status: ItemStatus,
}
