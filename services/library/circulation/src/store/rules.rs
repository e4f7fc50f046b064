//! Loan rules and branch calendars.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{branch_calendars, closed_dates, loan_rules};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::Outcome;

/// A row of `loan_rules`; `terms` is the rule's terms as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loan_rules)]
pub struct LoanRuleRow {
    pub id: String,
    pub name: String,
    pub branch_id: Option<String>,
    pub patron_group_id: Option<String>,
    pub material_type_id: Option<String>,
    pub loan_type_id: Option<String>,
    pub scope_key: String,
    pub terms: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Returns every loan rule of the tenant (libraries have tens), oldest first.
pub fn loan_rules(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Vec<LoanRuleRow>> {
    Ok(loan_rules::table
        .filter(loan_rules::tenant_id.eq(scope.tenant_id()))
        .select(LoanRuleRow::as_select())
        .order((loan_rules::created_at.asc(), loan_rules::id.asc()))
        .load(connection)?)
}

/// Inserts a loan rule; `UniqueViolation` when another rule has the same scope.
pub fn insert_loan_rule(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &LoanRuleRow,
) -> Outcome<()> {
    diesel::insert_into(loan_rules::table)
        .values((loan_rules::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Replaces a loan rule; returns the rows changed.
pub fn update_loan_rule(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &LoanRuleRow,
) -> Outcome<usize> {
    Ok(diesel::update(loan_rules::table)
        .filter(loan_rules::tenant_id.eq(scope.tenant_id()))
        .filter(loan_rules::id.eq(&row.id))
        .set((
            loan_rules::name.eq(&row.name),
            loan_rules::branch_id.eq(&row.branch_id),
            loan_rules::patron_group_id.eq(&row.patron_group_id),
            loan_rules::material_type_id.eq(&row.material_type_id),
            loan_rules::loan_type_id.eq(&row.loan_type_id),
            loan_rules::scope_key.eq(&row.scope_key),
            loan_rules::terms.eq(&row.terms),
            loan_rules::updated_at.eq(row.updated_at),
        ))
        .execute(connection)?)
}

/// Deletes a loan rule; returns the rows deleted.
pub fn delete_loan_rule(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Outcome<usize> {
    Ok(diesel::delete(loan_rules::table)
        .filter(loan_rules::tenant_id.eq(scope.tenant_id()))
        .filter(loan_rules::id.eq(id))
        .execute(connection)?)
}

/// Returns a branch's weekly hours as stored (JSON), `Some(None)` when its calendar row
/// has no weekly pattern, `None` when it has no calendar row.
pub fn weekly_hours(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    branch_id: &str,
) -> Outcome<Option<Option<String>>> {
    Ok(branch_calendars::table
        .filter(branch_calendars::tenant_id.eq(scope.tenant_id()))
        .filter(branch_calendars::branch_id.eq(branch_id))
        .select(branch_calendars::weekly_hours)
        .get_result(connection)
        .optional()?)
}

/// A row of `closed_dates`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = closed_dates)]
pub struct ClosedDateRow {
    pub branch_id: String,
    pub closed_on: NaiveDate,
    pub name: String,
}

/// Returns a branch's closed dates from `from` on, by date.
pub fn closed_dates(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    branch_id: &str,
    from: NaiveDate,
) -> Outcome<Vec<ClosedDateRow>> {
    Ok(closed_dates::table
        .filter(closed_dates::tenant_id.eq(scope.tenant_id()))
        .filter(closed_dates::branch_id.eq(branch_id))
        .filter(closed_dates::closed_on.ge(from))
        .select(ClosedDateRow::as_select())
        .order(closed_dates::closed_on.asc())
        .load(connection)?)
}

/// Replaces a branch's calendar: its weekly hours (JSON, or none) and every closed date.
pub fn save_calendar(
    connection: &mut DbConnection,
    scope: &TenantScope,
    branch_id: &str,
    weekly_hours: Option<&str>,
    dates: &[ClosedDateRow],
    at: Timestamp,
) -> Outcome<()> {
    let changed = diesel::update(branch_calendars::table)
        .filter(branch_calendars::tenant_id.eq(scope.tenant_id()))
        .filter(branch_calendars::branch_id.eq(branch_id))
        .set((branch_calendars::weekly_hours.eq(weekly_hours), branch_calendars::updated_at.eq(at)))
        .execute(connection)?;
    if changed == 0 {
        diesel::insert_into(branch_calendars::table)
            .values((
                branch_calendars::tenant_id.eq(scope.tenant_id()),
                branch_calendars::branch_id.eq(branch_id),
                branch_calendars::weekly_hours.eq(weekly_hours),
                branch_calendars::updated_at.eq(at),
            ))
            .execute(connection)?;
    }
    diesel::delete(closed_dates::table)
        .filter(closed_dates::tenant_id.eq(scope.tenant_id()))
        .filter(closed_dates::branch_id.eq(branch_id))
        .execute(connection)?;
    for date in dates {
        diesel::insert_into(closed_dates::table)
            .values((closed_dates::tenant_id.eq(scope.tenant_id()), date.clone()))
            .execute(connection)?;
    }
    Ok(())
}
