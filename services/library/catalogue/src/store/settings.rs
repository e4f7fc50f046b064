//! The tenant's catalogue settings (its item mappings).

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::catalogue_settings;
use diesel::prelude::*;

use super::Outcome;

/// A row of `catalogue_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = catalogue_settings)]
pub struct SettingsRow {
    pub item_mappings: String,
    pub updated_at: Timestamp,
}

/// Returns the tenant's settings row, if it has one.
pub fn find_settings(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Option<SettingsRow>> {
    Ok(catalogue_settings::table
        .filter(catalogue_settings::tenant_id.eq(scope.tenant_id()))
        .select(SettingsRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Writes the tenant's settings row.
pub fn save_settings(
    connection: &mut DbConnection,
    scope: &TenantScope,
    item_mappings: &str,
    now: Timestamp,
) -> Outcome<()> {
    let changed = diesel::update(
        catalogue_settings::table.filter(catalogue_settings::tenant_id.eq(scope.tenant_id())),
    )
    .set((
        catalogue_settings::item_mappings.eq(item_mappings),
        catalogue_settings::updated_at.eq(now),
    ))
    .execute(connection)?;
    if changed == 0 {
        diesel::insert_into(catalogue_settings::table)
            .values((
                catalogue_settings::tenant_id.eq(scope.tenant_id()),
                catalogue_settings::item_mappings.eq(item_mappings),
                catalogue_settings::updated_at.eq(now),
            ))
            .execute(connection)?;
    }
    Ok(())
}
