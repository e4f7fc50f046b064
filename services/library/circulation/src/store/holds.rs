//! Holds and their queues, and copies in transit.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{holds, transits};
use chrono::NaiveDate;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::Outcome;
use crate::api::{HoldLevel, HoldStatus};

/// The statuses of a hold that is not over.
pub const ACTIVE: [&str; 3] = ["waiting", "in_transit", "ready"];

/// A row of `holds`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = holds)]
pub struct HoldRow {
    pub id: String,
    pub patron_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub level: HoldLevel,
    pub record_id: String,
    pub work_key: Option<String>,
    pub item_id: Option<String>,
    pub pickup_branch_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: HoldStatus,
    pub placed_at: Timestamp,
    pub expires_on: Option<NaiveDate>,
    pub ready_at: Option<Timestamp>,
    pub pickup_by: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub closed_reason: Option<String>,
    pub placed_by: Option<String>,
    pub override_reason: Option<String>,
    pub version: i32,
}

/// Inserts a hold.
pub fn insert_hold(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &HoldRow,
) -> Outcome<()> {
    diesel::insert_into(holds::table)
        .values((holds::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Returns a hold by id.
pub fn find_hold(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    id: &str,
) -> Outcome<Option<HoldRow>> {
    Ok(holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::id.eq(id))
        .select(HoldRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns a patron's holds that are not over, oldest first.
pub fn active_holds_of(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    patron_id: &str,
) -> Outcome<Vec<HoldRow>> {
    Ok(holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::patron_id.eq(patron_id))
        .filter(holds::status.eq_any(ACTIVE))
        .select(HoldRow::as_select())
        .order((holds::placed_at.asc(), holds::id.asc()))
        .load(connection)?)
}

/// Returns the waiting holds a copy of `record_id` (of work `work_key`, copy `item_id`)
/// can fill, in queue order: title holds on the record or on its work, and copy holds on
/// the copy. At most `limit`.
pub fn queue_for_copy(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    record_id: &str,
    work_key: Option<&str>,
    item_id: &str,
    limit: i64,
) -> Outcome<Vec<HoldRow>> {
    let title = holds::level.eq(HoldLevel::Title.as_str());
    let on_copy =
        holds::level.eq(HoldLevel::Copy.as_str()).and(holds::item_id.eq(item_id.to_string()));
    let on_record = holds::record_id.eq(record_id.to_string());
    let query = holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(HoldStatus::Waiting.as_str()))
        .select(HoldRow::as_select())
        .order((holds::placed_at.asc(), holds::id.asc()))
        .limit(limit)
        .into_boxed();
    let query = match work_key {
        Some(work_key) => query
            .filter(title.and(on_record.or(holds::work_key.eq(work_key.to_string()))).or(on_copy)),
        None => query.filter(title.and(on_record).or(on_copy)),
    };
    Ok(query.load(connection)?)
}

/// Returns the hold a copy has been given (in transit to it or on its holds shelf).
pub fn hold_holding_copy(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    item_id: &str,
) -> Outcome<Option<HoldRow>> {
    Ok(holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::item_id.eq(item_id))
        .filter(holds::status.eq_any([HoldStatus::InTransit.as_str(), HoldStatus::Ready.as_str()]))
        .select(HoldRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Counts the waiting holds placed before `placed_at` (then by id) in the same queue: a
/// title hold's record (or work), or a copy hold's copy.
pub fn place_in_queue(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    hold: &HoldRow,
) -> Outcome<i64> {
    let earlier = holds::placed_at
        .lt(hold.placed_at)
        .or(holds::placed_at.eq(hold.placed_at).and(holds::id.lt(hold.id.clone())));
    let base = holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(HoldStatus::Waiting.as_str()))
        .filter(earlier)
        .into_boxed();
    let query = match (hold.level, &hold.work_key, &hold.item_id) {
        (HoldLevel::Copy, _, Some(item_id)) => base.filter(holds::item_id.eq(item_id.clone())),
        (_, Some(work_key), _) => base.filter(holds::work_key.eq(work_key.clone())),
        _ => base.filter(holds::record_id.eq(hold.record_id.clone())),
    };
    Ok(query.select(count_star()).get_result(connection)?)
}

/// Moves a hold from one status to another, if it is still in `from`; returns the rows
/// changed. `item_id`, `ready_at` and `pickup_by` are set as given.
#[allow(clippy::too_many_arguments, reason = "one conditional update, each part named")]
pub fn move_hold(
    connection: &mut DbConnection,
    scope: &TenantScope,
    hold_id: &str,
    from: &[HoldStatus],
    to: HoldStatus,
    item_id: Option<&str>,
    ready_at: Option<Timestamp>,
    pickup_by: Option<Timestamp>,
) -> Outcome<usize> {
    let from: Vec<&str> = from.iter().map(|status| status.as_str()).collect();
    Ok(diesel::update(holds::table)
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::id.eq(hold_id))
        .filter(holds::status.eq_any(from))
        .set((
            holds::status.eq(to.as_str()),
            holds::item_id.eq(item_id),
            holds::ready_at.eq(ready_at),
            holds::pickup_by.eq(pickup_by),
            holds::version.eq(holds::version + 1),
        ))
        .execute(connection)?)
}

/// Ends a hold that is in one of `from`; returns the rows changed.
pub fn close_hold(
    connection: &mut DbConnection,
    scope: &TenantScope,
    hold_id: &str,
    from: &[HoldStatus],
    to: HoldStatus,
    at: Timestamp,
    reason: &str,
) -> Outcome<usize> {
    let from: Vec<&str> = from.iter().map(|status| status.as_str()).collect();
    Ok(diesel::update(holds::table)
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::id.eq(hold_id))
        .filter(holds::status.eq_any(from))
        .set((
            holds::status.eq(to.as_str()),
            holds::closed_at.eq(at),
            holds::closed_reason.eq(reason),
            holds::version.eq(holds::version + 1),
        ))
        .execute(connection)?)
}

/// Changes a hold's pickup branch while it is waiting; returns the rows changed.
pub fn set_pickup(
    connection: &mut DbConnection,
    scope: &TenantScope,
    hold_id: &str,
    branch_id: &str,
) -> Outcome<usize> {
    Ok(diesel::update(holds::table)
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::id.eq(hold_id))
        .filter(holds::status.eq(HoldStatus::Waiting.as_str()))
        .set((holds::pickup_branch_id.eq(branch_id), holds::version.eq(holds::version + 1)))
        .execute(connection)?)
}

/// Returns holds in a status at a pickup branch, oldest first, at most `limit`.
pub fn holds_at_branch(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    branch_id: &str,
    status: HoldStatus,
    limit: i64,
) -> Outcome<Vec<HoldRow>> {
    Ok(holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(status.as_str()))
        .filter(holds::pickup_branch_id.eq(branch_id))
        .select(HoldRow::as_select())
        .order((holds::pickup_by.asc(), holds::placed_at.asc(), holds::id.asc()))
        .limit(limit)
        .load(connection)?)
}

/// Returns the tenant's waiting holds in queue order, at most `limit`.
pub fn waiting_holds(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    limit: i64,
) -> Outcome<Vec<HoldRow>> {
    Ok(holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(HoldStatus::Waiting.as_str()))
        .select(HoldRow::as_select())
        .order((holds::placed_at.asc(), holds::id.asc()))
        .limit(limit)
        .load(connection)?)
}

/// Returns waiting holds whose expiry date is before `today`, and ready holds whose
/// pickup deadline is before `now`, at most `limit` of each.
pub fn lapsed_holds(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    today: NaiveDate,
    now: Timestamp,
    limit: i64,
) -> Outcome<(Vec<HoldRow>, Vec<HoldRow>)> {
    let unfilled = holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(HoldStatus::Waiting.as_str()))
        .filter(holds::expires_on.lt(today))
        .select(HoldRow::as_select())
        .order(holds::id.asc())
        .limit(limit)
        .load(connection)?;
    let uncollected = holds::table
        .filter(holds::tenant_id.eq(scope.tenant_id()))
        .filter(holds::status.eq(HoldStatus::Ready.as_str()))
        .filter(holds::pickup_by.lt(now))
        .select(HoldRow::as_select())
        .order(holds::id.asc())
        .limit(limit)
        .load(connection)?;
    Ok((unfilled, uncollected))
}

/// Returns the ids of tenants with holds that may have lapsed, for the scheduler.
pub fn tenants_with_active_holds(connection: &mut DbConnection) -> Outcome<Vec<String>> {
    Ok(holds::table
        .filter(holds::status.eq_any([HoldStatus::Waiting.as_str(), HoldStatus::Ready.as_str()]))
        .select(holds::tenant_id)
        .distinct()
        .load(connection)?)
}

/// A row of `transits`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = transits)]
pub struct TransitRow {
    pub id: String,
    pub item_id: String,
    pub from_branch_id: String,
    pub to_branch_id: String,
    pub hold_id: Option<String>,
    pub sent_at: Timestamp,
    pub received_at: Option<Timestamp>,
}

/// Inserts a transit; `UniqueViolation` when the copy is in transit already.
pub fn insert_transit(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &TransitRow,
) -> Outcome<()> {
    diesel::insert_into(transits::table)
        .values((transits::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(())
}

/// Returns a copy's open transit.
pub fn open_transit(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    item_id: &str,
) -> Outcome<Option<TransitRow>> {
    Ok(transits::table
        .filter(transits::tenant_id.eq(scope.tenant_id()))
        .filter(transits::item_id.eq(item_id))
        .filter(transits::received_at.is_null())
        .select(TransitRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Marks a transit received; returns the rows changed.
pub fn receive_transit(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    at: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(transits::table)
        .filter(transits::tenant_id.eq(scope.tenant_id()))
        .filter(transits::id.eq(id))
        .filter(transits::received_at.is_null())
        .set(transits::received_at.eq(at))
        .execute(connection)?)
}

/// Returns open transits to (or from) a branch, oldest first, at most `limit`.
pub fn transits_of_branch(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    branch_id: &str,
    incoming: bool,
    limit: i64,
) -> Outcome<Vec<TransitRow>> {
    let query = transits::table
        .filter(transits::tenant_id.eq(scope.tenant_id()))
        .filter(transits::received_at.is_null())
        .select(TransitRow::as_select())
        .order((transits::sent_at.asc(), transits::id.asc()))
        .limit(limit)
        .into_boxed();
    let query = if incoming {
        query.filter(transits::to_branch_id.eq(branch_id.to_string()))
    } else {
        query.filter(transits::from_branch_id.eq(branch_id.to_string()))
    };
    Ok(query.load(connection)?)
}
