//! A patron's account: fines and fees charged, payments and waivers, the balance; and
//! the statistics the library counts as loans happen.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

athenaeum_db::stored_enum! {
    /// What an account line is.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum AccountLineKind: "account line kind" {
        /// A fine for returning an item late.
        OverdueFine = "overdue_fine",
        /// The fee for an item declared lost.
        LostItemFee = "lost_item_fee",
        /// The processing fee charged with a lost-item fee.
        ProcessingFee = "processing_fee",
        /// Money paid.
        Payment = "payment",
        /// A charge let off by staff.
        Waiver = "waiver",
        /// A fee given back (a lost item returned).
        Refund = "refund",
    }
}

/// A line of a patron's account: charges positive, credits negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct AccountLine {
    /// Opaque id.
    pub id: ID,
    /// What it is.
    pub kind: AccountLineKind,
    /// Amount in minor units: positive is owed, negative paid or let off.
    pub amount: i32,
    /// The amount as money, e.g. "£1.20".
    pub amount_text: String,
    /// What it is for, e.g. "Overdue: The Hobbit (3 days late)".
    pub description: String,
    /// Why, for payments and waivers.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A patron's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PatronAccount {
    /// The patron.
    pub patron_id: ID,
    /// What they owe, in minor units.
    pub balance: i32,
    /// The balance as money.
    pub balance_text: String,
    /// Fines still accruing on loans out, not yet charged.
    pub accruing: i32,
    /// The latest lines, newest first (at most 200).
    pub lines: Vec<AccountLine>,
}

/// How staff take money off an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditKind {
    /// The patron paid.
    Payment,
    /// Staff let it off.
    Waiver,
}

/// Records a payment or a waiver. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct Credit {
    /// The patron.
    pub patron_id: ID,
    /// Payment or waiver.
    pub kind: CreditKind,
    /// Amount in minor units, 1 to the balance.
    pub amount: i32,
    /// Why (required for a waiver), e.g. "paid in cash".
    #[graphql(default)]
    pub reason: Option<String>,
}

/// Counts loans between two dates. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct LoanStatisticsRequest {
    /// The first day counted (the library's local date).
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
}

/// Loans counted by day, branch and patron group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct LoanCount {
    /// The day.
    pub day: NaiveDate,
    /// The lending branch.
    pub branch_id: ID,
    /// The borrower's group.
    pub patron_group_id: ID,
    /// Loans made.
    pub loans: i32,
    /// Renewals of those loans so far.
    pub renewals: i32,
}

/// Loans of one copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ItemLoanCount {
    /// The copy.
    pub item_id: ID,
    /// Loans made in the period.
    pub loans: i32,
}

/// The library's loan statistics for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct LoanStatistics {
    /// By day, branch and patron group.
    pub by_day: Vec<LoanCount>,
    /// By copy, most lent first (at most 100).
    pub by_item: Vec<ItemLoanCount>,
    /// Loans in the period.
    pub total: i32,
}
