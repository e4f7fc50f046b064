//! MARC imports: options and match rules, jobs with their progress and problems, the
//! chunked upload, and the item mappings that turn embedded holdings into items.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// What an import does with an incoming record that matches one already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnMatch {
    /// Replace the existing record's MARC (its id and items stay; new items are added).
    Overlay,
    /// Keep the existing record; the incoming one is counted as skipped.
    Skip,
}

athenaeum_db::stored_enum! {
    /// A rule by which an incoming record is matched to one already in the catalogue.
    /// Rules are tried in the order control number, system number, local number, ISBN,
    /// content; the first that finds a record decides.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum MatchRule: "match rule" {
        /// The same `001` with the same `003` (or both without `003`).
        ControlNumber = "control_number",
        /// A shared system number in `035 $a`, e.g. "(OCoLC)12345".
        SystemNumber = "system_number",
        /// A shared number in the field the import names as the sending system's own
        /// record number (`local_number_field`: Koha's `999$c`, Evergreen's `901$c`).
        /// Without that setting the rule finds nothing.
        LocalNumber = "local_number",
        /// A shared ISBN, compared as ISBN-13.
        Isbn = "isbn",
        /// The same content: a fingerprint of the whole record, normalised (Unicode NFC,
        /// runs of spaces as one), leaving out what changes when nothing else does (the
        /// `005` timestamp, leader positions a writer computes, embedded holdings). Catches
        /// a record imported again that has no number to match on.
        Content = "content",
    }
}

/// How an import runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ImportOptions {
    /// What to do with a record that matches one already there.
    #[graphql(default_with = "OnMatch::Overlay")]
    pub on_match: OnMatch,
    /// Which match rules are tried (always in the order control number, system number,
    /// local number, ISBN, content). Empty: every incoming record is new.
    #[graphql(default_with = "MatchRule::ALL.to_vec()")]
    pub match_on: Vec<MatchRule>,
    /// The field that holds the sending system's own record number, for the local number
    /// rule, written `TAG$code`: `999$c` for Koha, `901$c` for Evergreen.
    #[graphql(default)]
    #[serde(default)]
    pub local_number_field: Option<String>,
    /// Create items from embedded holdings fields (the tenant's item mappings).
    #[graphql(default = true)]
    pub create_items: bool,
    /// Create branches, shelving locations and material/loan types that embedded items
    /// name but the tenant does not have yet (otherwise such an item is reported and not
    /// created).
    #[graphql(default = true)]
    pub create_missing_codes: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            on_match: OnMatch::Overlay,
            match_on: MatchRule::ALL.to_vec(),
            local_number_field: None,
            create_items: true,
            create_missing_codes: true,
        }
    }
}

athenaeum_db::stored_enum! {
    /// Where an import job is.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum ImportStatus: "import status" {
        /// The file is being received.
        Uploading = "uploading",
        /// Received; waiting for a worker.
        Queued = "queued",
        /// Records are being imported.
        Running = "running",
        /// Every record was read; see the counts and the problems.
        Completed = "completed",
        /// The file could not be read at all (see `error`); records already reported as
        /// imported stay imported.
        Failed = "failed",
    }
}

athenaeum_db::stored_enum! {
    /// Whether a job changes the catalogue or only shows what it would do.
    #[derive(Default, Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum ImportMode: "import mode" {
        /// Records are written to the catalogue.
        #[default]
        Import = "import",
        /// Nothing is written: each record's outcome is recorded for a person to look at
        /// (`importDecisions`) before committing the job or previewing it again.
        Preview = "preview",
    }
}

/// An import of a MARC file, with its progress. Counts only ever include records whose
/// batch has committed, so a crash never reports more than is in the catalogue. In a
/// preview the counts say what the import would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ImportJob {
    /// Opaque id.
    pub id: ID,
    /// Whether it imports or previews.
    pub mode: ImportMode,
    /// The file's name as given.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// `ISO2709` or `MARCXML`, once detected.
    pub format: Option<String>,
    /// Where the job is.
    pub status: ImportStatus,
    /// How it runs.
    pub options: ImportOptionsView,
    /// Records read so far (good and bad).
    pub records_read: i64,
    /// Records added.
    pub records_new: i64,
    /// Records that replaced a matching one.
    pub records_overlaid: i64,
    /// Records skipped because they matched one already there.
    pub records_skipped: i64,
    /// Records that could not be imported (see `problems`).
    pub records_failed: i64,
    /// Of the matches, how many were found by control number (001 + 003).
    pub matched_by_control_number: i64,
    /// … by system number (035).
    pub matched_by_system_number: i64,
    /// … by the sending system's own number (the field `localNumberField` names).
    pub matched_by_local_number: i64,
    /// … by ISBN.
    pub matched_by_isbn: i64,
    /// … by content (an identical record).
    pub matched_by_content: i64,
    /// Items created from embedded holdings fields.
    pub items_created: i64,
    /// Embedded items that could not be created (see `problems`).
    pub items_failed: i64,
    /// Problems repaired on the way (records kept).
    pub warnings: i64,
    /// Bytes of the file read so far.
    pub bytes_read: i64,
    /// An error that stopped the job, if any.
    pub error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When reading began.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// [`ImportOptions`] as shown in an [`ImportJob`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ImportOptionsView {
    /// What is done with a matching record.
    pub on_match: OnMatch,
    /// The match rules tried.
    pub match_on: Vec<MatchRule>,
    /// The field holding the sending system's own record number, if named.
    pub local_number_field: Option<String>,
    /// Whether items are created from embedded holdings fields.
    pub create_items: bool,
    /// Whether missing branch, location and type codes are created.
    pub create_missing_codes: bool,
}

impl From<ImportOptions> for ImportOptionsView {
    fn from(options: ImportOptions) -> Self {
        ImportOptionsView {
            on_match: options.on_match,
            match_on: options.match_on,
            local_number_field: options.local_number_field,
            create_items: options.create_items,
            create_missing_codes: options.create_missing_codes,
        }
    }
}

athenaeum_db::stored_enum! {
    /// Whether a problem cost a record (or an item) or was repaired.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum ProblemSeverity: "import problem severity" {
        /// The record (or item) was not imported.
        Error = "error",
        /// Repaired; the record was imported.
        Warning = "warning",
    }
}

/// One problem met in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ImportProblem {
    /// The record's position in the file, counting from 1.
    pub position: i64,
    /// The byte offset at which the record starts.
    pub byte_offset: i64,
    /// The record's 001, when readable.
    pub control_number: Option<String>,
    /// Whether it cost the record.
    pub severity: ProblemSeverity,
    /// What was wrong, in plain words.
    pub message: String,
    /// Where the problem is in the list, for paging.
    #[graphql(skip)]
    pub cursor: String,
}

/// Starts an upload for an import. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateImport {
    /// The file's name, for people.
    pub file_name: String,
    /// How it runs.
    pub options: ImportOptions,
    /// Import, or only preview what the import would do.
    #[serde(default)]
    pub mode: ImportMode,
}

/// Previews a previewed job again with other settings, from the same file. Staff.
/// `CONFLICT` unless the job is a finished preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewAgain {
    /// The job.
    pub job_id: String,
    /// The new settings.
    pub options: ImportOptions,
}

athenaeum_db::stored_enum! {
    /// What a preview found an incoming record would become.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum DecisionOutcome: "import decision outcome" {
        /// A new record.
        New = "new",
        /// It would replace the content of a record already there.
        Overlay = "overlay",
        /// It matches a record already there, which would be kept as it is.
        Skip = "skip",
        /// It cannot be imported (see the job's problems at the same position).
        Failed = "failed",
    }
}

/// What a preview found for one record of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ImportDecision {
    /// The record's place in the file (1 for the first).
    pub position: i64,
    /// Where it starts in the file, in bytes.
    pub byte_offset: i64,
    /// Its `001`, if it has one.
    pub control_number: Option<String>,
    /// Its title, as the catalogue would show it.
    pub title: Option<String>,
    /// What it would become.
    pub outcome: DecisionOutcome,
    /// The rule that found the matching record, for an overlay or a skip.
    pub rule: Option<MatchRule>,
    /// The record it matched, when that one is already in the catalogue (when it matched
    /// an earlier record of the same file, `matchedPosition` says which).
    pub matched_record_id: Option<ID>,
    /// The matched record's title, when it is in the catalogue.
    pub matched_title: Option<String>,
    /// The position of an earlier record of the same file it matched, if that is what it
    /// matched.
    pub matched_position: Option<i64>,
    /// Items it would add from embedded holdings fields.
    pub items: i64,
    /// The paging cursor.
    #[graphql(skip)]
    pub cursor: String,
}

/// Lists a preview's decisions in file order. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListImportDecisions {
    /// The job.
    pub job_id: String,
    /// Only this outcome.
    pub outcome: Option<DecisionOutcome>,
    /// The page.
    pub page: PageRequest,
}

/// A page of a preview's decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDecisionPage {
    /// The decisions, in file order.
    pub decisions: Vec<ImportDecision>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// A chunk of an import's file, appended in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportData {
    /// The job.
    pub job_id: String,
    /// Where this chunk starts in the file; must equal the bytes received so far.
    pub offset: i64,
    /// The bytes (base64 in JSON).
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// Lists an import's problems, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListImportProblems {
    /// The job.
    pub job_id: String,
    /// Only errors, or only warnings.
    pub severity: Option<ProblemSeverity>,
    /// The page.
    pub page: PageRequest,
}

/// A page of import problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblemPage {
    /// The problems, in file order.
    pub problems: Vec<ImportProblem>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// A page of import jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportJobPage {
    /// The jobs, newest first.
    pub jobs: Vec<ImportJob>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// How embedded holdings fields become items: which field is one item, and where each
/// item property is found. Subfields are written `TAG$codes`, e.g. `952$p`; several codes
/// (`852$hi`) are joined with spaces. A property may come from a second, location field
/// (852 with 876 items): the 852 linked by `$8`, else the nearest 852 before the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ItemMappingInput")]
pub struct ItemMapping {
    /// The field that holds one item, e.g. `952` or `876`.
    pub item_tag: String,
    /// Barcode, e.g. `952$p`.
    pub barcode: String,
    /// Owning branch code, e.g. `952$a`.
    pub branch: String,
    /// Shelving location code.
    #[graphql(default)]
    pub location: Option<String>,
    /// Call number.
    #[graphql(default)]
    pub call_number: Option<String>,
    /// Material type code.
    #[graphql(default)]
    pub material_type: Option<String>,
    /// Loan type code.
    #[graphql(default)]
    pub loan_type: Option<String>,
    /// Copy number.
    #[graphql(default)]
    pub copy_number: Option<String>,
    /// Volume or part.
    #[graphql(default)]
    pub volume: Option<String>,
    /// Replacement price.
    #[graphql(default)]
    pub price: Option<String>,
    /// Public note.
    #[graphql(default)]
    pub public_note: Option<String>,
    /// Staff note.
    #[graphql(default)]
    pub staff_note: Option<String>,
    /// Koha-style "not for loan" flag (negative: on order/in processing; positive:
    /// reference only, given the loan type `not-for-loan`).
    #[graphql(default)]
    pub not_for_loan: Option<String>,
    /// Koha-style lost flag (non-zero: lost).
    #[graphql(default)]
    pub lost: Option<String>,
    /// Koha-style withdrawn flag (non-zero: withdrawn).
    #[graphql(default)]
    pub withdrawn: Option<String>,
    /// A status word (available, missing, lost, withdrawn, on order, …).
    #[graphql(default)]
    pub status: Option<String>,
}

/// The tenant's catalogue settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct CatalogueSettings {
    /// How embedded holdings fields become items, tried in order.
    pub item_mappings: Vec<ItemMapping>,
}

/// Replaces the tenant's item mappings. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetItemMappings {
    /// The mappings.
    pub item_mappings: Vec<ItemMapping>,
}

/// Reads the tenant's catalogue settings. Staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetSettings {}

/// Base64 for byte payloads in JSON.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}
