//! What the circulation pages share, for staff at the desk and for patrons on their own
//! account: loans and holds as rows of a table, their words, and the outcome of a desk
//! or account action carried across the redirect that follows it.
//!
//! An outcome travels in the address sealed with the website's key, so a page shows
//! only what this site wrote (never text someone put in a link) and a reload shows the
//! same answer again instead of repeating the action.

use serde::{Deserialize, Serialize};

use crate::Web;
use crate::frame::{Frame, sentence};

/// A time as a page shows it: "3 December 2026, 17:10 UTC".
pub(crate) fn at(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time).map_or_else(
        |_| time.to_string(),
        |time| time.with_timezone(&chrono::Utc).format("%-d %B %Y, %H:%M UTC").to_string(),
    )
}

/// A date as a page shows it: "14 March 2027".
pub(crate) fn day(date: &str) -> String {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_or_else(|_| date.to_string(), |date| date.format("%-d %B %Y").to_string())
}

/// A loan as the API lists it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoanData {
    pub id: String,
    pub item_barcode: String,
    pub title: Option<String>,
    pub due_at: String,
    pub overdue: bool,
    pub renewals_left: i64,
}

/// A loan as a row of a table.
pub(crate) struct LoanRow {
    pub id: String,
    pub title: String,
    pub barcode: String,
    pub due: String,
    pub overdue: bool,
    pub renewals_left: i64,
}

impl From<LoanData> for LoanRow {
    fn from(loan: LoanData) -> LoanRow {
        LoanRow {
            id: loan.id,
            title: loan.title.unwrap_or_else(|| "Untitled".to_string()),
            barcode: loan.item_barcode,
            due: at(&loan.due_at),
            overdue: loan.overdue,
            renewals_left: loan.renewals_left,
        }
    }
}

/// A hold as the API lists it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HoldData {
    pub id: String,
    pub title: Option<String>,
    pub status: String,
    pub position: Option<i64>,
    pub pickup_branch_id: String,
    pub pickup_by: Option<String>,
}

/// A hold as a row of a table.
pub(crate) struct HoldRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub pickup: String,
    pub pickup_branch_id: String,
    /// Whether it is still in the queue, where its pickup branch may change.
    pub waiting: bool,
}

impl HoldRow {
    /// The row for `hold`; `branch_name` names a branch by id.
    pub fn new(hold: HoldData, branch_name: impl Fn(&str) -> String) -> HoldRow {
        let status = match hold.status.as_str() {
            "WAITING" => match hold.position {
                Some(position) => format!("Waiting: number {position} in the queue"),
                None => "Waiting".to_string(),
            },
            "IN_TRANSIT" => "On its way to the pickup branch".to_string(),
            "READY" => match &hold.pickup_by {
                Some(by) => format!("Ready to collect until {}", at(by)),
                None => "Ready to collect".to_string(),
            },
            "FULFILLED" => "Collected".to_string(),
            "CANCELLED" => "Cancelled".to_string(),
            "EXPIRED" => "Expired".to_string(),
            other => other.to_string(),
        };
        HoldRow {
            id: hold.id,
            title: hold.title.unwrap_or_else(|| "Untitled".to_string()),
            waiting: hold.status == "WAITING",
            pickup: branch_name(&hold.pickup_branch_id),
            pickup_branch_id: hold.pickup_branch_id,
            status,
        }
    }
}

/// A branch as a choice.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BranchChoice {
    pub id: String,
    pub name: String,
}

/// The name of branch `id` among `branches` ("another branch" when unknown).
pub(crate) fn branch_name(branches: &[BranchChoice], id: &str) -> String {
    branches
        .iter()
        .find(|branch| branch.id == id)
        .map_or_else(|| "another branch".to_string(), |branch| branch.name.clone())
}

/// What an action did, shown on the page the action redirects to.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Outcome {
    /// What happened, in one line ("Lent: …", "Returned: …", "Not renewed: …").
    pub headline: String,
    /// Where a checked-in copy goes, shown large.
    pub instruction: String,
    /// More lines: a fine, a due-date note, a hold filled.
    pub details: Vec<String>,
    /// Why it was refused, every reason.
    pub reasons: Vec<String>,
    /// The field a problem with the input is about (its id), if any.
    pub field: String,
    /// A refused checkout staff may override: the copy's barcode.
    pub override_barcode: String,
}

/// What sealed outcomes start with, so nothing else this site seals opens as one.
const OUTCOME_PURPOSE: &[u8] = b"athenaeum web: circulation outcome\n";

impl Outcome {
    /// A refusal or problem with `reasons`.
    pub fn refused(headline: impl Into<String>, reasons: Vec<String>) -> Outcome {
        Outcome { headline: headline.into(), reasons, ..Outcome::default() }
    }

    /// A problem with the field `field`.
    pub fn problem(field: &str, message: impl Into<String>) -> Outcome {
        Outcome {
            headline: "Nothing was changed".to_string(),
            reasons: vec![message.into()],
            field: field.to_string(),
            ..Outcome::default()
        }
    }

    /// Whether it was refused.
    pub fn is_refused(&self) -> bool {
        !self.reasons.is_empty()
    }

    /// Sealed for an address's query string.
    pub fn seal(&self, web: &Web) -> String {
        let mut plain = OUTCOME_PURPOSE.to_vec();
        plain.extend(serde_json::to_vec(self).unwrap_or_default());
        web.keys.seal(&plain).unwrap_or_default()
    }

    /// Opens what [`Outcome::seal`] made; `None` for anything else.
    pub fn open(web: &Web, sealed: &str) -> Option<Outcome> {
        let plain = web.keys.open(sealed)?;
        let json = plain.strip_prefix(OUTCOME_PURPOSE)?;
        serde_json::from_slice(json).ok()
    }

    /// Puts its reasons in the page's error summary.
    pub fn show_problems(&self, frame: &mut Frame) {
        for reason in &self.reasons {
            frame.problems.push(crate::frame::Problem {
                field: (!self.field.is_empty()).then(|| self.field.clone()),
                message: sentence(reason),
            });
        }
    }
}

/// The outcome of renewing every loan: how many were renewed, and why the others were
/// not, each named.
pub(crate) fn renewed_all(renewed: i64, results: &[(String, bool, Vec<String>)]) -> Outcome {
    let headline = format!(
        "Renewed {renewed} of {} loan{}",
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    let reasons = results
        .iter()
        .filter(|(_, done, _)| !done)
        .map(|(named, _, reasons)| format!("{named}: {}", reasons.join("; ")))
        .collect();
    Outcome { headline, reasons, ..Outcome::default() }
}

/// An address with its query parameters, leaving out empty ones.
pub(crate) fn address(path: &str, parameters: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in parameters {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    let query = query.finish();
    if query.is_empty() { path.to_string() } else { format!("{path}?{query}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_leaves_out_empty_parameters_and_encodes_the_rest() {
        assert_eq!(
            address("/n/staff/desk", &[("branch", "b 1"), ("patron", ""), ("mode", "checkin")]),
            "/n/staff/desk?branch=b+1&mode=checkin"
        );
        assert_eq!(address("/n/staff/desk", &[("patron", "")]), "/n/staff/desk");
    }

    #[test]
    fn a_waiting_hold_says_its_place_in_the_queue_and_where_it_is_collected() {
        let hold = HoldData {
            id: "h".to_string(),
            title: None,
            status: "WAITING".to_string(),
            position: Some(2),
            pickup_branch_id: "b".to_string(),
            pickup_by: None,
        };
        let row = HoldRow::new(hold, |_| "Central".to_string());
        assert_eq!(row.status, "Waiting: number 2 in the queue");
        assert_eq!(row.pickup, "Central");
        assert_eq!(row.title, "Untitled");
    }

    #[test]
    fn dates_and_times_read_as_words() {
        assert_eq!(day("2027-03-14"), "14 March 2027");
        assert_eq!(at("2027-03-14T17:00:00Z"), "14 March 2027, 17:00 UTC");
    }
}
