//! Where a copy goes next once it is free — returned, found, or let go by a hold that
//! lapsed or was cancelled: to the first hold in its queue (onto this branch's holds
//! shelf, or in transit to the hold's pickup branch), home to its own branch, or back on
//! the shelf. The answer is one line a librarian acts on.

use async_graphql::ID;
use athenaeum_auth::TenantScope;
use athenaeum_catalogue::api::ItemStatus;
use athenaeum_catalogue::desk::{self, DeskItem, StatusMove};
use athenaeum_kernel::{Timestamp, new_id};
use athenaeum_library_db::LibraryTransaction;

use super::Outcome;
use super::context::{self, Library};
use super::views::utc;
use crate::api::{HoldStatus, RouteKind, Routing};
use crate::domain::calendar::{LoanPeriod, due_date};
use crate::domain::rules::Situation;
use crate::domain::values::shelf_name;
use crate::store::{self, HoldRow, TransitRow};

/// How many holds of a queue are tried before giving up on a copy (each one may have
/// been taken by another desk meanwhile).
const QUEUE_TRIES: i64 = 20;

/// Moves a copy's status from `from` to `to` (nothing when they are the same), with the
/// change recorded for the search index.
pub(super) fn move_copy(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    item: &DeskItem,
    from: ItemStatus,
    to: ItemStatus,
    reason: &str,
    at: Timestamp,
) -> Outcome<()> {
    if from == to {
        return Ok(());
    }
    desk::change_item_status(
        transaction,
        scope,
        &item.id,
        StatusMove { from, to, reason: Some(reason), at },
    )?;
    Ok(())
}

/// Returns when a hold put on the holds shelf at `branch_id` now must be collected by:
/// the end of the last of its pickup days, moved past days the branch is closed.
pub(super) fn pickup_deadline(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    hold: &HoldRow,
    item: &DeskItem,
    now: Timestamp,
) -> Outcome<Timestamp> {
    let group = store::find_patron(transaction, scope, &hold.patron_id)?
        .map(|patron| patron.patron_group_id);
    let rule = library.rule_for(&Situation {
        branch_id: Some(hold.pickup_branch_id.clone()),
        patron_group_id: group,
        material_type_id: item.material_type_id.clone(),
        loan_type_id: item.loan_type_id.clone(),
    });
    let today = utc(now).with_timezone(&library.settings.zone).date_naive();
    let (calendar, _) = context::calendar(transaction, scope, &hold.pickup_branch_id, today)?;
    let days = rule.terms.hold_pickup_days.max(1);
    Ok(due_date(&calendar, library.settings.zone, utc(now), LoanPeriod::Days(days))
        .due_at
        .naive_utc())
}

/// Puts a copy on this branch's holds shelf for `hold`; `false` when the hold was taken
/// meanwhile. `from` is the hold's status now.
pub(super) fn shelve_for_hold(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    hold: &HoldRow,
    from: HoldStatus,
    item: &DeskItem,
    now: Timestamp,
) -> Outcome<Option<Routing>> {
    let pickup_by = pickup_deadline(transaction, scope, library, hold, item, now)?;
    let moved = store::move_hold(
        transaction,
        scope,
        &hold.id,
        &[from],
        HoldStatus::Ready,
        Some(&item.id),
        Some(now),
        Some(pickup_by),
    )?;
    if moved == 0 {
        return Ok(None);
    }
    let patron = store::find_patron(transaction, scope, &hold.patron_id)?
        .map(|patron| shelf_name(&patron.name))
        .unwrap_or_else(|| "the patron".into());
    let until = utc(pickup_by).with_timezone(&library.settings.zone).format("%-d %B");
    Ok(Some(Routing {
        kind: RouteKind::HoldShelf,
        instruction: format!("Hold shelf: for {patron}, until {until}"),
        to_branch_id: None,
        hold_id: Some(ID::from(hold.id.clone())),
        pickup_by: Some(utc(pickup_by)),
    }))
}

/// Sends a copy from `at_branch` to `to_branch`, for `hold` when given.
#[allow(clippy::too_many_arguments, reason = "the parts of one transit, each named")]
fn send(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    item: &DeskItem,
    at_branch: &str,
    to_branch: &str,
    hold: Option<&HoldRow>,
    now: Timestamp,
) -> Outcome<Routing> {
    store::insert_transit(
        transaction,
        scope,
        &TransitRow {
            id: new_id(),
            item_id: item.id.clone(),
            from_branch_id: at_branch.to_string(),
            to_branch_id: to_branch.to_string(),
            hold_id: hold.map(|hold| hold.id.clone()),
            sent_at: now,
            received_at: None,
        },
    )?;
    let name = library.branch_name(to_branch);
    Ok(Routing {
        kind: RouteKind::Transit,
        instruction: match hold {
            Some(_) => format!("Send to {name}: a patron is waiting for it there"),
            None => format!("Send to {name}"),
        },
        to_branch_id: Some(ID::from(to_branch.to_string())),
        hold_id: hold.map(|hold| ID::from(hold.id.clone())),
        pickup_by: None,
    })
}

/// Routes a free copy at `at_branch`, moving its status from `from`: the first waiting
/// hold it can fill takes it; else it goes home, or back on the shelf.
pub(super) fn route_copy(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    item: &DeskItem,
    from: ItemStatus,
    at_branch: &str,
    now: Timestamp,
) -> Outcome<Routing> {
    let queue = store::queue_for_copy(
        transaction,
        scope,
        &item.record.id,
        item.record.work_key.as_deref(),
        &item.id,
        QUEUE_TRIES,
    )?;
    for hold in &queue {
        if hold.pickup_branch_id == at_branch {
            if let Some(routing) =
                shelve_for_hold(transaction, scope, library, hold, HoldStatus::Waiting, item, now)?
            {
                move_copy(
                    transaction,
                    scope,
                    item,
                    from,
                    ItemStatus::OnHoldShelf,
                    "on the holds shelf",
                    now,
                )?;
                return Ok(routing);
            }
        } else {
            let moved = store::move_hold(
                transaction,
                scope,
                &hold.id,
                &[HoldStatus::Waiting],
                HoldStatus::InTransit,
                Some(&item.id),
                None,
                None,
            )?;
            if moved == 1 {
                let routing = send(
                    transaction,
                    scope,
                    library,
                    item,
                    at_branch,
                    &hold.pickup_branch_id,
                    Some(hold),
                    now,
                )?;
                move_copy(
                    transaction,
                    scope,
                    item,
                    from,
                    ItemStatus::InTransit,
                    "in transit for a hold",
                    now,
                )?;
                return Ok(routing);
            }
        }
    }
    if item.branch_id != at_branch {
        let routing =
            send(transaction, scope, library, item, at_branch, &item.branch_id, None, now)?;
        move_copy(transaction, scope, item, from, ItemStatus::InTransit, "in transit home", now)?;
        return Ok(routing);
    }
    move_copy(transaction, scope, item, from, ItemStatus::Available, "checked in", now)?;
    let shelf = item.call_number.as_deref().map(|call| format!(" at {call}")).unwrap_or_default();
    Ok(Routing {
        kind: RouteKind::Shelf,
        instruction: format!("Back to the shelf{shelf}"),
        to_branch_id: None,
        hold_id: None,
        pickup_by: None,
    })
}
