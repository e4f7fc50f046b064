//! A library's circulation settings and its patron groups.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{circulation_settings, patron_groups};
use diesel::prelude::*;

use super::Outcome;

/// A row of `circulation_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = circulation_settings)]
#[diesel(treat_none_as_null = true)]
pub struct SettingsRow {
    pub time_zone: String,
    pub currency: String,
    pub courtesy_notice_days: i32,
    pub refund_lost_fee_on_return: bool,
    pub confirm_registrations: bool,
    pub registration_group_id: Option<String>,
    pub updated_at: Timestamp,
    pub library_name: Option<String>,
}

/// Returns the tenant's settings, or `None` when it has saved none.
pub fn find_settings(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Option<SettingsRow>> {
    Ok(circulation_settings::table
        .filter(circulation_settings::tenant_id.eq(scope.tenant_id()))
        .select(SettingsRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Saves the tenant's settings, inserting or replacing them.
pub fn save_settings(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &SettingsRow,
) -> Outcome<()> {
    let changed = diesel::update(circulation_settings::table)
        .filter(circulation_settings::tenant_id.eq(scope.tenant_id()))
        .set(row)
        .execute(connection)?;
    if changed == 0 {
        diesel::insert_into(circulation_settings::table)
            .values((circulation_settings::tenant_id.eq(scope.tenant_id()), row))
            .execute(connection)?;
    }
    Ok(())
}

/// A row of `patron_groups`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = patron_groups)]
pub struct PatronGroupRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Inserts a patron group; `UniqueViolation` if the code is taken.
pub fn insert_patron_group(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &PatronGroupRow,
) -> Outcome<()> {
    diesel::insert_into(patron_groups::table)
        .values((patron_groups::tenant_id.eq(scope.tenant_id()), row))
        .execute(connection)?;
    Ok(())
}

/// Changes a group's code and name; returns the rows changed.
pub fn update_patron_group(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &PatronGroupRow,
) -> Outcome<usize> {
    Ok(diesel::update(patron_groups::table)
        .filter(patron_groups::tenant_id.eq(scope.tenant_id()))
        .filter(patron_groups::id.eq(&row.id))
        .set((
            patron_groups::code.eq(&row.code),
            patron_groups::name.eq(&row.name),
            patron_groups::updated_at.eq(row.updated_at),
        ))
        .execute(connection)?)
}

/// Returns every patron group of the tenant, by code (libraries have a handful).
pub fn patron_groups(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Vec<PatronGroupRow>> {
    Ok(patron_groups::table
        .filter(patron_groups::tenant_id.eq(scope.tenant_id()))
        .select(PatronGroupRow::as_select())
        .order(patron_groups::code.asc())
        .load(connection)?)
}
