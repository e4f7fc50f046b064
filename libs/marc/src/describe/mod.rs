//! What a MARC21 record says, in the library's words: its title, who made it, what it is
//! about, how it is identified, when and by whom it was published, what form it takes,
//! and the key that groups it with other editions of the same work.
//!
//! [`describe`] reads a [`Record`] and never fails: a missing or broken field gives an
//! empty part, never a panic. It reads the record only; it does not consult authority
//! files, other records or the catalogue's rules, so the same record always gives the
//! same [`Description`].

mod format;
mod identifiers;
pub mod isbn;
mod names;
mod notes;
mod publication;
mod scripts;
mod series;
mod subjects;
mod text;
mod title;
mod work;

use serde::{Deserialize, Serialize};

pub use format::{MaterialFormat, RecordKind};
pub use identifiers::{Identifiers, normalise_lccn};
pub use isbn::Isbn;
pub use names::{Contributor, ContributorKind, relator_word};
pub use notes::{Note, PhysicalDescription};
pub use publication::Publication;
pub use scripts::AlternateScript;
pub use series::Series;
pub use subjects::{Subject, SubjectKind};
pub use text::fold;
pub use title::{AlternateTitle, AlternateTitleKind, Title, UniformTitle};
pub use work::isbn_cluster;

use crate::{DataField, Field, Normalization, Record};

/// Returns the data fields tagged `tag`. Compares tag bytes, which is cheaper than
/// [`Record::data_fields`] when a record is asked for thirty tags.
pub(crate) fn fields_tagged<'a>(
    record: &'a Record,
    tag: &'a [u8; 3],
) -> impl Iterator<Item = &'a DataField> + 'a {
    record.all_data_fields().filter(move |field| field.tag.as_bytes() == *tag)
}

/// Returns the first data field tagged `tag`.
pub(crate) fn first_tagged<'a>(record: &'a Record, tag: &'a [u8; 3]) -> Option<&'a DataField> {
    fields_tagged(record, tag).next()
}

/// Returns the value of the first control field tagged `tag`.
pub(crate) fn control_value<'a>(record: &'a Record, tag: &[u8; 3]) -> Option<&'a str> {
    record.fields.iter().find_map(|field| match field {
        Field::Control(control) if control.tag.as_bytes() == *tag => Some(control.value.as_str()),
        _ => None,
    })
}

/// What a record says. Stored as JSON beside the record and indexed by search; empty
/// parts are left out of the JSON and read back as empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// What kind of record this is (leader/06).
    pub kind: RecordKind,
    /// The form of material (see [`MaterialFormat`]); `Other` for records that are not
    /// bibliographic.
    pub format: MaterialFormat,
    /// The title (245); `None` when the record has no title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Title>,
    /// The uniform title (130 or 240).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniform_title: Option<UniformTitle>,
    /// Other titles (246, 740, and the titles of 7XX name/title entries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternate_titles: Vec<AlternateTitle>,
    /// The main entry first (`primary`), then the added entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<Contributor>,
    /// Subject headings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// ISBN, ISSN, LCCN, OCLC and system numbers, control number.
    #[serde(default)]
    pub identifiers: Identifiers,
    /// Places, publishers, dates, year and country of publication.
    #[serde(default)]
    pub publication: Publication,
    /// The edition statement (250), e.g. "2nd ed.".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Series statements and series added entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<Series>,
    /// Languages as lowercase MARC three-letter codes without repeats: 008/35-37 first,
    /// then 041 `$a` and `$d`, e.g. `["eng", "wel"]`. "zxx" (no linguistic content),
    /// "und" (undetermined) and blanks are left out; "mul" (multiple) is kept only when
    /// no single language is named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Physical descriptions (300).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub physical_description: Vec<PhysicalDescription>,
    /// Notes (5XX except 505 and 520).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Summaries and abstracts (520).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summaries: Vec<String>,
    /// Contents entries (505), one per listed part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<String>,
    /// Every 880 with the field it belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternate_scripts: Vec<AlternateScript>,
    /// The key grouping editions and copies of the same work across records and
    /// tenants, e.g. "pride and prejudice/austen jane"; `None` without a title. The rule
    /// is in the `work` module documentation and on [`describe`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_key: Option<String>,
}

/// Returns what `record` says.
///
/// Never fails and never panics: fields that are missing, empty or malformed leave their
/// part empty. The 008 is read by its bibliographic layout only when leader/06 says the
/// record is bibliographic, or is unknown and the record has a 245.
///
/// The work key is `title/author`, both folded (case, diacritics), with punctuation and
/// space runs reduced to single spaces. The title is the uniform title (130/240 without
/// language, version, date and arrangement) when present, else 245 `$a $n $p` without
/// `$b` and without the non-filing article; the author is the main entry's name without
/// dates (100/110 `$a $b`, 111 `$a`), empty when there is none; in an English record
/// "&" counts as "and". So every edition of
/// "Pride and prejudice" by Austen shares `pride and prejudice/austen jane`, while
/// "Pride and prejudice and zombies" does not.
///
/// Every part is in Unicode NFC whatever form the record's values are in: the record is
/// read through [`Normalization::Nfc`], so a record and its decomposed (NFD) twin give
/// equal descriptions.
///
/// Cost: a few microseconds for a typical book record; allocation is proportional to the
/// record's size, and a record not already in NFC is copied once.
pub fn describe(record: &Record) -> Description {
    let record = Normalization::Nfc.record(record);
    describe_composed(&record)
}

/// Returns what `record`, whose values are in NFC, says.
fn describe_composed(record: &Record) -> Description {
    let kind = RecordKind::from_leader(record.leader_at(6));
    let bibliographic = kind == RecordKind::Bibliographic;
    // A record whose leader/06 is blank or unknown but which has a title proper is a
    // bibliographic record with a damaged leader: its 008 is read as one.
    let reads_fixed_field =
        bibliographic || (kind == RecordKind::Unknown && first_tagged(record, b"245").is_some());
    let fixed = if reads_fixed_field { format::fixed_field(record) } else { None };
    let fixed = fixed.as_deref();
    let languages = publication::languages(record, fixed);
    let english = languages.first().is_none_or(|language| language == "eng");
    Description {
        kind,
        format: if bibliographic {
            format::material_format(record, fixed)
        } else {
            MaterialFormat::Other
        },
        title: title::title(record),
        uniform_title: title::uniform_title(record),
        alternate_titles: title::alternate_titles(record),
        contributors: names::contributors(record),
        subjects: subjects::subjects(record),
        identifiers: identifiers::identifiers(record),
        publication: publication::publication(record, fixed),
        edition: notes::edition(record),
        series: series::series(record),
        work_key: work::work_key(record, english),
        languages,
        physical_description: notes::physical_descriptions(record),
        notes: notes::notes(record),
        summaries: notes::summaries(record),
        contents: notes::contents(record),
        alternate_scripts: scripts::alternate_scripts(record),
    }
}
