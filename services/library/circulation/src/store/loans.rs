//! Loans: making, renewing, closing and anonymising them, and counting them.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::loans;
use chrono::NaiveDate;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::Outcome;

/// A row of `loans`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loans)]
pub struct LoanRow {
    pub id: String,
    pub item_id: String,
    pub record_id: String,
    pub patron_id: Option<String>,
    pub patron_group_id: String,
    pub material_type_id: Option<String>,
    pub branch_id: String,
    pub rule_id: Option<String>,
    pub checked_out_at: Timestamp,
    pub checked_out_on: NaiveDate,
    pub due_at: Timestamp,
    pub renewals: i32,
    pub last_renewed_at: Option<Timestamp>,
    pub returned_at: Option<Timestamp>,
    pub return_branch_id: Option<String>,
    pub lost_at: Option<Timestamp>,
    pub fine_charged: i64,
    pub override_reason: Option<String>,
    pub override_by: Option<String>,
    pub checked_out_by: Option<String>,
    pub version: i32,
}

/// Inserts a loan; `UniqueViolation` when the item has an open loan already (the
/// database allows one).
pub fn insert_loan(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &LoanRow,
) -> Outcome<()> {
    diesel::insert_into(loans::table)
        .values((loans::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Returns a loan by id.
pub fn find_loan(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    id: &str,
) -> Outcome<Option<LoanRow>> {
    Ok(loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::id.eq(id))
        .select(LoanRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the open loan of an item.
pub fn open_loan_of_item(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    item_id: &str,
) -> Outcome<Option<LoanRow>> {
    Ok(loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::item_id.eq(item_id))
        .filter(loans::returned_at.is_null())
        .select(LoanRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// What limits count of a patron's open loans.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct OpenLoanFacts {
    pub material_type_id: Option<String>,
    pub due_at: Timestamp,
    pub lost_at: Option<Timestamp>,
}

/// Returns what limits count of a patron's open loans: one small row per loan out, read
/// through the `loans_patron` index.
pub fn open_loan_facts(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_id: &str,
) -> Outcome<Vec<OpenLoanFacts>> {
    Ok(loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::patron_id.eq(patron_id))
        .filter(loans::returned_at.is_null())
        .select((loans::material_type_id, loans::due_at, loans::lost_at))
        .load(connection)?)
}

/// Returns a patron's open loans by due date, after a cursor (due time and id).
pub fn open_loans(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_id: &str,
    after: Option<(Timestamp, &str)>,
    limit: i64,
) -> Outcome<Vec<LoanRow>> {
    let mut query = loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::patron_id.eq(patron_id))
        .filter(loans::returned_at.is_null())
        .select(LoanRow::as_select())
        .order((loans::due_at.asc(), loans::id.asc()))
        .into_boxed();
    if let Some((due_at, id)) = after {
        query = query.filter(
            loans::due_at.gt(due_at).or(loans::due_at.eq(due_at).and(loans::id.gt(id.to_string()))),
        );
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns a patron's returned loans, newest return first, after a cursor (return time
/// and id).
pub fn loan_history(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_id: &str,
    after: Option<(Timestamp, &str)>,
    limit: i64,
) -> Outcome<Vec<LoanRow>> {
    let mut query = loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::patron_id.eq(patron_id))
        .filter(loans::returned_at.is_not_null())
        .select(LoanRow::as_select())
        .order((loans::returned_at.desc(), loans::id.desc()))
        .into_boxed();
    if let Some((returned_at, id)) = after {
        query = query.filter(
            loans::returned_at
                .lt(returned_at)
                .or(loans::returned_at.eq(returned_at).and(loans::id.lt(id.to_string()))),
        );
    }
    Ok(query.limit(limit).load(connection)?)
}

/// How a loan is closed at checkin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanClosing<'a> {
    pub returned_at: Timestamp,
    pub return_branch_id: &'a str,
    pub fine_charged: i64,
    /// Keep the patron on the loan (they keep their history); else it is anonymised.
    pub keep_patron: bool,
}

/// Closes an open loan; returns the rows changed (0 when it was closed meanwhile).
pub fn close_loan(
    connection: &mut DbConnection,
    scope: &TenantScope,
    loan_id: &str,
    closing: &LoanClosing<'_>,
) -> Outcome<usize> {
    let update = diesel::update(loans::table)
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::id.eq(loan_id))
        .filter(loans::returned_at.is_null());
    let changed = if closing.keep_patron {
        update
            .set((
                loans::returned_at.eq(closing.returned_at),
                loans::return_branch_id.eq(closing.return_branch_id),
                loans::fine_charged.eq(closing.fine_charged),
                loans::version.eq(loans::version + 1),
            ))
            .execute(connection)?
    } else {
        update
            .set((
                loans::returned_at.eq(closing.returned_at),
                loans::return_branch_id.eq(closing.return_branch_id),
                loans::fine_charged.eq(closing.fine_charged),
                loans::patron_id.eq(None::<String>),
                loans::checked_out_by.eq(None::<String>),
                loans::override_by.eq(None::<String>),
                loans::version.eq(loans::version + 1),
            ))
            .execute(connection)?
    };
    Ok(changed)
}

/// Renews an open loan still at `version`; returns the rows changed.
#[allow(clippy::too_many_arguments, reason = "one conditional update, each part named")]
pub fn renew_loan(
    connection: &mut DbConnection,
    scope: &TenantScope,
    loan_id: &str,
    version: i32,
    due_at: Timestamp,
    at: Timestamp,
    override_reason: Option<&str>,
    override_by: Option<&str>,
) -> Outcome<usize> {
    let update = diesel::update(loans::table)
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::id.eq(loan_id))
        .filter(loans::version.eq(version))
        .filter(loans::returned_at.is_null());
    let changed = match override_reason {
        Some(reason) => update
            .set((
                loans::due_at.eq(due_at),
                loans::renewals.eq(loans::renewals + 1),
                loans::last_renewed_at.eq(at),
                loans::override_reason.eq(reason),
                loans::override_by.eq(override_by),
                loans::version.eq(version + 1),
            ))
            .execute(connection)?,
        None => update
            .set((
                loans::due_at.eq(due_at),
                loans::renewals.eq(loans::renewals + 1),
                loans::last_renewed_at.eq(at),
                loans::version.eq(version + 1),
            ))
            .execute(connection)?,
    };
    Ok(changed)
}

/// Marks an open loan lost; returns the rows changed.
pub fn mark_lost(
    connection: &mut DbConnection,
    scope: &TenantScope,
    loan_id: &str,
    at: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(loans::table)
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::id.eq(loan_id))
        .filter(loans::returned_at.is_null())
        .filter(loans::lost_at.is_null())
        .set((loans::lost_at.eq(at), loans::version.eq(loans::version + 1)))
        .execute(connection)?)
}

/// Anonymises a patron's returned loans; returns how many.
pub fn anonymise_history(
    connection: &mut DbConnection,
    scope: &TenantScope,
    patron_id: &str,
) -> Outcome<usize> {
    Ok(diesel::update(loans::table)
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::patron_id.eq(patron_id))
        .filter(loans::returned_at.is_not_null())
        .set((
            loans::patron_id.eq(None::<String>),
            loans::checked_out_by.eq(None::<String>),
            loans::override_by.eq(None::<String>),
        ))
        .execute(connection)?)
}

/// Loans counted by day, branch and group.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct DayCount {
    pub day: NaiveDate,
    pub branch_id: String,
    pub patron_group_id: String,
    pub loans: i64,
    pub renewals: Option<i64>,
}

/// Counts loans made between two local dates by day, branch and patron group.
pub fn loans_by_day(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Outcome<Vec<DayCount>> {
    Ok(loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::checked_out_on.between(from, to))
        .group_by((loans::checked_out_on, loans::branch_id, loans::patron_group_id))
        .select((
            loans::checked_out_on,
            loans::branch_id,
            loans::patron_group_id,
            count_star(),
            sum(loans::renewals),
        ))
        .order((loans::checked_out_on.asc(), loans::branch_id.asc(), loans::patron_group_id.asc()))
        .load(connection)?)
}

/// Counts loans made between two local dates by item, most lent first.
pub fn loans_by_item(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> Outcome<Vec<(String, i64)>> {
    Ok(loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::checked_out_on.between(from, to))
        .group_by(loans::item_id)
        .select((loans::item_id, count_star()))
        .order((count_star().desc(), loans::item_id.asc()))
        .limit(limit)
        .load(connection)?)
}
