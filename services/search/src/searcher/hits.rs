//! A library search's hits as readers see them: the stored display of a record, staff
//! details for staff only, availability in the branches searched, and highlights.

use tantivy::Score;
use tantivy::TantivyDocument;
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;

use crate::api::{Highlight, SearchHit, StaffDetails, TextRange};
use crate::document::{Display, Fields};

/// Returns what a document stores for display (an empty display when it stores none).
pub(super) fn read_display(fields: &Fields, doc: &TantivyDocument) -> Display {
    doc.get_first(fields.display)
        .and_then(|value| value.as_str())
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// Returns the hit a record's display makes: available now when a copy is on the shelf
/// in one of `branches` (any branch when none are chosen), staff details only for staff.
pub(super) fn hit(
    display: Display,
    score: Score,
    branches: &[String],
    staff: bool,
    highlights: Vec<Highlight>,
) -> SearchHit {
    let available_now = display.holdings.iter().any(|holding| {
        holding.available > 0 && (branches.is_empty() || branches.contains(&holding.branch_code))
    });
    SearchHit {
        staff: staff.then(|| StaffDetails {
            control_number: display.control_number.clone(),
            barcodes: display.barcodes.clone(),
        }),
        record_id: display.record_id,
        tenant_id: display.tenant_id,
        score,
        title: display.title,
        authors: display.authors,
        year: display.year,
        format: display.format,
        languages: display.languages,
        publishers: display.publishers,
        edition: display.edition,
        isbns: display.isbns,
        work_key: display.work_key,
        holdings: display.holdings,
        available_now,
        highlights,
    }
}

/// Highlighters for the title and the notes.
pub(super) struct Snippets {
    title: Option<SnippetGenerator>,
    notes: Option<SnippetGenerator>,
}

impl Snippets {
    pub(super) fn new(
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        fields: &Fields,
    ) -> Snippets {
        let make = |field| {
            SnippetGenerator::create(searcher, query, field).ok().map(|mut generator| {
                generator.set_max_num_chars(200);
                generator
            })
        };
        Snippets { title: make(fields.title), notes: make(fields.notes) }
    }

    /// Returns the highlighted fragments of a document's title and notes that the query
    /// matched.
    pub(super) fn highlights(&self, doc: &TantivyDocument) -> Vec<Highlight> {
        let mut highlights = Vec::new();
        for (name, generator) in [("title", &self.title), ("summary", &self.notes)] {
            let Some(generator) = generator else { continue };
            let snippet = generator.snippet_from_doc(doc);
            if snippet.is_empty() || snippet.highlighted().is_empty() {
                continue;
            }
            highlights.push(Highlight {
                field: name.to_string(),
                text: snippet.fragment().to_string(),
                ranges: snippet
                    .highlighted()
                    .iter()
                    .map(|range| TextRange {
                        start: u32::try_from(range.start).unwrap_or(u32::MAX),
                        end: u32::try_from(range.end).unwrap_or(u32::MAX),
                    })
                    .collect(),
            });
        }
        highlights
    }
}
