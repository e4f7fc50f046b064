//! The catalogue's operations and their request and response types: the one definition
//! from which the trait, its HTTP client and its internal routes are derived.
//!
//! Types the GraphQL schema shows as they are derive its traits here, so a field is
//! declared once. Read requests carry `public_tenant_id`: the tenant an anonymous caller
//! named (the public catalogue); a signed-in caller always reads their own tenant.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use athenaeum_marc::describe::Description;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

// ---- branches and vocabularies -----------------------------------------------------

/// A library (service point) of the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Branch {
    /// Opaque id.
    pub id: ID,
    /// Short code used in imports and at the desk, e.g. `CPL`.
    pub code: String,
    /// Name shown to people, e.g. "Central Library".
    pub name: String,
    /// Its shelving locations, by code.
    pub locations: Vec<ShelvingLocation>,
}

/// A shelving location within a branch, e.g. "Junior fiction".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ShelvingLocation {
    /// Opaque id.
    pub id: ID,
    /// The branch it is in.
    pub branch_id: ID,
    /// Short code, e.g. `JFIC`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// A tenant-configurable list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Vocabulary {
    /// What an item physically is (book, DVD, …); loan rules key on it.
    MaterialType,
    /// How an item may be lent (normal, short loan, reference only, …).
    LoanType,
}

impl Vocabulary {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Vocabulary::MaterialType => "material_type",
            Vocabulary::LoanType => "loan_type",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Vocabulary> {
        match text {
            "material_type" => Some(Vocabulary::MaterialType),
            "loan_type" => Some(Vocabulary::LoanType),
            _ => None,
        }
    }
}

/// A term of a tenant-configurable list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Term {
    /// Opaque id.
    pub id: ID,
    /// The list it belongs to.
    pub vocabulary: Vocabulary,
    /// Short code used in imports, e.g. `BK`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Creates a branch, or renames one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveBranch {
    /// The branch to rename; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// Short code: letters, digits, `-` and `_`, at most 32 characters.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Creates a shelving location, or renames one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveLocation {
    /// The location to rename; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// The branch it is in.
    pub branch_id: ID,
    /// Short code.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Creates a term, or renames one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveTerm {
    /// The term to rename; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// The list.
    pub vocabulary: Vocabulary,
    /// Short code.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Lists the branches (with their locations) of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListBranches {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The page.
    pub page: PageRequest,
}

/// A page of branches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchPage {
    /// Branches by code.
    pub branches: Vec<Branch>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Lists the terms of one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTerms {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The list.
    pub vocabulary: Vocabulary,
    /// The page.
    pub page: PageRequest,
}

/// A page of terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermPage {
    /// Terms by code.
    pub terms: Vec<Term>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Names one thing by id; for deletions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ById {
    /// Its id.
    pub id: String,
}

// ---- pages --------------------------------------------------------------------------

/// One page of a list, by opaque cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Return items after this cursor.
    pub after: Option<String>,
    /// How many, 1 to 100 (1 to 1,000 for exports).
    pub first: u32,
}

/// The answer of an operation that has nothing else to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {}

// ---- records ------------------------------------------------------------------------

/// What kind of MARC record it is (leader/06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordKind {
    /// Describes a resource: a book, a recording, a serial, …
    Bibliographic,
    /// Fixes the form of a name or subject heading.
    Authority,
    /// Holdings of a resource (MFHD).
    Holdings,
    /// A classification record.
    Classification,
    /// Community information.
    Community,
}

impl RecordKind {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Bibliographic => "bibliographic",
            RecordKind::Authority => "authority",
            RecordKind::Holdings => "holdings",
            RecordKind::Classification => "classification",
            RecordKind::Community => "community",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<RecordKind> {
        [
            RecordKind::Bibliographic,
            RecordKind::Authority,
            RecordKind::Holdings,
            RecordKind::Classification,
            RecordKind::Community,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// A catalogue record: the MARC record as it came (lossless) and what was extracted
/// from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueRecord {
    /// Opaque id.
    pub id: String,
    /// What kind of record.
    pub kind: RecordKind,
    /// `001`.
    pub control_number: Option<String>,
    /// `003`.
    pub control_source: Option<String>,
    /// The title to show in lists.
    pub title: Option<String>,
    /// The primary contributor to show in lists.
    pub primary_author: Option<String>,
    /// The format's code, e.g. `book`, `large_print`, `dvd`.
    pub format: String,
    /// Year of publication.
    pub publication_year: Option<i32>,
    /// Main language (ISO 639-2 code).
    pub language: Option<String>,
    /// The key shared by editions and copies of the same work.
    pub work_key: Option<String>,
    /// Everything extracted from the MARC record.
    pub description: Description,
    /// The MARC record as MARC-in-JSON, exactly as stored.
    pub marc_json: String,
    /// Increases with every change; pass it back when editing.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Reads one record by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRecord {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The record's id.
    pub id: String,
}

/// Reads several records by id (for the search indexer and batched look-ups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRecords {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// Up to 500 ids; unknown ids are left out of the answer.
    pub ids: Vec<String>,
}

/// Which records a list or export covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct RecordFilter {
    /// Only these ids.
    #[graphql(default)]
    pub ids: Option<Vec<ID>>,
    /// Only records of this kind.
    #[graphql(default)]
    pub kind: Option<RecordKind>,
    /// Only this format code (e.g. `book`).
    #[graphql(default)]
    pub format: Option<String>,
    /// Only records whose control number (001) is this.
    #[graphql(default)]
    pub control_number: Option<String>,
    /// Only records that changed at or after this time.
    #[graphql(default)]
    pub updated_since: Option<DateTime<Utc>>,
    /// Only records written by this import.
    #[graphql(default)]
    pub import_job_id: Option<ID>,
}

/// Lists records, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRecords {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// Which records.
    pub filter: RecordFilter,
    /// The page.
    pub page: PageRequest,
}

/// A page of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordPage {
    /// The records, oldest first.
    pub records: Vec<CatalogueRecord>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// How a MARC record is given or asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MarcSyntax {
    /// MARCXML (one `<record>`, with or without `<collection>`).
    MarcXml,
    /// MARC-in-JSON.
    MarcJson,
    /// ISO 2709, base64-encoded (in GraphQL), raw bytes in files.
    Iso2709,
}

/// The common fields of a record as a simple form, for people who do not write MARC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct RecordForm {
    /// Title proper (245 $a). Required.
    pub title: String,
    /// Remainder of title (245 $b).
    #[graphql(default)]
    pub subtitle: Option<String>,
    /// Statement of responsibility (245 $c).
    #[graphql(default)]
    pub statement_of_responsibility: Option<String>,
    /// Primary author, "Surname, Forename" (100 $a).
    #[graphql(default)]
    pub author: Option<String>,
    /// Other contributors (700 $a).
    #[graphql(default)]
    pub other_contributors: Option<Vec<String>>,
    /// ISBNs, any form (020 $a).
    #[graphql(default)]
    pub isbns: Option<Vec<String>>,
    /// Edition statement (250 $a).
    #[graphql(default)]
    pub edition: Option<String>,
    /// Place of publication (264 $a).
    #[graphql(default)]
    pub place: Option<String>,
    /// Publisher (264 $b).
    #[graphql(default)]
    pub publisher: Option<String>,
    /// Year of publication, four digits.
    #[graphql(default)]
    pub year: Option<i32>,
    /// Language, ISO 639-2 code such as `eng`.
    #[graphql(default)]
    pub language: Option<String>,
    /// Physical description (300 $a), e.g. "320 pages".
    #[graphql(default)]
    pub extent: Option<String>,
    /// Subjects (650 $a).
    #[graphql(default)]
    pub subjects: Option<Vec<String>>,
    /// Series (490 $a).
    #[graphql(default)]
    pub series: Option<String>,
    /// Summary (520 $a).
    #[graphql(default)]
    pub summary: Option<String>,
    /// General note (500 $a).
    #[graphql(default)]
    pub note: Option<String>,
}

/// A record's content: MARC text in one syntax, or the simple form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordContent {
    /// MARC in the given syntax (ISO 2709 as base64).
    Marc {
        /// The syntax.
        syntax: MarcSyntax,
        /// The record.
        text: String,
    },
    /// The simple form.
    Form(Box<RecordForm>),
}

/// Creates a record. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRecord {
    /// The content.
    pub content: RecordContent,
}

/// Replaces a record's content. Staff. With the form, fields the form does not cover are
/// kept as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRecord {
    /// The record.
    pub id: String,
    /// The version the editor started from; `CONFLICT` if it changed since.
    pub version: i32,
    /// The new content.
    pub content: RecordContent,
}

// ---- items --------------------------------------------------------------------------

/// Where an item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemStatus {
    /// On the shelf, can be borrowed.
    Available,
    /// Borrowed.
    OnLoan,
    /// Waiting on the holds shelf for the patron who asked for it.
    OnHoldShelf,
    /// Travelling between branches.
    InTransit,
    /// Not where it should be; being looked for.
    Missing,
    /// Declared lost.
    Lost,
    /// Taken out of the collection.
    Withdrawn,
    /// Being catalogued, processed or repaired.
    InProcessing,
}

impl ItemStatus {
    /// Every status.
    pub const ALL: [ItemStatus; 8] = [
        ItemStatus::Available,
        ItemStatus::OnLoan,
        ItemStatus::OnHoldShelf,
        ItemStatus::InTransit,
        ItemStatus::Missing,
        ItemStatus::Lost,
        ItemStatus::Withdrawn,
        ItemStatus::InProcessing,
    ];

    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Available => "available",
            ItemStatus::OnLoan => "on_loan",
            ItemStatus::OnHoldShelf => "on_hold_shelf",
            ItemStatus::InTransit => "in_transit",
            ItemStatus::Missing => "missing",
            ItemStatus::Lost => "lost",
            ItemStatus::Withdrawn => "withdrawn",
            ItemStatus::InProcessing => "in_processing",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<ItemStatus> {
        ItemStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// A physical (or lendable) copy of a record's resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Opaque id.
    pub id: String,
    /// The record it is a copy of.
    pub record_id: String,
    /// Barcode, unique within the tenant.
    pub barcode: String,
    /// The branch that owns it.
    pub branch_id: String,
    /// Its shelving location.
    pub location_id: Option<String>,
    /// Call number (shelf mark).
    pub call_number: Option<String>,
    /// Material type.
    pub material_type_id: Option<String>,
    /// Loan type.
    pub loan_type_id: Option<String>,
    /// Copy number.
    pub copy_number: Option<String>,
    /// Volume or part, e.g. "v.2".
    pub volume: Option<String>,
    /// Replacement price in minor units of the tenant's currency (pence, cents).
    pub price_minor: Option<i64>,
    /// Where it is in its life.
    pub status: ItemStatus,
    /// When the status last changed.
    pub status_changed_at: DateTime<Utc>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// Note shown to everyone.
    pub public_note: Option<String>,
    /// Note shown to staff only; `None` for everyone else.
    pub staff_note: Option<String>,
    /// Increases with every change; pass it back when editing.
    pub version: i32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An item's editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ItemInput {
    /// Barcode, unique within the tenant.
    pub barcode: String,
    /// The owning branch.
    pub branch_id: ID,
    /// Shelving location (of that branch).
    #[graphql(default)]
    pub location_id: Option<ID>,
    /// Call number.
    #[graphql(default)]
    pub call_number: Option<String>,
    /// Material type.
    #[graphql(default)]
    pub material_type_id: Option<ID>,
    /// Loan type.
    #[graphql(default)]
    pub loan_type_id: Option<ID>,
    /// Copy number.
    #[graphql(default)]
    pub copy_number: Option<String>,
    /// Volume or part.
    #[graphql(default)]
    pub volume: Option<String>,
    /// Replacement price as a decimal, e.g. "12.99".
    #[graphql(default)]
    pub price: Option<String>,
    /// Note shown to everyone.
    #[graphql(default)]
    pub public_note: Option<String>,
    /// Note for staff only.
    #[graphql(default)]
    pub staff_note: Option<String>,
}

/// Adds an item to a record. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateItem {
    /// The record.
    pub record_id: String,
    /// The item.
    pub item: ItemInput,
}

/// Changes an item's fields. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateItem {
    /// The item.
    pub id: String,
    /// The version the editor started from; `CONFLICT` if it changed since.
    pub version: i32,
    /// The new fields.
    pub item: ItemInput,
}

/// Changes an item's status by hand (missing, lost, withdrawn, in processing, back to
/// available). Staff. Loans and holds change it through circulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetItemStatus {
    /// The item.
    pub id: String,
    /// The new status.
    pub status: ItemStatus,
    /// Why, shown to staff.
    pub reason: Option<String>,
}

/// Reads one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetItem {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The item's id, or
    pub id: Option<String>,
    /// its barcode.
    pub barcode: Option<String>,
}

/// Lists a record's items (or, without a record, every item), by barcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItems {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The record.
    pub record_id: Option<String>,
    /// The page.
    pub page: PageRequest,
}

/// A page of items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPage {
    /// The items.
    pub items: Vec<Item>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// How many copies of a record a branch holds, and how many are on the shelf now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchAvailability {
    /// The branch.
    pub branch_id: String,
    /// Copies it holds (withdrawn ones not counted).
    pub total: i64,
    /// Of those, available now.
    pub available: i64,
}

/// Asks for the availability of records, per branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAvailability {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// Up to 500 records.
    pub record_ids: Vec<String>,
}

/// Availability of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAvailability {
    /// The record.
    pub record_id: String,
    /// Per branch that holds a copy.
    pub branches: Vec<BranchAvailability>,
}

/// Availability of several records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// One entry per record asked for that has items.
    pub records: Vec<RecordAvailability>,
}

// ---- import -------------------------------------------------------------------------

/// What an import does with an incoming record that matches one already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnMatch {
    /// Replace the existing record's MARC (its id and items stay; new items are added).
    Overlay,
    /// Keep the existing record; the incoming one is counted as skipped.
    Skip,
}

/// A rule by which an incoming record is matched to one already in the catalogue. Rules
/// are tried in the order control number, system number, ISBN; the first that finds a
/// record decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchRule {
    /// The same `001` with the same `003` (or both without `003`).
    ControlNumber,
    /// A shared system number in `035 $a`, e.g. "(OCoLC)12345".
    SystemNumber,
    /// A shared ISBN, compared as ISBN-13.
    Isbn,
}

/// How an import runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct ImportOptions {
    /// What to do with a record that matches one already there.
    #[graphql(default_with = "OnMatch::Overlay")]
    pub on_match: OnMatch,
    /// Which match rules are tried (always in the order control number, system number,
    /// ISBN). Empty: every incoming record is new.
    #[graphql(default_with = "MatchRule::ALL.to_vec()")]
    pub match_on: Vec<MatchRule>,
    /// Create items from embedded holdings fields (the tenant's item mappings).
    #[graphql(default = true)]
    pub create_items: bool,
    /// Create branches, shelving locations and material/loan types that embedded items
    /// name but the tenant does not have yet (otherwise such an item is reported and not
    /// created).
    #[graphql(default = true)]
    pub create_missing_codes: bool,
}

impl MatchRule {
    /// Every rule, in the order they are tried.
    pub const ALL: [MatchRule; 3] =
        [MatchRule::ControlNumber, MatchRule::SystemNumber, MatchRule::Isbn];
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            on_match: OnMatch::Overlay,
            match_on: MatchRule::ALL.to_vec(),
            create_items: true,
            create_missing_codes: true,
        }
    }
}

/// Where an import job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStatus {
    /// The file is being received.
    Uploading,
    /// Received; waiting for a worker.
    Queued,
    /// Records are being imported.
    Running,
    /// Every record was read; see the counts and the problems.
    Completed,
    /// The file could not be read at all (see `error`); records already reported as
    /// imported stay imported.
    Failed,
}

impl ImportStatus {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Uploading => "uploading",
            ImportStatus::Queued => "queued",
            ImportStatus::Running => "running",
            ImportStatus::Completed => "completed",
            ImportStatus::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<ImportStatus> {
        [
            ImportStatus::Uploading,
            ImportStatus::Queued,
            ImportStatus::Running,
            ImportStatus::Completed,
            ImportStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// An import of a MARC file, with its progress. Counts only ever include records whose
/// batch has committed, so a crash never reports more than is in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ImportJob {
    /// Opaque id.
    pub id: ID,
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
    /// … by ISBN.
    pub matched_by_isbn: i64,
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
            create_items: options.create_items,
            create_missing_codes: options.create_missing_codes,
        }
    }
}

/// Whether a problem cost a record (or an item) or was repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProblemSeverity {
    /// The record (or item) was not imported.
    Error,
    /// Repaired; the record was imported.
    Warning,
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

// ---- item mappings ------------------------------------------------------------------

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

// ---- export and change feed ---------------------------------------------------------

/// Reads records' stored MARC in id order, for exports. Staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecords {
    /// Which records.
    pub filter: RecordFilter,
    /// The page (up to 1,000).
    pub page: PageRequest,
}

/// One record's stored MARC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMarc {
    /// The record's id.
    pub id: String,
    /// MARC-in-JSON, as stored.
    pub marc_json: String,
}

/// A page of stored MARC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarcPage {
    /// The records, by id.
    pub records: Vec<StoredMarc>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// It was created.
    Created,
    /// Its content changed.
    Updated,
    /// It was deleted.
    Deleted,
    /// An item's status changed (checkout, checkin, hold shelf, missing, …).
    StatusChanged,
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeEntity {
    /// A record.
    Record,
    /// An item.
    Item,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Its position; positions increase in commit order.
    pub position: i64,
    /// The tenant.
    pub tenant_id: String,
    /// What it is about.
    pub entity: ChangeEntity,
    /// The record's or item's id.
    pub entity_id: String,
    /// The record concerned (the item's record for items).
    pub record_id: String,
    /// What changed.
    pub change: ChangeKind,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// Reads the change feed after a position. Operators (and the search service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadChanges {
    /// Return events after this position (0 for the start).
    pub after: i64,
    /// At most this many (1 to 10,000).
    pub limit: u32,
}

/// A run of change events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePage {
    /// The events in position order.
    pub events: Vec<ChangeEvent>,
}

/// Reads what the search service indexes of the records that changed after a position.
/// The search service (its own token) or operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadIndexFeed {
    /// Read events after this position (0 for the start).
    pub after: i64,
    /// At most this many events (1 to 10,000).
    pub limit: u32,
}

/// The records touched by a run of change events, as they are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFeed {
    /// The position of the last event read: the next read starts after it. Equal to
    /// `after` when nothing changed.
    pub last_position: i64,
    /// How many events were read.
    pub events: u32,
    /// Bibliographic records to index, as they are now.
    pub records: Vec<IndexRecord>,
    /// Records to drop from the index: deleted, or not bibliographic.
    pub removed: Vec<RecordRef>,
}

/// A record named across tenants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// The tenant.
    pub tenant_id: String,
    /// The record.
    pub record_id: String,
}

/// Lists bibliographic records for indexing, in id order, with the feed position that an
/// index built from them follows on from. The search service or operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanIndexRecords {
    /// Only this tenant's records; every tenant's when `None`.
    pub tenant_id: Option<String>,
    /// Records after this id (`None` for the start).
    pub after_id: Option<String>,
    /// At most this many (1 to 2,000).
    pub limit: u32,
}

/// A page of records to index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexScan {
    /// The change feed's last position when the page was read: everything up to it is
    /// reflected in the page.
    pub head_position: i64,
    /// The records, by id.
    pub records: Vec<IndexRecord>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// What the search service indexes of one bibliographic record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexRecord {
    /// The tenant.
    pub tenant_id: String,
    /// The record.
    pub record_id: String,
    /// Its version.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its `describe` output as stored (JSON of `athenaeum_marc::describe::Description`).
    pub description: String,
    /// Its items.
    pub items: Vec<IndexItem>,
}

/// What the search service indexes of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexItem {
    /// The item.
    pub item_id: String,
    /// Its barcode (staff search only).
    pub barcode: String,
    /// Its branch's code.
    pub branch_code: String,
    /// Its branch's name.
    pub branch_name: String,
    /// Its shelving location's name.
    pub location_name: Option<String>,
    /// Its call number.
    pub call_number: Option<String>,
    /// Its status now.
    pub status: ItemStatus,
}

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

athenaeum_transport::service_api! {
    /// Branches, records, items, MARC import and export, and the change feed. Every
    /// operation verifies the caller's token itself.
    pub trait CatalogueApi, client CatalogueClient, routes catalogue_routes, path "/internal/catalogue" {
        /// Creates or renames a branch. Admins. `CONFLICT` if the code is taken.
        fn save_branch(SaveBranch) -> Branch;
        /// Creates or renames a shelving location. Admins.
        fn save_location(SaveLocation) -> ShelvingLocation;
        /// Creates or renames a material type or loan type. Admins.
        fn save_term(SaveTerm) -> Term;
        /// Lists branches with their locations, by code. Anyone who can read the tenant.
        fn list_branches(ListBranches) -> BranchPage;
        /// Lists a vocabulary's terms, by code. Anyone who can read the tenant.
        fn list_terms(ListTerms) -> TermPage;
        /// Returns a record. `NOT_FOUND` if the tenant has no such record.
        fn get_record(GetRecord) -> CatalogueRecord;
        /// Returns the records with these ids that exist.
        fn get_records(GetRecords) -> RecordPage;
        /// Lists records, oldest first.
        fn list_records(ListRecords) -> RecordPage;
        /// Creates a record from MARC or the simple form. Staff.
        fn create_record(CreateRecord) -> CatalogueRecord;
        /// Replaces a record's content. Staff.
        fn update_record(UpdateRecord) -> CatalogueRecord;
        /// Deletes a record that has no items. Staff. `CONFLICT` while items remain.
        fn delete_record(ById) -> Done;
        /// Returns an item by id or barcode.
        fn get_item(GetItem) -> Item;
        /// Lists items, by barcode.
        fn list_items(ListItems) -> ItemPage;
        /// Returns per-branch availability of records.
        fn get_availability(GetAvailability) -> Availability;
        /// Adds an item. Staff. `CONFLICT` if the barcode is taken.
        fn create_item(CreateItem) -> Item;
        /// Changes an item. Staff.
        fn update_item(UpdateItem) -> Item;
        /// Changes an item's status by hand. Staff.
        fn set_item_status(SetItemStatus) -> Item;
        /// Deletes an item that is not on loan or on the holds shelf. Staff.
        fn delete_item(ById) -> Done;
        /// Returns the tenant's catalogue settings. Staff.
        fn get_settings(GetSettings) -> CatalogueSettings;
        /// Replaces the tenant's item mappings. Admins.
        fn set_item_mappings(SetItemMappings) -> CatalogueSettings;
        /// Starts an import whose file is then sent with `append_import_data`. Staff.
        fn create_import(CreateImport) -> ImportJob;
        /// Appends a chunk of the file. Staff.
        fn append_import_data(ImportData) -> ImportJob;
        /// Ends the upload and queues the import. Staff.
        fn start_import(ById) -> ImportJob;
        /// Returns an import's progress. Staff.
        fn get_import(ById) -> ImportJob;
        /// Lists the tenant's imports, newest first. Staff.
        fn list_imports(PageRequest) -> ImportJobPage;
        /// Lists an import's problems in file order. Staff.
        fn list_import_problems(ListImportProblems) -> ImportProblemPage;
        /// Returns records' stored MARC in id order, for exports. Staff.
        fn export_records(ExportRecords) -> MarcPage;
        /// Reads the change feed. Operators.
        fn read_changes(ReadChanges) -> ChangePage;
        /// Reads the records touched by the change feed after a position, for indexing.
        /// The search service or operators.
        fn read_index_feed(ReadIndexFeed) -> IndexFeed;
        /// Lists records for (re)building an index. The search service or operators.
        fn scan_index_records(ScanIndexRecords) -> IndexScan;
    }
}
