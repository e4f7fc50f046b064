//! A library's circulation settings, patron groups, loan rules and branch calendars.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A library's circulation settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct CirculationSettings {
    /// The IANA time zone due dates are computed in, e.g. `Europe/London`.
    pub time_zone: String,
    /// The ISO 4217 currency fines are charged in, e.g. `GBP`.
    pub currency: String,
    /// How many days before a loan is due its courtesy reminder is sent; 0 sends none.
    pub courtesy_notice_days: i32,
    /// Whether a lost-item fee is refunded when the item comes back.
    pub refund_lost_fee_on_return: bool,
    /// Whether people who register online become patrons at once (else staff confirm).
    pub confirm_registrations: bool,
    /// The patron group people who register online join; null until one is chosen,
    /// and online registration is closed until then.
    pub registration_group_id: Option<ID>,
    /// The name notices to patrons are signed with, e.g. "Northshire Libraries"; null
    /// signs them with the library's web address name.
    pub library_name: Option<String>,
}

/// Changes a library's circulation settings. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveCirculationSettings {
    /// The IANA time zone, e.g. `Europe/London`.
    pub time_zone: String,
    /// The ISO 4217 currency code, e.g. `GBP`.
    pub currency: String,
    /// Days before due that a courtesy reminder goes out, 0 to 14; 0 sends none.
    pub courtesy_notice_days: i32,
    /// Whether a lost-item fee is refunded when the item comes back.
    pub refund_lost_fee_on_return: bool,
    /// Whether online registrations are confirmed at once.
    pub confirm_registrations: bool,
    /// The patron group online registrations join; omit to close online registration.
    #[graphql(default)]
    pub registration_group_id: Option<ID>,
    /// The name notices are signed with, at most 200 characters; omit for none.
    #[graphql(default)]
    #[serde(default)]
    pub library_name: Option<String>,
}

/// Asks for nothing; for operations that read the caller's library as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Nothing {}

/// A library's own grouping of patrons (Adult, Child, Housebound, …); loan rules key on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PatronGroup {
    /// Opaque id.
    pub id: ID,
    /// Short code used in imports, e.g. `ADULT`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Creates a patron group, or renames one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SavePatronGroup {
    /// The group to change; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// Short code: letters, digits, `-` and `_`, at most 32 characters.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// A library's patron groups, by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PatronGroupList {
    /// The groups.
    pub groups: Vec<PatronGroup>,
}

/// What a loan rule allows and charges. Money is in minor units (pence, cents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "LoanTermsInput")]
pub struct LoanTerms {
    /// The loan period in days (give this or `loanHours`).
    pub loan_days: Option<i32>,
    /// The loan period in hours, for short loans; they end at closing time.
    pub loan_hours: Option<i32>,
    /// How many times a loan may be renewed.
    pub renewals_allowed: i32,
    /// Whether a loan may be renewed while other patrons wait for the title.
    pub renew_when_others_wait: bool,
    /// Most loans a patron may have out; null for no limit.
    pub max_loans: Option<i32>,
    /// Most loans of the item's material type; null for no limit.
    pub max_loans_of_material_type: Option<i32>,
    /// Whether holds may be placed.
    pub holds_allowed: bool,
    /// Most holds a patron may have; null for no limit.
    pub max_holds: Option<i32>,
    /// Overdue fine per day late.
    pub fine_per_day: i32,
    /// Days late that are not fined when the item comes back within them.
    pub fine_grace_days: i32,
    /// Most a single overdue loan is fined; null for no cap.
    pub max_fine: Option<i32>,
    /// Fee for a lost item; null charges the item's price.
    pub lost_item_fee: Option<i32>,
    /// Processing fee added to a lost-item fee.
    pub processing_fee: i32,
    /// Days a hold waits on the holds shelf to be collected.
    pub hold_pickup_days: i32,
    /// A patron with this many overdue items or more may not borrow; null for no limit.
    pub max_overdue_items: Option<i32>,
    /// A patron owing more than this may not borrow; null for no limit.
    pub max_balance: Option<i32>,
    /// Whether staff may override this rule's refusals, with a reason.
    pub overridable: bool,
}

/// A loan rule: the terms for one combination of branch, patron group, material type and
/// loan type, each named or left open ("any").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct LoanRule {
    /// Opaque id.
    pub id: ID,
    /// Name shown to staff, e.g. "Adult DVDs".
    pub name: String,
    /// The branch it is for; null for any.
    pub branch_id: Option<ID>,
    /// The patron group it is for; null for any.
    pub patron_group_id: Option<ID>,
    /// The material type it is for; null for any.
    pub material_type_id: Option<ID>,
    /// The loan type it is for; null for any.
    pub loan_type_id: Option<ID>,
    /// Whether this is the library's default rule (all four open).
    pub is_default: bool,
    /// What it allows and charges.
    pub terms: LoanTerms,
}

/// Creates a loan rule, or changes one when `id` is given. Admins. `CONFLICT` when
/// another rule has the same four dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveLoanRule {
    /// The rule to change; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// Name shown to staff.
    pub name: String,
    /// The branch; omit for any.
    #[graphql(default)]
    pub branch_id: Option<ID>,
    /// The patron group; omit for any.
    #[graphql(default)]
    pub patron_group_id: Option<ID>,
    /// The material type; omit for any.
    #[graphql(default)]
    pub material_type_id: Option<ID>,
    /// The loan type; omit for any.
    #[graphql(default)]
    pub loan_type_id: Option<ID>,
    /// What it allows and charges.
    pub terms: LoanTerms,
}

/// A library's loan rules, most specific first, and the order in which they apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct LoanRuleList {
    /// The rules; the default rule is always among them.
    pub rules: Vec<LoanRule>,
    /// How the rule that applies is chosen, in words.
    pub precedence: String,
}

/// "What would happen if": which rule applies to a situation, and the due date a loan
/// made now would get. Admins. With `rules`, the proposed rule set is tried instead of
/// the saved one, without saving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct WhatIf {
    /// The branch lending.
    pub branch_id: ID,
    /// The patron's group.
    pub patron_group_id: ID,
    /// The item's material type; omit when it has none.
    #[graphql(default)]
    pub material_type_id: Option<ID>,
    /// The item's loan type; omit when it has none.
    #[graphql(default)]
    pub loan_type_id: Option<ID>,
    /// A proposed rule set to try instead of the saved one (the default rule is the one
    /// with no dimension named; without one, the saved default applies).
    #[graphql(default)]
    pub rules: Option<Vec<SaveLoanRule>>,
}

/// The answer to "what would happen if".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct RuleMatch {
    /// The rule that applies.
    pub rule: LoanRule,
    /// Why it applies, in words.
    pub explanation: String,
    /// When a loan made now at the branch would be due.
    pub due_at: DateTime<Utc>,
    /// Why the due date is what it is when the calendar moved it, in words.
    pub due_note: Option<String>,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs, reason = "the names say it")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// A branch's hours on one day of the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "OpeningDayInput")]
pub struct OpeningDay {
    /// The day.
    pub weekday: Weekday,
    /// Opening time, `HH:MM` local.
    pub opens: String,
    /// Closing time, `HH:MM` local, after `opens`.
    pub closes: String,
}

/// A date a branch is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ClosedDateInput")]
pub struct ClosedDate {
    /// The date.
    pub date: NaiveDate,
    /// Why, e.g. "Christmas Day".
    pub name: String,
}

/// A branch's opening calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct BranchCalendar {
    /// The branch.
    pub branch_id: ID,
    /// Its weekly hours, a day per entry (days not listed are closed); null when no
    /// weekly pattern is set, in which case loans treat the branch as always open.
    pub weekly_hours: Option<Vec<OpeningDay>>,
    /// Dates it is closed, from today on, by date.
    pub closed_dates: Vec<ClosedDate>,
    /// What admins should know, e.g. that no weekly hours are set.
    pub warnings: Vec<String>,
}

/// Names a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ByBranch {
    /// The branch.
    pub branch_id: ID,
}

/// Replaces a branch's calendar. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveCalendar {
    /// The branch.
    pub branch_id: ID,
    /// Weekly hours, a day per entry; null removes the pattern (always open).
    #[graphql(default)]
    pub weekly_hours: Option<Vec<OpeningDay>>,
    /// Every closed date to keep (dates not listed are removed), at most 1,000.
    pub closed_dates: Vec<ClosedDate>,
}
