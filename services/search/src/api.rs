//! The search service's operations and their request and response types. The response
//! types are also the GraphQL types the gateway shows.

use async_graphql::{Enum, InputObject, SimpleObject};
use serde::{Deserialize, Serialize};

/// Where to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SearchScope {
    /// One library: the caller's, or the one an anonymous reader names.
    #[default]
    Library,
    /// Every library at once, one result per work.
    Everywhere,
}

/// How to order results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SearchSort {
    /// Best match first.
    #[default]
    Relevance,
    /// Latest publication year first.
    Newest,
    /// Earliest publication year first.
    Oldest,
    /// By title, ignoring leading articles.
    Title,
    /// By main author's name.
    Author,
}

/// A facet: a property that results can be counted and filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FacetName {
    /// Form of material: BOOK, LARGE_PRINT, AUDIOBOOK, DVD, …
    Format,
    /// Language as a MARC code ("eng", "wel").
    Language,
    /// Subject heading (without subdivisions).
    Subject,
    /// Author or other contributor.
    Author,
    /// Publication decade: "1990-1999".
    Year,
    /// Branch holding a copy (its code; in union search `tenant:code`).
    Branch,
    /// "available" when a copy is on the shelf now (in the branches searched, if any).
    Availability,
}

impl FacetName {
    /// Every facet.
    pub const ALL: [FacetName; 7] = [
        FacetName::Format,
        FacetName::Language,
        FacetName::Subject,
        FacetName::Author,
        FacetName::Year,
        FacetName::Branch,
        FacetName::Availability,
    ];
}

/// Keeps only results with this facet value. Several values of one facet are
/// alternatives; different facets must all hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct FacetFilter {
    /// The facet.
    pub facet: FacetName,
    /// The value, as facet counts return it.
    pub value: String,
}

/// A search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchRequest {
    /// What the person typed: words (all must match), "quoted phrases", -excluded words,
    /// OR between alternatives, and title:, author:, subject:, isbn:, series: prefixes.
    /// Malformed syntax is read as plain words. Empty: every record.
    pub query: String,
    /// One library or every library.
    pub scope: SearchScope,
    /// For an anonymous reader of one library: that library's tenant id (the gateway
    /// resolves the slug). Ignored for signed-in callers, whose token decides.
    pub public_tenant_id: Option<String>,
    /// Only copies in these branches (codes of the library searched).
    pub branches: Vec<String>,
    /// Facet filters.
    pub filters: Vec<FacetFilter>,
    /// Published in or after this year.
    pub year_from: Option<i32>,
    /// Published in or before this year.
    pub year_to: Option<i32>,
    /// The order.
    pub sort: SearchSort,
    /// How many results (1 to 100).
    pub first: u32,
    /// The cursor of the last result seen.
    pub after: Option<String>,
    /// Whether to count facets.
    pub facets: bool,
}

/// A highlighted piece of a field: `text` with the matched ranges (byte offsets into
/// `text`), for the page to mark up itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Highlight {
    /// Which field: "title" or "summary".
    pub field: String,
    /// The fragment.
    pub text: String,
    /// Where the matched words are in `text`, as [start, end) UTF-8 byte offsets.
    pub ranges: Vec<TextRange>,
}

/// A range of bytes in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct TextRange {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// A branch's copies of a record or a work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct BranchHolding {
    /// The library (tenant) id.
    pub tenant_id: String,
    /// The branch's code.
    pub branch_code: String,
    /// The branch's name.
    pub branch_name: String,
    /// Copies held there (not counting withdrawn ones).
    pub copies: u32,
    /// Copies on the shelf now.
    pub available: u32,
    /// Call numbers of the copies there.
    pub call_numbers: Vec<String>,
}

/// What staff see of a record in results, beside what everyone sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct StaffDetails {
    /// The control number (001).
    pub control_number: Option<String>,
    /// The items' barcodes.
    pub barcodes: Vec<String>,
}

/// One record found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject)]
pub struct SearchHit {
    /// The record's id.
    pub record_id: String,
    /// Its library (tenant) id.
    pub tenant_id: String,
    /// The relevance score (relevance order only; otherwise 0).
    pub score: f32,
    /// The title as displayed.
    pub title: String,
    /// Authors and other contributors, main entry first.
    pub authors: Vec<String>,
    /// Publication year.
    pub year: Option<i32>,
    /// Form of material (the FORMAT facet's value).
    pub format: String,
    /// Languages (MARC codes).
    pub languages: Vec<String>,
    /// Publishers.
    pub publishers: Vec<String>,
    /// The edition statement.
    pub edition: Option<String>,
    /// ISBN-13s.
    pub isbns: Vec<String>,
    /// The key grouping editions of one work.
    pub work_key: Option<String>,
    /// Copies per branch, live.
    pub holdings: Vec<BranchHolding>,
    /// Whether a copy is on the shelf now (in the branches searched, if any).
    pub available_now: bool,
    /// Where the query matched.
    pub highlights: Vec<Highlight>,
    /// Staff-only details: only for staff searching their own library.
    pub staff: Option<StaffDetails>,
}

/// One edition of a work in union search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct WorkEdition {
    /// The library (tenant) id.
    pub tenant_id: String,
    /// The record's id.
    pub record_id: String,
    /// Form of material.
    pub format: String,
    /// Publication year.
    pub year: Option<i32>,
}

/// One work found by union search, with every library that holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject)]
pub struct WorkHit {
    /// The work key.
    pub work_key: String,
    /// The best match's title.
    pub title: String,
    /// The best match's authors.
    pub authors: Vec<String>,
    /// The relevance of the best match.
    pub score: f32,
    /// Libraries holding the work (tenant ids), in order.
    pub tenant_ids: Vec<String>,
    /// Every record of the work, in every library.
    pub editions: Vec<WorkEdition>,
    /// Copies per library and branch.
    pub holdings: Vec<BranchHolding>,
    /// Whether any library has a copy on the shelf now.
    pub available_now: bool,
}

/// A facet value and how many results have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct FacetValue {
    /// The value to filter by.
    pub value: String,
    /// What to show.
    pub label: String,
    /// Matching records with it.
    pub count: u64,
    /// Whether a filter selects it.
    pub selected: bool,
}

/// A facet's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct FacetCounts {
    /// The facet.
    pub facet: FacetName,
    /// Its values, commonest first (years and availability in their own order).
    pub values: Vec<FacetValue>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject)]
pub struct SearchResults {
    /// Matching records.
    pub total_records: u64,
    /// Matching works (union search only; otherwise 0).
    pub total_works: u64,
    /// Records found, in order (library scope).
    pub hits: Vec<SearchHit>,
    /// Works found, in order (union search).
    pub works: Vec<WorkHit>,
    /// Facet counts, when asked for.
    pub facets: Vec<FacetCounts>,
    /// The cursor of the last result returned.
    pub end_cursor: Option<String>,
    /// Whether more results follow.
    pub has_next_page: bool,
    /// A nearby spelling that finds more, when this query finds little.
    pub did_you_mean: Option<String>,
    /// Set when the query's syntax was malformed and it was read as plain words.
    pub read_as_words: bool,
}

/// Suggestions while typing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AutocompleteRequest {
    /// What has been typed so far; its last word may be incomplete.
    pub prefix: String,
    /// One library or every library.
    pub scope: SearchScope,
    /// For an anonymous reader of one library: that library's tenant id.
    pub public_tenant_id: Option<String>,
    /// How many suggestions (1 to 20).
    pub limit: u32,
}

/// What a suggestion completes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SuggestionKind {
    /// A title.
    Title,
    /// An author.
    Author,
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Suggestion {
    /// The text to show and search for.
    pub text: String,
    /// Title or author.
    pub kind: SuggestionKind,
}

/// Suggestions, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Suggestions {
    /// The suggestions.
    pub suggestions: Vec<Suggestion>,
}

/// Asks for the index's state. Operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GetIndexStatus {}

/// The index's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct IndexStatus {
    /// The change-feed position of the last commit.
    pub position: i64,
    /// Records in the index.
    pub documents: u64,
    /// Whether a rebuild is running.
    pub rebuilding: bool,
    /// What the last rebuild did, or why it failed.
    pub last_rebuild: Option<String>,
}

/// Rebuilds the index from the catalogue while searches go on. Operators.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rebuild {
    /// Only this tenant's records; the whole index when `None`.
    pub tenant_id: Option<String>,
}

athenaeum_transport::service_api! {
    /// Searching the catalogues of one library or all of them. Every operation verifies
    /// the caller's token itself.
    pub trait SearchApi, client SearchClient, routes search_routes, path "/internal/search" {
        /// Searches.
        fn search(SearchRequest) -> SearchResults;
        /// Suggests titles and authors for what has been typed so far.
        fn autocomplete(AutocompleteRequest) -> Suggestions;
        /// Returns the index's state. Operators.
        fn index_status(GetIndexStatus) -> IndexStatus;
        /// Starts a rebuild. Operators (or the search service's own tools).
        fn rebuild(Rebuild) -> IndexStatus;
    }
}
