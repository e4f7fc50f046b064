//! Between a MARC record and its rows: what is extracted into columns when a record is
//! stored, and how stored rows become what callers see.

use athenaeum_kernel::Timestamp;
use athenaeum_marc::Record;
use athenaeum_marc::describe::{self, Description};

use crate::api::{CatalogueRecord, Item, RecordKind};
use crate::error::CatalogueError;
use crate::store::{ItemRow, RecordRow};

/// A record's stored content: the MARC, its description and the columns lists and
/// filters use. Everything but ids, versions and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordContentRow {
    /// What kind of record.
    pub kind: RecordKind,
    /// `001`.
    pub control_number: Option<String>,
    /// `003`.
    pub control_source: Option<String>,
    /// Title for lists.
    pub title: Option<String>,
    /// Title for sorting (without the non-filing article, folded).
    pub sort_title: Option<String>,
    /// Primary contributor for lists.
    pub primary_author: Option<String>,
    /// Format code.
    pub format: String,
    /// Year of publication.
    pub publication_year: Option<i32>,
    /// Main language.
    pub language: Option<String>,
    /// Work key.
    pub work_key: Option<String>,
    /// MARC-in-JSON.
    pub marc: String,
    /// The description as JSON.
    pub description: String,
}

impl RecordContentRow {
    /// Completes the content into a row.
    pub fn into_row(
        self,
        id: String,
        version: i32,
        import_job_id: Option<String>,
        created_at: Timestamp,
        updated_at: Timestamp,
    ) -> RecordRow {
        RecordRow {
            id,
            kind: self.kind,
            control_number: self.control_number,
            control_source: self.control_source,
            title: self.title,
            sort_title: self.sort_title,
            primary_author: self.primary_author,
            format: self.format,
            publication_year: self.publication_year,
            language: self.language,
            work_key: self.work_key,
            marc: self.marc,
            description: self.description,
            version,
            import_job_id,
            created_at,
            updated_at,
        }
    }
}

/// Describes a record and serialises it for storage.
///
/// Fails, in plain words, for a record that cannot be a catalogue record: one with no
/// fields, or one that ISO 2709 or MARCXML could not write (see `domain::limits`).
pub fn record_row(record: &Record) -> Result<RecordContentRow, String> {
    if record.fields.is_empty() {
        return Err("the record has a leader but no fields".to_string());
    }
    crate::domain::limits::check_writable(record)?;
    let description = describe::describe(record);
    let kind = record_kind(&description);
    let title =
        description.title.as_ref().map(|title| title.display.clone()).filter(|t| !t.is_empty());
    let sort_title =
        description.title.as_ref().map(|title| title.sort.clone()).filter(|t| !t.is_empty());
    let primary_author = description
        .contributors
        .iter()
        .find(|contributor| contributor.primary)
        .map(|contributor| contributor.name.clone());
    let format = format_code(&description);
    let description_json = serde_json::to_string(&description)
        .map_err(|error| format!("the record's description could not be stored: {error}"))?;
    Ok(RecordContentRow {
        kind,
        control_number: record.control_number().map(str::to_string),
        control_source: record
            .control("003")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        title,
        sort_title,
        primary_author,
        format,
        publication_year: description.publication.year.map(i32::from),
        language: description.languages.first().cloned(),
        work_key: description.work_key.clone(),
        marc: athenaeum_marc::json::to_string(record),
        description: description_json,
    })
}

/// Returns the catalogue's kind for a description's.
pub fn record_kind(description: &Description) -> RecordKind {
    match description.kind {
        describe::RecordKind::Authority => RecordKind::Authority,
        describe::RecordKind::Holdings => RecordKind::Holdings,
        describe::RecordKind::Classification => RecordKind::Classification,
        describe::RecordKind::CommunityInformation => RecordKind::Community,
        describe::RecordKind::Bibliographic | describe::RecordKind::Unknown => {
            RecordKind::Bibliographic
        }
    }
}

/// Returns the format's code, e.g. `book`, `large_print_book`, `dvd`.
pub fn format_code(description: &Description) -> String {
    match serde_json::to_value(description.format) {
        Ok(serde_json::Value::String(code)) => code,
        _ => "other".to_string(),
    }
}

/// Returns the API view of a record row.
pub fn record_view(row: RecordRow) -> Result<CatalogueRecord, CatalogueError> {
    let description: Description = serde_json::from_str(&row.description).map_err(|error| {
        CatalogueError::Internal(format!(
            "stored description of record {} does not parse: {error}",
            row.id
        ))
    })?;
    Ok(CatalogueRecord {
        kind: row.kind,
        control_number: row.control_number,
        control_source: row.control_source,
        title: row.title,
        primary_author: row.primary_author,
        format: row.format,
        publication_year: row.publication_year,
        language: row.language,
        work_key: row.work_key,
        description,
        marc_json: row.marc,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        id: row.id,
    })
}

/// Returns the API view of an item row; the staff note only for staff.
pub fn item_view(row: ItemRow, staff: bool) -> Item {
    Item {
        status: row.status,
        staff_note: if staff { row.staff_note } else { None },
        id: row.id,
        record_id: row.record_id,
        barcode: row.barcode,
        branch_id: row.branch_id,
        location_id: row.location_id,
        call_number: row.call_number,
        material_type_id: row.material_type_id,
        loan_type_id: row.loan_type_id,
        copy_number: row.copy_number,
        volume: row.volume,
        price_minor: row.price_minor,
        status_changed_at: row.status_changed_at.and_utc(),
        status_reason: if staff { row.status_reason } else { None },
        public_note: row.public_note,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// Parses a stored record back; a stored record that no longer parses is our fault.
pub(crate) fn stored_record(marc_json: &str) -> Result<Record, CatalogueError> {
    athenaeum_marc::json::from_str(marc_json)
        .map_err(|error| CatalogueError::Internal(format!("stored record does not parse: {error}")))
}
