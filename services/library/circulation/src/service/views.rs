//! How stored rows and domain values are shown to callers.

use async_graphql::ID;
use athenaeum_auth::ReadScope;
use athenaeum_catalogue::desk::{self, DeskItem};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use chrono::{DateTime, Utc};

use super::Outcome;
use super::context::{Library, money_i32, small, terms_view};
use crate::api::{
    AccountLine, CirculationAction, Decision, Hold, Loan, LoanRule as RuleView, Patron,
    PatronBlock, Reason as ReasonView,
};
use crate::domain::calendar::DueDate;
use crate::domain::decisions::{Reason, can_override};
use crate::domain::fines::{money, overdue_fine};
use crate::domain::rules::{LoanRule, Situation};
use crate::domain::values::shelf_name;
use crate::store::{self, AccountLineRow, BlockRow, HoldRow, LoanRow, PatronRow};

pub(super) fn utc(at: Timestamp) -> DateTime<Utc> {
    at.and_utc()
}

pub(super) fn rule_view(rule: &LoanRule) -> RuleView {
    RuleView {
        id: ID::from(rule.id.clone()),
        name: rule.name.clone(),
        branch_id: rule.scope.branch_id.clone().map(ID::from),
        patron_group_id: rule.scope.patron_group_id.clone().map(ID::from),
        material_type_id: rule.scope.material_type_id.clone().map(ID::from),
        loan_type_id: rule.scope.loan_type_id.clone().map(ID::from),
        is_default: rule.scope.is_default(),
        terms: terms_view(&rule.terms),
    }
}

/// Returns a decision: allowed when there are no reasons.
pub(super) fn decision(
    action: CirculationAction,
    rule: &LoanRule,
    reasons: &[Reason],
    due: Option<(&DueDate, String)>,
) -> Decision {
    let allowed = reasons.is_empty();
    Decision {
        action,
        allowed,
        overridable: !allowed && can_override(reasons, &rule.terms),
        rule: rule_view(rule),
        reasons: reasons
            .iter()
            .map(|reason| ReasonView {
                code: reason.code,
                message: reason.message.clone(),
                overridable: reason.overridable,
            })
            .collect(),
        due_at: due.as_ref().map(|(due, _)| due.due_at),
        due_note: due.and_then(|(due, branch_name)| due_note(due, &branch_name)),
    }
}

/// Says why a due date is what it is, when the calendar changed it.
pub(super) fn due_note(due: &DueDate, branch_name: &str) -> Option<String> {
    if due.no_open_day {
        return Some(format!(
            "{branch_name} has no open day in the coming year, so the due date was not moved"
        ));
    }
    due.moved_from.map(|date| {
        format!(
            "{branch_name} is closed on {}, so the loan is due on the next day it is open",
            date.format("%A %-d %B")
        )
    })
}

pub(super) fn patron_view(
    row: PatronRow,
    cards: Vec<String>,
    blocks: Vec<BlockRow>,
    for_staff: bool,
) -> Patron {
    Patron {
        id: ID::from(row.id),
        name: row.name,
        email: row.email,
        phone: row.phone,
        address: row.address,
        home_branch_id: ID::from(row.home_branch_id),
        patron_group_id: ID::from(row.patron_group_id),
        expires_on: row.expires_on,
        staff_note: if for_staff { row.staff_note } else { None },
        status: row.status,
        has_online_account: row.account_id.is_some(),
        keep_history: row.keep_history,
        cards,
        blocks: blocks
            .into_iter()
            .map(|block| PatronBlock {
                id: ID::from(block.id),
                reason: block.reason,
                created_by: block.created_by,
                created_at: utc(block.created_at),
            })
            .collect(),
        version: row.version,
    }
}

/// Reads a patron's cards and blocks and shows them.
pub(super) fn load_patron(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    row: PatronRow,
    for_staff: bool,
) -> Outcome<Patron> {
    let ids = [row.id.clone()];
    let cards =
        store::cards_of(connection, scope, &ids)?.into_iter().map(|(_, barcode)| barcode).collect();
    let blocks = store::blocks_of(connection, scope, &ids)?;
    Ok(patron_view(row, cards, blocks, for_staff))
}

/// The situation a loan's rule is looked up in.
pub(super) fn loan_situation(loan: &LoanRow, loan_type_id: Option<String>) -> Situation {
    Situation {
        branch_id: Some(loan.branch_id.clone()),
        patron_group_id: Some(loan.patron_group_id.clone()),
        material_type_id: loan.material_type_id.clone(),
        loan_type_id,
    }
}

/// Shows a loan with its copy, the renewals its rule still allows and its fine so far.
pub(super) fn loan_view(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    library: &Library,
    loan: LoanRow,
    now: Timestamp,
) -> Outcome<Loan> {
    let item = desk::find_item(connection, scope, &loan.item_id)?;
    Ok(loan_view_with(library, loan, item.as_ref(), now))
}

/// Shows a loan whose copy was read already.
pub(super) fn loan_view_with(
    library: &Library,
    loan: LoanRow,
    item: Option<&DeskItem>,
    now: Timestamp,
) -> Loan {
    let rule =
        library.rule_for(&loan_situation(&loan, item.and_then(|item| item.loan_type_id.clone())));
    let out = loan.returned_at.is_none();
    let fine = if out && loan.lost_at.is_none() {
        overdue_fine(&rule.terms, library.settings.zone, utc(loan.due_at), utc(now))
    } else {
        loan.fine_charged
    };
    let renewals_left = small(rule.terms.renewals_allowed).saturating_sub(loan.renewals).max(0);
    Loan {
        id: ID::from(loan.id),
        item_id: ID::from(loan.item_id),
        item_barcode: item.map(|item| item.barcode.clone()).unwrap_or_default(),
        record_id: ID::from(loan.record_id),
        title: item.and_then(|item| item.record.title.clone()),
        author: item.and_then(|item| item.record.primary_author.clone()),
        patron_id: loan.patron_id.map(ID::from),
        branch_id: ID::from(loan.branch_id),
        checked_out_at: utc(loan.checked_out_at),
        due_at: utc(loan.due_at),
        renewals: loan.renewals,
        renewals_left,
        returned_at: loan.returned_at.map(utc),
        lost_at: loan.lost_at.map(utc),
        overdue: out && loan.lost_at.is_none() && loan.due_at < now,
        fine: money_i32(fine),
        override_reason: loan.override_reason,
    }
}

/// Shows a hold with its title, copy, queue position and how the shelf names its patron.
pub(super) fn hold_view(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    hold: HoldRow,
) -> Outcome<Hold> {
    let record = desk::find_record(connection, scope, &hold.record_id)?;
    let barcode = match &hold.item_id {
        Some(item_id) => desk::find_item(connection, scope, item_id)?.map(|item| item.barcode),
        None => None,
    };
    let position = if hold.status == crate::api::HoldStatus::Waiting {
        Some(
            i32::try_from(store::place_in_queue(connection, scope, &hold)? + 1).unwrap_or(i32::MAX),
        )
    } else {
        None
    };
    let patron_name = store::find_patron(connection, scope, &hold.patron_id)?
        .map(|patron| shelf_name(&patron.name))
        .unwrap_or_default();
    Ok(Hold {
        id: ID::from(hold.id),
        patron_id: ID::from(hold.patron_id),
        patron_shelf_name: patron_name,
        level: hold.level,
        record_id: ID::from(hold.record_id),
        title: record.and_then(|record| record.title),
        item_id: hold.item_id.map(ID::from),
        item_barcode: barcode,
        pickup_branch_id: ID::from(hold.pickup_branch_id),
        status: hold.status,
        placed_at: utc(hold.placed_at),
        position,
        expires_on: hold.expires_on,
        ready_at: hold.ready_at.map(utc),
        pickup_by: hold.pickup_by.map(utc),
        closed_reason: hold.closed_reason,
    })
}

pub(super) fn line_view(line: AccountLineRow, currency: &str) -> AccountLine {
    AccountLine {
        id: ID::from(line.id),
        kind: line.kind,
        amount: money_i32(line.amount),
        amount_text: money(line.amount, currency),
        description: line.description,
        reason: line.reason,
        created_at: utc(line.created_at),
    }
}
