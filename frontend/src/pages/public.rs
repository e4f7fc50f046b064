//! The pages everyone sees: the national front page and search, a library's home page,
//! its search and record pages, its accessibility statement, and its colour.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Ctx;
use crate::Web;
use crate::frame::{Frame, LibraryHead};
use crate::pages::display::{self, Cover, FormatLabel};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(front))
        .route("/search", web::get().to(search_everywhere))
        .route("/accessibility", web::get().to(platform_accessibility))
        .route("/{library}/", web::get().to(library_home))
        .route("/{library}/search", web::get().to(search_library))
        .route("/{library}/records/{id}", web::get().to(record))
        .route("/{library}/accessibility", web::get().to(accessibility))
        .route("/{library}/colour.css", web::get().to(colour));
}

const FRONT: &str = include_str!("../../templates/public/front.graphql");
const LIBRARY_HOME: &str = include_str!("../../templates/public/library-home.graphql");
const LIBRARY_COLOUR: &str = include_str!("../../templates/public/library-colour.graphql");
const ACCESSIBILITY: &str = include_str!("../../templates/public/accessibility.graphql");
const SEARCH_LIBRARY: &str = include_str!("../../templates/public/search-library.graphql");
const SEARCH_EVERYWHERE: &str = include_str!("../../templates/public/search-everywhere.graphql");
const RECORD: &str = include_str!("../../templates/public/record.graphql");
const RELATED: &str = include_str!("../../templates/public/related.graphql");

#[derive(Debug, Deserialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
struct LibraryLink {
    #[serde(default)]
    id: String,
    slug: String,
    name: String,
}

// ----- the national front page -----

#[derive(Template)]
#[template(path = "public/front.html")]
struct FrontPage {
    frame: Frame,
    libraries: Vec<LibraryLink>,
}

async fn front(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        libraries: Nodes<LibraryLink>,
    }
    let ctx = Ctx::new(request, web).await;
    let mut frame = ctx.frame("Find a book in any library", None);
    frame.scripts.push("autocomplete.js");
    match ctx.web.anonymous::<Data>(&ctx.request, FRONT, json!({})).await {
        Ok(data) => ctx.page(&FrontPage { frame, libraries: data.libraries.nodes }),
        Err(error) => ctx.failed(&error, None),
    }
}

// ----- search, shared by the national and a library's pages -----

/// A facet's name in addresses (`f=format:book`) and in the API.
const FACETS: &[(&str, &str, &str)] = &[
    ("availability", "AVAILABILITY", "Availability"),
    ("format", "FORMAT", "Format"),
    ("language", "LANGUAGE", "Language"),
    ("subject", "SUBJECT", "Subject"),
    ("author", "AUTHOR", "Author"),
    ("decade", "YEAR", "Decade"),
    ("branch", "BRANCH", "Branch"),
];

const SORTS: &[(&str, &str, &str)] = &[
    ("relevance", "RELEVANCE", "Best match"),
    ("newest", "NEWEST", "Newest first"),
    ("oldest", "OLDEST", "Oldest first"),
    ("title", "TITLE", "Title A to Z"),
    ("author", "AUTHOR", "Author A to Z"),
];

/// What a search page was asked, from its address.
#[derive(Debug, Clone, Default)]
struct Asked {
    query: String,
    /// `(address name, value)` of each chosen filter.
    filters: Vec<(String, String)>,
    sort: String,
    after: Option<String>,
    page: u32,
}

impl Asked {
    fn read(ctx: &Ctx) -> Asked {
        let filters = ctx
            .query_all("f")
            .into_iter()
            .filter_map(|filter| {
                let (name, value) = filter.split_once(':')?;
                FACETS
                    .iter()
                    .any(|(known, _, _)| *known == name)
                    .then(|| (name.to_string(), value.to_string()))
            })
            .collect();
        let sort = ctx
            .query("sort")
            .filter(|sort| SORTS.iter().any(|(known, _, _)| known == sort))
            .unwrap_or_else(|| "relevance".to_string());
        Asked {
            query: ctx.query("q").unwrap_or_default().trim().to_string(),
            filters,
            sort,
            after: ctx.query("after").filter(|after| !after.is_empty()),
            page: ctx.query("page").and_then(|page| page.parse().ok()).unwrap_or(1).max(1),
        }
    }

    fn options(&self, scope: &str) -> Value {
        let filters: Vec<Value> = self
            .filters
            .iter()
            .filter_map(|(name, value)| {
                let api = FACETS.iter().find(|(known, _, _)| known == name)?.1;
                Some(json!({ "facet": api, "value": value }))
            })
            .collect();
        let sort = SORTS
            .iter()
            .find(|(known, _, _)| *known == self.sort)
            .map_or("RELEVANCE", |sort| sort.1);
        json!({ "scope": scope, "filters": filters, "sort": sort, "facets": true })
    }

    /// The address of this search with other filters, sort or page.
    fn link(
        &self,
        base: &str,
        filters: &[(String, String)],
        sort: &str,
        after: Option<(&str, u32)>,
    ) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", &self.query);
        for (name, value) in filters {
            query.append_pair("f", &format!("{name}:{value}"));
        }
        if sort != "relevance" {
            query.append_pair("sort", sort);
        }
        if let Some((after, page)) = after {
            query.append_pair("after", after);
            query.append_pair("page", &page.to_string());
        }
        format!("{base}?{}", query.finish())
    }
}

#[derive(Debug, Deserialize)]
struct FacetCounts {
    facet: String,
    values: Vec<FacetValue>,
}

#[derive(Debug, Deserialize)]
struct FacetValue {
    value: String,
    label: String,
    count: i64,
    selected: bool,
}

/// A facet as the page shows it.
struct FacetView {
    label: &'static str,
    values: Vec<FacetChoice>,
}

struct FacetChoice {
    label: String,
    count: i64,
    href: String,
}

/// A chosen filter with the address that removes it.
struct ChosenFilter {
    facet: &'static str,
    label: String,
    remove: String,
}

struct SortChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// The parts of a results page around the results themselves.
struct SearchFrame {
    base: String,
    query: String,
    filters: Vec<(String, String)>,
    facets: Vec<FacetView>,
    chosen: Vec<ChosenFilter>,
    sorts: Vec<SortChoice>,
    /// The suggestion's address and words.
    did_you_mean: Option<(String, String)>,
    next_page: Option<String>,
    first_page: Option<String>,
    page: u32,
    tenant: String,
}

fn search_frame(
    asked: &Asked,
    base: &str,
    facets: &[FacetCounts],
    did_you_mean: Option<String>,
    next: Option<String>,
    tenant: &str,
) -> SearchFrame {
    let mut labels: BTreeMap<(String, String), String> = BTreeMap::new();
    let views = FACETS
        .iter()
        .filter_map(|(name, api, label)| {
            let counts = facets.iter().find(|counts| counts.facet == *api)?;
            let values: Vec<FacetChoice> = counts
                .values
                .iter()
                .filter(|value| {
                    labels.insert(((*name).to_string(), value.value.clone()), value.label.clone());
                    !value.selected && value.count > 0
                })
                .map(|value| {
                    let mut filters = asked.filters.clone();
                    filters.push(((*name).to_string(), value.value.clone()));
                    FacetChoice {
                        label: facet_label(name, &value.label),
                        count: value.count,
                        href: asked.link(base, &filters, &asked.sort, None),
                    }
                })
                .collect();
            (!values.is_empty()).then_some(FacetView { label, values })
        })
        .collect();
    let chosen = asked
        .filters
        .iter()
        .enumerate()
        .map(|(index, (name, value))| {
            let facet =
                FACETS.iter().find(|(known, _, _)| known == name).map_or("Filter", |facet| facet.2);
            let label = labels
                .get(&(name.clone(), value.clone()))
                .cloned()
                .unwrap_or_else(|| value.clone());
            let mut filters = asked.filters.clone();
            filters.remove(index);
            ChosenFilter {
                facet,
                label: facet_label(name, &label),
                remove: asked.link(base, &filters, &asked.sort, None),
            }
        })
        .collect();
    SearchFrame {
        base: base.to_string(),
        query: asked.query.clone(),
        filters: asked.filters.clone(),
        facets: views,
        chosen,
        sorts: SORTS
            .iter()
            .map(|(value, _, label)| SortChoice { value, label, selected: *value == asked.sort })
            .collect(),
        did_you_mean: did_you_mean.map(|suggestion| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("q", &suggestion);
            (format!("{base}?{}", query.finish()), suggestion)
        }),
        next_page: next.map(|after| {
            asked.link(base, &asked.filters, &asked.sort, Some((&after, asked.page + 1)))
        }),
        first_page: (asked.page > 1).then(|| asked.link(base, &asked.filters, &asked.sort, None)),
        page: asked.page,
        tenant: tenant.to_string(),
    }
}

fn facet_label(name: &str, label: &str) -> String {
    match name {
        "format" => display::format_name(label).to_string(),
        "availability" => "On the shelf now".to_string(),
        _ => label.to_string(),
    }
}

// ----- a library's search -----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LibraryResults {
    total_records: i64,
    did_you_mean: Option<String>,
    end_cursor: Option<String>,
    has_next_page: bool,
    hits: Vec<Hit>,
    facets: Vec<FacetCounts>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Hit {
    record_id: String,
    title: String,
    authors: Vec<String>,
    year: Option<i32>,
    format: String,
    edition: Option<String>,
    available_now: bool,
    holdings: Vec<Holding>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Holding {
    #[serde(default)]
    tenant_id: String,
    branch_name: String,
    copies: i64,
    available: i64,
}

#[derive(Template)]
#[template(path = "public/search.html")]
struct LibrarySearchPage {
    frame: Frame,
    search: SearchFrame,
    total: i64,
    hits: Vec<HitView>,
}

struct HitView {
    href: String,
    title: String,
    authors: String,
    year: String,
    format: FormatLabel,
    edition: String,
    available_now: bool,
    holdings: Vec<Holding>,
    cover: Cover,
}

async fn search_library(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        search: LibraryResults,
    }
    let ctx = Ctx::new(request, web).await;
    let library = match ctx.library(&slug).await {
        Ok(library) => library,
        Err(response) => return response,
    };
    let asked = Asked::read(&ctx);
    let base = format!("/{}/search", library.slug);
    let title = if asked.query.is_empty() {
        format!("Search {}", library.name)
    } else {
        format!("Results for “{}”", asked.query)
    };
    let mut frame = ctx.frame(title, Some(&library));
    frame.scripts.push("autocomplete.js");
    if asked.query.is_empty() {
        let search = search_frame(&asked, &base, &[], None, None, &library.slug);
        return ctx.page(&LibrarySearchPage { frame, search, total: 0, hits: Vec::new() });
    }
    let variables = json!({ "query": asked.query, "tenant": library.slug, "options": asked.options("LIBRARY"), "after": asked.after });
    let results = match ctx.for_library::<Data>(&library.slug, SEARCH_LIBRARY, variables).await {
        Ok(data) => data.search,
        Err(error) => return ctx.failed(&error, Some(&library)),
    };
    let hits = results
        .hits
        .into_iter()
        .map(|hit| HitView {
            href: format!("/{}/records/{}", library.slug, hit.record_id),
            cover: Cover::new(
                &hit.title,
                hit.authors.first().map_or("", String::as_str),
                &hit.format,
            ),
            authors: hit.authors.join("; "),
            year: hit.year.map(|year| year.to_string()).unwrap_or_default(),
            format: FormatLabel::new(&hit.format),
            edition: hit.edition.unwrap_or_default(),
            available_now: hit.available_now,
            holdings: hit.holdings,
            title: hit.title,
        })
        .collect();
    let next = results.has_next_page.then_some(results.end_cursor).flatten();
    let search =
        search_frame(&asked, &base, &results.facets, results.did_you_mean, next, &library.slug);
    ctx.page(&LibrarySearchPage { frame, search, total: results.total_records, hits })
}

// ----- every library's search -----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnionResults {
    total_works: i64,
    did_you_mean: Option<String>,
    end_cursor: Option<String>,
    has_next_page: bool,
    works: Vec<Work>,
    facets: Vec<FacetCounts>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Work {
    title: String,
    authors: Vec<String>,
    available_now: bool,
    editions: Vec<Edition>,
    holdings: Vec<Holding>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Edition {
    tenant_id: String,
    record_id: String,
    format: String,
    year: Option<i32>,
}

#[derive(Template)]
#[template(path = "public/search-everywhere.html")]
struct UnionSearchPage {
    frame: Frame,
    search: SearchFrame,
    total: i64,
    works: Vec<WorkView>,
}

struct WorkView {
    title: String,
    authors: String,
    available_now: bool,
    cover: Cover,
    formats: String,
    libraries: Vec<WorkLibrary>,
}

/// One library holding a work: its record page and branches.
struct WorkLibrary {
    name: String,
    href: String,
    available: i64,
    copies: i64,
    branches: Vec<Holding>,
}

async fn search_everywhere(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        search: UnionResults,
        libraries: Nodes<LibraryLink>,
    }
    let ctx = Ctx::new(request, web).await;
    let asked = Asked::read(&ctx);
    if asked.query.is_empty() {
        return ctx.redirect("/");
    }
    let mut frame = ctx.frame(format!("Results for “{}” in every library", asked.query), None);
    frame.scripts.push("autocomplete.js");
    let variables = json!({ "query": asked.query, "options": asked.options("EVERYWHERE"), "after": asked.after });
    let data = match ctx.web.anonymous::<Data>(&ctx.request, SEARCH_EVERYWHERE, variables).await {
        Ok(data) => data,
        Err(error) => return ctx.failed(&error, None),
    };
    let libraries: BTreeMap<String, LibraryLink> =
        data.libraries.nodes.into_iter().map(|library| (library.id.clone(), library)).collect();
    let results = data.search;
    let works = results
        .works
        .into_iter()
        .map(|work| {
            let mut held: Vec<WorkLibrary> = Vec::new();
            for edition in &work.editions {
                let Some(library) = libraries.get(&edition.tenant_id) else { continue };
                if held.iter().any(|known| known.name == library.name) {
                    continue;
                }
                let branches: Vec<Holding> = work
                    .holdings
                    .iter()
                    .filter(|holding| holding.tenant_id == edition.tenant_id)
                    .map(|holding| Holding {
                        tenant_id: String::new(),
                        branch_name: holding.branch_name.clone(),
                        copies: holding.copies,
                        available: holding.available,
                    })
                    .collect();
                held.push(WorkLibrary {
                    name: library.name.clone(),
                    href: format!("/{}/records/{}", library.slug, edition.record_id),
                    available: branches.iter().map(|branch| branch.available).sum(),
                    copies: branches.iter().map(|branch| branch.copies).sum(),
                    branches,
                });
            }
            let mut formats: Vec<&str> =
                work.editions.iter().map(|edition| display::format_name(&edition.format)).collect();
            formats.sort_unstable();
            formats.dedup();
            let years: Vec<i32> = work.editions.iter().filter_map(|edition| edition.year).collect();
            let mut summary = formats.join(", ");
            if let (Some(first), Some(last)) = (years.iter().min(), years.iter().max()) {
                summary.push_str(&if first == last {
                    format!(", {first}")
                } else {
                    format!(", {first} to {last}")
                });
            }
            WorkView {
                cover: Cover::new(
                    &work.title,
                    work.authors.first().map_or("", String::as_str),
                    work.editions.first().map_or("", |edition| edition.format.as_str()),
                ),
                authors: work.authors.join("; "),
                available_now: work.available_now,
                formats: summary,
                libraries: held,
                title: work.title,
            }
        })
        .collect();
    let next = results.has_next_page.then_some(results.end_cursor).flatten();
    let search = search_frame(&asked, "/search", &results.facets, results.did_you_mean, next, "");
    ctx.page(&UnionSearchPage { frame, search, total: results.total_works, works })
}

// ----- a library's home page -----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LibraryProfile {
    slug: String,
    name: String,
    phone: Option<String>,
    postal_address: Option<String>,
    website: Option<String>,
    contact_email: String,
    #[serde(default)]
    accessibility_email: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BranchView {
    name: String,
    address: Option<String>,
    opening_hours: Option<String>,
}

impl LibraryProfile {
    /// The library as a page's header shows it.
    fn head(&self) -> LibraryHead {
        LibraryHead { slug: self.slug.clone(), name: self.name.clone() }
    }
}

#[derive(Template)]
#[template(path = "public/library-home.html")]
struct LibraryHomePage {
    frame: Frame,
    profile: LibraryProfile,
    branches: Vec<BranchView>,
}

async fn library_home(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        library: Option<LibraryProfile>,
        branches: Nodes<BranchView>,
    }
    let ctx = Ctx::new(request, web).await;
    let data = match ctx
        .web
        .anonymous::<Data>(&ctx.request, LIBRARY_HOME, json!({ "slug": slug.as_str() }))
        .await
    {
        Ok(data) => data,
        Err(error) => return ctx.failed(&error, None),
    };
    let Some(profile) = data.library else { return ctx.no_such_library(&slug) };
    let head = profile.head();
    let mut frame = ctx.frame(profile.name.clone(), Some(&head));
    frame.scripts.push("autocomplete.js");
    ctx.page(&LibraryHomePage { frame, profile, branches: data.branches.nodes })
}

// ----- a record -----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordData {
    id: String,
    title: Option<String>,
    subtitle: Option<String>,
    statement_of_responsibility: Option<String>,
    primary_author: Option<String>,
    format: String,
    publication_year: Option<i32>,
    publishers: Vec<String>,
    places_of_publication: Vec<String>,
    edition: Option<String>,
    series: Vec<String>,
    languages: Vec<String>,
    physical_description: Vec<String>,
    contributors: Vec<Contributor>,
    subjects: Vec<Subject>,
    isbns: Vec<Isbn>,
    notes: Vec<String>,
    summaries: Vec<String>,
    contents: Vec<String>,
    work_key: Option<String>,
    availability: Vec<Availability>,
    items: Nodes<ItemData>,
}

#[derive(Debug, Deserialize)]
struct Contributor {
    name: String,
    dates: Option<String>,
    roles: Vec<String>,
    primary: bool,
}

#[derive(Debug, Deserialize)]
struct Subject {
    heading: String,
}

#[derive(Debug, Deserialize)]
struct Isbn {
    isbn13: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Availability {
    branch_name: String,
    total: i64,
    available: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemData {
    branch_id: String,
    call_number: Option<String>,
    status: String,
    public_note: Option<String>,
    #[serde(default)]
    barcode: String,
    #[serde(default)]
    id: String,
}

#[derive(Debug, Deserialize)]
struct BranchName {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelatedHit {
    record_id: String,
    title: String,
    year: Option<i32>,
    format: String,
    #[serde(default)]
    edition: Option<String>,
    work_key: Option<String>,
}

struct CopyView {
    branch: String,
    call_number: String,
    status: &'static str,
    on_shelf: bool,
    note: String,
    barcode: String,
    id: String,
}

struct RelatedView {
    href: String,
    title: String,
    detail: String,
}

struct LinkView {
    href: String,
    text: String,
}

#[derive(Template)]
#[template(path = "public/record.html")]
struct RecordPage {
    frame: Frame,
    record: RecordData,
    cover: Cover,
    format: FormatLabel,
    authors: Vec<LinkView>,
    subjects: Vec<LinkView>,
    languages: String,
    publication: String,
    isbns: String,
    copies: Vec<CopyView>,
    editions: Vec<RelatedView>,
    by_author: Vec<RelatedView>,
    author_search: String,
    /// Where a signed-in member of this library may collect a hold (empty for anyone
    /// else, who is offered no hold form).
    pickup_branches: Vec<(String, String)>,
}

async fn record(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        record: Option<RecordData>,
        branches: Nodes<BranchName>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Related {
        editions: RelatedHits,
        by_author: RelatedHits,
    }
    #[derive(Deserialize)]
    struct RelatedHits {
        hits: Vec<RelatedHit>,
    }
    let (slug, id) = path.into_inner();
    let ctx = Ctx::new(request, web).await;
    let library = match ctx.library(&slug).await {
        Ok(library) => library,
        Err(response) => return response,
    };
    let data = match ctx
        .for_library::<Data>(&library.slug, RECORD, json!({ "id": id, "tenant": library.slug }))
        .await
    {
        Ok(data) => data,
        Err(error) => return ctx.failed(&error, Some(&library)),
    };
    let Some(record) = data.record else {
        let frame = ctx.frame("Page not found", Some(&library));
        return ctx.finish(crate::frame::not_found(
            frame,
            &format!("{} has no record with this number. It may have been removed", library.name),
        ));
    };
    let title = record.title.clone().unwrap_or_else(|| "Untitled".to_string());
    let search = |words: &str| {
        format!(
            "/{}/search?{}",
            library.slug,
            url::form_urlencoded::Serializer::new(String::new()).append_pair("q", words).finish()
        )
    };
    let author = record
        .primary_author
        .clone()
        .or_else(|| record.contributors.first().map(|contributor| contributor.name.clone()));
    let related_query =
        |prefix: &str, text: &str| format!("{prefix}:\"{}\"", text.replace('"', " "));
    let related = ctx
        .for_library::<Related>(
            &library.slug,
            RELATED,
            json!({
                "editions": format!("{} {}", related_query("title", &title), author.as_deref().map(|author| related_query("author", author)).unwrap_or_default()),
                "byAuthor": related_query("author", author.as_deref().unwrap_or(&title)),
                "tenant": library.slug,
            }),
        )
        .await;
    let (mut editions, mut by_author) = (Vec::new(), Vec::new());
    if let Ok(related) = related {
        let describe = |hit: &RelatedHit| {
            let mut parts = vec![display::format_name(&hit.format).to_string()];
            if let Some(edition) = hit.edition.as_deref().filter(|edition| !edition.is_empty()) {
                parts.push(edition.to_string());
            }
            if let Some(year) = hit.year {
                parts.push(year.to_string());
            }
            parts.join(", ")
        };
        let href = |hit: &RelatedHit| format!("/{}/records/{}", library.slug, hit.record_id);
        editions = related
            .editions
            .hits
            .iter()
            .filter(|hit| {
                hit.record_id != record.id
                    && hit.work_key.is_some()
                    && hit.work_key == record.work_key
            })
            .map(|hit| RelatedView {
                href: href(hit),
                title: hit.title.clone(),
                detail: describe(hit),
            })
            .collect();
        let mut seen_works = vec![record.work_key.clone()];
        for hit in related
            .by_author
            .hits
            .iter()
            .filter(|hit| author.is_some() && hit.record_id != record.id)
        {
            if hit.work_key.is_some() && seen_works.contains(&hit.work_key) {
                continue;
            }
            seen_works.push(hit.work_key.clone());
            by_author.push(RelatedView {
                href: href(hit),
                title: hit.title.clone(),
                detail: describe(hit),
            });
        }
        by_author.truncate(8);
    }
    let branch_names: BTreeMap<String, String> =
        data.branches.nodes.into_iter().map(|branch| (branch.id, branch.name)).collect();
    let pickup_branches = if ctx.visitor.belongs_to(&library.slug) {
        branch_names.iter().map(|(id, name)| (id.clone(), name.clone())).collect()
    } else {
        Vec::new()
    };
    let copies = record
        .items
        .nodes
        .iter()
        .map(|item| CopyView {
            branch: branch_names.get(&item.branch_id).cloned().unwrap_or_default(),
            call_number: item.call_number.clone().unwrap_or_default(),
            status: display::item_status(&item.status),
            on_shelf: item.status == "AVAILABLE",
            note: item.public_note.clone().unwrap_or_default(),
            barcode: item.barcode.clone(),
            id: item.id.clone(),
        })
        .collect();
    let mut authors: Vec<LinkView> = Vec::new();
    for contributor in &record.contributors {
        let mut text = contributor.name.clone();
        if let Some(dates) = contributor.dates.as_deref().filter(|dates| !dates.is_empty()) {
            text.push_str(&format!(" ({dates})"));
        }
        if !contributor.roles.is_empty() && !contributor.primary {
            text.push_str(&format!(", {}", contributor.roles.join(", ")));
        }
        authors.push(LinkView { href: search(&related_query("author", &contributor.name)), text });
    }
    let subjects = record
        .subjects
        .iter()
        .map(|subject| LinkView {
            href: search(&related_query("subject", &subject.heading)),
            text: subject.heading.clone(),
        })
        .collect();
    let mut publication = Vec::new();
    let places = record.places_of_publication.join("; ");
    if !places.is_empty() {
        publication.push(places);
    }
    let publishers = record.publishers.join("; ");
    if !publishers.is_empty() {
        publication.push(publishers);
    }
    if let Some(year) = record.publication_year {
        publication.push(year.to_string());
    }
    let mut frame = ctx.frame(title.clone(), Some(&library));
    frame.title = title.clone();
    let page = RecordPage {
        cover: Cover::new(&title, author.as_deref().unwrap_or(""), &record.format),
        format: FormatLabel::new(&record.format),
        authors,
        subjects,
        languages: record
            .languages
            .iter()
            .map(|code| display::language_name(code))
            .collect::<Vec<_>>()
            .join(", "),
        publication: publication.join(", "),
        isbns: record.isbns.iter().map(|isbn| isbn.isbn13.clone()).collect::<Vec<_>>().join(", "),
        copies,
        editions,
        by_author,
        author_search: author
            .as_deref()
            .map(|author| search(&related_query("author", author)))
            .unwrap_or_default(),
        pickup_branches,
        record,
        frame,
    };
    ctx.page(&page)
}

// ----- the accessibility statement -----

#[derive(Template)]
#[template(path = "public/accessibility.html")]
struct AccessibilityPage {
    frame: Frame,
    profile: LibraryProfile,
}

async fn accessibility(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        library: Option<LibraryProfile>,
    }
    let ctx = Ctx::new(request, web).await;
    let data = match ctx
        .web
        .anonymous::<Data>(&ctx.request, ACCESSIBILITY, json!({ "slug": slug.as_str() }))
        .await
    {
        Ok(data) => data,
        Err(error) => return ctx.failed(&error, None),
    };
    let Some(profile) = data.library else { return ctx.no_such_library(&slug) };
    let head = profile.head();
    let frame = ctx.frame(format!("Accessibility statement for {}", profile.name), Some(&head));
    ctx.page(&AccessibilityPage { frame, profile })
}

/// The statement for the pages that belong to no one library (the front page, searching
/// every library, the operators' pages), pointing to each library's own contacts.
#[derive(Template)]
#[template(path = "public/accessibility-platform.html")]
struct PlatformAccessibilityPage {
    frame: Frame,
    libraries: Vec<LibraryLink>,
}

async fn platform_accessibility(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        libraries: Nodes<LibraryLink>,
    }
    let ctx = Ctx::new(request, web).await;
    let frame = ctx.frame("Accessibility statement for Athenaeum", None);
    match ctx.web.anonymous::<Data>(&ctx.request, FRONT, json!({})).await {
        Ok(data) => ctx.page(&PlatformAccessibilityPage { frame, libraries: data.libraries.nodes }),
        Err(error) => ctx.failed(&error, None),
    }
}

// ----- the library's colour -----

/// The library's header colour as a stylesheet, so that no page needs an inline style.
async fn colour(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        library: Option<Colour>,
    }
    #[derive(Deserialize)]
    struct Colour {
        colour: Option<String>,
    }
    let colour = web
        .anonymous::<Data>(&request, LIBRARY_COLOUR, json!({ "slug": slug.as_str() }))
        .await
        .ok()
        .and_then(|data| data.library)
        .and_then(|library| library.colour)
        .filter(|colour| {
            colour.len() == 7
                && colour.starts_with('#')
                && colour[1..].chars().all(|c| c.is_ascii_hexdigit())
        });
    let body = match colour {
        Some(colour) => format!(
            ".site-header {{ background: {colour}; }}\n.site-footer {{ border-top-color: {colour}; }}\n"
        ),
        None => String::new(),
    };
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use askama::Template;

    use super::*;

    fn record_page(text: &str) -> RecordPage {
        let some = || Some(text.to_string());
        let many = || vec![text.to_string()];
        let link = || LinkView {
            href: format!(
                "/lib/search?q={}",
                url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            ),
            text: text.to_string(),
        };
        let related = || RelatedView {
            href: "/lib/records/1".to_string(),
            title: text.to_string(),
            detail: text.to_string(),
        };
        let record = RecordData {
            id: "1".to_string(),
            title: some(),
            subtitle: some(),
            statement_of_responsibility: some(),
            primary_author: some(),
            format: "book".to_string(),
            publication_year: Some(1900),
            publishers: many(),
            places_of_publication: many(),
            edition: some(),
            series: many(),
            languages: many(),
            physical_description: many(),
            contributors: vec![Contributor {
                name: text.to_string(),
                dates: some(),
                roles: many(),
                primary: false,
            }],
            subjects: vec![Subject { heading: text.to_string() }],
            isbns: vec![Isbn { isbn13: text.to_string() }],
            notes: many(),
            summaries: many(),
            contents: many(),
            work_key: some(),
            availability: vec![Availability {
                branch_name: text.to_string(),
                total: 2,
                available: 1,
            }],
            items: Nodes { nodes: Vec::new() },
        };
        let frame = Frame {
            title: text.to_string(),
            library: Some(LibraryHead { slug: "lib".to_string(), name: text.to_string() }),
            signed_in_as: some(),
            home_slug: "lib".to_string(),
            staff: true,
            ..Frame::default()
        };
        RecordPage {
            frame,
            cover: Cover::new(text, text, "book"),
            format: FormatLabel::new("book"),
            authors: vec![link()],
            subjects: vec![link()],
            languages: text.to_string(),
            publication: text.to_string(),
            isbns: text.to_string(),
            copies: vec![CopyView {
                branch: text.to_string(),
                call_number: text.to_string(),
                status: "On the shelf",
                on_shelf: true,
                note: text.to_string(),
                barcode: text.to_string(),
                id: "9".to_string(),
            }],
            editions: vec![related()],
            by_author: vec![related()],
            author_search: link().href,
            pickup_branches: Vec::new(),
            record,
        }
    }

    fn search_page(text: &str) -> LibrarySearchPage {
        let asked = Asked {
            query: text.to_string(),
            filters: vec![("subject".to_string(), text.to_string())],
            sort: "relevance".to_string(),
            after: None,
            page: 2,
        };
        let facets = vec![FacetCounts {
            facet: "SUBJECT".to_string(),
            values: vec![
                FacetValue {
                    value: text.to_string(),
                    label: text.to_string(),
                    count: 3,
                    selected: true,
                },
                FacetValue {
                    value: format!("{text}2"),
                    label: text.to_string(),
                    count: 2,
                    selected: false,
                },
            ],
        }];
        let search = search_frame(
            &asked,
            "/lib/search",
            &facets,
            Some(text.to_string()),
            Some(text.to_string()),
            "lib",
        );
        let hit = HitView {
            href: "/lib/records/1".to_string(),
            title: text.to_string(),
            authors: text.to_string(),
            year: "1900".to_string(),
            format: FormatLabel::new("book"),
            edition: text.to_string(),
            available_now: true,
            holdings: vec![Holding {
                tenant_id: String::new(),
                branch_name: text.to_string(),
                copies: 1,
                available: 1,
            }],
            cover: Cover::new(text, text, "book"),
        };
        let frame = Frame {
            title: text.to_string(),
            library: Some(LibraryHead { slug: "lib".to_string(), name: text.to_string() }),
            ..Frame::default()
        };
        LibrarySearchPage { frame, search, total: 1, hits: vec![hit] }
    }

    /// Counts what markup is made of: a payload shown as text adds none of it.
    fn markup(html: &str) -> (usize, usize, usize) {
        (html.matches('<').count(), html.matches('"').count(), html.matches('\'').count())
    }

    #[test]
    fn every_xss_payload_in_a_record_is_shown_as_text_on_its_pages() {
        let payloads = std::fs::read_to_string(
            athenaeum_testkit::shared_data().join("xss/payloadbox-xss-payload-list.txt"),
        )
        .unwrap();
        let mut tried = 0;
        for payload in payloads.lines().filter(|line| !line.trim().is_empty()) {
            // The same words' shape in harmless letters: the page's markup must not change.
            let plain: String =
                payload.chars().map(|c| if c.is_whitespace() { c } else { 'x' }).collect();
            let record = record_page(payload).render().unwrap();
            assert_eq!(
                markup(&record),
                markup(&record_page(&plain).render().unwrap()),
                "the record page made markup of {payload:?}"
            );
            let search = search_page(payload).render().unwrap();
            assert_eq!(
                markup(&search),
                markup(&search_page(&plain).render().unwrap()),
                "the search page made markup of {payload:?}"
            );
            tried += 1;
        }
        assert!(tried > 6_000, "only {tried} payloads were tried");
    }
}
