//! What a desk decision reads of the library before it decides: its settings, loan
//! rules, branches, item vocabularies, patron groups and a branch's calendar. A handful
//! of small indexed reads inside the decision's own transaction, so a decision never
//! sees a rule half-saved.

use std::collections::BTreeSet;

use athenaeum_auth::ReadScope;
use athenaeum_catalogue::desk::{self, DeskBranch, DeskTerm};
use athenaeum_db::DbConnection;
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::Outcome;
use crate::api::{LoanTerms, OpeningDay, Weekday};
use crate::domain::calendar::{Calendar, LoanPeriod, OpeningHours};
use crate::domain::rules::{LoanRule, RuleScope, RuleTerms, Situation, matching_rule};
use crate::error::CirculationError;
use crate::store::{self, PatronGroupRow};

/// The id the built-in default rule goes by until the library saves its own.
pub(super) const DEFAULT_RULE_ID: &str = "default";

/// A library's settings, parsed.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub zone: Tz,
    pub currency: String,
    pub courtesy_notice_days: i32,
    pub refund_lost_fee_on_return: bool,
    pub confirm_registrations: bool,
    pub registration_group_id: Option<String>,
    pub library_name: Option<String>,
}

impl Settings {
    /// What a library that has saved no settings gets.
    pub fn standard() -> Settings {
        Settings {
            zone: chrono_tz::Europe::London,
            currency: "GBP".into(),
            courtesy_notice_days: 3,
            refund_lost_fee_on_return: true,
            confirm_registrations: false,
            registration_group_id: None,
            library_name: None,
        }
    }

    pub fn read(connection: &mut DbConnection, scope: &impl ReadScope) -> Outcome<Settings> {
        let Some(row) = store::find_settings(connection, scope)? else {
            return Ok(Settings::standard());
        };
        let zone = row.time_zone.parse::<Tz>().map_err(|_| {
            CirculationError::Internal(format!("stored time zone {} does not parse", row.time_zone))
        })?;
        Ok(Settings {
            zone,
            currency: row.currency,
            courtesy_notice_days: row.courtesy_notice_days,
            refund_lost_fee_on_return: row.refund_lost_fee_on_return,
            confirm_registrations: row.confirm_registrations,
            registration_group_id: row.registration_group_id,
            library_name: row.library_name,
        })
    }
}

/// The library as a desk decision sees it.
#[derive(Debug, Clone)]
pub(super) struct Library {
    pub settings: Settings,
    pub rules: Vec<LoanRule>,
    pub branches: Vec<DeskBranch>,
    pub terms: Vec<DeskTerm>,
    pub groups: Vec<PatronGroupRow>,
}

impl Library {
    /// Reads the library: five small indexed reads.
    pub fn read(connection: &mut DbConnection, scope: &impl ReadScope) -> Outcome<Library> {
        Ok(Library {
            settings: Settings::read(connection, scope)?,
            rules: rules(connection, scope)?,
            branches: desk::branches(connection, scope)?,
            terms: desk::terms(connection, scope)?,
            groups: store::patron_groups(connection, scope)?,
        })
    }

    pub fn branch(&self, id: &str) -> Option<&DeskBranch> {
        self.branches.iter().find(|branch| branch.id == id)
    }

    /// Returns the branch or a `VALIDATION` refusal naming the field.
    pub fn require_branch(&self, field: &str, id: &str) -> Outcome<&DeskBranch> {
        self.branch(id)
            .ok_or_else(|| super::refusal(field, format!("the library has no branch with id {id}")))
    }

    pub fn branch_name(&self, id: &str) -> String {
        self.branch(id).map_or_else(|| format!("branch {id}"), |branch| branch.name.clone())
    }

    pub fn term_name(&self, id: Option<&str>) -> Option<String> {
        let id = id?;
        self.terms.iter().find(|term| term.id == id).map(|term| term.name.clone())
    }

    pub fn group_name(&self, id: &str) -> String {
        self.groups
            .iter()
            .find(|group| group.id == id)
            .map_or_else(|| "this patron group".to_string(), |group| group.name.clone())
    }

    /// Returns the rule that applies; the default always matches.
    pub fn rule_for(&self, situation: &Situation) -> LoanRule {
        matching_rule(&self.rules, situation).cloned().unwrap_or_else(default_rule)
    }
}

/// The built-in default rule, which applies until the library saves its own.
pub(super) fn default_rule() -> LoanRule {
    LoanRule {
        id: DEFAULT_RULE_ID.into(),
        name: "Default rule".into(),
        scope: RuleScope::default(),
        terms: RuleTerms::standard(),
    }
}

/// Returns the library's rules, with the built-in default when it saved no default.
pub(super) fn rules(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Vec<LoanRule>> {
    let mut rules = Vec::new();
    for row in store::loan_rules(connection, scope)? {
        let terms: RuleTerms = serde_json::from_str(&row.terms).map_err(|error| {
            CirculationError::Internal(format!(
                "stored terms of loan rule {} do not parse: {error}",
                row.id
            ))
        })?;
        rules.push(LoanRule {
            id: row.id,
            name: row.name,
            scope: RuleScope {
                branch_id: row.branch_id,
                patron_group_id: row.patron_group_id,
                material_type_id: row.material_type_id,
                loan_type_id: row.loan_type_id,
            },
            terms,
        });
    }
    if !rules.iter().any(|rule| rule.scope.is_default()) {
        rules.push(default_rule());
    }
    Ok(rules)
}

/// Whether a branch's calendar was set, and so where its opening days come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CalendarSource {
    /// Weekly hours are set.
    Weekly,
    /// Only closed dates are set (or none): every other day counts as open.
    NoWeeklyHours,
}

/// Reads a branch's calendar from `from` on. A branch without one is always open.
pub(super) fn calendar(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    branch_id: &str,
    from: NaiveDate,
) -> Outcome<(Calendar, CalendarSource)> {
    let weekly = match store::weekly_hours(connection, scope, branch_id)?.flatten() {
        Some(json) => {
            let days: Vec<OpeningDay> = serde_json::from_str(&json).map_err(|error| {
                CirculationError::Internal(format!(
                    "stored hours of branch {branch_id} do not parse: {error}"
                ))
            })?;
            Some(week_of(&days).map_err(|(_, message)| CirculationError::Internal(message))?)
        }
        None => None,
    };
    let closed: BTreeSet<NaiveDate> = store::closed_dates(connection, scope, branch_id, from)?
        .into_iter()
        .map(|date| date.closed_on)
        .collect();
    let source =
        if weekly.is_some() { CalendarSource::Weekly } else { CalendarSource::NoWeeklyHours };
    Ok((Calendar { weekly, closed }, source))
}

/// Turns opening days into a week, Monday first; `Err((field index, message))` names a
/// day whose times do not parse, close before they open, or that is given twice.
pub(super) fn week_of(days: &[OpeningDay]) -> Result<[Option<OpeningHours>; 7], (usize, String)> {
    let mut week = [None; 7];
    for (index, day) in days.iter().enumerate() {
        let opens = parse_time(&day.opens).ok_or_else(|| {
            (index, format!("opening time {:?} is not a time; write it as HH:MM", day.opens))
        })?;
        let closes = parse_time(&day.closes).ok_or_else(|| {
            (index, format!("closing time {:?} is not a time; write it as HH:MM", day.closes))
        })?;
        if closes <= opens {
            return Err((
                index,
                format!(
                    "{:?} closes at {} before it opens at {}",
                    day.weekday, day.closes, day.opens
                ),
            ));
        }
        let slot = weekday_index(day.weekday);
        if week[slot].is_some() {
            return Err((index, format!("{:?} is given twice", day.weekday)));
        }
        week[slot] = Some(OpeningHours { opens, closes });
    }
    Ok(week)
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

fn weekday_index(day: Weekday) -> usize {
    match day {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

/// Returns the API's form of rule terms.
pub(super) fn terms_view(terms: &RuleTerms) -> LoanTerms {
    let (loan_days, loan_hours) = match terms.loan_period {
        LoanPeriod::Days(days) => (Some(small(days)), None),
        LoanPeriod::Hours(hours) => (None, Some(small(hours))),
    };
    LoanTerms {
        loan_days,
        loan_hours,
        renewals_allowed: small(terms.renewals_allowed),
        renew_when_others_wait: terms.renew_when_others_wait,
        max_loans: terms.max_loans.map(small),
        max_loans_of_material_type: terms.max_loans_of_material_type.map(small),
        holds_allowed: terms.holds_allowed,
        max_holds: terms.max_holds.map(small),
        fine_per_day: money_i32(terms.fine_per_day),
        fine_grace_days: small(terms.fine_grace_days),
        max_fine: terms.max_fine.map(money_i32),
        lost_item_fee: terms.lost_item_fee.map(money_i32),
        processing_fee: money_i32(terms.processing_fee),
        hold_pickup_days: small(terms.hold_pickup_days),
        max_overdue_items: terms.max_overdue_items.map(small),
        max_balance: terms.max_balance.map(money_i32),
        overridable: terms.overridable,
    }
}

pub(super) fn small(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub(super) fn money_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// Checks the API's rule terms and turns them into the domain's; `Err` names the field.
pub(super) fn terms_of(terms: &LoanTerms) -> Outcome<RuleTerms> {
    fn count(field: &str, value: i32, most: i32) -> Outcome<u32> {
        if !(0..=most).contains(&value) {
            return Err(super::refusal(
                format!("terms.{field}"),
                format!("{field} must be between 0 and {most}, not {value}"),
            ));
        }
        Ok(u32::try_from(value).unwrap_or(0))
    }
    fn amount(field: &str, value: i32) -> Outcome<i64> {
        if value < 0 {
            return Err(super::refusal(
                format!("terms.{field}"),
                format!("{field} cannot be negative"),
            ));
        }
        Ok(i64::from(value))
    }
    let loan_period = match (terms.loan_days, terms.loan_hours) {
        (Some(days), None) if (1..=3_650).contains(&days) => {
            LoanPeriod::Days(count("loanDays", days, 3_650)?)
        }
        (None, Some(hours)) if (1..=720).contains(&hours) => {
            LoanPeriod::Hours(count("loanHours", hours, 720)?)
        }
        (Some(_), Some(_)) => {
            return Err(super::refusal(
                "terms.loanDays",
                "give the loan period in days or in hours, not both",
            ));
        }
        (None, None) => {
            return Err(super::refusal(
                "terms.loanDays",
                "give the loan period: loanDays or loanHours",
            ));
        }
        (Some(days), None) => {
            return Err(super::refusal(
                "terms.loanDays",
                format!("loanDays must be between 1 and 3650, not {days}"),
            ));
        }
        (None, Some(hours)) => {
            return Err(super::refusal(
                "terms.loanHours",
                format!("loanHours must be between 1 and 720, not {hours}"),
            ));
        }
    };
    Ok(RuleTerms {
        loan_period,
        renewals_allowed: count("renewalsAllowed", terms.renewals_allowed, 100)?,
        renew_when_others_wait: terms.renew_when_others_wait,
        max_loans: terms.max_loans.map(|value| count("maxLoans", value, 10_000)).transpose()?,
        max_loans_of_material_type: terms
            .max_loans_of_material_type
            .map(|value| count("maxLoansOfMaterialType", value, 10_000))
            .transpose()?,
        holds_allowed: terms.holds_allowed,
        max_holds: terms.max_holds.map(|value| count("maxHolds", value, 10_000)).transpose()?,
        fine_per_day: amount("finePerDay", terms.fine_per_day)?,
        fine_grace_days: count("fineGraceDays", terms.fine_grace_days, 365)?,
        max_fine: terms.max_fine.map(|value| amount("maxFine", value)).transpose()?,
        lost_item_fee: terms.lost_item_fee.map(|value| amount("lostItemFee", value)).transpose()?,
        processing_fee: amount("processingFee", terms.processing_fee)?,
        hold_pickup_days: count("holdPickupDays", terms.hold_pickup_days, 365)?,
        max_overdue_items: terms
            .max_overdue_items
            .map(|value| count("maxOverdueItems", value, 10_000))
            .transpose()?,
        max_balance: terms.max_balance.map(|value| amount("maxBalance", value)).transpose()?,
        overridable: terms.overridable,
    })
}
