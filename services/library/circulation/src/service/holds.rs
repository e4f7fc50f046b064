//! Holds: placing, cancelling and moving them; the holds shelf, the pull list and
//! transits; and the upkeep that expires holds nobody filled or collected.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::ID;
use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_catalogue::api::ItemStatus;
use athenaeum_catalogue::desk::{self, DeskItem, DeskRecord};
use athenaeum_db::DbConnection;
use athenaeum_kernel::{Timestamp, new_id};
use athenaeum_library_db::LibraryTransaction;
use athenaeum_transport::Call;
use tokio::sync::watch;

use super::context::Library;
use super::desk::patron_facts;
use super::patrons::patron_for;
use super::routing::route_copy;
use super::views::{decision, hold_view, utc};
use super::{CirculationService, Outcome, conflict, not_found, reason_text, refusal};
use crate::api::*;
use crate::domain::decisions::{HoldFacts, Reason, can_override, hold_reasons};
use crate::domain::rules::{LoanRule, Situation};
use crate::store::{self, HoldRow, PatronRow};

/// How often the library process expires lapsed holds and queues notices.
const UPKEEP_EVERY: Duration = Duration::from_secs(60);

/// Holds expired per tenant per round, so one round stays short.
const EXPIRY_BATCH: i64 = 500;

/// What a hold request decided, before anything is written.
pub(super) struct HoldPlan {
    pub rule: LoanRule,
    pub reasons: Vec<Reason>,
    pub record: DeskRecord,
}

/// Decides whether `patron` may place a hold on `record_id` (or on `copy`), collected at
/// `pickup_branch_id`.
#[allow(clippy::too_many_arguments, reason = "the parts of one hold request, each named")]
pub(super) fn plan_hold(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    library: &Library,
    patron: &PatronRow,
    record_id: &str,
    copy: Option<&DeskItem>,
    pickup_branch_id: &str,
    now: Timestamp,
) -> Outcome<HoldPlan> {
    library.require_branch("pickupBranchId", pickup_branch_id)?;
    let record = desk::find_record(connection, scope, record_id)?
        .ok_or_else(|| not_found(format!("no record has id {record_id} in this library")))?;
    let records = match &record.work_key {
        Some(work_key) => desk::records_of_work(connection, scope, work_key)?,
        None => vec![record.id.clone()],
    };
    let copies: Vec<DeskItem> = match copy {
        Some(copy) => vec![copy.clone()],
        None => desk::items_of_records(connection, scope, &records)?,
    };
    let lendable =
        |item: &&DeskItem| !matches!(item.status, ItemStatus::Withdrawn | ItemStatus::Lost);
    let sample = copies.iter().find(lendable);
    let rule = library.rule_for(&Situation {
        branch_id: Some(pickup_branch_id.to_string()),
        patron_group_id: Some(patron.patron_group_id.clone()),
        material_type_id: sample.and_then(|item| item.material_type_id.clone()),
        loan_type_id: sample.and_then(|item| item.loan_type_id.clone()),
    });
    let facts = patron_facts(
        connection,
        scope,
        library,
        patron,
        sample.and_then(|item| item.material_type_id.as_deref()),
        now,
    )?;
    let already_holding = store::active_holds_of(connection, scope, &patron.id)?
        .iter()
        .any(|hold| records.contains(&hold.record_id));
    let has_it_on_loan = store::open_loans(connection, scope, &patron.id, None, 1_000)?
        .iter()
        .any(|loan| records.contains(&loan.record_id));
    let title = record.title.clone().unwrap_or_else(|| "this title".into());
    let facts_of_hold =
        HoldFacts { title, already_holding, has_it_on_loan, has_copies: sample.is_some() };
    let today = utc(now).with_timezone(&library.settings.zone).date_naive();
    let reasons =
        hold_reasons(&facts, &facts_of_hold, &rule.terms, today, &library.settings.currency);
    Ok(HoldPlan { rule, reasons, record })
}

impl CirculationService {
    pub(super) async fn place_hold_as(
        &self,
        call: &Call,
        request: PlaceHold,
    ) -> Outcome<PlaceHoldResult> {
        let now = self.now();
        let acting = self.acting(call)?;
        let override_reason = match &request.override_reason {
            Some(text) if acting.is_staff() => Some(reason_text("overrideReason", text)?),
            Some(_) => return Err(refusal("overrideReason", "only staff may override a refusal")),
            None => None,
        };
        self.library
            .write(move |transaction| {
                let scope = acting.scope().clone();
                let library = Library::read(transaction, &scope)?;
                let patron = patron_for(transaction, &acting, request.patron_id.as_ref())?;
                let copy = match &request.item_barcode {
                    Some(barcode) => {
                        Some(desk::find_item_by_barcode(transaction, &scope, barcode)?.ok_or_else(
                            || {
                                not_found(format!(
                                    "no item of this library has barcode {}",
                                    barcode.trim()
                                ))
                            },
                        )?)
                    }
                    None => None,
                };
                let record_id = match (&copy, &request.record_id) {
                    (Some(copy), _) => copy.record.id.clone(),
                    (None, Some(record_id)) => record_id.0.clone(),
                    (None, None) => {
                        return Err(refusal(
                            "recordId",
                            "name the title (recordId) or the copy (itemBarcode) to hold",
                        ));
                    }
                };
                let today = utc(now).with_timezone(&library.settings.zone).date_naive();
                if let Some(expires_on) = request.expires_on
                    && expires_on < today
                {
                    return Err(refusal(
                        "expiresOn",
                        format!("{expires_on} has passed; choose a later date or none"),
                    ));
                }
                let plan = plan_hold(
                    transaction,
                    &scope,
                    &library,
                    &patron,
                    &record_id,
                    copy.as_ref(),
                    &request.pickup_branch_id,
                    now,
                )?;
                let answer = decision(CirculationAction::Hold, &plan.rule, &plan.reasons, None);
                let overridden = override_reason.filter(|_| {
                    !plan.reasons.is_empty() && can_override(&plan.reasons, &plan.rule.terms)
                });
                if !plan.reasons.is_empty() && overridden.is_none() {
                    return Ok(PlaceHoldResult { hold: None, decision: answer });
                }
                let row = HoldRow {
                    id: new_id(),
                    patron_id: patron.id,
                    level: if copy.is_some() { HoldLevel::Copy } else { HoldLevel::Title },
                    record_id: plan.record.id.clone(),
                    work_key: if copy.is_some() { None } else { plan.record.work_key },
                    item_id: copy.as_ref().map(|copy| copy.id.clone()),
                    pickup_branch_id: request.pickup_branch_id.0.clone(),
                    status: HoldStatus::Waiting,
                    placed_at: now,
                    expires_on: request.expires_on,
                    ready_at: None,
                    pickup_by: None,
                    closed_at: None,
                    closed_reason: None,
                    placed_by: Some(acting.caller().account_id().to_string()),
                    override_reason: overridden,
                    version: 1,
                };
                store::insert_hold(transaction, &scope, &row)?;
                Ok(PlaceHoldResult {
                    hold: Some(hold_view(transaction, &scope, row)?),
                    decision: answer,
                })
            })
            .await
    }

    pub(super) async fn cancel_hold_as(&self, call: &Call, request: ByHold) -> Outcome<Hold> {
        let now = self.now();
        let acting = self.acting(call)?;
        self.library
            .write(move |transaction| {
                let scope = acting.scope().clone();
                let hold = own_hold(transaction, &acting, &request.hold_id)?;
                let reason = if acting.is_staff() {
                    "cancelled by staff"
                } else {
                    "cancelled by the patron"
                };
                let active = [HoldStatus::Waiting, HoldStatus::InTransit, HoldStatus::Ready];
                if !active.contains(&hold.status) {
                    return Err(conflict(
                        "holdId",
                        format!("this hold is {} already", hold.status.as_str().replace('_', " ")),
                    ));
                }
                if store::close_hold(
                    transaction,
                    &scope,
                    &hold.id,
                    &active,
                    HoldStatus::Cancelled,
                    now,
                    reason,
                )? == 0
                {
                    return Err(conflict(
                        "holdId",
                        "this hold changed meanwhile; look it up again",
                    ));
                }
                if hold.status == HoldStatus::Ready {
                    let library = Library::read(transaction, &scope)?;
                    pass_on_copy(transaction, &scope, &library, &hold, now)?;
                }
                let hold = store::find_hold(transaction, &scope, &hold.id)?
                    .ok_or_else(|| not_found("the hold was removed meanwhile"))?;
                hold_view(transaction, &scope, hold)
            })
            .await
    }

    pub(super) async fn change_pickup_as(
        &self,
        call: &Call,
        request: ChangePickup,
    ) -> Outcome<Hold> {
        let acting = self.acting(call)?;
        self.library
            .write(move |transaction| {
                let scope = acting.scope().clone();
                let library = Library::read(transaction, &scope)?;
                library.require_branch("pickupBranchId", &request.pickup_branch_id)?;
                let hold = own_hold(transaction, &acting, &request.hold_id)?;
                if store::set_pickup(transaction, &scope, &hold.id, &request.pickup_branch_id)? == 0 {
                    return Err(conflict(
                        "holdId",
                        "the pickup branch can be changed only while the hold is waiting; a copy is on its way or on the holds shelf already",
                    ));
                }
                let hold = store::find_hold(transaction, &scope, &hold.id)?.ok_or_else(|| not_found("the hold was removed meanwhile"))?;
                hold_view(transaction, &scope, hold)
            })
            .await
    }

    pub(super) async fn list_holds_as(&self, call: &Call, request: ListHolds) -> Outcome<HoldList> {
        let acting = self.acting(call)?;
        self.library
            .read(move |connection| {
                let patron = patron_for(connection, &acting, request.patron_id.as_ref())?;
                let rows = store::active_holds_of(connection, acting.scope(), &patron.id)?;
                let mut holds = Vec::with_capacity(rows.len());
                for row in rows {
                    holds.push(hold_view(connection, acting.scope(), row)?);
                }
                Ok(HoldList { holds })
            })
            .await
    }

    pub(super) async fn holds_shelf_as(&self, call: &Call, request: ByBranch) -> Outcome<HoldList> {
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| {
                Library::read(connection, &scope)?
                    .require_branch("branchId", &request.branch_id)?;
                let rows = store::holds_at_branch(
                    connection,
                    &scope,
                    &request.branch_id,
                    HoldStatus::Ready,
                    1_000,
                )?;
                let mut holds = Vec::with_capacity(rows.len());
                for row in rows {
                    holds.push(hold_view(connection, &scope, row)?);
                }
                Ok(HoldList { holds })
            })
            .await
    }

    pub(super) async fn pull_list_as(&self, call: &Call, request: ByBranch) -> Outcome<PullList> {
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| {
                Library::read(connection, &scope)?
                    .require_branch("branchId", &request.branch_id)?;
                pull_list(connection, &scope, &request.branch_id)
            })
            .await
    }

    pub(super) async fn transits_as(&self, call: &Call, request: ByBranch) -> Outcome<TransitList> {
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| {
                Library::read(connection, &scope)?
                    .require_branch("branchId", &request.branch_id)?;
                let mut lists = Vec::with_capacity(2);
                for incoming in [true, false] {
                    let rows = store::transits_of_branch(
                        connection,
                        &scope,
                        &request.branch_id,
                        incoming,
                        1_000,
                    )?;
                    let mut transits = Vec::with_capacity(rows.len());
                    for row in rows {
                        let item = desk::find_item(connection, &scope, &row.item_id)?;
                        transits.push(Transit {
                            id: ID::from(row.id),
                            item_barcode: item
                                .as_ref()
                                .map(|item| item.barcode.clone())
                                .unwrap_or_default(),
                            title: item.and_then(|item| item.record.title),
                            from_branch_id: ID::from(row.from_branch_id),
                            to_branch_id: ID::from(row.to_branch_id),
                            hold_id: row.hold_id.map(ID::from),
                            sent_at: utc(row.sent_at),
                        });
                    }
                    lists.push(transits);
                }
                let outgoing = lists.pop().unwrap_or_default();
                let incoming = lists.pop().unwrap_or_default();
                Ok(TransitList { incoming, outgoing })
            })
            .await
    }

    pub(super) async fn expire_holds_as(&self, call: &Call, _: Nothing) -> Outcome<ExpiryRound> {
        let (_, scope) = self.staff(call)?;
        self.expire_in(scope).await
    }

    pub(super) async fn expire_in(&self, scope: TenantScope) -> Outcome<ExpiryRound> {
        let now = self.now();
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                let today = utc(now).with_timezone(&library.settings.zone).date_naive();
                let (unfilled, uncollected) =
                    store::lapsed_holds(transaction, &scope, today, now, EXPIRY_BATCH)?;
                let mut round = ExpiryRound { unfilled_expired: 0, uncollected_expired: 0 };
                for hold in unfilled {
                    round.unfilled_expired += i32::try_from(store::close_hold(
                        transaction,
                        &scope,
                        &hold.id,
                        &[HoldStatus::Waiting],
                        HoldStatus::Expired,
                        now,
                        "not filled by the date it was wanted by",
                    )?)
                    .unwrap_or(0);
                }
                for hold in uncollected {
                    let closed = store::close_hold(
                        transaction,
                        &scope,
                        &hold.id,
                        &[HoldStatus::Ready],
                        HoldStatus::Expired,
                        now,
                        "not collected from the holds shelf in time",
                    )?;
                    if closed == 1 {
                        round.uncollected_expired += 1;
                        pass_on_copy(transaction, &scope, &library, &hold, now)?;
                    }
                }
                Ok(round)
            })
            .await
    }

    /// Keeps every library's circulation up to date once a minute until `stop` turns
    /// true: expires lapsed holds (passing their copies on), then queues the notices now
    /// due. The library process runs one of these; each step is one transaction per
    /// library, so a crash mid-round loses nothing and the next round finishes the work.
    pub async fn run_upkeep(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            match self
                .library
                .read(|connection| {
                    Ok::<_, crate::CirculationError>(store::tenants_with_patrons(connection)?)
                })
                .await
            {
                Ok(tenants) => {
                    for tenant_id in tenants {
                        // The holds and loans were written under their tenant's scope;
                        // this is upkeep of that tenant's own rows.
                        let scope = self.verifier.resumed_work_scope(&tenant_id);
                        match self.expire_in(scope.clone()).await {
                            Ok(round) if round.unfilled_expired + round.uncollected_expired > 0 => {
                                tracing::info!(
                                    tenant_id,
                                    unfilled = round.unfilled_expired,
                                    uncollected = round.uncollected_expired,
                                    "holds expired"
                                );
                            }
                            Ok(_) => {}
                            Err(error) => {
                                tracing::warn!(tenant_id, %error, "hold expiry failed; it is tried again next round");
                            }
                        }
                        match self.send_notices(scope).await {
                            Ok(round) if round.queued > 0 => {
                                tracing::info!(tenant_id, queued = round.queued, "notices queued");
                            }
                            Ok(_) => {}
                            Err(error) => {
                                tracing::warn!(tenant_id, %error, "queueing notices failed; it is tried again next round");
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "reading the libraries failed; tried again next round");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(UPKEEP_EVERY) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

/// Returns a hold the caller may act on: staff any of the library's, a patron their own.
fn own_hold(
    connection: &mut DbConnection,
    acting: &super::Acting,
    hold_id: &ID,
) -> Outcome<HoldRow> {
    let missing = || not_found(format!("no hold has id {} in this library", hold_id.0));
    let hold = store::find_hold(connection, acting.scope(), hold_id)?.ok_or_else(missing)?;
    if !acting.is_staff() && patron_for(connection, acting, None)?.id != hold.patron_id {
        return Err(missing());
    }
    Ok(hold)
}

/// Passes the copy a ready hold was holding to the next hold in its queue, or sends it
/// on, from the hold's pickup branch.
fn pass_on_copy(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    hold: &HoldRow,
    now: Timestamp,
) -> Outcome<()> {
    let Some(item_id) = &hold.item_id else { return Ok(()) };
    let Some(item) = desk::find_item(transaction, scope, item_id)? else { return Ok(()) };
    if item.status != ItemStatus::OnHoldShelf {
        return Ok(());
    }
    route_copy(transaction, scope, library, &item, item.status, &hold.pickup_branch_id, now)?;
    Ok(())
}

/// Copies on a branch's shelves that can fill waiting holds: for each waiting hold in
/// queue order, the first available copy of the branch it could be filled with, each
/// copy once; in shelf order.
fn pull_list(
    connection: &mut DbConnection,
    scope: &TenantScope,
    branch_id: &str,
) -> Outcome<PullList> {
    let waiting = store::waiting_holds(connection, scope, 1_000)?;
    let mut entries: Vec<PullEntry> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for hold in &waiting {
        let records = match (&hold.level, &hold.work_key) {
            (HoldLevel::Title, Some(work_key)) => {
                desk::records_of_work(connection, scope, work_key)?
            }
            _ => vec![hold.record_id.clone()],
        };
        let copies = desk::items_of_records(connection, scope, &records)?;
        let fit = copies.into_iter().find(|item| {
            item.branch_id == branch_id
                && item.status == ItemStatus::Available
                && !taken.contains(&item.id)
                && (hold.level == HoldLevel::Title
                    || hold.item_id.as_deref() == Some(item.id.as_str()))
        });
        if let Some(item) = fit {
            taken.push(item.id.clone());
            entries.push(PullEntry {
                item_barcode: item.barcode,
                call_number: item.call_number,
                location_id: item.location_id.map(ID::from),
                title: item.record.title,
                author: item.record.primary_author,
                hold_id: ID::from(hold.id.clone()),
                pickup_branch_id: ID::from(hold.pickup_branch_id.clone()),
            });
        }
    }
    entries.sort_by(|a, b| {
        (
            a.location_id.as_ref().map(|id| id.0.as_str()),
            a.call_number.as_deref(),
            a.item_barcode.as_str(),
        )
            .cmp(&(
                b.location_id.as_ref().map(|id| id.0.as_str()),
                b.call_number.as_deref(),
                b.item_barcode.as_str(),
            ))
    });
    Ok(PullList { entries })
}
