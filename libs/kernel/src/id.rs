//! Application-generated identifiers.

/// Returns a new identifier: a UUIDv7 in its hyphenated text form. Ids sort by creation
/// time, are generated without asking the database, and mean nothing to clients.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}
