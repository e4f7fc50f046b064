//! Whether a patron may borrow, renew or place a hold, and why not: every reason in
//! words a librarian can repeat to the patron ("Sam Patel has 3 overdue items; the limit
//! for Adult is 3"), and whether staff may override it. Pure functions of the facts the
//! service read in its transaction.

use chrono::NaiveDate;

use super::fines::money;
use super::rules::RuleTerms;
use crate::api::{PatronStatus, ReasonCode};
use athenaeum_catalogue::api::ItemStatus;

/// One reason a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What kind of reason, for programs.
    pub code: ReasonCode,
    /// The reason in words, for people.
    pub message: String,
    /// Whether staff may override it (when the rule allows overrides at all).
    pub overridable: bool,
}

impl Reason {
    fn new(code: ReasonCode, message: String, overridable: bool) -> Reason {
        Reason { code, message, overridable }
    }
}

/// What a decision needs to know of the patron, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatronFacts {
    /// The patron's name.
    pub name: String,
    /// Their patron group's name, e.g. "Adult".
    pub group_name: String,
    /// Their status.
    pub status: PatronStatus,
    /// When their card expires.
    pub expires_on: Option<NaiveDate>,
    /// The reasons of the blocks staff have put on them.
    pub blocks: Vec<String>,
    /// Loans they have out (lost ones not counted).
    pub loans_out: u32,
    /// Of those, loans of the material type in question.
    pub loans_out_of_material_type: u32,
    /// Loans out past their due time.
    pub overdue_items: u32,
    /// What they owe, in minor units.
    pub balance: i64,
    /// Holds they have that are not yet collected, cancelled or expired.
    pub active_holds: u32,
}

/// Refusals that come from the patron alone, whatever they ask for: status, expiry,
/// blocks, overdue items and fines over the rule's limits.
pub fn patron_reasons(
    patron: &PatronFacts,
    terms: &RuleTerms,
    today: NaiveDate,
    currency: &str,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    match patron.status {
        PatronStatus::Active => {}
        PatronStatus::Provisional => reasons.push(Reason::new(
            ReasonCode::PatronNotConfirmed,
            format!(
                "{} registered online and staff have not yet confirmed the registration; check their details and confirm it",
                patron.name
            ),
            true,
        )),
        PatronStatus::Inactive => reasons.push(Reason::new(
            ReasonCode::PatronInactive,
            format!("{}'s membership is marked inactive", patron.name),
            false,
        )),
    }
    if let Some(expires_on) = patron.expires_on
        && expires_on < today
    {
        reasons.push(Reason::new(
            ReasonCode::CardExpired,
            format!(
                "{}'s card expired on {}; renew the membership to lend again",
                patron.name,
                expires_on.format("%-d %B %Y")
            ),
            true,
        ));
    }
    for block in &patron.blocks {
        reasons.push(Reason::new(
            ReasonCode::PatronBlocked,
            format!("{} is blocked: {block}", patron.name),
            true,
        ));
    }
    if let Some(limit) = terms.max_overdue_items
        && patron.overdue_items >= limit
    {
        reasons.push(Reason::new(
            ReasonCode::TooManyOverdue,
            format!(
                "{} has {} overdue {}; the limit for {} is {limit}",
                patron.name,
                patron.overdue_items,
                plural(patron.overdue_items, "item", "items"),
                patron.group_name
            ),
            true,
        ));
    }
    if let Some(limit) = terms.max_balance
        && patron.balance > limit
    {
        reasons.push(Reason::new(
            ReasonCode::FinesOverLimit,
            format!(
                "{} owes {}; the most a patron in {} may owe and still borrow is {}",
                patron.name,
                money(patron.balance, currency),
                patron.group_name,
                money(limit, currency)
            ),
            true,
        ));
    }
    reasons
}

/// What a checkout decision needs to know of the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFacts {
    /// Its barcode.
    pub barcode: String,
    /// Its status now.
    pub status: ItemStatus,
    /// Its material type's name, when it has one.
    pub material_type_name: Option<String>,
    /// Whether it is on the holds shelf (or travelling) for someone else.
    pub held_for_someone_else: bool,
    /// Whether this patron has it on loan already.
    pub on_loan_to_this_patron: bool,
}

/// Every reason a checkout of `copy` to `patron` under `terms` is refused.
pub fn checkout_reasons(
    patron: &PatronFacts,
    copy: &CopyFacts,
    terms: &RuleTerms,
    today: NaiveDate,
    currency: &str,
) -> Vec<Reason> {
    let mut reasons = copy_reasons(patron, copy);
    reasons.extend(patron_reasons(patron, terms, today, currency));
    if let Some(limit) = terms.max_loans
        && patron.loans_out >= limit
    {
        reasons.push(Reason::new(
            ReasonCode::LoanLimit,
            format!(
                "{} has {} {} out; the limit for {} is {limit}",
                patron.name,
                patron.loans_out,
                plural(patron.loans_out, "loan", "loans"),
                patron.group_name
            ),
            true,
        ));
    }
    if let Some(limit) = terms.max_loans_of_material_type
        && patron.loans_out_of_material_type >= limit
    {
        let kind = copy.material_type_name.as_deref().unwrap_or("this material type");
        reasons.push(Reason::new(
            ReasonCode::MaterialTypeLoanLimit,
            format!(
                "{} has {} {kind} {} out; the limit for {} is {limit}",
                patron.name,
                patron.loans_out_of_material_type,
                plural(patron.loans_out_of_material_type, "loan", "loans"),
                patron.group_name
            ),
            true,
        ));
    }
    reasons
}

fn copy_reasons(patron: &PatronFacts, copy: &CopyFacts) -> Vec<Reason> {
    let barcode = &copy.barcode;
    let refusal = match copy.status {
        ItemStatus::Available => None,
        ItemStatus::OnHoldShelf | ItemStatus::InTransit if copy.held_for_someone_else => {
            Some(Reason::new(
                ReasonCode::HeldForAnotherPatron,
                format!(
                    "item {barcode} is held for another patron; it cannot be lent to {}",
                    patron.name
                ),
                false,
            ))
        }
        ItemStatus::OnHoldShelf => None,
        ItemStatus::OnLoan if copy.on_loan_to_this_patron => Some(Reason::new(
            ReasonCode::AlreadyOnLoan,
            format!("{} already has item {barcode} on loan; renew it instead", patron.name),
            false,
        )),
        ItemStatus::OnLoan => Some(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} is on loan to another patron; check it in first"),
            false,
        )),
        ItemStatus::Withdrawn => Some(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} has been withdrawn from the collection"),
            false,
        )),
        ItemStatus::InTransit => Some(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} is in transit between branches"),
            true,
        )),
        ItemStatus::Missing => Some(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} is marked missing"),
            true,
        )),
        ItemStatus::Lost => Some(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} is marked lost"),
            true,
        )),
        ItemStatus::InProcessing => Some(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} is being processed and is not ready to lend"),
            true,
        )),
    };
    refusal.into_iter().collect()
}

/// What a renewal decision needs to know of the loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalFacts {
    /// The copy's barcode.
    pub barcode: String,
    /// Renewals already made.
    pub renewals_used: u32,
    /// Other patrons waiting for the title (or the copy).
    pub others_waiting: u32,
    /// Whether the loan was declared lost.
    pub lost: bool,
}

/// Every reason renewing a loan is refused.
pub fn renewal_reasons(
    patron: &PatronFacts,
    loan: &RenewalFacts,
    terms: &RuleTerms,
    today: NaiveDate,
    currency: &str,
) -> Vec<Reason> {
    let barcode = &loan.barcode;
    let mut reasons = Vec::new();
    if loan.lost {
        reasons.push(Reason::new(
            ReasonCode::ItemNotAvailable,
            format!("item {barcode} was declared lost; a lost loan cannot be renewed"),
            false,
        ));
    }
    if loan.renewals_used >= terms.renewals_allowed {
        reasons.push(Reason::new(
            ReasonCode::RenewalLimit,
            format!(
                "item {barcode} has been renewed {} {}; the limit for {} is {}",
                loan.renewals_used,
                plural(loan.renewals_used, "time", "times"),
                patron.group_name,
                terms.renewals_allowed
            ),
            true,
        ));
    }
    if loan.others_waiting > 0 && !terms.renew_when_others_wait {
        reasons.push(Reason::new(
            ReasonCode::OthersWaiting,
            format!(
                "{} {} waiting for item {barcode}, so it cannot be renewed",
                loan.others_waiting,
                plural(loan.others_waiting, "other patron is", "other patrons are")
            ),
            true,
        ));
    }
    reasons.extend(patron_reasons(patron, terms, today, currency));
    reasons
}

/// What a hold decision needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldFacts {
    /// The title, for messages.
    pub title: String,
    /// Whether the patron already has an active hold on it.
    pub already_holding: bool,
    /// Whether the patron has a copy of it on loan now.
    pub has_it_on_loan: bool,
    /// Whether the library has any copy that could fill it.
    pub has_copies: bool,
}

/// Every reason placing a hold is refused.
pub fn hold_reasons(
    patron: &PatronFacts,
    hold: &HoldFacts,
    terms: &RuleTerms,
    today: NaiveDate,
    currency: &str,
) -> Vec<Reason> {
    let title = &hold.title;
    let mut reasons = Vec::new();
    if !hold.has_copies {
        reasons.push(Reason::new(
            ReasonCode::NoCopies,
            format!("the library has no copy of “{title}” that a hold could be filled with"),
            false,
        ));
    }
    if !terms.holds_allowed {
        reasons.push(Reason::new(
            ReasonCode::HoldsNotAllowed,
            format!("holds are not allowed on “{title}” for {}", patron.group_name),
            true,
        ));
    }
    if hold.already_holding {
        reasons.push(Reason::new(
            ReasonCode::AlreadyHolding,
            format!("{} already has a hold on “{title}”", patron.name),
            false,
        ));
    }
    if hold.has_it_on_loan {
        reasons.push(Reason::new(
            ReasonCode::AlreadyOnLoan,
            format!("{} has a copy of “{title}” on loan now", patron.name),
            true,
        ));
    }
    if let Some(limit) = terms.max_holds
        && patron.active_holds >= limit
    {
        reasons.push(Reason::new(
            ReasonCode::HoldLimit,
            format!(
                "{} has {} {}; the limit for {} is {limit}",
                patron.name,
                patron.active_holds,
                plural(patron.active_holds, "hold", "holds"),
                patron.group_name
            ),
            true,
        ));
    }
    reasons.extend(patron_reasons(patron, terms, today, currency));
    reasons
}

/// Whether staff may go ahead despite `reasons`: the rule allows overrides, and every
/// reason is one that may be overridden.
pub fn can_override(reasons: &[Reason], terms: &RuleTerms) -> bool {
    terms.overridable && reasons.iter().all(|reason| reason.overridable)
}

fn plural<'a>(count: u32, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn adult() -> PatronFacts {
        PatronFacts {
            name: "Sam Patel".into(),
            group_name: "Adult".into(),
            status: PatronStatus::Active,
            expires_on: None,
            blocks: Vec::new(),
            loans_out: 0,
            loans_out_of_material_type: 0,
            overdue_items: 0,
            balance: 0,
            active_holds: 0,
        }
    }

    fn copy(status: ItemStatus) -> CopyFacts {
        CopyFacts {
            barcode: "3999900000001".into(),
            status,
            material_type_name: Some("DVD".into()),
            held_for_someone_else: false,
            on_loan_to_this_patron: false,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, 14).unwrap()
    }

    #[test]
    fn an_active_patron_within_every_limit_may_borrow_an_available_copy() {
        let reasons = checkout_reasons(
            &adult(),
            &copy(ItemStatus::Available),
            &RuleTerms::standard(),
            today(),
            "GBP",
        );
        assert_eq!(reasons, Vec::new());
    }

    #[test]
    fn overdue_items_at_the_limit_refuse_with_the_count_and_the_groups_limit() {
        let mut terms = RuleTerms::standard();
        terms.max_overdue_items = Some(3);
        let patron = PatronFacts { overdue_items: 3, ..adult() };
        let reasons =
            checkout_reasons(&patron, &copy(ItemStatus::Available), &terms, today(), "GBP");
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].code, ReasonCode::TooManyOverdue);
        assert_eq!(reasons[0].message, "Sam Patel has 3 overdue items; the limit for Adult is 3");
        assert!(reasons[0].overridable);
    }

    #[test]
    fn a_material_type_limit_names_the_material_type() {
        let mut terms = RuleTerms::standard();
        terms.max_loans_of_material_type = Some(2);
        let patron = PatronFacts { loans_out: 2, loans_out_of_material_type: 2, ..adult() };
        let reasons =
            checkout_reasons(&patron, &copy(ItemStatus::Available), &terms, today(), "GBP");
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].message, "Sam Patel has 2 DVD loans out; the limit for Adult is 2");
    }

    #[test]
    fn fines_over_the_limit_are_shown_as_money() {
        let mut terms = RuleTerms::standard();
        terms.max_balance = Some(500);
        let patron = PatronFacts { balance: 1_250, ..adult() };
        let reasons = patron_reasons(&patron, &terms, today(), "GBP");
        assert_eq!(
            reasons[0].message,
            "Sam Patel owes £12.50; the most a patron in Adult may owe and still borrow is £5.00"
        );
    }

    #[test]
    fn an_expired_card_and_a_manual_block_are_both_given() {
        let patron = PatronFacts {
            expires_on: NaiveDate::from_ymd_opt(2027, 3, 13),
            blocks: vec!["returned a damaged DVD; see the note".into()],
            ..adult()
        };
        let reasons = patron_reasons(&patron, &RuleTerms::standard(), today(), "GBP");
        let codes: Vec<ReasonCode> = reasons.iter().map(|reason| reason.code).collect();
        assert_eq!(codes, vec![ReasonCode::CardExpired, ReasonCode::PatronBlocked]);
        assert_eq!(
            reasons[0].message,
            "Sam Patel's card expired on 13 March 2027; renew the membership to lend again"
        );
        assert_eq!(
            reasons[1].message,
            "Sam Patel is blocked: returned a damaged DVD; see the note"
        );
    }

    #[test]
    fn a_copy_held_for_someone_else_cannot_be_lent_even_with_an_override() {
        let held = CopyFacts { held_for_someone_else: true, ..copy(ItemStatus::OnHoldShelf) };
        let reasons = checkout_reasons(&adult(), &held, &RuleTerms::standard(), today(), "GBP");
        assert_eq!(reasons[0].code, ReasonCode::HeldForAnotherPatron);
        assert!(!can_override(&reasons, &RuleTerms::standard()));
    }

    #[test]
    fn renewal_is_refused_while_others_wait_unless_the_rule_allows_it() {
        let loan = RenewalFacts {
            barcode: "3999900000001".into(),
            renewals_used: 0,
            others_waiting: 2,
            lost: false,
        };
        let mut terms = RuleTerms::standard();
        terms.renew_when_others_wait = false;
        let reasons = renewal_reasons(&adult(), &loan, &terms, today(), "GBP");
        assert_eq!(
            reasons[0].message,
            "2 other patrons are waiting for item 3999900000001, so it cannot be renewed"
        );
        terms.renew_when_others_wait = true;
        assert_eq!(renewal_reasons(&adult(), &loan, &terms, today(), "GBP"), Vec::new());
    }

    #[test]
    fn renewals_stop_at_the_rules_limit() {
        let loan =
            RenewalFacts { barcode: "B1".into(), renewals_used: 2, others_waiting: 0, lost: false };
        let mut terms = RuleTerms::standard();
        terms.renewals_allowed = 2;
        let reasons = renewal_reasons(&adult(), &loan, &terms, today(), "GBP");
        assert_eq!(
            reasons[0].message,
            "item B1 has been renewed 2 times; the limit for Adult is 2"
        );
    }

    #[test]
    fn overrides_need_the_rule_to_allow_them() {
        let patron = PatronFacts { blocks: vec!["lost card".into()], ..adult() };
        let mut terms = RuleTerms::standard();
        let reasons = patron_reasons(&patron, &terms, today(), "GBP");
        assert!(can_override(&reasons, &terms));
        terms.overridable = false;
        assert!(!can_override(&reasons, &terms));
    }
}
