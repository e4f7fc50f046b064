//! Circulation's operations and their request and response types: the one definition
//! from which the trait, its HTTP client and its internal routes are derived. Types the
//! GraphQL schema shows as they are derive its traits here, so a field is declared once.
//!
//! Who may call: "staff" means staff or admins of the library; "the patron" means the
//! signed-in person whose patron record it is. A patron record is always of the caller's
//! own library: no operation reaches another library's patrons, loans or holds.

mod accounts;
mod desk;
mod holds;
mod imports;
mod patrons;
mod settings;

pub use accounts::*;
pub use desk::*;
pub use holds::*;
pub use imports::*;
pub use patrons::*;
pub use settings::*;

use serde::{Deserialize, Serialize};

/// The answer of an operation that has nothing else to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {}

athenaeum_transport::service_api! {
    /// Patrons, loan rules, calendars, loans, holds and fines. Every operation verifies
    /// the caller's token itself.
    pub trait CirculationApi, client CirculationClient, routes circulation_routes, path "/internal/circulation" {
        /// Returns the library's circulation settings. Staff.
        fn get_settings(Nothing) -> CirculationSettings;
        /// Replaces them. Admins. `VALIDATION` naming a bad time zone or currency.
        fn save_settings(SaveCirculationSettings) -> CirculationSettings;
        /// Creates or renames a patron group. Admins. `CONFLICT` if the code is taken.
        fn save_patron_group(SavePatronGroup) -> PatronGroup;
        /// Lists patron groups, by code. Staff, or a patron (to read their own group).
        fn list_patron_groups(Nothing) -> PatronGroupList;
        /// Lists loan rules, most specific first. Staff.
        fn list_loan_rules(Nothing) -> LoanRuleList;
        /// Creates or changes a loan rule. Admins. `CONFLICT` if another rule has the
        /// same four dimensions.
        fn save_loan_rule(SaveLoanRule) -> LoanRule;
        /// Deletes a loan rule. Admins. `CONFLICT` for the default rule.
        fn delete_loan_rule(ByLoanRule) -> Done;
        /// Says which rule applies to a situation and when a loan would be due. Admins.
        fn what_if(WhatIf) -> RuleMatch;
        /// Returns a branch's calendar. Staff.
        fn get_calendar(ByBranch) -> BranchCalendar;
        /// Replaces a branch's calendar. Admins.
        fn save_calendar(SaveCalendar) -> BranchCalendar;
        /// Creates or changes a patron. Staff. `CONFLICT` on a taken card or a stale version.
        fn save_patron(SavePatron) -> Patron;
        /// Returns a patron: staff any of the library's, a patron themselves.
        /// `NOT_FOUND` otherwise.
        fn get_patron(PatronRef) -> Patron;
        /// Finds patrons by card, email or name. Staff.
        fn find_patrons(FindPatrons) -> PatronPage;
        /// Blocks a patron, with the reason. Staff.
        fn add_block(AddBlock) -> Patron;
        /// Lifts a block. Staff.
        fn lift_block(LiftBlock) -> Patron;
        /// Confirms a patron who registered online. Staff.
        fn confirm_patron(PatronRef) -> Patron;
        /// Registers the signed-in person as a patron of their library: provisional
        /// until staff confirm, unless the library confirms at once. `CONFLICT` if they
        /// are a patron already.
        fn register_patron(RegisterPatron) -> Patron;
        /// Turns keeping the patron's own loan history on or off. The patron.
        fn set_keep_history(SetKeepHistory) -> Patron;
        /// Anonymises the patron's kept loan history. The patron. Statistics are kept.
        fn delete_history(Nothing) -> Done;
        /// Says whether an action would be allowed, and why not. Staff.
        fn check(CirculationCheck) -> Decision;
        /// Lends a copy. Staff. One transaction: the loan, the copy's status, a filled
        /// hold and the change feed.
        fn checkout(Checkout) -> CheckoutResult;
        /// Takes a copy back and says where it goes. Staff.
        fn checkin(Checkin) -> CheckinResult;
        /// Renews a loan. The patron, or staff.
        fn renew(Renew) -> RenewResult;
        /// Renews every loan of a patron that may be renewed. The patron, or staff.
        fn renew_all(PatronRef) -> RenewAllResult;
        /// Declares a loan's copy lost and charges its fees. Staff.
        fn declare_lost(ByLoan) -> Loan;
        /// Lists a patron's loans out, or their kept history. The patron, or staff.
        fn list_loans(ListLoans) -> LoanPage;
        /// Places a hold. The patron, or staff for a patron.
        fn place_hold(PlaceHold) -> PlaceHoldResult;
        /// Cancels a hold. The patron, or staff.
        fn cancel_hold(ByHold) -> Hold;
        /// Changes a hold's pickup branch. The patron, or staff.
        fn change_pickup(ChangePickup) -> Hold;
        /// Lists a patron's holds that are not over. The patron, or staff.
        fn list_holds(ListHolds) -> HoldList;
        /// Lists the holds waiting on a branch's holds shelf. Staff.
        fn holds_shelf(ByBranch) -> HoldList;
        /// Lists copies on a branch's shelves that can fill waiting holds. Staff.
        fn pull_list(ByBranch) -> PullList;
        /// Lists copies in transit to and from a branch. Staff.
        fn transits(ByBranch) -> TransitList;
        /// Expires unfilled and uncollected holds, passing copies on. The library
        /// process's scheduler, or operators.
        fn expire_holds(Nothing) -> ExpiryRound;
        /// Returns a patron's account. The patron, or staff.
        fn get_account(PatronRef) -> PatronAccount;
        /// Records a payment or a waiver. Staff.
        fn credit_account(Credit) -> PatronAccount;
        /// Counts loans in a period. Staff.
        fn loan_statistics(LoanStatisticsRequest) -> LoanStatistics;
        /// Imports patrons from CSV text (Koha's borrowers export unless the request maps
        /// the columns): a row whose card barcode is a patron's updates them, any other
        /// creates one. Staff. Bad rows are problems in the report, named by row, and the
        /// rest are imported, one transaction per 500 rows. `VALIDATION` for a file over
        /// 20 MB, without a header, or missing a required column.
        fn import_patrons(ImportPatrons) -> PatronImportReport;
    }
}

/// Names a loan rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, async_graphql::InputObject)]
pub struct ByLoanRule {
    /// The rule.
    pub rule_id: async_graphql::ID,
}
