//! Patrons, their cards and their blocks.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{patron_blocks, patron_cards, patrons};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::Outcome;
use crate::api::PatronStatus;

/// A row of `patrons`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = patrons)]
pub struct PatronRow {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub home_branch_id: String,
    pub patron_group_id: String,
    pub expires_on: Option<NaiveDate>,
    pub staff_note: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: PatronStatus,
    pub account_id: Option<String>,
    pub keep_history: bool,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Inserts a patron; `UniqueViolation` if the account is linked to a patron already.
pub fn insert_patron(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &PatronRow,
) -> Outcome<()> {
    diesel::insert_into(patrons::table)
        .values((patrons::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Replaces a patron's details if it is still at `version`, raising it; returns the rows
/// changed (0 when someone changed it meanwhile).
pub fn update_patron(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &PatronRow,
    version: i32,
) -> Outcome<usize> {
    Ok(diesel::update(patrons::table)
        .filter(patrons::tenant_id.eq(scope.tenant_id()))
        .filter(patrons::id.eq(&row.id))
        .filter(patrons::version.eq(version))
        .set((
            patrons::name.eq(&row.name),
            patrons::name_key.eq(&row.name_key),
            patrons::email.eq(&row.email),
            patrons::phone.eq(&row.phone),
            patrons::address.eq(&row.address),
            patrons::home_branch_id.eq(&row.home_branch_id),
            patrons::patron_group_id.eq(&row.patron_group_id),
            patrons::expires_on.eq(row.expires_on),
            patrons::staff_note.eq(&row.staff_note),
            patrons::status.eq(row.status.as_str()),
            patrons::keep_history.eq(row.keep_history),
            patrons::version.eq(version + 1),
            patrons::updated_at.eq(row.updated_at),
        ))
        .execute(connection)?)
}

/// Sets a patron's status, raising its version; returns the rows changed.
pub fn set_patron_status(
    connection: &mut DbConnection,
    scope: &TenantScope,
    patron_id: &str,
    status: PatronStatus,
    at: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(patrons::table)
        .filter(patrons::tenant_id.eq(scope.tenant_id()))
        .filter(patrons::id.eq(patron_id))
        .set((
            patrons::status.eq(status.as_str()),
            patrons::version.eq(patrons::version + 1),
            patrons::updated_at.eq(at),
        ))
        .execute(connection)?)
}

/// Sets whether a patron's loan history is kept, raising its version.
pub fn set_keep_history(
    connection: &mut DbConnection,
    scope: &TenantScope,
    patron_id: &str,
    keep: bool,
    at: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(patrons::table)
        .filter(patrons::tenant_id.eq(scope.tenant_id()))
        .filter(patrons::id.eq(patron_id))
        .set((
            patrons::keep_history.eq(keep),
            patrons::version.eq(patrons::version + 1),
            patrons::updated_at.eq(at),
        ))
        .execute(connection)?)
}

/// Returns a patron by id.
pub fn find_patron(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    id: &str,
) -> Outcome<Option<PatronRow>> {
    Ok(patrons::table
        .filter(patrons::tenant_id.eq(scope.tenant_id()))
        .filter(patrons::id.eq(id))
        .select(PatronRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the patron an online account is linked to.
pub fn find_patron_by_account(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    account_id: &str,
) -> Outcome<Option<PatronRow>> {
    Ok(patrons::table
        .filter(patrons::tenant_id.eq(scope.tenant_id()))
        .filter(patrons::account_id.eq(account_id))
        .select(PatronRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the id of the patron a card barcode names.
pub fn find_patron_id_by_card(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    barcode: &str,
) -> Outcome<Option<String>> {
    Ok(patron_cards::table
        .filter(patron_cards::tenant_id.eq(scope.tenant_id()))
        .filter(patron_cards::barcode.eq(barcode))
        .select(patron_cards::patron_id)
        .get_result(connection)
        .optional()?)
}

/// Returns patrons by name key prefix, email or card, by name then id, after a cursor
/// (`name_key` and id of the last one seen).
pub fn search_patrons(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    query: &str,
    name_prefix: &str,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Outcome<Vec<PatronRow>> {
    let card_holders = patron_cards::table
        .filter(patron_cards::tenant_id.eq(scope.tenant_id()))
        .filter(patron_cards::barcode.eq(query))
        .select(patron_cards::patron_id);
    let pattern = format!("{}%", escape_like(name_prefix));
    let mut select = patrons::table
        .filter(patrons::tenant_id.eq(scope.tenant_id()))
        .filter(
            patrons::name_key
                .like(pattern)
                .escape('\\')
                .or(patrons::email.eq(query.to_lowercase()))
                .or(patrons::id.eq_any(card_holders)),
        )
        .select(PatronRow::as_select())
        .order((patrons::name_key.asc(), patrons::id.asc()))
        .into_boxed();
    if let Some((name_key, id)) = after {
        select =
            select.filter(patrons::name_key.gt(name_key.to_string()).or(
                patrons::name_key.eq(name_key.to_string()).and(patrons::id.gt(id.to_string())),
            ));
    }
    Ok(select.limit(limit).load(connection)?)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Returns the card barcodes of patrons, as (patron id, barcode), by barcode.
pub fn cards_of(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_ids: &[String],
) -> Outcome<Vec<(String, String)>> {
    Ok(patron_cards::table
        .filter(patron_cards::tenant_id.eq(scope.tenant_id()))
        .filter(patron_cards::patron_id.eq_any(patron_ids))
        .select((patron_cards::patron_id, patron_cards::barcode))
        .order(patron_cards::barcode.asc())
        .load(connection)?)
}

/// Gives a patron exactly these cards: removes the others, adds the new ones;
/// `UniqueViolation` when a barcode is another patron's.
pub fn replace_cards(
    connection: &mut DbConnection,
    scope: &TenantScope,
    patron_id: &str,
    barcodes: &[String],
    at: Timestamp,
) -> Outcome<()> {
    diesel::delete(patron_cards::table)
        .filter(patron_cards::tenant_id.eq(scope.tenant_id()))
        .filter(patron_cards::patron_id.eq(patron_id))
        .filter(patron_cards::barcode.ne_all(barcodes))
        .execute(connection)?;
    let existing: Vec<String> = patron_cards::table
        .filter(patron_cards::tenant_id.eq(scope.tenant_id()))
        .filter(patron_cards::patron_id.eq(patron_id))
        .select(patron_cards::barcode)
        .load(connection)?;
    for barcode in barcodes.iter().filter(|barcode| !existing.contains(barcode)) {
        diesel::insert_into(patron_cards::table)
            .values((
                patron_cards::tenant_id.eq(scope.tenant_id()),
                patron_cards::barcode.eq(barcode),
                patron_cards::patron_id.eq(patron_id),
                patron_cards::created_at.eq(at),
            ))
            .execute(connection)?;
    }
    Ok(())
}

/// A row of `patron_blocks`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = patron_blocks)]
pub struct BlockRow {
    pub id: String,
    pub patron_id: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<Timestamp>,
}

/// Inserts a block.
pub fn insert_block(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &BlockRow,
) -> Outcome<()> {
    diesel::insert_into(patron_blocks::table)
        .values((patron_blocks::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Lifts a block that is in force; returns the patron it was on, or `None`.
pub fn lift_block(
    connection: &mut DbConnection,
    scope: &TenantScope,
    block_id: &str,
    by: &str,
    at: Timestamp,
) -> Outcome<Option<String>> {
    Ok(diesel::update(patron_blocks::table)
        .filter(patron_blocks::tenant_id.eq(scope.tenant_id()))
        .filter(patron_blocks::id.eq(block_id))
        .filter(patron_blocks::lifted_at.is_null())
        .set((patron_blocks::lifted_by.eq(by), patron_blocks::lifted_at.eq(at)))
        .returning(patron_blocks::patron_id)
        .get_result(connection)
        .optional()?)
}

/// Returns the blocks in force on patrons, oldest first.
pub fn blocks_of(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_ids: &[String],
) -> Outcome<Vec<BlockRow>> {
    Ok(patron_blocks::table
        .filter(patron_blocks::tenant_id.eq(scope.tenant_id()))
        .filter(patron_blocks::patron_id.eq_any(patron_ids))
        .filter(patron_blocks::lifted_at.is_null())
        .select(BlockRow::as_select())
        .order((patron_blocks::created_at.asc(), patron_blocks::id.asc()))
        .load(connection)?)
}
