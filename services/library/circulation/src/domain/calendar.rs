//! Opening calendars and due dates: when a branch is open, on which days and between which
//! hours, and when a loan made at a given moment for a given loan period is due back. Day
//! loans are due at the end of an open day in the library's own time zone; hourly loans end
//! at closing time. Everything here is a pure function of its arguments, with no I/O: the
//! calendar is read from the database by the store and the clock by the service.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Days, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How many days [`Calendar::next_open_day`] looks at, the day it starts from included.
const OPEN_DAY_SEARCH_DAYS: usize = 366;

/// One day's opening hours, in local wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// When the branch opens.
    pub opens: NaiveTime,
    /// When the branch closes; later than `opens`.
    pub closes: NaiveTime,
}

/// A branch's calendar. `weekly == None` means no weekly pattern is set: always open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// The opening hours of each weekday, index 0 = Monday … 6 = Sunday; `None` for a
    /// weekday the branch is closed. `None` as a whole means no weekly pattern is set.
    pub weekly: Option<[Option<OpeningHours>; 7]>,
    /// Dates the branch is closed whatever the weekly pattern says (holidays).
    pub closed: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Returns a calendar with no weekly pattern and no closed dates: open every day.
    pub fn always_open() -> Calendar {
        Calendar::default()
    }

    /// Returns whether the branch is open on `date`: the date is not a closed date, and the
    /// weekly pattern opens on its weekday (or there is no weekly pattern).
    pub fn is_open_on(&self, date: NaiveDate) -> bool {
        if self.closed.contains(&date) {
            return false;
        }
        match &self.weekly {
            None => true,
            Some(week) => weekly_hours(week, date.weekday()).is_some(),
        }
    }

    /// Returns the opening hours on `date`; `None` when the branch is closed that day or no
    /// weekly pattern is set.
    pub fn hours_on(&self, date: NaiveDate) -> Option<OpeningHours> {
        if self.closed.contains(&date) {
            return None;
        }
        self.weekly.as_ref().and_then(|week| weekly_hours(week, date.weekday()))
    }

    /// Returns the first open day on or after `from` (`from` itself when it is open),
    /// looking at 366 days at most; `None` when none of them is open.
    pub fn next_open_day(&self, from: NaiveDate) -> Option<NaiveDate> {
        from.iter_days().take(OPEN_DAY_SEARCH_DAYS).find(|&date| self.is_open_on(date))
    }
}

/// Returns the weekly pattern's hours for `weekday`.
fn weekly_hours(week: &[Option<OpeningHours>; 7], weekday: Weekday) -> Option<OpeningHours> {
    let index = usize::try_from(weekday.num_days_from_monday()).ok()?;
    week.get(index).copied().flatten()
}

/// How long a loan lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoanPeriod {
    /// A number of days, due at the end of the last (open) day.
    Days(u32),
    /// A number of hours, ending at closing time at the latest.
    Hours(u32),
}

/// A computed due date and why it is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDate {
    /// When the loan is due.
    pub due_at: DateTime<Utc>,
    /// The local date the period first gave, when it fell on a closed day and was moved.
    pub moved_from: Option<NaiveDate>,
    /// True when the calendar had no open day in a year, so the date was not moved.
    pub no_open_day: bool,
}

/// Returns when a loan made at `from` for `period` is due, in the library's `zone`.
///
/// A loan for days is due at 23:59 local time on the local date of `from` plus that many
/// days, moved on to the next open day when the branch is closed that day (and left where
/// it is, with `no_open_day` set, when the calendar has no open day within a year). A loan
/// for hours is due that many hours after `from`, but no later than closing time on the
/// local date of `from` when the calendar gives hours for that day. A period so long that
/// it runs off chrono's calendar is due at the last instant chrono can represent.
pub fn due_date(calendar: &Calendar, zone: Tz, from: DateTime<Utc>, period: LoanPeriod) -> DueDate {
    let lent_on = from.with_timezone(&zone).date_naive();
    match period {
        LoanPeriod::Days(days) => {
            let Some(due_on) = lent_on.checked_add_days(Days::new(u64::from(days))) else {
                return DueDate {
                    due_at: DateTime::<Utc>::MAX_UTC,
                    moved_from: None,
                    no_open_day: false,
                };
            };
            match calendar.next_open_day(due_on) {
                Some(open_day) => DueDate {
                    due_at: end_of_local_day(zone, open_day),
                    moved_from: (open_day != due_on).then_some(due_on),
                    no_open_day: false,
                },
                None => DueDate {
                    due_at: end_of_local_day(zone, due_on),
                    moved_from: None,
                    no_open_day: true,
                },
            }
        }
        LoanPeriod::Hours(hours) => {
            let uncut = from
                .checked_add_signed(TimeDelta::hours(i64::from(hours)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            // A loan made after closing time (an after-hours desk) is not cut back to
            // before it began.
            let due_at = match calendar.hours_on(lent_on) {
                Some(opening) => {
                    let closing = local_instant(zone, lent_on.and_time(opening.closes));
                    if closing > from { uncut.min(closing) } else { uncut }
                }
                None => uncut,
            };
            DueDate { due_at, moved_from: None, no_open_day: false }
        }
    }
}

/// Returns the end of a loan's last day: 23:59 local wall time on `date`.
fn end_of_local_day(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    let last_minute = NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN);
    local_instant(zone, date.and_time(last_minute))
}

/// Returns the instant a local wall-clock time names in `zone`: the later of two when the
/// clocks went back over it, and the first minute after it that exists when the clocks
/// went forward over it.
fn local_instant(zone: Tz, wall_time: NaiveDateTime) -> DateTime<Utc> {
    let mut candidate = wall_time;
    // No zone skips more than a day; the bound only keeps a malformed zone from looping.
    for _ in 0..=24 * 60 {
        match zone.from_local_datetime(&candidate) {
            MappedLocalTime::Single(instant) => return instant.with_timezone(&Utc),
            MappedLocalTime::Ambiguous(_, later) => return later.with_timezone(&Utc),
            MappedLocalTime::None => match candidate.checked_add_signed(TimeDelta::minutes(1)) {
                Some(next) => candidate = next,
                None => break,
            },
        }
    }
    wall_time.and_utc()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn instant(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn time(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn nine_to_five() -> Option<OpeningHours> {
        Some(OpeningHours { opens: time(9, 0), closes: time(17, 0) })
    }

    /// Open nine to five Monday to Saturday, closed on Sundays.
    fn closed_on_sundays() -> Calendar {
        let open = nine_to_five();
        Calendar { weekly: Some([open, open, open, open, open, open, None]), ..Calendar::default() }
    }

    fn london() -> Tz {
        chrono_tz::Europe::London
    }

    #[test]
    fn an_always_open_calendar_is_open_every_day_but_has_no_hours() {
        let calendar = Calendar::always_open();
        assert!(calendar.is_open_on(date("2027-12-25")));
        assert_eq!(calendar.hours_on(date("2027-12-25")), None);
        assert_eq!(calendar.next_open_day(date("2027-12-25")), Some(date("2027-12-25")));
    }

    #[test]
    fn closed_dates_close_the_branch_whatever_the_weekly_pattern_says() {
        let mut calendar = closed_on_sundays();
        calendar.closed.insert(date("2027-12-27"));
        // 2027-12-27 is a Monday, open in the weekly pattern.
        assert!(!calendar.is_open_on(date("2027-12-27")));
        assert_eq!(calendar.hours_on(date("2027-12-27")), None);
        assert_eq!(calendar.hours_on(date("2027-12-28")), nine_to_five());
        assert!(!calendar.is_open_on(date("2027-12-26")));
    }

    #[test]
    fn next_open_day_is_the_day_itself_when_the_branch_is_open() {
        let calendar = closed_on_sundays();
        assert_eq!(calendar.next_open_day(date("2027-06-14")), Some(date("2027-06-14")));
        assert_eq!(calendar.next_open_day(date("2027-06-13")), Some(date("2027-06-14")));
    }

    #[test]
    fn due_date_is_the_end_of_the_local_day_the_period_gives_when_the_branch_is_open() {
        // 2027-06-01 is a Tuesday; 21 days later is Tuesday 2027-06-22, in BST.
        let due = due_date(
            &closed_on_sundays(),
            london(),
            instant("2027-06-01T10:00:00Z"),
            LoanPeriod::Days(21),
        );
        assert_eq!(
            due,
            DueDate {
                due_at: instant("2027-06-22T22:59:00Z"),
                moved_from: None,
                no_open_day: false
            }
        );
    }

    #[test]
    fn due_date_moves_past_a_closed_holiday_to_the_next_open_day() {
        let mut calendar = Calendar::always_open();
        calendar.closed.insert(date("2027-01-01"));
        let due =
            due_date(&calendar, london(), instant("2026-12-11T12:00:00Z"), LoanPeriod::Days(21));
        assert_eq!(due.moved_from, Some(date("2027-01-01")));
        assert_eq!(due.due_at, instant("2027-01-02T23:59:00Z"));
        assert!(!due.no_open_day);
    }

    #[test]
    fn due_date_on_a_weekday_the_branch_is_closed_moves_to_the_next_open_day() {
        // Saturday 2027-06-05 plus 7 days is Saturday 2027-06-12 (open); plus 8 is Sunday.
        let due = due_date(
            &closed_on_sundays(),
            london(),
            instant("2027-06-05T10:00:00Z"),
            LoanPeriod::Days(8),
        );
        assert_eq!(due.moved_from, Some(date("2027-06-13")));
        assert_eq!(due.due_at, instant("2027-06-14T22:59:00Z"));
    }

    #[test]
    fn due_date_moves_past_several_consecutive_closed_days() {
        // Christmas Day to New Year's Day closed, around Sunday 2027-12-26.
        let mut calendar = closed_on_sundays();
        for day in ["2027-12-25", "2027-12-27", "2027-12-28", "2027-12-29", "2027-12-30"] {
            calendar.closed.insert(date(day));
        }
        let due =
            due_date(&calendar, london(), instant("2027-12-04T10:00:00Z"), LoanPeriod::Days(21));
        assert_eq!(due.moved_from, Some(date("2027-12-25")));
        assert_eq!(due.due_at, instant("2027-12-31T23:59:00Z"));
    }

    #[test]
    fn due_date_is_a_minute_before_local_midnight_on_the_day_the_clocks_go_forward() {
        // The UK changes to BST at 01:00 GMT on Sunday 2027-03-28; the loan was made in GMT.
        let always = Calendar::always_open();
        let due = due_date(&always, london(), instant("2027-03-21T12:00:00Z"), LoanPeriod::Days(7));
        assert_eq!(due.due_at, instant("2027-03-28T22:59:00Z"));
        let due = due_date(&always, london(), instant("2027-03-27T12:00:00Z"), LoanPeriod::Days(1));
        assert_eq!(due.due_at, instant("2027-03-28T22:59:00Z"));
    }

    #[test]
    fn due_date_is_a_minute_before_local_midnight_on_the_day_the_clocks_go_back() {
        // The UK returns to GMT at 02:00 BST on Sunday 2027-10-31; the loan was made in BST.
        let always = Calendar::always_open();
        let due = due_date(&always, london(), instant("2027-10-24T12:00:00Z"), LoanPeriod::Days(7));
        assert_eq!(due.due_at, instant("2027-10-31T23:59:00Z"));
        let due = due_date(&always, london(), instant("2027-10-30T22:30:00Z"), LoanPeriod::Days(1));
        // 22:30Z on the 30th is 23:30 BST on the 30th, so the loan counts from the 30th.
        assert_eq!(due.due_at, instant("2027-10-31T23:59:00Z"));
    }

    #[test]
    fn a_day_loan_counts_from_the_local_date_not_the_utc_date() {
        let auckland = chrono_tz::Pacific::Auckland;
        let always = Calendar::always_open();
        // 23:30 NZST (UTC+12) on Tuesday 2027-06-15 is 11:30Z the same day.
        let due = due_date(&always, auckland, instant("2027-06-15T11:30:00Z"), LoanPeriod::Days(7));
        assert_eq!(due.due_at, instant("2027-06-22T11:59:00Z"));
        // 00:30 NZST on 2027-06-16 is still 2027-06-15 in UTC; the local date is the 16th.
        let due = due_date(&always, auckland, instant("2027-06-15T12:30:00Z"), LoanPeriod::Days(7));
        assert_eq!(due.due_at, instant("2027-06-23T11:59:00Z"));
        // 23:30 PDT (UTC-7) on 2027-06-15 is already 2027-06-16 in UTC.
        let los_angeles = chrono_tz::America::Los_Angeles;
        let due =
            due_date(&always, los_angeles, instant("2027-06-16T06:30:00Z"), LoanPeriod::Days(7));
        assert_eq!(due.due_at, instant("2027-06-23T06:59:00Z"));
    }

    #[test]
    fn an_hourly_loan_is_cut_at_closing_time() {
        // 15:00 BST on Tuesday 2027-06-01 plus four hours would be 19:00; closing is 17:00.
        let due = due_date(
            &closed_on_sundays(),
            london(),
            instant("2027-06-01T14:00:00Z"),
            LoanPeriod::Hours(4),
        );
        assert_eq!(
            due,
            DueDate {
                due_at: instant("2027-06-01T16:00:00Z"),
                moved_from: None,
                no_open_day: false
            }
        );
    }

    #[test]
    fn an_hourly_loan_ending_before_closing_time_runs_its_full_length() {
        let due = due_date(
            &closed_on_sundays(),
            london(),
            instant("2027-06-01T14:00:00Z"),
            LoanPeriod::Hours(1),
        );
        assert_eq!(due.due_at, instant("2027-06-01T15:00:00Z"));
    }

    #[test]
    fn an_hourly_loan_on_a_day_without_hours_is_not_cut() {
        let from = instant("2027-06-06T14:00:00Z");
        // Sunday 2027-06-06 is closed in the weekly pattern.
        let due = due_date(&closed_on_sundays(), london(), from, LoanPeriod::Hours(4));
        assert_eq!(due.due_at, instant("2027-06-06T18:00:00Z"));
        // An always-open calendar gives no hours at all.
        let due = due_date(&Calendar::always_open(), london(), from, LoanPeriod::Hours(30));
        assert_eq!(due.due_at, instant("2027-06-07T20:00:00Z"));
    }

    #[test]
    fn a_calendar_with_every_day_closed_gives_no_open_day() {
        let calendar = Calendar { weekly: Some([None; 7]), ..Calendar::default() };
        assert_eq!(calendar.next_open_day(date("2027-06-01")), None);
        let due =
            due_date(&calendar, london(), instant("2027-06-01T10:00:00Z"), LoanPeriod::Days(21));
        assert_eq!(
            due,
            DueDate {
                due_at: instant("2027-06-22T22:59:00Z"),
                moved_from: None,
                no_open_day: true
            }
        );
    }

    #[test]
    fn a_period_beyond_the_calendar_is_due_at_the_last_representable_instant() {
        let due = due_date(
            &Calendar::always_open(),
            london(),
            instant("2027-06-01T10:00:00Z"),
            LoanPeriod::Days(u32::MAX),
        );
        assert_eq!(due.due_at, DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn a_wall_time_the_clocks_skip_resolves_to_the_first_minute_after_the_gap() {
        // 01:30 on 2027-03-28 does not exist in London; 02:00 BST is 01:00Z.
        let skipped = date("2027-03-28").and_time(time(1, 30));
        assert_eq!(local_instant(london(), skipped), instant("2027-03-28T01:00:00Z"));
    }

    #[test]
    fn a_wall_time_the_clocks_repeat_resolves_to_the_later_instant() {
        // 01:30 on 2027-10-31 happens in BST (00:30Z) and again in GMT (01:30Z).
        let repeated = date("2027-10-31").and_time(time(1, 30));
        assert_eq!(local_instant(london(), repeated), instant("2027-10-31T01:30:00Z"));
    }
}
