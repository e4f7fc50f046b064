//! The index's schema and how a catalogue record becomes a document.

use athenaeum_catalogue::api::{IndexRecord, ItemStatus};
use athenaeum_marc::describe::{ContributorKind, Description, MaterialFormat, RecordKind};
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{TantivyDocument, Term};

use crate::analysis::{self, EXACT, TEXT};
use crate::api::BranchHolding;

/// Bumped whenever the schema, the analysis or what documents hold changes: an index of
/// another version is rebuilt from the catalogue on start.
pub const SCHEMA_VERSION: u32 = 5;

/// The index's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `tenant/record`: the unique key documents are replaced and deleted by.
    pub doc_key: Field,
    /// The record id.
    pub record_id: Field,
    /// The tenant id (fast, for union grouping and scoping).
    pub tenant: Field,
    /// The title and its parts (stemmed; stored for highlighting).
    pub title: Field,
    /// The folded title without its subtitle, as one term: exact-title matches.
    pub title_key: Field,
    /// Uniform, alternate and series titles (stemmed).
    pub other_titles: Field,
    /// Contributors' names (stemmed).
    pub author: Field,
    /// Subject headings (stemmed).
    pub subject: Field,
    /// Series titles (stemmed).
    pub series: Field,
    /// Publishers and places.
    pub publisher: Field,
    /// Notes, summaries and contents (stemmed; the summary is stored for highlighting).
    pub notes: Field,
    /// ISBN-13, ISBN-10, ISSN (with and without hyphen), LCCN: exact terms.
    pub identifier: Field,
    /// Control number, system numbers and OCLC numbers (staff).
    pub control: Field,
    /// Item barcodes (staff).
    pub barcode: Field,
    /// Call numbers, folded words (staff).
    pub call_number: Field,
    /// Title, authors, subjects and series unstemmed: spelling suggestions, autocomplete
    /// and exact phrase boosts.
    pub words: Field,
    /// Publication year (fast, for ranges and newest-first; 0 when unknown).
    pub year: Field,
    /// Publication year for oldest-first (9999 when unknown, so those come last).
    pub year_oldest: Field,
    /// Title sort key.
    pub title_sort: Field,
    /// Main author sort key.
    pub author_sort: Field,
    /// The work key (fast and stored).
    pub work_key: Field,
    /// Facet paths: /format/…, /language/…, /subject/…, /author/…, /year/…,
    /// /branch/<tenant>/<code>, /available/<tenant>/<code>, /availability/available.
    pub facets: Field,
    /// Subject headings (main part) as fast values: SUBJECT facet counts.
    pub subject_value: Field,
    /// Contributors' names as fast values: AUTHOR facet counts.
    pub author_value: Field,
    /// What results show, as JSON ([`Display`]).
    pub display: Field,
}

/// Builds the schema.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |analyzer: &str, positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(if positions {
                IndexRecordOption::WithFreqsAndPositions
            } else {
                IndexRecordOption::WithFreqs
            }),
        )
    };
    let fields = Fields {
        doc_key: builder.add_text_field("doc_key", STRING),
        record_id: builder.add_text_field("record_id", STRING | STORED),
        tenant: builder.add_text_field("tenant", STRING | STORED | FAST),
        title: builder.add_text_field("title", text(TEXT, true) | STORED),
        title_key: builder.add_text_field("title_key", STRING),
        other_titles: builder.add_text_field("other_titles", text(TEXT, true)),
        author: builder.add_text_field("author", text(TEXT, true)),
        subject: builder.add_text_field("subject", text(TEXT, true)),
        series: builder.add_text_field("series", text(TEXT, true)),
        publisher: builder.add_text_field("publisher", text(TEXT, false)),
        notes: builder.add_text_field("notes", text(TEXT, true) | STORED),
        identifier: builder.add_text_field("identifier", STRING),
        control: builder.add_text_field("control", STRING),
        barcode: builder.add_text_field("barcode", STRING),
        call_number: builder.add_text_field("call_number", text(EXACT, true)),
        words: builder.add_text_field("words", text(EXACT, true)),
        year: builder.add_i64_field("year", INDEXED | FAST),
        year_oldest: builder.add_i64_field("year_oldest", FAST),
        title_sort: builder.add_text_field("title_sort", STRING | FAST),
        author_sort: builder.add_text_field("author_sort", STRING | FAST),
        work_key: builder.add_text_field("work_key", STRING | FAST | STORED),
        facets: builder.add_facet_field("facets", FacetOptions::default()),
        subject_value: builder.add_text_field("subject_value", STRING | FAST),
        author_value: builder.add_text_field("author_value", STRING | FAST),
        display: builder.add_text_field("display", STORED),
    };
    (builder.build(), fields)
}

/// What a result shows of a record, stored with its document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Display {
    /// The tenant.
    pub tenant_id: String,
    /// The record.
    pub record_id: String,
    /// The title as displayed.
    pub title: String,
    /// Contributors, main entry first.
    pub authors: Vec<String>,
    /// Publication year.
    pub year: Option<i32>,
    /// Format value.
    pub format: String,
    /// Language codes.
    pub languages: Vec<String>,
    /// Publishers.
    pub publishers: Vec<String>,
    /// Edition statement.
    pub edition: Option<String>,
    /// ISBN-13s.
    pub isbns: Vec<String>,
    /// Work key.
    pub work_key: Option<String>,
    /// Copies per branch.
    pub holdings: Vec<BranchHolding>,
    /// Control number (staff).
    pub control_number: Option<String>,
    /// Barcodes (staff).
    pub barcodes: Vec<String>,
}

/// Returns the facet value of a format: its snake-case name ("large_print_book").
pub fn format_value(format: MaterialFormat) -> String {
    serde_json::to_value(format)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_else(|| "other".into())
}

/// Returns the words a facet value is shown with: "large_print_book" → "Large print book".
pub fn format_label(value: &str) -> String {
    let mut label = value.replace('_', " ");
    match value {
        "dvd" => return "DVD".into(),
        "blu_ray" => return "Blu-ray".into(),
        "e_book" => return "E-book".into(),
        _ => {}
    }
    if let Some(first) = label.get(..1) {
        let upper = first.to_uppercase();
        label.replace_range(..1, &upper);
    }
    label
}

/// Returns the English name of a MARC language code for the LANGUAGE facet, or the code
/// itself when it is not one of the common ones.
pub fn language_label(code: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("ara", "Arabic"),
        ("ben", "Bengali"),
        ("bul", "Bulgarian"),
        ("cat", "Catalan"),
        ("chi", "Chinese"),
        ("cze", "Czech"),
        ("dan", "Danish"),
        ("dut", "Dutch"),
        ("eng", "English"),
        ("est", "Estonian"),
        ("fin", "Finnish"),
        ("fre", "French"),
        ("gai", "Irish"),
        ("ger", "German"),
        ("gla", "Scottish Gaelic"),
        ("gre", "Greek, Modern"),
        ("grc", "Greek, Ancient"),
        ("guj", "Gujarati"),
        ("heb", "Hebrew"),
        ("hin", "Hindi"),
        ("hun", "Hungarian"),
        ("ice", "Icelandic"),
        ("ita", "Italian"),
        ("jpn", "Japanese"),
        ("kor", "Korean"),
        ("lat", "Latin"),
        ("lav", "Latvian"),
        ("lit", "Lithuanian"),
        ("mul", "Multiple languages"),
        ("nor", "Norwegian"),
        ("pan", "Panjabi"),
        ("per", "Persian"),
        ("pol", "Polish"),
        ("por", "Portuguese"),
        ("rum", "Romanian"),
        ("rus", "Russian"),
        ("slo", "Slovak"),
        ("slv", "Slovenian"),
        ("som", "Somali"),
        ("spa", "Spanish"),
        ("swe", "Swedish"),
        ("tam", "Tamil"),
        ("tur", "Turkish"),
        ("ukr", "Ukrainian"),
        ("urd", "Urdu"),
        ("vie", "Vietnamese"),
        ("wel", "Welsh"),
        ("yid", "Yiddish"),
    ];
    NAMES
        .iter()
        .find(|(known, _)| *known == code)
        .map_or_else(|| code.to_string(), |(_, name)| (*name).to_string())
}

/// Returns the decade facet value of a year: 1994 → "1990-1999".
pub fn decade(year: i32) -> String {
    let start = year - year.rem_euclid(10);
    format!("{start}-{}", start + 9)
}

/// Returns the key a document is stored under.
pub fn doc_key(tenant_id: &str, record_id: &str) -> String {
    format!("{tenant_id}/{record_id}")
}

/// Returns the term that deletes a record's document.
pub fn doc_key_term(fields: &Fields, tenant_id: &str, record_id: &str) -> Term {
    Term::from_field_text(fields.doc_key, &doc_key(tenant_id, record_id))
}

/// Escapes a value for use as one facet path segment.
pub fn facet(parts: &[&str]) -> Facet {
    Facet::from_path(parts.iter().map(|part| part.replace(['/', '\\'], " ")))
}

/// Returns a person's name in reading order, as people type it: "Austen, Jane" gives
/// "Jane Austen", "King, Martin Luther, Jr." gives "Martin Luther King Jr."; `None` for a
/// name without a forename.
pub fn direct_order(name: &str) -> Option<String> {
    let (surname, rest) = name.split_once(',')?;
    let (forenames, suffix) = rest.split_once(',').unwrap_or((rest, ""));
    let (surname, forenames, suffix) = (surname.trim(), forenames.trim(), suffix.trim());
    if surname.is_empty() || forenames.is_empty() {
        return None;
    }
    let parts: Vec<&str> =
        [forenames, surname, suffix].into_iter().filter(|part| !part.is_empty()).collect();
    Some(parts.join(" "))
}

/// Why a stored record cannot be indexed.
#[derive(Debug, thiserror::Error)]
#[error("record {record_id}: its stored description does not read: {reason}")]
pub struct UnreadableRecord {
    /// The record.
    pub record_id: String,
    /// The parser's words.
    pub reason: String,
}

/// Builds a record's document; `None` for a record that is not bibliographic.
pub fn build(
    fields: &Fields,
    source: &IndexRecord,
) -> Result<Option<TantivyDocument>, UnreadableRecord> {
    let description: Description = serde_json::from_str(&source.description).map_err(|error| {
        UnreadableRecord { record_id: source.record_id.clone(), reason: error.to_string() }
    })?;
    if description.kind != RecordKind::Bibliographic {
        return Ok(None);
    }
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.doc_key, doc_key(&source.tenant_id, &source.record_id));
    doc.add_text(fields.record_id, &source.record_id);
    doc.add_text(fields.tenant, &source.tenant_id);

    let mut display_title = String::new();
    if let Some(title) = &description.title {
        display_title.clone_from(&title.display);
        doc.add_text(fields.title, &title.display);
        doc.add_text(fields.words, &title.display);
        for key in analysis::title_keys(&title.main)
            .into_iter()
            .chain(analysis::title_keys(&title.display))
        {
            doc.add_text(fields.title_key, key);
        }
        if let Some(alternate) = &title.display_alternate {
            doc.add_text(fields.other_titles, alternate);
        }
        // Folded, so titles sort alphabetically whatever their case, accents or leading
        // punctuation ("... About vanilla", "\"Snowflakes\"").
        doc.add_text(fields.title_sort, analysis::fold_words(&title.sort));
    }
    if let Some(uniform) = &description.uniform_title {
        doc.add_text(fields.other_titles, &uniform.title);
        for key in analysis::title_keys(&uniform.title) {
            doc.add_text(fields.title_key, key);
        }
    }
    for alternate in &description.alternate_titles {
        doc.add_text(fields.other_titles, &alternate.title);
    }
    let mut authors = Vec::new();
    for contributor in &description.contributors {
        doc.add_text(fields.author, &contributor.name);
        if contributor.kind == ContributorKind::Person
            && let Some(direct) = direct_order(&contributor.name)
        {
            doc.add_text(fields.author, direct);
        }
        doc.add_text(fields.words, &contributor.name);
        if let Some(alternate) = &contributor.name_alternate {
            doc.add_text(fields.author, alternate);
        }
        if !authors.contains(&contributor.name) {
            authors.push(contributor.name.clone());
            doc.add_facet(fields.facets, facet(&["author", &contributor.name]));
            doc.add_text(fields.author_value, &contributor.name);
        }
    }
    if let Some(first) = description.contributors.first() {
        doc.add_text(fields.author_sort, analysis::fold_words(&first.name));
    }
    let mut subjects: Vec<&str> = Vec::new();
    for subject in &description.subjects {
        doc.add_text(fields.subject, &subject.heading);
        doc.add_text(fields.words, &subject.heading);
        if let Some(alternate) = &subject.heading_alternate {
            doc.add_text(fields.subject, alternate);
        }
        // Each subject counts once per record, however many headings share it.
        if !subjects.contains(&subject.main.as_str()) {
            subjects.push(subject.main.as_str());
            doc.add_facet(fields.facets, facet(&["subject", &subject.main]));
            doc.add_text(fields.subject_value, &subject.main);
        }
    }
    for series in &description.series {
        doc.add_text(fields.series, &series.title);
        doc.add_text(fields.words, &series.title);
    }
    for publisher in &description.publication.publishers {
        doc.add_text(fields.publisher, publisher);
    }
    for place in &description.publication.places {
        doc.add_text(fields.publisher, place);
    }
    for note in &description.notes {
        doc.add_text(fields.notes, &note.text);
    }
    for text in description.summaries.iter().chain(&description.contents) {
        doc.add_text(fields.notes, text);
    }
    if let Some(edition) = &description.edition {
        doc.add_text(fields.notes, edition);
    }

    let identifiers = &description.identifiers;
    for isbn in &identifiers.isbns {
        doc.add_text(fields.identifier, &isbn.isbn13);
        if let Some(isbn10) = &isbn.isbn10 {
            doc.add_text(fields.identifier, isbn10);
        }
    }
    for issn in identifiers.issns.iter().chain(&identifiers.linking_issns) {
        doc.add_text(fields.identifier, issn);
        doc.add_text(fields.identifier, issn.replace('-', ""));
    }
    if let Some(lccn) = &identifiers.lccn {
        doc.add_text(fields.identifier, lccn);
    }
    if let Some(control) = &identifiers.control_number {
        doc.add_text(fields.control, control.trim());
    }
    for number in identifiers.system_numbers.iter().chain(&identifiers.oclc_numbers) {
        doc.add_text(fields.control, number.trim());
    }

    let format = format_value(description.format);
    doc.add_facet(fields.facets, facet(&["format", &format]));
    for language in &description.languages {
        doc.add_facet(fields.facets, facet(&["language", language]));
    }
    let year = description.publication.year.map(i32::from);
    doc.add_i64(fields.year, year.map_or(0, i64::from));
    doc.add_i64(fields.year_oldest, year.map_or(9999, i64::from));
    if let Some(year) = year {
        doc.add_facet(fields.facets, facet(&["year", &decade(year)]));
    }
    if let Some(work_key) = &description.work_key {
        doc.add_text(fields.work_key, work_key);
    }

    // Items: branches, live availability, barcodes and call numbers.
    let mut holdings: Vec<BranchHolding> = Vec::new();
    let mut barcodes = Vec::new();
    let mut any_available = false;
    for item in &source.items {
        doc.add_text(fields.barcode, &item.barcode);
        barcodes.push(item.barcode.clone());
        if let Some(call_number) = &item.call_number {
            doc.add_text(fields.call_number, call_number);
        }
        if item.status == ItemStatus::Withdrawn {
            continue;
        }
        let available = item.status == ItemStatus::Available;
        any_available |= available;
        let index =
            match holdings.iter().position(|holding| holding.branch_code == item.branch_code) {
                Some(index) => index,
                None => {
                    holdings.push(BranchHolding {
                        tenant_id: source.tenant_id.clone(),
                        branch_code: item.branch_code.clone(),
                        branch_name: item.branch_name.clone(),
                        copies: 0,
                        available: 0,
                        call_numbers: Vec::new(),
                    });
                    holdings.len() - 1
                }
            };
        let holding = &mut holdings[index];
        holding.copies += 1;
        holding.available += u32::from(available);
        if let Some(call_number) = &item.call_number
            && !holding.call_numbers.contains(call_number)
        {
            holding.call_numbers.push(call_number.clone());
        }
    }
    holdings.sort_by(|left, right| left.branch_name.cmp(&right.branch_name));
    for holding in &holdings {
        doc.add_facet(fields.facets, facet(&["branch", &source.tenant_id, &holding.branch_code]));
        if holding.available > 0 {
            doc.add_facet(
                fields.facets,
                facet(&["available", &source.tenant_id, &holding.branch_code]),
            );
        }
    }
    if any_available {
        doc.add_facet(fields.facets, facet(&["availability", "available"]));
    }

    let display = Display {
        tenant_id: source.tenant_id.clone(),
        record_id: source.record_id.clone(),
        title: display_title,
        authors,
        year,
        format,
        languages: description.languages.clone(),
        publishers: description.publication.publishers.clone(),
        edition: description.edition.clone(),
        isbns: identifiers.isbns.iter().map(|isbn| isbn.isbn13.clone()).collect(),
        work_key: description.work_key.clone(),
        holdings,
        control_number: identifiers.control_number.clone(),
        barcodes,
    };
    doc.add_text(fields.display, serde_json::to_string(&display).unwrap_or_default());
    Ok(Some(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_in_the_order_people_type_them() {
        assert_eq!(direct_order("Austen, Jane").as_deref(), Some("Jane Austen"));
        assert_eq!(direct_order("Eliot, T. S.").as_deref(), Some("T. S. Eliot"));
        assert_eq!(
            direct_order("King, Martin Luther, Jr.").as_deref(),
            Some("Martin Luther King Jr.")
        );
        assert_eq!(direct_order("Homer"), None);
        assert_eq!(direct_order("Madonna,"), None);
    }
}
