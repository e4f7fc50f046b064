//! Importing patrons from a CSV file (another system's export, such as Koha's borrowers
//! export): the request, the column mapping it may bring, and the report. Bad rows are
//! answers in the report, not errors; errors are for a file that cannot be read at all.

use async_graphql::{Enum, InputObject, SimpleObject};
use serde::{Deserialize, Serialize};

/// The largest CSV text an import takes, in bytes (20 MB).
pub const MOST_IMPORT_BYTES: usize = 20 << 20;

/// The most problems a report lists; `failed` still counts every failed row.
pub const MOST_IMPORT_PROBLEMS: usize = 1_000;

/// A patron field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatronImportField {
    /// The card barcode: the patron a row updates, or the new patron's one card.
    CardBarcode,
    /// The full name; when empty or unmapped the name is first name and surname.
    Name,
    /// The surname (family name).
    Surname,
    /// The first name.
    Firstname,
    /// The email address.
    Email,
    /// The phone number.
    Phone,
    /// The first address line.
    Address,
    /// The second address line.
    #[graphql(name = "ADDRESS2")]
    Address2,
    /// The town or city, a line of the address.
    City,
    /// The postcode, the last line of the address.
    Zipcode,
    /// The home branch's code.
    HomeBranchCode,
    /// The patron group's code.
    PatronGroupCode,
    /// The card's expiry date, `YYYY-MM-DD`.
    ExpiresOn,
    /// A note for staff.
    StaffNote,
}

/// Maps one column of the file (by its header) to a patron field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ColumnMap {
    /// The column's header in the file, compared without case or surrounding spaces.
    pub column: String,
    /// The field it fills.
    pub field: PatronImportField,
}

/// Imports patrons from CSV text. Staff. A row whose card barcode is already a patron's
/// card updates that patron; any other row creates a patron with that one card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
#[graphql(name = "ImportPatronsInput")]
pub struct ImportPatrons {
    /// The file's text (RFC 4180 CSV, UTF-8), header first; at most 20 MB.
    pub csv: String,
    /// Which column fills which field; omit for the column names of Koha's borrowers
    /// export (cardnumber, surname, firstname, email, phone, address, address2, city,
    /// zipcode, branchcode, categorycode, dateexpiry, borrowernotes).
    #[graphql(default)]
    pub mapping: Option<Vec<ColumnMap>>,
    /// Check every row and count what would happen, changing nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct PatronImportProblem {
    /// The line of the file the row starts on; the header is row 1.
    pub row: u32,
    /// What is wrong, naming the row and the offending value
    /// ("row 9: dateexpiry 2027-13-01 is not a date").
    pub message: String,
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, SimpleObject)]
pub struct PatronImportReport {
    /// Rows read after the header, blank lines not counted.
    pub rows_read: u32,
    /// Patrons created.
    pub created: u32,
    /// Patrons changed.
    pub updated: u32,
    /// Rows that matched a patron already just as the file has them: nothing to change.
    pub unchanged: u32,
    /// Rows not imported.
    pub failed: u32,
    /// Why, row by row, the first 1,000.
    pub problems: Vec<PatronImportProblem>,
    /// Whether this was a dry run that changed nothing.
    pub dry_run: bool,
}
