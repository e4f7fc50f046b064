//! Overdue fines and money in words: how many days a loan is late in the library's own time
//! zone, what a loan owes for it under its rule, and how an amount is written for people.
//! Pure functions with no I/O: the service charges the fines and the store records them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::rules::RuleTerms;

/// Returns the overdue fine for a loan due at `due_at` and returned (or still out) at
/// `at`, under `terms`: whole days late counted in the library's zone (a loan returned on
/// its due day owes nothing; each local calendar day after the due date's local day is a
/// day late); nothing when the days late are within `fine_grace_days`; otherwise
/// `fine_per_day` × every day late (grace days included), capped at `max_fine`.
pub fn overdue_fine(terms: &RuleTerms, zone: Tz, due_at: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
    let late = days_late(zone, due_at, at);
    if late <= terms.fine_grace_days {
        return 0;
    }
    let fine = terms.fine_per_day.saturating_mul(i64::from(late));
    terms.max_fine.map_or(fine, |max_fine| fine.min(max_fine))
}

/// Returns the whole local days late: how many calendar days in `zone` the local date of
/// `at` is after the local date of `due_at` (0 when not late).
pub fn days_late(zone: Tz, due_at: DateTime<Utc>, at: DateTime<Utc>) -> u32 {
    let due_on = due_at.with_timezone(&zone).date_naive();
    let returned_on = at.with_timezone(&zone).date_naive();
    let days = returned_on.signed_duration_since(due_on).num_days();
    if days <= 0 { 0 } else { u32::try_from(days).unwrap_or(u32::MAX) }
}

/// Formats money for people: currency "GBP" → "£12.50", "EUR" → "€3.00", "USD" → "$0.20",
/// any other code → "12.50 SEK"; negative → "-£1.20" (or "-12.50 SEK").
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    let amount = format!("{}.{:02}", magnitude / 100, magnitude % 100);
    let symbol = match currency {
        "GBP" => "£",
        "EUR" => "€",
        "USD" => "$",
        other => return format!("{sign}{amount} {other}"),
    };
    format!("{sign}{symbol}{amount}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn instant(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn london() -> Tz {
        chrono_tz::Europe::London
    }

    /// 20p a day after a day's grace, at most £5 a loan.
    fn terms() -> RuleTerms {
        RuleTerms::standard()
    }

    /// Due at 23:59 BST on 2027-06-22.
    fn due_at() -> DateTime<Utc> {
        instant("2027-06-22T22:59:00Z")
    }

    #[test]
    fn a_loan_returned_on_time_owes_nothing() {
        assert_eq!(overdue_fine(&terms(), london(), due_at(), instant("2027-06-20T10:00:00Z")), 0);
        assert_eq!(days_late(london(), due_at(), instant("2027-06-20T10:00:00Z")), 0);
    }

    #[test]
    fn a_loan_returned_on_its_due_day_after_the_due_time_owes_nothing() {
        // 23:59:30 BST on the due day.
        let at = instant("2027-06-22T22:59:30Z");
        assert_eq!(days_late(london(), due_at(), at), 0);
        assert_eq!(overdue_fine(&terms(), london(), due_at(), at), 0);
    }

    #[test]
    fn a_loan_late_within_the_grace_days_owes_nothing() {
        // 00:30 BST on the 23rd is a day late; one day's grace.
        let at = instant("2027-06-22T23:30:00Z");
        assert_eq!(days_late(london(), due_at(), at), 1);
        assert_eq!(overdue_fine(&terms(), london(), due_at(), at), 0);
    }

    #[test]
    fn a_loan_late_past_the_grace_days_owes_for_every_day_late() {
        let at = instant("2027-06-25T12:00:00Z");
        assert_eq!(days_late(london(), due_at(), at), 3);
        assert_eq!(overdue_fine(&terms(), london(), due_at(), at), 60);
    }

    #[test]
    fn the_fine_is_capped_at_the_most_a_loan_can_be_fined() {
        let at = instant("2027-09-01T12:00:00Z");
        assert_eq!(overdue_fine(&terms(), london(), due_at(), at), 500);
        let uncapped = RuleTerms { max_fine: None, ..terms() };
        let late = i64::from(days_late(london(), due_at(), at));
        assert_eq!(overdue_fine(&uncapped, london(), due_at(), at), 20 * late);
    }

    #[test]
    fn days_late_across_a_change_of_the_clocks_counts_calendar_days() {
        // Due 23:59 BST on Saturday 2027-10-30; the clocks go back early on the 31st.
        let due_at = instant("2027-10-30T22:59:00Z");
        // 00:30 GMT on Monday 2027-11-01 is two local days on, though under 50 hours later.
        assert_eq!(days_late(london(), due_at, instant("2027-11-01T00:30:00Z")), 2);
        // 23:30 GMT on Sunday the 31st is one day on, though over 24 hours later.
        assert_eq!(days_late(london(), due_at, instant("2027-10-31T23:30:00Z")), 1);
        // Due 23:59 GMT on Saturday 2027-03-27; the clocks go forward early on the 28th.
        let due_at = instant("2027-03-27T23:59:00Z");
        // 00:30 BST on Monday the 29th is 23:30Z on the 28th: two local days on.
        assert_eq!(days_late(london(), due_at, instant("2027-03-28T23:30:00Z")), 2);
    }

    #[test]
    fn days_late_counts_in_the_library_zone_not_in_utc() {
        // Due 23:59 NZST on 2027-06-22 (11:59Z); 01:00 NZST on the 23rd is 13:00Z on the 22nd.
        let auckland = chrono_tz::Pacific::Auckland;
        let due_at = instant("2027-06-22T11:59:00Z");
        assert_eq!(days_late(auckland, due_at, instant("2027-06-22T13:00:00Z")), 1);
    }

    #[test]
    fn money_is_written_with_the_currency_symbol_and_two_decimals() {
        assert_eq!(money(1250, "GBP"), "£12.50");
        assert_eq!(money(300, "EUR"), "€3.00");
        assert_eq!(money(20, "USD"), "$0.20");
        assert_eq!(money(0, "GBP"), "£0.00");
        assert_eq!(money(1250, "SEK"), "12.50 SEK");
    }

    #[test]
    fn negative_money_is_written_with_a_minus_sign_before_the_symbol() {
        assert_eq!(money(-120, "GBP"), "-£1.20");
        assert_eq!(money(-5, "USD"), "-$0.05");
        assert_eq!(money(-1250, "SEK"), "-12.50 SEK");
        assert_eq!(money(i64::MIN, "GBP"), "-£92233720368547758.08");
    }
}
