//! The change feed: every change to a record or an item appends an event, in the same
//! transaction as the change, that followers (the search index) read after their own
//! saved position. Events say what changed, never how; a follower reads the thing as
//! it is now. Appending happens only through [`crate::LibraryTransaction`], which
//! writes a transaction's events last, in commit order.

use athenaeum_db::{DbConnection, DbError};
use athenaeum_kernel::Timestamp;
use diesel::prelude::*;

use crate::schema::change_events;

athenaeum_db::stored_enum! {
    /// What a change event is about.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FeedEntity: "change feed entity" {
        /// A bibliographic or authority record.
        Record = "record",
        /// An item (a copy).
        Item = "item",
    }
}

athenaeum_db::stored_enum! {
    /// What happened to it.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FeedChange: "change feed kind" {
        /// It was created.
        Created = "created",
        /// Its content changed.
        Updated = "updated",
        /// It was deleted.
        Deleted = "deleted",
        /// An item's status changed (a checkout, a checkin, a status set by hand).
        StatusChanged = "status_changed",
    }
}

/// A change to append to the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What it is about.
    pub entity: FeedEntity,
    /// The record's or item's id.
    pub entity_id: String,
    /// The record concerned: the record itself, or the item's record.
    pub record_id: String,
    /// What happened.
    pub change: FeedChange,
    /// When.
    pub occurred_at: Timestamp,
}

impl Change {
    /// A change to a record.
    pub fn record(record_id: &str, change: FeedChange, at: Timestamp) -> Change {
        Change {
            entity: FeedEntity::Record,
            entity_id: record_id.to_string(),
            record_id: record_id.to_string(),
            change,
            occurred_at: at,
        }
    }

    /// A change to an item of a record.
    pub fn item(item_id: &str, record_id: &str, change: FeedChange, at: Timestamp) -> Change {
        Change {
            entity: FeedEntity::Item,
            entity_id: item_id.to_string(),
            record_id: record_id.to_string(),
            change,
            occurred_at: at,
        }
    }
}

/// A change event as inserted: its position is given by the database.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = change_events)]
pub(crate) struct NewChangeEvent<'a> {
    pub tenant_id: &'a str,
    #[diesel(serialize_as = String)]
    pub entity: FeedEntity,
    pub entity_id: &'a str,
    pub record_id: &'a str,
    #[diesel(serialize_as = String)]
    pub change: FeedChange,
    pub occurred_at: Timestamp,
}

/// A row of `change_events`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = change_events)]
pub struct ChangeEventRow {
    /// Its position; positions increase in commit order.
    pub position: i64,
    /// The tenant whose data changed.
    pub tenant_id: String,
    /// What it is about.
    #[diesel(deserialize_as = String)]
    pub entity: FeedEntity,
    /// The record's or item's id.
    pub entity_id: String,
    /// The record concerned.
    pub record_id: String,
    /// What happened.
    #[diesel(deserialize_as = String)]
    pub change: FeedChange,
    /// When.
    pub occurred_at: Timestamp,
}

/// Returns up to `limit` events after position `after`, in position order, across
/// tenants (the feed's followers index every tenant).
pub fn read_changes(
    connection: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeEventRow>, DbError> {
    Ok(change_events::table
        .filter(change_events::position.gt(after))
        .order(change_events::position.asc())
        .select(ChangeEventRow::as_select())
        .limit(limit)
        .load(connection)?)
}

/// Returns the position of the newest event (0 when the feed is empty).
pub fn feed_head(connection: &mut DbConnection) -> Result<i64, DbError> {
    Ok(change_events::table
        .select(diesel::dsl::max(change_events::position))
        .get_result::<Option<i64>>(connection)?
        .unwrap_or(0))
}
