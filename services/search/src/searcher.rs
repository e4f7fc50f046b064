//! Running searches and suggestions on an index: scope and filters, facets, sorting,
//! cursors, highlights, "did you mean", union search grouped by work, autocomplete.

use std::collections::HashMap;
use std::ops::Bound;

use athenaeum_kernel::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tantivy::collector::{
    Collector, Count, FacetCollector, FacetCounts as TantivyFacetCounts, SegmentCollector, TopDocs,
};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, DocId, Order, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

use crate::analysis;
use crate::api::*;
use crate::document::{self, Display, Fields};
use crate::error::SearchError;
use crate::index::LiveIndex;
use crate::query::{self, Parsed, QueryBuilder};

/// Who searches what, decided by the service from the caller's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The library searched; `None` for every library.
    pub tenant_id: Option<String>,
    /// Whether the caller is staff of that library (staff fields and searches).
    pub staff: bool,
}

/// Results a search may page through.
const MAX_RESULTS: usize = 10_000;
/// Below this many results, a nearby spelling is tried.
const FEW_RESULTS: u64 = 3;

/// Runs a search.
pub fn search(
    live: &LiveIndex,
    request: &SearchRequest,
    scope: &Scope,
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
    let staff = scope.staff && scope.tenant_id.is_some();
    let main = QueryBuilder::new(fields, staff).build(&parsed);
    let filters = filters(fields, request, scope)?;
    let query = with_filters(main.box_clone(), &filters);

    let mut facet_collector = FacetCollector::for_field("facets");
    for root in FacetName::ALL.into_iter().filter_map(|facet| facet_root(facet, scope)) {
        facet_collector.add_facet(root);
    }
    let want_facets = request.facets;

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
    let facet_counts: Option<FacetFruit>;
    match scope.tenant_id {
        Some(_) => {
            let top = TopDocs::with_limit(first + 1).and_offset(offset);
            let (found, total, counts) = match request.sort {
                SearchSort::Relevance => {
                    let (found, total, counts) = searcher.search(
                        &query,
                        &(top.order_by_score(), Count, optional(want_facets, facet_collector)),
                    )?;
                    (found, total, counts)
                }
                SearchSort::Newest | SearchSort::Oldest => {
                    let (field, order) = if request.sort == SearchSort::Newest {
                        ("year", Order::Desc)
                    } else {
                        ("year_oldest", Order::Asc)
                    };
                    let (found, total, counts) = searcher.search(
                        &query,
                        &(
                            top.order_by_fast_field::<i64>(field, order),
                            Count,
                            optional(want_facets, facet_collector),
                        ),
                    )?;
                    (found.into_iter().map(|(_, address)| (0.0, address)).collect(), total, counts)
                }
                SearchSort::Title | SearchSort::Author => {
                    let field = if request.sort == SearchSort::Title {
                        "title_sort"
                    } else {
                        "author_sort"
                    };
                    let (found, total, counts) = searcher.search(
                        &query,
                        &(
                            top.order_by_string_fast_field(field, Order::Asc),
                            Count,
                            optional(want_facets, facet_collector),
                        ),
                    )?;
                    (found.into_iter().map(|(_, address)| (0.0, address)).collect(), total, counts)
                }
            };
            let found: Vec<(Score, DocAddress)> = found;
            results.total_records = total as u64;
            results.has_next_page = found.len() > first;
            let snippets = Snippets::new(&searcher, main.as_ref(), fields);
            for (index, (score, address)) in found.into_iter().take(first).enumerate() {
                let doc: TantivyDocument = searcher.doc(address)?;
                let display = read_display(fields, &doc);
                results.hits.push(hit(
                    display,
                    score,
                    &request.branches,
                    staff,
                    snippets.highlights(&doc),
                ));
                results.end_cursor = Some(encode_cursor(offset + index + 1));
            }
            facet_counts = counts;
        }
        None => {
            let (groups, total, counts) = searcher
                .search(&query, &(WorkGroups, Count, optional(want_facets, facet_collector)))?;
            results.total_records = total as u64;
            let mut groups: Vec<Group> = groups.into_values().collect();
            top_groups(&mut groups, request.sort, offset + first);
            results.total_works = groups.len() as u64;
            results.has_next_page = groups.len() > offset + first;
            for (index, group) in groups.iter().skip(offset).take(first).enumerate() {
                results.works.push(work(&searcher, fields, group, &filters)?);
                results.end_cursor = Some(encode_cursor(offset + index + 1));
            }
            facet_counts = counts;
        }
    }
    if let Some(counts) = facet_counts {
        results.facets = facet_results(live, &counts, scope, request)?;
    }
    if results.total_records < FEW_RESULTS && offset == 0 && parsed.has_positive() {
        results.did_you_mean =
            did_you_mean(&searcher, fields, &parsed, &filters, results.total_records, staff)?;
    }
    Ok(results)
}

/// Facet counts: the low-cardinality facets by path, subjects and authors by value.
type FacetCollectors = (FacetCollector, ValueCounts, ValueCounts);
/// What [`FacetCollectors`] count.
type FacetFruit = (TantivyFacetCounts, Vec<(String, u64)>, Vec<(String, u64)>);

fn optional(want: bool, collector: FacetCollector) -> Option<FacetCollectors> {
    want.then_some((collector, ValueCounts("subject_value"), ValueCounts("author_value")))
}

/// Counts the values of a multi-valued fast text field over the matches: work in
/// proportion to the matches, not to how many values the index holds.
struct ValueCounts(&'static str);

struct SegmentValueCounts {
    column: Option<StrColumn>,
    counts: HashMap<u64, u64>,
}

impl Collector for ValueCounts {
    type Fruit = Vec<(String, u64)>;
    type Child = SegmentValueCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentValueCounts> {
        Ok(SegmentValueCounts { column: reader.fast_fields().str(self.0)?, counts: HashMap::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(String, u64)>>) -> tantivy::Result<Vec<(String, u64)>> {
        let mut merged: HashMap<String, u64> = HashMap::new();
        for (value, count) in fruits.into_iter().flatten() {
            *merged.entry(value).or_default() += count;
        }
        let mut values: Vec<(String, u64)> = merged.into_iter().collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        values.truncate(20);
        Ok(values)
    }
}

impl SegmentCollector for SegmentValueCounts {
    type Fruit = Vec<(String, u64)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                *self.counts.entry(ord).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Vec<(String, u64)> {
        let Some(column) = self.column else { return Vec::new() };
        let mut counted: Vec<(u64, u64)> = self.counts.into_iter().collect();
        counted.sort_unstable();
        let ords: Vec<u64> = counted.iter().map(|(ord, _)| *ord).collect();
        let mut values = Vec::with_capacity(counted.len());
        let mut counts = counted.into_iter().map(|(_, count)| count);
        let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
            if let Some(count) = counts.next() {
                values.push((String::from_utf8_lossy(bytes).into_owned(), count));
            }
        });
        values
    }
}

fn encode_cursor(position: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("r{position}"))
}

fn decode_cursor(cursor: Option<&str>) -> Result<usize, SearchError> {
    let Some(cursor) = cursor.filter(|cursor| !cursor.is_empty()) else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix('r').and_then(|number| number.parse().ok()))
        .ok_or_else(|| {
            ApiError::validation("after", "this cursor is not one that a search returned").into()
        })
}

/// The facet roots counted for a scope.
/// The facet path a facet is counted under, or `None` for subjects and authors: they
/// have too many values for facet paths to count quickly (the facet collector walks every
/// value under a root), so they are counted from fast values.
fn facet_root(facet: FacetName, scope: &Scope) -> Option<Facet> {
    let path: Vec<&str> = match facet {
        FacetName::Format => vec!["format"],
        FacetName::Language => vec!["language"],
        FacetName::Year => vec!["year"],
        FacetName::Availability => vec!["availability"],
        FacetName::Branch => match &scope.tenant_id {
            Some(tenant_id) => vec!["branch", tenant_id.as_str()],
            None => vec!["branch"],
        },
        FacetName::Subject | FacetName::Author => return None,
    };
    Some(Facet::from_path(path))
}

fn term_filter(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn facet_term(fields: &Fields, parts: &[&str]) -> Term {
    Term::from_facet(fields.facets, &document::facet(parts))
}

/// The filters a request and its scope impose, each a query every result must match.
fn filters(
    fields: &Fields,
    request: &SearchRequest,
    scope: &Scope,
) -> Result<Vec<Box<dyn Query>>, SearchError> {
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    if let Some(tenant_id) = &scope.tenant_id {
        filters.push(term_filter(Term::from_field_text(fields.tenant, tenant_id)));
    }
    if !request.branches.is_empty() {
        let Some(tenant_id) = &scope.tenant_id else {
            return Err(ApiError::validation(
                "branches",
                "branches can be chosen only when searching one library",
            )
            .into());
        };
        filters.push(Box::new(BooleanQuery::union(
            request
                .branches
                .iter()
                .map(|code| term_filter(facet_term(fields, &["branch", tenant_id, code])))
                .collect(),
        )));
    }
    let mut by_facet: Vec<(FacetName, Vec<Box<dyn Query>>)> = Vec::new();
    for filter in &request.filters {
        let term = match filter.facet {
            FacetName::Format => facet_term(fields, &["format", &filter.value]),
            FacetName::Language => facet_term(fields, &["language", &filter.value]),
            FacetName::Subject => facet_term(fields, &["subject", &filter.value]),
            FacetName::Author => facet_term(fields, &["author", &filter.value]),
            FacetName::Year => facet_term(fields, &["year", &filter.value]),
            FacetName::Branch => match &scope.tenant_id {
                Some(tenant_id) => facet_term(fields, &["branch", tenant_id, &filter.value]),
                None => facet_term(fields, &["branch", &filter.value]),
            },
            FacetName::Availability => {
                if filter.value != "available" {
                    return Err(ApiError::validation(
                        "filters",
                        "the availability filter's only value is \"available\"",
                    )
                    .into());
                }
                match (&scope.tenant_id, request.branches.is_empty()) {
                    (Some(tenant_id), false) => {
                        let any: Vec<Box<dyn Query>> = request
                            .branches
                            .iter()
                            .map(|code| {
                                term_filter(facet_term(fields, &["available", tenant_id, code]))
                            })
                            .collect();
                        push_filter(
                            &mut by_facet,
                            filter.facet,
                            Box::new(BooleanQuery::union(any)),
                        );
                        continue;
                    }
                    _ => facet_term(fields, &["availability", "available"]),
                }
            }
        };
        push_filter(&mut by_facet, filter.facet, term_filter(term));
    }
    for (_, alternatives) in by_facet {
        filters.push(Box::new(BooleanQuery::union(alternatives)));
    }
    if request.year_from.is_some() || request.year_to.is_some() {
        let from = request
            .year_from
            .map_or(Bound::Included(Term::from_field_i64(fields.year, 1)), |year| {
                Bound::Included(Term::from_field_i64(fields.year, i64::from(year)))
            });
        let to = request.year_to.map_or(Bound::Unbounded, |year| {
            Bound::Included(Term::from_field_i64(fields.year, i64::from(year)))
        });
        filters.push(Box::new(RangeQuery::new(from, to)));
    }
    Ok(filters)
}

fn push_filter(
    by_facet: &mut Vec<(FacetName, Vec<Box<dyn Query>>)>,
    facet: FacetName,
    query: Box<dyn Query>,
) {
    match by_facet.iter_mut().find(|(name, _)| *name == facet) {
        Some((_, alternatives)) => alternatives.push(query),
        None => by_facet.push((facet, vec![query])),
    }
}

fn with_filters(main: Box<dyn Query>, filters: &[Box<dyn Query>]) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    for filter in filters {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0))));
    }
    BooleanQuery::new(clauses)
}

fn read_display(fields: &Fields, doc: &TantivyDocument) -> Display {
    doc.get_first(fields.display)
        .and_then(|value| value.as_str())
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

fn hit(
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
struct Snippets {
    title: Option<SnippetGenerator>,
    notes: Option<SnippetGenerator>,
}

impl Snippets {
    fn new(searcher: &tantivy::Searcher, query: &dyn Query, fields: &Fields) -> Snippets {
        let make = |field| {
            SnippetGenerator::create(searcher, query, field).ok().map(|mut generator| {
                generator.set_max_num_chars(200);
                generator
            })
        };
        Snippets { title: make(fields.title), notes: make(fields.notes) }
    }

    fn highlights(&self, doc: &TantivyDocument) -> Vec<Highlight> {
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

// ---- union search: one result per work -------------------------------------------------

/// A work among the results: its best-scoring record.
#[derive(Debug, Clone)]
struct Group {
    key: String,
    has_key: bool,
    score: Score,
    year: i64,
    address: DocAddress,
}

/// Groups matching records by work key, keeping each work's best record.
struct WorkGroups;

struct SegmentGroups {
    segment: SegmentOrdinal,
    keys: Option<StrColumn>,
    years: Column<i64>,
    best: HashMap<u64, (Score, i64, DocId)>,
    unkeyed: Vec<(Score, i64, DocId)>,
}

impl Collector for WorkGroups {
    type Fruit = HashMap<String, Group>;
    type Child = SegmentGroups;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentGroups> {
        Ok(SegmentGroups {
            segment,
            keys: reader.fast_fields().str("work_key")?,
            years: reader.fast_fields().i64("year")?,
            best: HashMap::new(),
            unkeyed: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Group>>) -> tantivy::Result<HashMap<String, Group>> {
        let mut merged: HashMap<String, Group> = HashMap::new();
        for group in fruits.into_iter().flatten() {
            match merged.get(&group.key) {
                Some(existing) if existing.score >= group.score => {}
                _ => {
                    merged.insert(group.key.clone(), group);
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentGroups {
    type Fruit = Vec<Group>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let year = self.years.first(doc).unwrap_or(0);
        let ord = self.keys.as_ref().and_then(|keys| keys.term_ords(doc).next());
        match ord {
            Some(ord) => {
                let entry = self.best.entry(ord).or_insert((score, year, doc));
                if score > entry.0 {
                    *entry = (score, year, doc);
                }
            }
            None => self.unkeyed.push((score, year, doc)),
        }
    }

    fn harvest(self) -> Vec<Group> {
        let mut groups = Vec::with_capacity(self.best.len() + self.unkeyed.len());
        // Work keys resolved in ordinal order: one pass over the dictionary, where one
        // look-up per key would decode a block each time.
        let mut best: Vec<(u64, (Score, i64, DocId))> = self.best.into_iter().collect();
        best.sort_unstable_by_key(|(ord, _)| *ord);
        if let Some(keys) = &self.keys {
            let ords: Vec<u64> = best.iter().map(|(ord, _)| *ord).collect();
            let mut entries = best.iter();
            let segment = self.segment;
            let _ = keys.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some((_, (score, year, doc))) = entries.next() {
                    groups.push(Group {
                        key: String::from_utf8_lossy(bytes).into_owned(),
                        has_key: true,
                        score: *score,
                        year: *year,
                        address: DocAddress::new(segment, *doc),
                    });
                }
            });
        }
        for (score, year, doc) in self.unkeyed {
            groups.push(Group {
                key: format!("\u{0}{}/{doc}", self.segment),
                has_key: false,
                score,
                year,
                address: DocAddress::new(self.segment, doc),
            });
        }
        groups
    }
}

/// Puts the first `keep` works in `sort` order at the front (and leaves the rest
/// unordered behind them): choosing a page needs no full sort of every work found.
fn top_groups(groups: &mut [Group], sort: SearchSort, keep: usize) {
    // A work key is "title/author", folded: its parts sort as titles and authors do.
    fn author(group: &Group) -> &str {
        group.key.split_once('/').map_or("", |(_, author)| author)
    }
    let order = |a: &Group, b: &Group| match sort {
        SearchSort::Relevance => b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)),
        SearchSort::Newest => b.year.cmp(&a.year).then_with(|| a.key.cmp(&b.key)),
        SearchSort::Oldest => (a.year == 0)
            .cmp(&(b.year == 0))
            .then(a.year.cmp(&b.year))
            .then_with(|| a.key.cmp(&b.key)),
        SearchSort::Title => a.key.cmp(&b.key),
        SearchSort::Author => author(a).cmp(author(b)).then_with(|| a.key.cmp(&b.key)),
    };
    let keep = keep.min(groups.len());
    if keep == 0 {
        return;
    }
    if keep < groups.len() {
        groups.select_nth_unstable_by(keep - 1, order);
    }
    groups[..keep].sort_by(order);
}

/// Every library's records of a work that pass the search's filters (a search for DVDs
/// lists the libraries holding the work on DVD), with their copies.
fn work(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    group: &Group,
    filters: &[Box<dyn Query>],
) -> Result<WorkHit, SearchError> {
    let best: TantivyDocument = searcher.doc(group.address)?;
    let best = read_display(fields, &best);
    let mut members = vec![best.clone()];
    if group.has_key {
        let query =
            with_filters(term_filter(Term::from_field_text(fields.work_key, &group.key)), filters);
        let found = searcher.search(&query, &TopDocs::with_limit(500).order_by_score())?;
        members.clear();
        for (_, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            members.push(read_display(fields, &doc));
        }
        members.sort_by(|a, b| {
            (a.tenant_id.as_str(), a.record_id.as_str())
                .cmp(&(b.tenant_id.as_str(), b.record_id.as_str()))
        });
    }
    let mut tenant_ids: Vec<String> = Vec::new();
    let mut holdings: Vec<BranchHolding> = Vec::new();
    let mut editions = Vec::new();
    for member in &members {
        if !tenant_ids.contains(&member.tenant_id) {
            tenant_ids.push(member.tenant_id.clone());
        }
        editions.push(WorkEdition {
            tenant_id: member.tenant_id.clone(),
            record_id: member.record_id.clone(),
            format: member.format.clone(),
            year: member.year,
        });
        for holding in &member.holdings {
            match holdings.iter_mut().find(|known| {
                known.tenant_id == holding.tenant_id && known.branch_code == holding.branch_code
            }) {
                Some(known) => {
                    known.copies += holding.copies;
                    known.available += holding.available;
                    for call_number in &holding.call_numbers {
                        if !known.call_numbers.contains(call_number) {
                            known.call_numbers.push(call_number.clone());
                        }
                    }
                }
                None => holdings.push(holding.clone()),
            }
        }
    }
    Ok(WorkHit {
        work_key: if group.has_key {
            group.key.clone()
        } else {
            best.work_key.clone().unwrap_or_default()
        },
        title: best.title,
        authors: best.authors,
        score: group.score,
        available_now: holdings.iter().any(|holding| holding.available > 0),
        tenant_ids,
        editions,
        holdings,
    })
}

// ---- facets ---------------------------------------------------------------------------

fn facet_results(
    live: &LiveIndex,
    (counts, subjects, authors): &FacetFruit,
    scope: &Scope,
    request: &SearchRequest,
) -> Result<Vec<FacetCounts>, SearchError> {
    let selected = |facet: FacetName, value: &str| {
        request.filters.iter().any(|filter| filter.facet == facet && filter.value == value)
    };
    let last =
        |facet: &Facet| facet.to_path().last().map(|part| (*part).to_string()).unwrap_or_default();
    let mut results = Vec::new();
    for facet in FacetName::ALL {
        let mut values: Vec<(String, u64)> = match (facet, facet_root(facet, scope)) {
            (_, Some(root)) => {
                counts.get(root).map(|(value, count)| (last(value), count)).collect()
            }
            (FacetName::Subject, None) => subjects.clone(),
            (_, None) => authors.clone(),
        };
        match facet {
            FacetName::Year => values.sort_by(|a, b| b.0.cmp(&a.0)),
            _ => values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))),
        }
        let mut out = Vec::with_capacity(values.len());
        for (value, count) in values {
            let label = match facet {
                FacetName::Format => document::format_label(&value),
                FacetName::Language => document::language_label(&value),
                FacetName::Availability => "Available now".to_string(),
                FacetName::Branch => branch_label(live, scope.tenant_id.as_deref(), &value)?,
                _ => value.clone(),
            };
            out.push(FacetValue { selected: selected(facet, &value), value, label, count });
        }
        results.push(FacetCounts { facet, values: out });
    }
    Ok(results)
}

/// The name of a branch (or, in union search, the library id), read from a document
/// that holds a copy there.
fn branch_label(
    live: &LiveIndex,
    tenant_id: Option<&str>,
    value: &str,
) -> Result<String, SearchError> {
    let Some(tenant_id) = tenant_id else { return Ok(value.to_string()) };
    if let Some(name) = live.branch_name(tenant_id, value) {
        return Ok(name);
    }
    let fields = &live.fields;
    let searcher = live.reader.searcher();
    let query =
        TermQuery::new(facet_term(fields, &["branch", tenant_id, value]), IndexRecordOption::Basic);
    let found = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        if let Some(holding) = read_display(fields, &doc)
            .holdings
            .into_iter()
            .find(|holding| holding.branch_code == value)
        {
            live.remember_branch_name(tenant_id, value, &holding.branch_name);
            return Ok(holding.branch_name);
        }
    }
    Ok(value.to_string())
}

// ---- did you mean ---------------------------------------------------------------------

/// Suggests the query with misspelt words replaced by the commonest index word within
/// one or two edits, when that finds more than the query did.
fn did_you_mean(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    parsed: &Parsed,
    filters: &[Box<dyn Query>],
    found: u64,
    staff: bool,
) -> Result<Option<String>, SearchError> {
    let mut exact = analysis::exact_analyzer();
    let words: Vec<String> = analysis::terms(&mut exact, &parsed.plain_text());
    if words.is_empty() || words.len() > 8 {
        return Ok(None);
    }
    let mut changed = false;
    let mut corrected = Vec::with_capacity(words.len());
    for word in &words {
        let frequency = doc_freq(searcher, fields, word)?;
        if frequency > 0 || word.chars().any(|c| c.is_ascii_digit()) || word.chars().count() < 3 {
            corrected.push(word.clone());
            continue;
        }
        match nearest_word(searcher, fields, word)? {
            Some(replacement) => {
                changed = true;
                corrected.push(replacement);
            }
            None => corrected.push(word.clone()),
        }
    }
    if !changed {
        return Ok(None);
    }
    let suggestion = corrected.join(" ");
    let query = QueryBuilder::new(fields, staff).build(&query::parse(&suggestion));
    let total = searcher.search(&with_filters(query, filters), &Count)? as u64;
    Ok((total > found).then_some(suggestion))
}

fn doc_freq(searcher: &tantivy::Searcher, fields: &Fields, word: &str) -> Result<u64, SearchError> {
    Ok(searcher.doc_freq(&Term::from_field_text(fields.words, word))?)
}

/// The commonest word in the index within the allowed edits of `word` (one edit up to
/// five letters, two beyond) that starts with the same letter.
fn nearest_word(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    word: &str,
) -> Result<Option<String>, SearchError> {
    let Some(first) = word.chars().next() else { return Ok(None) };
    let limit = if word.chars().count() <= 5 { 1 } else { 2 };
    let mut start = String::new();
    start.push(first);
    let mut end = String::new();
    end.push(char::from_u32(u32::from(first) + 1).unwrap_or(char::MAX));
    let mut candidates: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.words)?;
        let mut stream =
            inverted.terms().range().ge(start.as_bytes()).lt(end.as_bytes()).into_stream()?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
            let length = term.chars().count();
            if length.abs_diff(word.chars().count()) > limit {
                continue;
            }
            if edit_distance(word, term, limit) <= limit {
                *candidates.entry(term.to_string()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
    }
    Ok(candidates
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(term, _)| term))
}

/// Levenshtein distance with transpositions, giving up above `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous2: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(previous2[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut previous2, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

// ---- autocomplete ---------------------------------------------------------------------

/// Suggests titles and authors that complete what was typed.
pub fn autocomplete(
    live: &LiveIndex,
    request: &AutocompleteRequest,
    scope: &Scope,
) -> Result<Suggestions, SearchError> {
    let fields = &live.fields;
    let searcher = live.reader.searcher();
    let limit = usize::try_from(request.limit.clamp(1, 20)).unwrap_or(8);
    let mut exact = analysis::exact_analyzer();
    let words = analysis::terms(&mut exact, &request.prefix);
    let Some((last, complete)) = words.split_last() else {
        return Ok(Suggestions { suggestions: Vec::new() });
    };
    // The last word may be unfinished: the commonest index words it begins.
    let mut expansions: HashMap<String, u64> = HashMap::new();
    let mut end = last.clone();
    end.push(char::MAX);
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.words)?;
        let mut stream =
            inverted.terms().range().ge(last.as_bytes()).lt(end.as_bytes()).into_stream()?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *expansions.entry(term.to_string()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut expansions: Vec<(String, u64)> = expansions.into_iter().collect();
    expansions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    expansions.truncate(24);
    if expansions.is_empty() {
        return Ok(Suggestions { suggestions: Vec::new() });
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = complete
        .iter()
        .map(|word| {
            (Occur::Must, term_filter(Term::from_field_text(fields.words, word)) as Box<dyn Query>)
        })
        .collect();
    let alternatives: Vec<Box<dyn Query>> = expansions
        .iter()
        .map(|(term, _)| {
            Box::new(TermQuery::new(
                Term::from_field_text(fields.words, term),
                IndexRecordOption::WithFreqs,
            )) as Box<dyn Query>
        })
        .collect();
    clauses.push((Occur::Must, Box::new(BooleanQuery::union(alternatives))));
    if let Some(tenant_id) = &scope.tenant_id {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                term_filter(Term::from_field_text(fields.tenant, tenant_id)),
                0.0,
            )),
        ));
    }
    let found = searcher
        .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit * 4).order_by_score())?;
    let matches = |text: &str| {
        let folded = analysis::terms(&mut analysis::exact_analyzer(), text);
        complete.iter().all(|word| folded.contains(word))
            && folded.iter().any(|word| word.starts_with(last.as_str()))
    };
    let mut seen = std::collections::HashSet::new();
    let mut titles = Vec::new();
    let mut authors = Vec::new();
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        let display = read_display(fields, &doc);
        if matches(&display.title) && seen.insert(analysis::fold_words(&display.title)) {
            titles.push(Suggestion { text: display.title.clone(), kind: SuggestionKind::Title });
        }
        for author in &display.authors {
            if matches(author) && seen.insert(analysis::fold_words(author)) {
                authors.push(Suggestion { text: author.clone(), kind: SuggestionKind::Author });
            }
        }
    }
    // Authors first when the words typed are an author's, then titles.
    let mut suggestions = Vec::with_capacity(limit);
    let mut titles = titles.into_iter();
    let mut authors = authors.into_iter();
    while suggestions.len() < limit {
        let title = titles.next();
        let author = authors.next();
        if title.is_none() && author.is_none() {
            break;
        }
        suggestions.extend(title);
        if suggestions.len() < limit {
            suggestions.extend(author);
        }
    }
    Ok(Suggestions { suggestions })
}

/// Every record, for checks that compare the index with the catalogue.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("austen", "austen", 2), 0);
        assert_eq!(edit_distance("austin", "austen", 2), 1);
        assert_eq!(edit_distance("pirde", "pride", 2), 1);
        assert_eq!(edit_distance("prejduice", "prejudice", 2), 1);
        assert!(edit_distance("cat", "dogs", 1) > 1);
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        assert_eq!(decode_cursor(Some(&encode_cursor(40))).unwrap(), 40);
        assert_eq!(decode_cursor(None).unwrap(), 0);
        assert!(decode_cursor(Some("bm9wZQ")).is_err());
    }
}
