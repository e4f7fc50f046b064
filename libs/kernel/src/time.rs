//! Clock helpers. Times are stored in UTC, as timestamps without a zone, at microsecond
//! precision (what PostgreSQL keeps), so a value read back equals the value written.

use chrono::{DurationRound, NaiveDateTime, TimeDelta, Utc};

/// A point in time, in UTC.
pub type Timestamp = NaiveDateTime;

/// Returns the current UTC time truncated to whole microseconds.
pub fn now() -> Timestamp {
    let now = Utc::now().naive_utc();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
