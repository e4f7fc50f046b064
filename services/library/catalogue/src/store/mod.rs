//! Diesel queries on the catalogue's tables of the library database. Every query on a
//! tenant-owned table filters by a scope: reads take any scope (`impl ReadScope`), so an
//! anonymous reader's public scope reaches them; writes take a `TenantScope` and
//! inserts stamp `tenant_id` from it, so no row carries a tenant id a caller filled in.
//! The index feed's queries read across tenants, for the search service only.
//!
//! Look-ups by a unique key use `get_result(..).optional()`, not `first(..)` (which binds
//! `LIMIT ?` and makes SQLite re-plan cached statements). Bulk writes go in chunks that
//! stay under both databases' limits on bound parameters. This room holds no rules.

use athenaeum_db::DbError;

/// Rows per multi-row statement: 500 rows of at most 28 columns stay under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 500;

type Outcome<T> = Result<T, DbError>;

/// Inserts rows of a tenant-owned table, stamped with the scope's tenant: one multi-row
/// statement per chunk on PostgreSQL, one prepared statement per row on SQLite (which
/// diesel cannot batch for a table with defaultable columns, and where a prepared insert
/// costs microseconds in a transaction).
macro_rules! insert_for_tenant {
    ($connection:expr, $scope:expr, $table:ident, $rows:expr) => {{
        let tenant_id: &str = $scope.tenant_id();
        let rows = $rows;
        match $connection {
            athenaeum_db::DbConnection::Pg(inner) => {
                for chunk in rows.chunks(crate::store::CHUNK) {
                    let values: Vec<_> = chunk
                        .iter()
                        .map(|row| ($table::tenant_id.eq(tenant_id), row.clone()))
                        .collect();
                    diesel::insert_into($table::table).values(values).execute(inner)?;
                }
            }
            athenaeum_db::DbConnection::Sqlite(inner) => {
                for row in rows {
                    diesel::insert_into($table::table)
                        .values(($table::tenant_id.eq(tenant_id), row.clone()))
                        .execute(inner)?;
                }
            }
        }
    }};
}

mod imports;
mod index;
mod items;
mod keys;
mod records;
mod settings;
mod vocabularies;

pub use imports::*;
pub use index::*;
pub use items::*;
pub use keys::*;
pub use records::*;
pub use settings::*;
pub use vocabularies::*;
