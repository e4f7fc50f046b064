//! The circulation service: `CirculationApi` implemented with the domain rules and the
//! store. Every change is one transaction of the library database: a checkout's loan,
//! the copy's status (through the catalogue's desk functions, which record the change
//! for the search index), a filled hold and a fee commit together or not at all. One
//! room per area: settings and rules, patrons, the desk, holds, accounts.

mod accounts;
mod context;
mod desk;
mod holds;
mod imports;
mod notices;
mod patrons;
mod routing;
mod settings;
mod views;

use std::sync::Arc;

use athenaeum_auth::{Caller, Role, TenantScope, TokenVerifier};
use athenaeum_db::Database;
use athenaeum_kernel::{ApiError, ErrorCode, Timestamp};
use athenaeum_library_db::LibraryDatabase;
use athenaeum_transport::Call;

pub use notices::NoticeRound;

use crate::api::*;
use crate::error::CirculationError;

type Outcome<T> = Result<T, CirculationError>;

/// Where circulation reads the time: the system clock, or a test's.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Circulation running in this process.
pub struct CirculationService {
    library: LibraryDatabase,
    verifier: TokenVerifier,
    clock: Clock,
}

impl std::fmt::Debug for CirculationService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CirculationService")
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

/// Who is asking: staff of the library, or a person for themselves.
#[derive(Debug, Clone)]
enum Acting {
    /// Staff (or an admin) of the scope's library.
    Staff { caller: Caller, scope: TenantScope },
    /// A signed-in person acting for themselves.
    Person { caller: Caller, scope: TenantScope },
}

impl Acting {
    fn scope(&self) -> &TenantScope {
        match self {
            Acting::Staff { scope, .. } | Acting::Person { scope, .. } => scope,
        }
    }

    fn caller(&self) -> &Caller {
        match self {
            Acting::Staff { caller, .. } | Acting::Person { caller, .. } => caller,
        }
    }

    fn is_staff(&self) -> bool {
        matches!(self, Acting::Staff { .. })
    }
}

impl CirculationService {
    /// Builds the service on the (migrated) library database.
    pub fn new(library: impl Into<LibraryDatabase>, verifier: TokenVerifier) -> CirculationService {
        CirculationService {
            library: library.into(),
            verifier,
            clock: Arc::new(athenaeum_kernel::now),
        }
    }

    /// Reads the time from `clock` instead of the system clock: for tests of due dates,
    /// overdue fines and expiry, which must not wait for days to pass.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> CirculationService {
        self.clock = clock;
        self
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Returns the database, for readiness checks and metrics.
    pub fn database(&self) -> &Database {
        self.library.database()
    }

    fn caller(&self, call: &Call) -> Outcome<Caller> {
        Ok(call.caller(&self.verifier)?)
    }

    fn staff(&self, call: &Call) -> Outcome<(Caller, TenantScope)> {
        let caller = self.caller(call)?;
        caller.require_staff()?;
        let scope = caller.tenant_scope();
        Ok((caller, scope))
    }

    fn admin(&self, call: &Call) -> Outcome<(Caller, TenantScope)> {
        let caller = self.caller(call)?;
        caller.require_admin()?;
        let scope = caller.tenant_scope();
        Ok((caller, scope))
    }

    /// Staff act as staff; anyone else signed in acts for themselves.
    fn acting(&self, call: &Call) -> Outcome<Acting> {
        let caller = self.caller(call)?;
        if caller.service().is_some() {
            return Err(ApiError::forbidden("circulation serves people, not services").into());
        }
        let scope = caller.tenant_scope();
        if caller.is_staff() {
            Ok(Acting::Staff { caller, scope })
        } else if caller.has_role(Role::Patron) || caller.roles().is_empty() {
            Ok(Acting::Person { caller, scope })
        } else {
            Err(ApiError::forbidden("this needs a patron or staff account of the library").into())
        }
    }
}

fn refusal(field: impl Into<String>, message: impl Into<String>) -> CirculationError {
    ApiError::validation(field, message).into()
}

fn not_found(message: impl Into<String>) -> CirculationError {
    ApiError::not_found(message).into()
}

fn conflict(field: impl Into<String>, message: impl Into<String>) -> CirculationError {
    ApiError::validation(field, message).with_code(ErrorCode::Conflict).into()
}

fn page_size(first: u32, most: u32) -> Outcome<i64> {
    if !(1..=most).contains(&first) {
        return Err(refusal("first", format!("first must be between 1 and {most}, not {first}")));
    }
    Ok(i64::from(first))
}

fn split_page<T>(mut rows: Vec<T>, first: i64) -> (Vec<T>, bool) {
    let first = usize::try_from(first).unwrap_or(usize::MAX);
    let has_next_page = rows.len() > first;
    rows.truncate(first);
    (rows, has_next_page)
}

/// Checks a free-text reason (an override's, a block's, a waiver's): 1 to 500 characters.
fn reason_text(field: &str, text: &str) -> Outcome<String> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(refusal(field, format!("{field} cannot be empty: say why")));
    }
    if reason.chars().count() > 500 {
        return Err(refusal(field, format!("{field} is at most 500 characters")));
    }
    Ok(reason.to_string())
}

athenaeum_transport::implement_api! {
    CirculationApi for CirculationService {
        fn get_settings(Nothing) -> CirculationSettings => get_settings_as;
        fn save_settings(SaveCirculationSettings) -> CirculationSettings => save_settings_as;
        fn save_patron_group(SavePatronGroup) -> PatronGroup => save_patron_group_as;
        fn list_patron_groups(Nothing) -> PatronGroupList => list_patron_groups_as;
        fn list_loan_rules(Nothing) -> LoanRuleList => list_loan_rules_as;
        fn save_loan_rule(SaveLoanRule) -> LoanRule => save_loan_rule_as;
        fn delete_loan_rule(ByLoanRule) -> Done => delete_loan_rule_as;
        fn what_if(WhatIf) -> RuleMatch => what_if_as;
        fn get_calendar(ByBranch) -> BranchCalendar => get_calendar_as;
        fn save_calendar(SaveCalendar) -> BranchCalendar => save_calendar_as;
        fn save_patron(SavePatron) -> Patron => save_patron_as;
        fn get_patron(PatronRef) -> Patron => get_patron_as;
        fn find_patrons(FindPatrons) -> PatronPage => find_patrons_as;
        fn add_block(AddBlock) -> Patron => add_block_as;
        fn lift_block(LiftBlock) -> Patron => lift_block_as;
        fn confirm_patron(PatronRef) -> Patron => confirm_patron_as;
        fn register_patron(RegisterPatron) -> Patron => register_patron_as;
        fn set_keep_history(SetKeepHistory) -> Patron => set_keep_history_as;
        fn delete_history(Nothing) -> Done => delete_history_as;
        fn check(CirculationCheck) -> Decision => check_as;
        fn checkout(Checkout) -> CheckoutResult => checkout_as;
        fn checkin(Checkin) -> CheckinResult => checkin_as;
        fn renew(Renew) -> RenewResult => renew_as;
        fn renew_all(PatronRef) -> RenewAllResult => renew_all_as;
        fn declare_lost(ByLoan) -> Loan => declare_lost_as;
        fn list_loans(ListLoans) -> LoanPage => list_loans_as;
        fn place_hold(PlaceHold) -> PlaceHoldResult => place_hold_as;
        fn cancel_hold(ByHold) -> Hold => cancel_hold_as;
        fn change_pickup(ChangePickup) -> Hold => change_pickup_as;
        fn list_holds(ListHolds) -> HoldList => list_holds_as;
        fn holds_shelf(ByBranch) -> HoldList => holds_shelf_as;
        fn pull_list(ByBranch) -> PullList => pull_list_as;
        fn transits(ByBranch) -> TransitList => transits_as;
        fn expire_holds(Nothing) -> ExpiryRound => expire_holds_as;
        fn get_account(PatronRef) -> PatronAccount => get_account_as;
        fn credit_account(Credit) -> PatronAccount => credit_account_as;
        fn loan_statistics(LoanStatisticsRequest) -> LoanStatistics => loan_statistics_as;
        fn import_patrons(ImportPatrons) -> PatronImportReport => import_patrons_as;
    }
}
