//! Desk operations: the circulation check, checkout, checkin, renewals, lost items, and
//! the loans they make. Refusals are answers, not errors: they carry every reason.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::LoanRule;

/// What a desk asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CirculationAction {
    /// Lend the copy.
    Checkout,
    /// Renew the patron's loan of the copy.
    Renew,
    /// Place a hold on the copy's title.
    Hold,
}

/// What kind of reason a refusal gives, for programs; the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    /// Registered online, not yet confirmed by staff.
    PatronNotConfirmed,
    /// Membership inactive.
    PatronInactive,
    /// Card expired.
    CardExpired,
    /// Blocked by staff.
    PatronBlocked,
    /// Too many overdue items.
    TooManyOverdue,
    /// Owes more than the limit.
    FinesOverLimit,
    /// At the loan limit.
    LoanLimit,
    /// At the loan limit for the material type.
    MaterialTypeLoanLimit,
    /// The copy cannot be lent in its present status.
    ItemNotAvailable,
    /// The copy is held for another patron.
    HeldForAnotherPatron,
    /// The patron has it on loan already.
    AlreadyOnLoan,
    /// Renewed as often as the rule allows.
    RenewalLimit,
    /// Others are waiting for it.
    OthersWaiting,
    /// The rule allows no holds.
    HoldsNotAllowed,
    /// At the hold limit.
    HoldLimit,
    /// Already has a hold on it.
    AlreadyHolding,
    /// The library has no copy to fill a hold with.
    NoCopies,
}

/// One reason a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Reason {
    /// What kind of reason.
    pub code: ReasonCode,
    /// The reason in words a librarian can repeat to the patron.
    pub message: String,
    /// Whether staff may override it with a reason.
    pub overridable: bool,
}

/// A circulation decision: allowed or not, the rule that applied and every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Decision {
    /// What was asked.
    pub action: CirculationAction,
    /// Whether it may go ahead as it is.
    pub allowed: bool,
    /// Whether staff may go ahead anyway, with a reason (false when allowed).
    pub overridable: bool,
    /// The rule that applied.
    pub rule: LoanRule,
    /// Every reason it is refused; empty when allowed.
    pub reasons: Vec<Reason>,
    /// For a checkout or renewal: when the loan would be due.
    pub due_at: Option<DateTime<Utc>>,
    /// Why the due date is what it is, when the calendar moved it.
    pub due_note: Option<String>,
}

/// Asks whether an action would be allowed, without doing it. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct CirculationCheck {
    /// The patron, by card barcode…
    #[graphql(default)]
    pub patron_card: Option<String>,
    /// …or by id.
    #[graphql(default)]
    pub patron_id: Option<ID>,
    /// The copy.
    pub item_barcode: String,
    /// What to do.
    pub action: CirculationAction,
    /// The branch where it happens.
    pub branch_id: ID,
}

/// Lends a copy. Staff. Refused checkouts come back with `loan` null and the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct Checkout {
    /// The patron, by card barcode…
    #[graphql(default)]
    pub patron_card: Option<String>,
    /// …or by id.
    #[graphql(default)]
    pub patron_id: Option<ID>,
    /// The copy's barcode.
    pub item_barcode: String,
    /// The lending branch.
    pub branch_id: ID,
    /// Lend despite overridable refusals, for this reason (recorded with who).
    #[graphql(default)]
    pub override_reason: Option<String>,
}

/// A loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Loan {
    /// Opaque id.
    pub id: ID,
    /// The copy.
    pub item_id: ID,
    /// The copy's barcode.
    pub item_barcode: String,
    /// The record.
    pub record_id: ID,
    /// The title, for lists.
    pub title: Option<String>,
    /// The author, for lists.
    pub author: Option<String>,
    /// The borrower; null once the loan is anonymised.
    pub patron_id: Option<ID>,
    /// The lending branch.
    pub branch_id: ID,
    /// When it was lent.
    pub checked_out_at: DateTime<Utc>,
    /// When it is (or was) due.
    pub due_at: DateTime<Utc>,
    /// Renewals made.
    pub renewals: i32,
    /// Renewals the rule still allows.
    pub renewals_left: i32,
    /// When it came back; null while out.
    pub returned_at: Option<DateTime<Utc>>,
    /// When it was declared lost.
    pub lost_at: Option<DateTime<Utc>>,
    /// Whether it is out past its due time.
    pub overdue: bool,
    /// The overdue fine so far: charged at checkin, accruing while out.
    pub fine: i32,
    /// The override that allowed it, when one did.
    pub override_reason: Option<String>,
}

/// A checkout's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct CheckoutResult {
    /// The loan made; null when refused.
    pub loan: Option<Loan>,
    /// The decision, with every reason.
    pub decision: Decision,
    /// Whether it filled a hold of the patron's.
    pub filled_hold: bool,
}

/// Takes a copy back. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct Checkin {
    /// The copy's barcode.
    pub item_barcode: String,
    /// The branch it is returned at.
    pub branch_id: ID,
}

/// Where a returned copy goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RouteKind {
    /// Back on the shelf here.
    Shelf,
    /// Onto this branch's holds shelf for a patron.
    HoldShelf,
    /// To another branch.
    Transit,
}

/// What to do with a copy, in one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Routing {
    /// Where it goes.
    pub kind: RouteKind,
    /// The instruction, e.g. "Hold shelf: for S. Patel, until 14 March".
    pub instruction: String,
    /// The branch it goes to, for a transit.
    pub to_branch_id: Option<ID>,
    /// The hold it fills, when it does.
    pub hold_id: Option<ID>,
    /// When the hold must be collected by, for the holds shelf.
    pub pickup_by: Option<DateTime<Utc>>,
}

/// A checkin's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct CheckinResult {
    /// The copy's barcode.
    pub item_barcode: String,
    /// The title.
    pub title: Option<String>,
    /// The loan it closed, when it was on loan.
    pub loan: Option<Loan>,
    /// The overdue fine charged.
    pub fine: i32,
    /// The fine as money, e.g. "£1.20", when there is one.
    pub fine_text: Option<String>,
    /// What to do with the copy.
    pub routing: Routing,
}

/// Renews a loan. The patron it is lent to, or staff. Refusals come back with reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct Renew {
    /// The loan.
    pub loan_id: ID,
    /// Staff: renew despite overridable refusals, for this reason.
    #[graphql(default)]
    pub override_reason: Option<String>,
}

/// A renewal's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct RenewResult {
    /// The loan, renewed or as it was.
    pub loan: Loan,
    /// Whether it was renewed.
    pub renewed: bool,
    /// The decision, with every reason.
    pub decision: Decision,
}

/// The answers of renewing every loan of a patron.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct RenewAllResult {
    /// One answer per loan out, by due date.
    pub results: Vec<RenewResult>,
    /// How many were renewed.
    pub renewed: i32,
}

/// Lists a patron's loans. The patron, or staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ListLoans {
    /// The patron (staff); omit for yourself.
    #[graphql(default)]
    pub patron_id: Option<ID>,
    /// The kept history of returned loans instead of the loans out.
    #[graphql(default)]
    pub history: bool,
    /// Return loans after this cursor.
    #[graphql(default)]
    pub after: Option<String>,
    /// How many, 1 to 100.
    #[graphql(default = 50)]
    pub first: u32,
}

/// A page of loans: those out by due date, history newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct LoanPage {
    /// The loans.
    pub loans: Vec<Loan>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// The cursor of the last one.
    pub end_cursor: Option<String>,
}

/// Names a loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ByLoan {
    /// The loan.
    pub loan_id: ID,
}
