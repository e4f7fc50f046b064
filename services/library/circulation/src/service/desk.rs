//! The desk: the circulation check, checkout, checkin, renewals, lost items and the
//! patron's loans. Each change is one transaction; a refusal writes nothing and comes
//! back with every reason.

use async_graphql::ID;
use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_catalogue::api::ItemStatus;
use athenaeum_catalogue::desk::{self, DeskBranch, DeskItem};
use athenaeum_db::DbConnection;
use athenaeum_kernel::{Timestamp, new_id};
use athenaeum_library_db::LibraryTransaction;
use athenaeum_transport::Call;

use super::context::{self, Library};
use super::patrons::patron_for;
use super::routing::{move_copy, route_copy, shelve_for_hold};
use super::views::{decision, loan_situation, loan_view, loan_view_with, utc};
use super::{
    Acting, CirculationService, Outcome, conflict, not_found, page_size, reason_text, refusal,
    split_page,
};
use crate::api::*;
use crate::domain::calendar::{DueDate, due_date};
use crate::domain::decisions::{
    CopyFacts, PatronFacts, Reason, RenewalFacts, can_override, checkout_reasons, renewal_reasons,
};
use crate::domain::fines::{money, overdue_fine};
use crate::domain::rules::{LoanRule, Situation};
use crate::store::{self, AccountLineRow, HoldRow, LoanClosing, LoanRow, PatronRow};

/// Reads what a decision needs to know of a patron now. `material_type_id` is the type
/// whose loans are counted for its limit.
pub(super) fn patron_facts(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    library: &Library,
    patron: &PatronRow,
    material_type_id: Option<&str>,
    now: Timestamp,
) -> Outcome<PatronFacts> {
    let open = store::open_loan_facts(connection, scope, &patron.id)?;
    let out = || open.iter().filter(|loan| loan.lost_at.is_none());
    let count = |iter: usize| u32::try_from(iter).unwrap_or(u32::MAX);
    let ids = [patron.id.clone()];
    Ok(PatronFacts {
        name: patron.name.clone(),
        group_name: library.group_name(&patron.patron_group_id),
        status: patron.status,
        expires_on: patron.expires_on,
        blocks: store::blocks_of(connection, scope, &ids)?
            .into_iter()
            .map(|block| block.reason)
            .collect(),
        loans_out: count(out().count()),
        loans_out_of_material_type: match material_type_id {
            Some(kind) => {
                count(out().filter(|loan| loan.material_type_id.as_deref() == Some(kind)).count())
            }
            None => 0,
        },
        overdue_items: count(out().filter(|loan| loan.due_at < now).count()),
        balance: store::balance(connection, scope, &patron.id)?,
        active_holds: count(store::active_holds_of(connection, scope, &patron.id)?.len()),
    })
}

/// Finds the patron a desk names by card or by id.
fn desk_patron(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    card: Option<&str>,
    id: Option<&ID>,
) -> Outcome<PatronRow> {
    let patron_id = match (card, id) {
        (Some(card), _) => {
            let card = card.trim();
            store::find_patron_id_by_card(connection, scope, card)?
                .ok_or_else(|| not_found(format!("no patron of this library has card {card}")))?
        }
        (None, Some(id)) => id.0.clone(),
        (None, None) => {
            return Err(refusal("patronCard", "scan the patron's card, or name the patron"));
        }
    };
    store::find_patron(connection, scope, &patron_id)?
        .ok_or_else(|| not_found(format!("no patron has id {patron_id} in this library")))
}

fn desk_item(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    barcode: &str,
) -> Outcome<DeskItem> {
    desk::find_item_by_barcode(connection, scope, barcode)?
        .ok_or_else(|| not_found(format!("no item of this library has barcode {}", barcode.trim())))
}

/// What a checkout decided, before anything is written.
struct CheckoutPlan {
    rule: LoanRule,
    reasons: Vec<Reason>,
    due: DueDate,
    branch: DeskBranch,
    /// The patron's hold this copy fills, with its status now.
    fills: Option<HoldRow>,
}

fn plan_checkout(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    library: &Library,
    patron: &PatronRow,
    item: &DeskItem,
    branch_id: &str,
    now: Timestamp,
) -> Outcome<CheckoutPlan> {
    let branch = library.require_branch("branchId", branch_id)?.clone();
    let rule = library.rule_for(&Situation {
        branch_id: Some(branch.id.clone()),
        patron_group_id: Some(patron.patron_group_id.clone()),
        material_type_id: item.material_type_id.clone(),
        loan_type_id: item.loan_type_id.clone(),
    });
    let facts =
        patron_facts(connection, scope, library, patron, item.material_type_id.as_deref(), now)?;
    let mut held_for_someone_else = false;
    let fills = match store::hold_holding_copy(connection, scope, &item.id)? {
        Some(hold) if hold.patron_id == patron.id => Some(hold),
        Some(_) => {
            held_for_someone_else = true;
            None
        }
        None => store::active_holds_of(connection, scope, &patron.id)?.into_iter().find(|hold| {
            hold.status == HoldStatus::Waiting
                && match hold.level {
                    HoldLevel::Copy => hold.item_id.as_deref() == Some(item.id.as_str()),
                    HoldLevel::Title => {
                        hold.record_id == item.record.id
                            || (hold.work_key.is_some() && hold.work_key == item.record.work_key)
                    }
                }
        }),
    };
    let on_loan_to_this_patron = item.status == ItemStatus::OnLoan
        && store::open_loan_of_item(connection, scope, &item.id)?
            .is_some_and(|loan| loan.patron_id.as_deref() == Some(patron.id.as_str()));
    let copy = CopyFacts {
        barcode: item.barcode.clone(),
        status: item.status,
        material_type_name: library.term_name(item.material_type_id.as_deref()),
        held_for_someone_else,
        on_loan_to_this_patron,
    };
    let zone = library.settings.zone;
    let today = utc(now).with_timezone(&zone).date_naive();
    let reasons = checkout_reasons(&facts, &copy, &rule.terms, today, &library.settings.currency);
    let (calendar, _) = context::calendar(connection, scope, &branch.id, today)?;
    let due = due_date(&calendar, zone, utc(now), rule.terms.loan_period);
    Ok(CheckoutPlan { rule, reasons, due, branch, fills })
}

/// Checks a staff override: allowed only with a reason, and only when every reason may
/// be overridden under the rule.
fn override_allowed(
    acting_staff: bool,
    override_reason: Option<&str>,
    reasons: &[Reason],
    rule: &LoanRule,
) -> Outcome<Option<String>> {
    let Some(text) = override_reason else { return Ok(None) };
    if !acting_staff {
        return Err(refusal("overrideReason", "only staff may override a refusal"));
    }
    let reason = reason_text("overrideReason", text)?;
    if reasons.is_empty() {
        return Ok(None);
    }
    Ok(can_override(reasons, &rule.terms).then_some(reason))
}

impl CirculationService {
    pub(super) async fn check_as(
        &self,
        call: &Call,
        request: CirculationCheck,
    ) -> Outcome<Decision> {
        let now = self.now();
        let (_, scope) = self.staff(call)?;
        self.library
            .read(move |connection| {
                let library = Library::read(connection, &scope)?;
                let patron = desk_patron(
                    connection,
                    &scope,
                    request.patron_card.as_deref(),
                    request.patron_id.as_ref(),
                )?;
                let item = desk_item(connection, &scope, &request.item_barcode)?;
                match request.action {
                    CirculationAction::Checkout => {
                        let plan = plan_checkout(
                            connection,
                            &scope,
                            &library,
                            &patron,
                            &item,
                            &request.branch_id,
                            now,
                        )?;
                        Ok(decision(
                            CirculationAction::Checkout,
                            &plan.rule,
                            &plan.reasons,
                            Some((&plan.due, plan.branch.name.clone())),
                        ))
                    }
                    CirculationAction::Renew => {
                        let loan = store::open_loan_of_item(connection, &scope, &item.id)?
                            .filter(|loan| loan.patron_id.as_deref() == Some(patron.id.as_str()))
                            .ok_or_else(|| {
                                refusal(
                                    "itemBarcode",
                                    format!(
                                        "{} does not have item {} on loan",
                                        patron.name, item.barcode
                                    ),
                                )
                            })?;
                        let plan =
                            plan_renewal(connection, &scope, &library, &patron, &loan, &item, now)?;
                        Ok(decision(
                            CirculationAction::Renew,
                            &plan.rule,
                            &plan.reasons,
                            Some((&plan.due, library.branch_name(&loan.branch_id))),
                        ))
                    }
                    CirculationAction::Hold => {
                        let plan = super::holds::plan_hold(
                            connection,
                            &scope,
                            &library,
                            &patron,
                            &item.record.id,
                            Some(&item),
                            &request.branch_id,
                            now,
                        )?;
                        Ok(decision(CirculationAction::Hold, &plan.rule, &plan.reasons, None))
                    }
                }
            })
            .await
    }

    pub(super) async fn checkout_as(
        &self,
        call: &Call,
        request: Checkout,
    ) -> Outcome<CheckoutResult> {
        let now = self.now();
        let (caller, scope) = self.staff(call)?;
        let by = caller.account_id().to_string();
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                let patron = desk_patron(
                    transaction,
                    &scope,
                    request.patron_card.as_deref(),
                    request.patron_id.as_ref(),
                )?;
                let item = desk_item(transaction, &scope, &request.item_barcode)?;
                let plan = plan_checkout(
                    transaction,
                    &scope,
                    &library,
                    &patron,
                    &item,
                    &request.branch_id,
                    now,
                )?;
                let overridden = override_allowed(
                    true,
                    request.override_reason.as_deref(),
                    &plan.reasons,
                    &plan.rule,
                )?;
                let answer = decision(
                    CirculationAction::Checkout,
                    &plan.rule,
                    &plan.reasons,
                    Some((&plan.due, plan.branch.name.clone())),
                );
                if !plan.reasons.is_empty() && overridden.is_none() {
                    return Ok(CheckoutResult { loan: None, decision: answer, filled_hold: false });
                }
                lend(transaction, &scope, &library, &patron, &item, &plan, overridden, &by, now)
                    .map(|(loan, filled_hold)| CheckoutResult {
                        loan: Some(loan),
                        decision: answer,
                        filled_hold,
                    })
            })
            .await
    }

    pub(super) async fn checkin_as(&self, call: &Call, request: Checkin) -> Outcome<CheckinResult> {
        let now = self.now();
        let (caller, scope) = self.staff(call)?;
        let by = caller.account_id().to_string();
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                let branch = library.require_branch("branchId", &request.branch_id)?.clone();
                let item = desk_item(transaction, &scope, &request.item_barcode)?;
                take_back(transaction, &scope, &library, &item, &branch, &by, now)
            })
            .await
    }

    pub(super) async fn renew_as(&self, call: &Call, request: Renew) -> Outcome<RenewResult> {
        let now = self.now();
        let acting = self.acting(call)?;
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, acting.scope())?;
                let loan = store::find_loan(transaction, acting.scope(), &request.loan_id)?
                    .filter(|loan| loan.returned_at.is_none())
                    .ok_or_else(|| {
                        not_found(format!(
                            "no loan out has id {} in this library",
                            request.loan_id.0
                        ))
                    })?;
                let patron = loan_patron(transaction, &acting, &loan)?;
                renew_one(
                    transaction,
                    &acting,
                    &library,
                    &patron,
                    loan,
                    request.override_reason.as_deref(),
                    now,
                )
            })
            .await
    }

    pub(super) async fn renew_all_as(
        &self,
        call: &Call,
        request: PatronRef,
    ) -> Outcome<RenewAllResult> {
        let now = self.now();
        let acting = self.acting(call)?;
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, acting.scope())?;
                let patron = patron_for(transaction, &acting, request.patron_id.as_ref())?;
                let loans =
                    store::open_loans(transaction, acting.scope(), &patron.id, None, 1_000)?;
                let mut results = Vec::with_capacity(loans.len());
                for loan in loans.into_iter().filter(|loan| loan.lost_at.is_none()) {
                    results.push(renew_one(
                        transaction,
                        &acting,
                        &library,
                        &patron,
                        loan,
                        None,
                        now,
                    )?);
                }
                let renewed = i32::try_from(results.iter().filter(|result| result.renewed).count())
                    .unwrap_or(i32::MAX);
                Ok(RenewAllResult { results, renewed })
            })
            .await
    }

    pub(super) async fn declare_lost_as(&self, call: &Call, request: ByLoan) -> Outcome<Loan> {
        let now = self.now();
        let (caller, scope) = self.staff(call)?;
        let by = caller.account_id().to_string();
        self.library
            .write(move |transaction| {
                let library = Library::read(transaction, &scope)?;
                let loan = store::find_loan(transaction, &scope, &request.loan_id)?
                    .filter(|loan| loan.returned_at.is_none())
                    .ok_or_else(|| {
                        not_found(format!(
                            "no loan out has id {} in this library",
                            request.loan_id.0
                        ))
                    })?;
                if loan.lost_at.is_some() {
                    return Err(conflict("loanId", "this loan's item was declared lost already"));
                }
                let item =
                    desk::find_item(transaction, &scope, &loan.item_id)?.ok_or_else(|| {
                        not_found(format!("no item has id {} in this library", loan.item_id))
                    })?;
                let patron_id = loan.patron_id.clone().ok_or_else(|| {
                    crate::CirculationError::Internal(format!(
                        "open loan {} has no patron",
                        loan.id
                    ))
                })?;
                if store::mark_lost(transaction, &scope, &loan.id, now)? == 0 {
                    return Err(conflict(
                        "loanId",
                        "this loan changed meanwhile; look it up again",
                    ));
                }
                move_copy(
                    transaction,
                    &scope,
                    &item,
                    item.status,
                    ItemStatus::Lost,
                    "declared lost",
                    now,
                )?;
                let rule = library.rule_for(&loan_situation(&loan, item.loan_type_id.clone()));
                let title =
                    item.record.title.clone().unwrap_or_else(|| format!("item {}", item.barcode));
                let fee = rule.terms.lost_item_fee.or(item.price_minor).unwrap_or(0);
                for (kind, amount, what) in [
                    (AccountLineKind::LostItemFee, fee, "Lost item"),
                    (
                        AccountLineKind::ProcessingFee,
                        rule.terms.processing_fee,
                        "Processing fee for lost item",
                    ),
                ] {
                    if amount > 0 {
                        store::insert_line(
                            transaction,
                            &scope,
                            &AccountLineRow {
                                id: new_id(),
                                patron_id: patron_id.clone(),
                                kind,
                                amount,
                                description: format!("{what}: {title} ({})", item.barcode),
                                loan_id: Some(loan.id.clone()),
                                item_id: Some(item.id.clone()),
                                created_by: Some(by.clone()),
                                reason: None,
                                created_at: now,
                            },
                        )?;
                    }
                }
                let loan = store::find_loan(transaction, &scope, &loan.id)?
                    .ok_or_else(|| not_found("the loan was removed meanwhile"))?;
                loan_view(transaction, &scope, &library, loan, now)
            })
            .await
    }

    pub(super) async fn list_loans_as(&self, call: &Call, request: ListLoans) -> Outcome<LoanPage> {
        let now = self.now();
        let acting = self.acting(call)?;
        let first = page_size(request.first, 100)?;
        let after = match &request.after {
            Some(cursor) => Some(parse_cursor(cursor)?),
            None => None,
        };
        self.library
            .read(move |connection| {
                let scope = acting.scope();
                let library = Library::read(connection, scope)?;
                let patron = patron_for(connection, &acting, request.patron_id.as_ref())?;
                let position = after.as_ref().map(|(at, id)| (*at, id.as_str()));
                let rows = if request.history {
                    store::loan_history(connection, scope, &patron.id, position, first + 1)?
                } else {
                    store::open_loans(connection, scope, &patron.id, position, first + 1)?
                };
                let (rows, has_next_page) = split_page(rows, first);
                let end_cursor = rows.last().map(|loan| {
                    let at = if request.history {
                        loan.returned_at.unwrap_or(loan.due_at)
                    } else {
                        loan.due_at
                    };
                    format!("{}\u{1f}{}", at.and_utc().timestamp_micros(), loan.id)
                });
                let mut loans = Vec::with_capacity(rows.len());
                for row in rows {
                    loans.push(loan_view(connection, scope, &library, row, now)?);
                }
                Ok(LoanPage { loans, has_next_page, end_cursor })
            })
            .await
    }
}

fn parse_cursor(cursor: &str) -> Outcome<(Timestamp, String)> {
    let bad = || refusal("after", "this cursor is not one a list of loans returned");
    let (micros, id) = cursor.split_once('\u{1f}').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at.naive_utc(), id.to_string()))
}

/// Returns the patron of a loan, when the caller may act on it: staff, or the patron.
fn loan_patron(
    connection: &mut DbConnection,
    acting: &Acting,
    loan: &LoanRow,
) -> Outcome<PatronRow> {
    let missing = || not_found(format!("no loan out has id {} in this library", loan.id));
    let patron_id = loan.patron_id.as_deref().ok_or_else(missing)?;
    match acting {
        Acting::Staff { scope, .. } => {
            store::find_patron(connection, scope, patron_id)?.ok_or_else(missing)
        }
        Acting::Person { .. } => {
            let patron = patron_for(connection, acting, None)?;
            if patron.id == patron_id { Ok(patron) } else { Err(missing()) }
        }
    }
}

/// Makes the loan a checkout planned, in the checkout's transaction.
#[allow(clippy::too_many_arguments, reason = "the parts of one checkout, each named")]
fn lend(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    patron: &PatronRow,
    item: &DeskItem,
    plan: &CheckoutPlan,
    overridden: Option<String>,
    by: &str,
    now: Timestamp,
) -> Outcome<(Loan, bool)> {
    // The copy's conditional status change comes first: of two desks lending the same
    // copy at once, the second waits on it and is then refused.
    let moved =
        move_copy(transaction, scope, item, item.status, ItemStatus::OnLoan, "checked out", now);
    if let Err(crate::CirculationError::Refused(error)) = &moved
        && error.code == athenaeum_kernel::ErrorCode::Conflict
    {
        return Err(conflict(
            "itemBarcode",
            format!(
                "item {} was just lent or moved at another desk; scan it again to see where it is",
                item.barcode
            ),
        ));
    }
    moved?;
    if item.status == ItemStatus::InTransit
        && let Some(transit) = store::open_transit(transaction, scope, &item.id)?
    {
        store::receive_transit(transaction, scope, &transit.id, now)?;
    }
    let row = LoanRow {
        id: new_id(),
        item_id: item.id.clone(),
        record_id: item.record.id.clone(),
        patron_id: Some(patron.id.clone()),
        patron_group_id: patron.patron_group_id.clone(),
        material_type_id: item.material_type_id.clone(),
        branch_id: plan.branch.id.clone(),
        rule_id: Some(plan.rule.id.clone()),
        checked_out_at: now,
        checked_out_on: utc(now).with_timezone(&library.settings.zone).date_naive(),
        due_at: plan.due.due_at.naive_utc(),
        renewals: 0,
        last_renewed_at: None,
        returned_at: None,
        return_branch_id: None,
        lost_at: None,
        fine_charged: 0,
        override_by: overridden.as_ref().map(|_| by.to_string()),
        override_reason: overridden,
        checked_out_by: Some(by.to_string()),
        version: 1,
    };
    store::insert_loan(transaction, scope, &row).map_err(|error| {
        if error.is_unique_violation() {
            conflict("itemBarcode", format!("item {} is on loan already", item.barcode))
        } else {
            error.into()
        }
    })?;
    let mut filled = false;
    if let Some(hold) = &plan.fills {
        filled = store::close_hold(
            transaction,
            scope,
            &hold.id,
            &[hold.status],
            HoldStatus::Fulfilled,
            now,
            "collected",
        )? == 1;
    }
    Ok((loan_view_with(library, row, Some(item), now), filled))
}

/// Takes a copy back at `branch`: closes its loan (charging any overdue fine, refunding a
/// lost-item fee when the library says so, anonymising it unless the patron keeps their
/// history), receives it if it was in transit, and routes it.
fn take_back(
    transaction: &mut LibraryTransaction<'_>,
    scope: &TenantScope,
    library: &Library,
    item: &DeskItem,
    branch: &DeskBranch,
    by: &str,
    now: Timestamp,
) -> Outcome<CheckinResult> {
    let currency = library.settings.currency.clone();
    let mut fine = 0;
    let mut closed = None;
    if let Some(loan) = store::open_loan_of_item(transaction, scope, &item.id)? {
        let patron = match &loan.patron_id {
            Some(id) => store::find_patron(transaction, scope, id)?,
            None => None,
        };
        let rule = library.rule_for(&loan_situation(&loan, item.loan_type_id.clone()));
        if loan.lost_at.is_none() {
            fine = overdue_fine(&rule.terms, library.settings.zone, utc(loan.due_at), utc(now));
        }
        let closing = LoanClosing {
            returned_at: now,
            return_branch_id: &branch.id,
            fine_charged: fine,
            keep_patron: patron.as_ref().is_some_and(|patron| patron.keep_history),
        };
        if store::close_loan(transaction, scope, &loan.id, &closing)? == 0 {
            return Err(conflict(
                "itemBarcode",
                format!("item {} was checked in at another desk just now", item.barcode),
            ));
        }
        let title = item.record.title.clone().unwrap_or_else(|| format!("item {}", item.barcode));
        if let Some(patron) = &patron {
            if fine > 0 {
                let days = crate::domain::fines::days_late(
                    library.settings.zone,
                    utc(loan.due_at),
                    utc(now),
                );
                store::insert_line(
                    transaction,
                    scope,
                    &AccountLineRow {
                        id: new_id(),
                        patron_id: patron.id.clone(),
                        kind: AccountLineKind::OverdueFine,
                        amount: fine,
                        description: format!(
                            "Overdue: {title} ({days} {} late)",
                            if days == 1 { "day" } else { "days" }
                        ),
                        loan_id: Some(loan.id.clone()),
                        item_id: Some(item.id.clone()),
                        created_by: Some(by.to_string()),
                        reason: None,
                        created_at: now,
                    },
                )?;
            }
            if loan.lost_at.is_some() && library.settings.refund_lost_fee_on_return {
                for line in store::lines_of_loan(transaction, scope, &loan.id)? {
                    if line.kind == AccountLineKind::LostItemFee {
                        store::insert_line(
                            transaction,
                            scope,
                            &AccountLineRow {
                                id: new_id(),
                                patron_id: patron.id.clone(),
                                kind: AccountLineKind::Refund,
                                amount: -line.amount,
                                description: format!(
                                    "Refund: lost item returned: {title} ({})",
                                    item.barcode
                                ),
                                loan_id: Some(loan.id.clone()),
                                item_id: Some(item.id.clone()),
                                created_by: Some(by.to_string()),
                                reason: None,
                                created_at: now,
                            },
                        )?;
                    }
                }
            }
        }
        let closed_row = store::find_loan(transaction, scope, &loan.id)?
            .ok_or_else(|| not_found("the loan was removed meanwhile"))?;
        closed = Some(loan_view_with(library, closed_row, Some(item), now));
    }
    if let Some(transit) = store::open_transit(transaction, scope, &item.id)? {
        store::receive_transit(transaction, scope, &transit.id, now)?;
    }
    let routing = match store::hold_holding_copy(transaction, scope, &item.id)? {
        Some(hold) if hold.pickup_branch_id == branch.id => match hold.status {
            HoldStatus::Ready => {
                let until = hold
                    .pickup_by
                    .map(|at| {
                        utc(at).with_timezone(&library.settings.zone).format("%-d %B").to_string()
                    })
                    .unwrap_or_default();
                let name = store::find_patron(transaction, scope, &hold.patron_id)?
                    .map(|patron| crate::domain::values::shelf_name(&patron.name))
                    .unwrap_or_default();
                Routing {
                    kind: RouteKind::HoldShelf,
                    instruction: format!("Hold shelf: for {name}, until {until}"),
                    to_branch_id: None,
                    hold_id: Some(ID::from(hold.id.clone())),
                    pickup_by: hold.pickup_by.map(utc),
                }
            }
            _ => match shelve_for_hold(transaction, scope, library, &hold, hold.status, item, now)?
            {
                Some(routing) => {
                    move_copy(
                        transaction,
                        scope,
                        item,
                        item.status,
                        ItemStatus::OnHoldShelf,
                        "on the holds shelf",
                        now,
                    )?;
                    routing
                }
                None => {
                    route_copy(transaction, scope, library, item, item.status, &branch.id, now)?
                }
            },
        },
        Some(hold) => {
            // Scanned on its way to another branch's holds shelf: it goes on there.
            let name = library.branch_name(&hold.pickup_branch_id);
            store::insert_transit(
                transaction,
                scope,
                &store::TransitRow {
                    id: new_id(),
                    item_id: item.id.clone(),
                    from_branch_id: branch.id.clone(),
                    to_branch_id: hold.pickup_branch_id.clone(),
                    hold_id: Some(hold.id.clone()),
                    sent_at: now,
                    received_at: None,
                },
            )?;
            move_copy(
                transaction,
                scope,
                item,
                item.status,
                ItemStatus::InTransit,
                "in transit for a hold",
                now,
            )?;
            Routing {
                kind: RouteKind::Transit,
                instruction: format!("Send to {name}: a patron is waiting for it there"),
                to_branch_id: Some(ID::from(hold.pickup_branch_id.clone())),
                hold_id: Some(ID::from(hold.id)),
                pickup_by: None,
            }
        }
        None => route_copy(transaction, scope, library, item, item.status, &branch.id, now)?,
    };
    Ok(CheckinResult {
        item_barcode: item.barcode.clone(),
        title: item.record.title.clone(),
        loan: closed,
        fine: super::context::money_i32(fine),
        fine_text: (fine > 0).then(|| money(fine, &currency)),
        routing,
    })
}

/// What a renewal decided, before anything is written.
struct RenewalPlan {
    rule: LoanRule,
    reasons: Vec<Reason>,
    due: DueDate,
}

fn plan_renewal(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    library: &Library,
    patron: &PatronRow,
    loan: &LoanRow,
    item: &DeskItem,
    now: Timestamp,
) -> Outcome<RenewalPlan> {
    let rule = library.rule_for(&loan_situation(loan, item.loan_type_id.clone()));
    let facts =
        patron_facts(connection, scope, library, patron, loan.material_type_id.as_deref(), now)?;
    let queue = store::queue_for_copy(
        connection,
        scope,
        &item.record.id,
        item.record.work_key.as_deref(),
        &item.id,
        101,
    )?;
    let others_waiting =
        u32::try_from(queue.iter().filter(|hold| hold.patron_id != patron.id).count())
            .unwrap_or(u32::MAX);
    let renewal = RenewalFacts {
        barcode: item.barcode.clone(),
        renewals_used: u32::try_from(loan.renewals).unwrap_or(0),
        others_waiting,
        lost: loan.lost_at.is_some(),
    };
    let zone = library.settings.zone;
    let today = utc(now).with_timezone(&zone).date_naive();
    let reasons = renewal_reasons(&facts, &renewal, &rule.terms, today, &library.settings.currency);
    let (calendar, _) = context::calendar(connection, scope, &loan.branch_id, today)?;
    let mut due = due_date(&calendar, zone, utc(now), rule.terms.loan_period);
    // A renewal never brings a loan's due date forward.
    if due.due_at < utc(loan.due_at) {
        due = DueDate { due_at: utc(loan.due_at), moved_from: None, no_open_day: false };
    }
    Ok(RenewalPlan { rule, reasons, due })
}

fn renew_one(
    transaction: &mut LibraryTransaction<'_>,
    acting: &Acting,
    library: &Library,
    patron: &PatronRow,
    loan: LoanRow,
    override_reason: Option<&str>,
    now: Timestamp,
) -> Outcome<RenewResult> {
    let scope = acting.scope();
    let item = desk::find_item(transaction, scope, &loan.item_id)?
        .ok_or_else(|| not_found(format!("no item has id {} in this library", loan.item_id)))?;
    let plan = plan_renewal(transaction, scope, library, patron, &loan, &item, now)?;
    let overridden =
        override_allowed(acting.is_staff(), override_reason, &plan.reasons, &plan.rule)?;
    let answer = decision(
        CirculationAction::Renew,
        &plan.rule,
        &plan.reasons,
        Some((&plan.due, library.branch_name(&loan.branch_id))),
    );
    if !plan.reasons.is_empty() && overridden.is_none() {
        return Ok(RenewResult {
            loan: loan_view_with(library, loan, Some(&item), now),
            renewed: false,
            decision: answer,
        });
    }
    let by = acting.caller().account_id().to_string();
    let changed = store::renew_loan(
        transaction,
        scope,
        &loan.id,
        loan.version,
        plan.due.due_at.naive_utc(),
        now,
        overridden.as_deref(),
        overridden.as_ref().map(|_| by.as_str()),
    )?;
    if changed == 0 {
        return Err(conflict(
            "loanId",
            "this loan changed meanwhile (renewed or returned); look it up again",
        ));
    }
    let renewed = store::find_loan(transaction, scope, &loan.id)?
        .ok_or_else(|| not_found("the loan was removed meanwhile"))?;
    Ok(RenewResult {
        loan: loan_view_with(library, renewed, Some(&item), now),
        renewed: true,
        decision: answer,
    })
}
