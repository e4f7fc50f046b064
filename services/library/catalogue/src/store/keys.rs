//! The keys records are matched on, and the links of headings to authority records.

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_library_db::schema::{heading_links, record_keys};
use diesel::prelude::*;

use super::{CHUNK, Outcome};
use crate::domain::KeyKind;

/// A row of `record_keys`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, Selectable, Insertable)]
#[diesel(table_name = record_keys)]
pub struct KeyRow {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: KeyKind,
    pub value: String,
    pub record_id: String,
}

/// A key value and the record that carries it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable)]
pub struct KeyHolder {
    pub value: String,
    pub record_id: String,
}

/// A row of `heading_links`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = heading_links)]
pub struct HeadingLinkRow {
    pub id: String,
    pub record_id: String,
    pub tag: String,
    pub heading: String,
    pub authority_key: String,
    pub authority_id: Option<String>,
}

/// How many of a tenant's headings name an authority record, and how many of those are
/// linked to one in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadingLinkCounts {
    pub total: i64,
    pub linked: i64,
}

/// Inserts match keys.
pub fn insert_keys(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[KeyRow],
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, record_keys, rows);
    Ok(())
}

/// Deletes the match keys of these records.
pub fn delete_keys(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_ids: &[String],
) -> Outcome<()> {
    for chunk in record_ids.chunks(CHUNK) {
        diesel::delete(
            record_keys::table
                .filter(record_keys::tenant_id.eq(scope.tenant_id()))
                .filter(record_keys::record_id.eq_any(chunk)),
        )
        .execute(connection)?;
    }
    Ok(())
}

/// Returns the holders of every key of `kind` among `values`, sorted by value and then
/// record id (oldest record first: ids sort by creation).
pub fn find_keys(
    connection: &mut DbConnection,
    scope: &TenantScope,
    kind: KeyKind,
    values: &[String],
) -> Outcome<Vec<KeyHolder>> {
    let mut found = Vec::new();
    for chunk in values.chunks(CHUNK) {
        found.extend(
            record_keys::table
                .filter(record_keys::tenant_id.eq(scope.tenant_id()))
                .filter(record_keys::kind.eq(kind.as_str()))
                .filter(record_keys::value.eq_any(chunk))
                .select((record_keys::value, record_keys::record_id))
                .load::<KeyHolder>(connection)?,
        );
    }
    // Sorted here, not in SQL: an ORDER BY tempts the planner into walking every key of
    // the kind in index order instead of looking up the values asked for.
    found.sort();
    Ok(found)
}

/// Brings the planner's statistics of the catalogue's big tables up to date. A bulk
/// import calls it as the tables grow: plans made when a table was empty (a filter over
/// every key of a kind, say) turn a lookup into a scan once it holds a million rows.
/// PostgreSQL replans cached statements when statistics change. On SQLite the indexes
/// leave the planner no such choice, and ANALYZE would read whole tables, so it does
/// nothing there.
pub fn refresh_statistics(connection: &mut DbConnection) -> Outcome<()> {
    if let DbConnection::Pg(inner) = connection {
        use diesel::connection::SimpleConnection;
        inner.batch_execute("ANALYZE records, record_keys, heading_links, items")?;
    }
    Ok(())
}

/// Returns the keys of `kind` of these records, as (value, record) pairs.
pub fn keys_of(
    connection: &mut DbConnection,
    scope: &TenantScope,
    kind: KeyKind,
    record_ids: &[String],
) -> Outcome<Vec<KeyHolder>> {
    let mut found = Vec::new();
    for chunk in record_ids.chunks(CHUNK) {
        found.extend(
            record_keys::table
                .filter(record_keys::tenant_id.eq(scope.tenant_id()))
                .filter(record_keys::kind.eq(kind.as_str()))
                .filter(record_keys::record_id.eq_any(chunk))
                .select((record_keys::value, record_keys::record_id))
                .load::<KeyHolder>(connection)?,
        );
    }
    Ok(found)
}

/// Inserts heading links.
pub fn insert_heading_links(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[HeadingLinkRow],
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, heading_links, rows);
    Ok(())
}

/// Deletes the heading links of these records.
pub fn delete_heading_links(
    connection: &mut DbConnection,
    scope: &TenantScope,
    record_ids: &[String],
) -> Outcome<()> {
    for chunk in record_ids.chunks(CHUNK) {
        diesel::delete(
            heading_links::table
                .filter(heading_links::tenant_id.eq(scope.tenant_id()))
                .filter(heading_links::record_id.eq_any(chunk)),
        )
        .execute(connection)?;
    }
    Ok(())
}

/// Points the headings that name `authority_key` at the authority record `authority_id`.
pub fn link_headings(
    connection: &mut DbConnection,
    scope: &TenantScope,
    authority_key: &str,
    authority_id: &str,
) -> Outcome<usize> {
    Ok(diesel::update(
        heading_links::table
            .filter(heading_links::tenant_id.eq(scope.tenant_id()))
            .filter(heading_links::authority_key.eq(authority_key)),
    )
    .set(heading_links::authority_id.eq(authority_id))
    .execute(connection)?)
}

/// Returns how many of the tenant's headings name an authority record, and how many of
/// those are linked to one in the catalogue.
pub fn heading_link_counts(
    connection: &mut DbConnection,
    scope: &TenantScope,
) -> Outcome<HeadingLinkCounts> {
    let total = heading_links::table
        .filter(heading_links::tenant_id.eq(scope.tenant_id()))
        .count()
        .get_result(connection)?;
    let linked = heading_links::table
        .filter(heading_links::tenant_id.eq(scope.tenant_id()))
        .filter(heading_links::authority_id.is_not_null())
        .count()
        .get_result(connection)?;
    Ok(HeadingLinkCounts { total, linked })
}

/// A record whose keys were written before the local number and content rules existed.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct RecordWithoutContentKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub tenant_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub id: String,
    /// The stored record kind ([`crate::api::RecordKind::as_str`]).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub marc: String,
}

/// Returns up to `limit` records, of any tenant, that have no content key yet: the ones
/// a catalogue upgraded from a version without that rule must be given keys for.
pub fn records_without_content_key(
    connection: &mut DbConnection,
    limit: i64,
) -> Outcome<Vec<RecordWithoutContentKey>> {
    Ok(diesel::sql_query(
        "SELECT r.tenant_id, r.id, r.kind, r.marc FROM records r \
         WHERE NOT EXISTS (SELECT 1 FROM record_keys k \
                           WHERE k.record_id = r.id AND k.kind = 'content') \
         ORDER BY r.id LIMIT $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(connection)?)
}

/// Inserts keys a record may already have (a concurrent import wrote them): those it has
/// are left as they are.
pub fn insert_missing_keys(
    connection: &mut DbConnection,
    scope: &TenantScope,
    rows: &[KeyRow],
) -> Outcome<()> {
    let tenant_id = scope.tenant_id();
    for row in rows {
        let values = (record_keys::tenant_id.eq(tenant_id), row.clone());
        match connection {
            DbConnection::Pg(inner) => {
                diesel::insert_into(record_keys::table)
                    .values(values)
                    .on_conflict_do_nothing()
                    .execute(inner)?;
            }
            DbConnection::Sqlite(inner) => {
                diesel::insert_into(record_keys::table)
                    .values(values)
                    .on_conflict_do_nothing()
                    .execute(inner)?;
            }
        }
    }
    Ok(())
}
