//! Records: the MARC record as it came and what was extracted from it; reading,
//! listing, creating (from MARC or the simple form), replacing and deleting them.

use async_graphql::{Enum, ID, InputObject};
use athenaeum_marc::describe::Description;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

athenaeum_db::stored_enum! {
    /// What kind of MARC record it is (leader/06).
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum RecordKind: "record kind" {
        /// Describes a resource: a book, a recording, a serial, …
        Bibliographic = "bibliographic",
        /// Fixes the form of a name or subject heading.
        Authority = "authority",
        /// Holdings of a resource (MFHD).
        Holdings = "holdings",
        /// A classification record.
        Classification = "classification",
        /// Community information.
        Community = "community",
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
