//! Notices sent to patrons, one per event, and what the notice job looks through.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::{DbConnection, DbError};
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{holds, loans, notices, patron_blocks, patrons};
use diesel::prelude::*;

use super::{BlockRow, HoldRow, LoanRow, Outcome};
use crate::api::HoldStatus;

athenaeum_db::stored_enum! {
    /// What a notice tells the patron.
    pub enum NoticeKind: "notice kind" {
        /// A loan falls due soon.
        Courtesy = "courtesy",
        /// A loan is overdue.
        OverdueFirst = "overdue_first",
        /// A loan is still overdue a week later.
        OverdueSecond = "overdue_second",
        /// A hold waits on the holds shelf.
        HoldReady = "hold_ready",
        /// A hold ended unfilled or uncollected.
        HoldExpired = "hold_expired",
        /// Staff blocked the account.
        AccountBlocked = "account_blocked",
    }
}

/// A row of `notices`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: String,
    pub event_key: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: NoticeKind,
    pub patron_id: String,
    pub mail_id: String,
    pub created_at: Timestamp,
}

/// Returns which of these event keys have a notice already.
pub fn noticed(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    keys: &[String],
) -> Outcome<Vec<String>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        found.extend(
            notices::table
                .filter(notices::tenant_id.eq(scope.tenant_id()))
                .filter(notices::event_key.eq_any(chunk))
                .select(notices::event_key)
                .load::<String>(connection)?,
        );
    }
    Ok(found)
}

/// Inserts a notice; `UniqueViolation` when its event has one already.
pub fn insert_notice(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &NoticeRow,
) -> Result<(), DbError> {
    diesel::insert_into(notices::table)
        .values((notices::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Returns loans out (not lost, with a patron) due after `after` and at or before
/// `until`, at most `limit`.
pub fn loans_due_between(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    after: Timestamp,
    until: Timestamp,
    limit: i64,
) -> Outcome<Vec<LoanRow>> {
    Ok(loans::table
        .filter(loans::tenant_id.eq(scope.tenant_id()))
        .filter(loans::returned_at.is_null())
        .filter(loans::lost_at.is_null())
        .filter(loans::patron_id.is_not_null())
        .filter(loans::due_at.gt(after))
        .filter(loans::due_at.le(until))
        .select(LoanRow::as_select())
        .order((loans::due_at.asc(), loans::id.asc()))
        .limit(limit)
        .load(connection)?)
}

/// Returns holds in `status` whose `ready_at` (for ready holds) or `closed_at` (for
/// ended ones) is after `since`, at most `limit`.
pub fn holds_since(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    status: HoldStatus,
    since: Timestamp,
    limit: i64,
) -> Outcome<Vec<HoldRow>> {
    let query = holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(status.as_str()))
        .select(HoldRow::as_select())
        .order(holds::id.asc())
        .limit(limit)
        .into_boxed();
    let query = if status == HoldStatus::Ready {
        query.filter(holds::ready_at.gt(since))
    } else {
        query.filter(holds::closed_at.gt(since))
    };
    Ok(query.load(connection)?)
}

/// Returns blocks in force put on after `since`, at most `limit`.
pub fn blocks_since(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    since: Timestamp,
    limit: i64,
) -> Outcome<Vec<BlockRow>> {
    Ok(patron_blocks::table
        .filter(patron_blocks::tenant_id.eq(scope.tenant_id()))
        .filter(patron_blocks::lifted_at.is_null())
        .filter(patron_blocks::created_at.gt(since))
        .select(BlockRow::as_select())
        .order(patron_blocks::id.asc())
        .limit(limit)
        .load(connection)?)
}

/// Returns the ids of libraries that have patrons, for the notice job.
pub fn tenants_with_patrons(connection: &mut DbConnection) -> Outcome<Vec<String>> {
    Ok(patrons::table.select(patrons::tenant_id).distinct().load(connection)?)
}
