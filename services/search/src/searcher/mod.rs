//! Running searches and suggestions on an index: the entry points, and who searches
//! what. Each area has its own room: the filters a request imposes, facets, union search
//! grouped by work, hits and highlights, suggestions (did you mean, autocomplete) and
//! page cursors. Nothing here writes to the index or decides who may search, nor which
//! libraries are hidden (suspended): the service says so.

mod cursors;
mod facets;
mod filters;
mod hits;
mod suggestions;
mod works;

use athenaeum_kernel::ApiError;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Query};
use tantivy::{DocAddress, Order, Score, TantivyDocument};

use crate::api::*;
use crate::document::Fields;
use crate::error::SearchError;
use crate::index::LiveIndex;
use crate::query::{self, QueryBuilder};
use cursors::{decode_cursor, encode_cursor};
use facets::{FacetCollectors, FacetFruit, facet_results};
use filters::{filters, with_filters};
use hits::{Snippets, hit, read_display};
use suggestions::did_you_mean;
use works::{Group, WorkGroups, top_groups, work};

pub use suggestions::{autocomplete, autocomplete_hiding};

/// Who searches what, decided by the service from the caller's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The library searched; `None` for every library.
    pub tenant_id: Option<String>,
    /// Whether the caller is staff of that library (staff details in the results).
    pub staff: bool,
}

/// Results a search may page through.
const MAX_RESULTS: usize = 10_000;
/// Below this many results, a nearby spelling is tried.
const FEW_RESULTS: u64 = 3;

/// Runs a search: one library's records (`scope.tenant_id`), or every library's grouped
/// into works, one page of them, with facet counts and a nearby spelling when the search
/// found almost nothing.
///
/// Fails with `VALIDATION` for a cursor no search returned, a page past the 10,000th
/// result, or filters the scope does not allow. Blocks while it reads the index.
pub fn search(
    live: &LiveIndex,
    request: &SearchRequest,
    scope: &Scope,
) -> Result<SearchResults, SearchError> {
    search_hiding(live, request, scope, &[])
}

/// Runs a search as [`search`] does, leaving out every record of the libraries
/// `hidden_tenants` (those suspended): from the results, the works, the editions each
/// work lists, the facet counts and the spelling suggestions. Without hidden libraries
/// it costs nothing more; with some, one term look-up per hidden library.
///
/// Fails as [`search`] does.
pub fn search_hiding(
    live: &LiveIndex,
    request: &SearchRequest,
    scope: &Scope,
    hidden_tenants: &[String],
) -> Result<SearchResults, SearchError> {
    let fields = &live.fields;
    let searcher = live.reader.searcher();
    let first = usize::try_from(request.first.clamp(1, 100)).unwrap_or(20);
    let offset = decode_cursor(request.after.as_deref())?;
    if offset >= MAX_RESULTS {
        return Err(ApiError::validation(
            "after",
            "results can be paged through only to the 10,000th",
        )
        .into());
    }
    let parsed = query::parse(&request.query);
    // Staff details (every copy's barcode, the control number) are listed in the results
    // of a search of the caller's own library only.
    let staff = scope.staff && scope.tenant_id.is_some();
    let one_library = scope.tenant_id.is_some();
    let main = QueryBuilder::new(fields, one_library).build(&parsed);
    let filters = filters(fields, request, scope, hidden_tenants)?;
    let query = with_filters(main.box_clone(), &filters);
    let page = Page { searcher: &searcher, fields, request, query: &query, first, offset };

    let mut results = SearchResults {
        total_records: 0,
        total_works: 0,
        hits: Vec::new(),
        works: Vec::new(),
        facets: Vec::new(),
        end_cursor: None,
        has_next_page: false,
        did_you_mean: None,
        read_as_words: parsed.read_as_words,
    };
    let facet_collectors = facets::collectors(request.facets, scope);
    let facet_counts = match scope.tenant_id {
        Some(_) => page.of_records(main.as_ref(), staff, facet_collectors, &mut results)?,
        None => page.of_works(&filters, facet_collectors, &mut results)?,
    };
    if let Some(counts) = facet_counts {
        results.facets = facet_results(live, &counts, scope, request)?;
    }
    if results.total_records < FEW_RESULTS && offset == 0 && parsed.has_positive() {
        results.did_you_mean =
            did_you_mean(&searcher, fields, &parsed, &filters, results.total_records, one_library)?;
    }
    Ok(results)
}

/// One page of a search: the query with its filters, and where the page starts.
struct Page<'a> {
    searcher: &'a tantivy::Searcher,
    fields: &'a Fields,
    request: &'a SearchRequest,
    query: &'a BooleanQuery,
    first: usize,
    offset: usize,
}

impl Page<'_> {
    /// Fills `results` with a page of one library's records in the request's order, and
    /// returns the facet counts when they were collected.
    fn of_records(
        &self,
        main: &dyn Query,
        staff: bool,
        facet_collectors: Option<FacetCollectors>,
        results: &mut SearchResults,
    ) -> Result<Option<FacetFruit>, SearchError> {
        let (searcher, request, query) = (self.searcher, self.request, self.query);
        let top = TopDocs::with_limit(self.first + 1).and_offset(self.offset);
        let (found, total, counts) = match request.sort {
            SearchSort::Relevance => {
                let (found, total, counts) =
                    searcher.search(query, &(top.order_by_score(), Count, facet_collectors))?;
                (found, total, counts)
            }
            SearchSort::Newest | SearchSort::Oldest => {
                let (field, order) = if request.sort == SearchSort::Newest {
                    ("year", Order::Desc)
                } else {
                    ("year_oldest", Order::Asc)
                };
                let (found, total, counts) = searcher.search(
                    query,
                    &(top.order_by_fast_field::<i64>(field, order), Count, facet_collectors),
                )?;
                (found.into_iter().map(|(_, address)| (0.0, address)).collect(), total, counts)
            }
            SearchSort::Title | SearchSort::Author => {
                let field =
                    if request.sort == SearchSort::Title { "title_sort" } else { "author_sort" };
                let (found, total, counts) = searcher.search(
                    query,
                    &(top.order_by_string_fast_field(field, Order::Asc), Count, facet_collectors),
                )?;
                (found.into_iter().map(|(_, address)| (0.0, address)).collect(), total, counts)
            }
        };
        let found: Vec<(Score, DocAddress)> = found;
        results.total_records = total as u64;
        results.has_next_page = found.len() > self.first;
        let snippets = Snippets::new(searcher, main, self.fields);
        for (index, (score, address)) in found.into_iter().take(self.first).enumerate() {
            let doc: TantivyDocument = searcher.doc(address)?;
            let display = read_display(self.fields, &doc);
            results.hits.push(hit(
                display,
                score,
                &request.branches,
                staff,
                snippets.highlights(&doc),
            ));
            results.end_cursor = Some(encode_cursor(self.offset + index + 1));
        }
        Ok(counts)
    }

    /// Fills `results` with a page of works found in every library, and returns the facet
    /// counts when they were collected.
    fn of_works(
        &self,
        filters: &[Box<dyn Query>],
        facet_collectors: Option<FacetCollectors>,
        results: &mut SearchResults,
    ) -> Result<Option<FacetFruit>, SearchError> {
        let (groups, total, counts) =
            self.searcher.search(self.query, &(WorkGroups, Count, facet_collectors))?;
        results.total_records = total as u64;
        let mut groups: Vec<Group> = groups.into_values().collect();
        let end = self.offset + self.first;
        top_groups(&mut groups, self.request.sort, end);
        results.total_works = groups.len() as u64;
        results.has_next_page = groups.len() > end;
        for (index, group) in groups.iter().skip(self.offset).take(self.first).enumerate() {
            results.works.push(work(self.searcher, self.fields, group, filters)?);
            results.end_cursor = Some(encode_cursor(self.offset + index + 1));
        }
        Ok(counts)
    }
}

/// Returns (tenant id, record id) of every document in the index, sorted, repeats kept:
/// for checks that compare the index with the catalogue. Reads every document.
pub fn all_documents(live: &LiveIndex) -> Result<Vec<(String, String)>, SearchError> {
    let searcher = live.reader.searcher();
    let total = searcher.search(&AllQuery, &Count)?;
    let found = searcher.search(&AllQuery, &TopDocs::with_limit(total.max(1)).order_by_score())?;
    let mut documents = Vec::with_capacity(found.len());
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        let display = read_display(&live.fields, &doc);
        documents.push((display.tenant_id, display.record_id));
    }
    documents.sort();
    Ok(documents)
}
