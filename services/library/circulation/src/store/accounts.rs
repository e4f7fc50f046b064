//! A patron's account lines and balance.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::account_lines;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::Outcome;
use crate::api::AccountLineKind;

/// A row of `account_lines`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_lines)]
pub struct AccountLineRow {
    pub id: String,
    pub patron_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: AccountLineKind,
    pub amount: i64,
    pub description: String,
    pub loan_id: Option<String>,
    pub item_id: Option<String>,
    pub created_by: Option<String>,
    pub reason: Option<String>,
    pub created_at: Timestamp,
}

/// Inserts an account line.
pub fn insert_line(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &AccountLineRow,
) -> Outcome<()> {
    diesel::insert_into(account_lines::table)
        .values((account_lines::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Returns a patron's balance: the sum of their lines.
pub fn balance(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_id: &str,
) -> Outcome<i64> {
    let total: Option<i64> = account_lines::table
        .filter(account_lines::tenant_id.eq(scope.tenant_id()))
        .filter(account_lines::patron_id.eq(patron_id))
        .select(diesel::dsl::sql::<Nullable<BigInt>>("CAST(SUM(amount) AS BIGINT)"))
        .get_result(connection)?;
    Ok(total.unwrap_or(0))
}

/// Returns the charges of one kind for a loan (a lost-item fee to refund).
pub fn lines_of_loan(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    loan_id: &str,
) -> Outcome<Vec<AccountLineRow>> {
    Ok(account_lines::table
        .filter(account_lines::tenant_id.eq(scope.tenant_id()))
        .filter(account_lines::loan_id.eq(loan_id))
        .select(AccountLineRow::as_select())
        .order((account_lines::created_at.asc(), account_lines::id.asc()))
        .load(connection)?)
}

/// Returns a patron's latest lines, newest first.
pub fn lines(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_id: &str,
    limit: i64,
) -> Outcome<Vec<AccountLineRow>> {
    Ok(account_lines::table
        .filter(account_lines::tenant_id.eq(scope.tenant_id()))
        .filter(account_lines::patron_id.eq(patron_id))
        .select(AccountLineRow::as_select())
        .order((account_lines::created_at.desc(), account_lines::id.desc()))
        .limit(limit)
        .load(connection)?)
}
