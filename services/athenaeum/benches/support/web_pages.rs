//! The pages the website benchmark asks for, and their addresses: for each, the GraphQL
//! documents its handler in `frontend/src/pages/public.rs` runs, read from beside its
//! template, with the variables the handler passes; made in a pre-pass over the running
//! application from a list of searches. Nothing here measures.

use std::sync::Arc;

use athenaeum_identity::api::OnboardTenant;
use serde_json::{Value, json};

use super::app::TENANT_SLUG;
use super::http::graphql;

/// The second library, which holds the same records as the first.
pub const SECOND_SLUG: &str = "eastmarch";

/// The documents the pages run, read from beside their templates.
pub const SEARCH_EVERYWHERE: &str =
    include_str!("../../../../frontend/templates/public/search-everywhere.graphql");
pub const SEARCH_LIBRARY: &str =
    include_str!("../../../../frontend/templates/public/search-library.graphql");
pub const RECORD: &str = include_str!("../../../../frontend/templates/public/record.graphql");
pub const RELATED: &str = include_str!("../../../../frontend/templates/public/related.graphql");
pub const LIBRARY_HEAD: &str = include_str!("../../../../frontend/templates/library-head.graphql");

/// Facets a narrowed search may add, in order of preference: the API's name and the
/// page address's.
const NARROWING: [(&str, &str); 4] =
    [("SUBJECT", "subject"), ("AUTHOR", "author"), ("LANGUAGE", "language"), ("YEAR", "decade")];

/// A page the benchmark asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Everywhere,
    Library,
    Narrowed,
    Record,
}

impl Page {
    pub const ALL: [Page; 4] = [Page::Everywhere, Page::Library, Page::Narrowed, Page::Record];

    pub fn label(self) -> &'static str {
        match self {
            Page::Everywhere => "national search /search?q=",
            Page::Library => "library search, f=format:book",
            Page::Narrowed => "library search, one more facet",
            Page::Record => "record page /{library}/records/{id}",
        }
    }

    /// What its baseline runs.
    pub fn documents(self) -> &'static str {
        match self {
            Page::Everywhere => "SearchEverywhere",
            Page::Library | Page::Narrowed => "SearchLibrary",
            Page::Record => "Record, then Related",
        }
    }

    /// Whether it belongs to a library, and so runs the library-head document first.
    pub fn of_a_library(self) -> bool {
        self != Page::Everywhere
    }
}

/// One address of a page, and the documents with variables its handler runs for it
/// (beyond the library-head document).
#[derive(Debug, Clone)]
pub struct PageCase {
    pub path: String,
    pub documents: Vec<(&'static str, Value)>,
}

/// Every page's addresses, made in a pre-pass.
pub struct Cases {
    pub pages: Vec<(Page, Arc<[PageCase]>)>,
    pub head: Arc<[PageCase]>,
}

impl Cases {
    pub fn of(&self, page: Page) -> &Arc<[PageCase]> {
        &self.pages.iter().find(|(known, _)| *known == page).expect("every page has cases").1
    }
}

pub fn second_library() -> OnboardTenant {
    OnboardTenant {
        slug: SECOND_SLUG.into(),
        name: "Eastmarch Libraries".into(),
        time_zone: "Europe/London".into(),
        contact_email: "libraries@eastmarch.example".into(),
        admin_email: "admin@eastmarch.example".into(),
        admin_display_name: "Edith Administrator".into(),
    }
}

// ----- the addresses, from a pre-pass -----

fn search_options(scope: &str, filters: &[(&str, String)]) -> Value {
    let filters: Vec<Value> =
        filters.iter().map(|(facet, value)| json!({ "facet": facet, "value": value })).collect();
    json!({ "scope": scope, "filters": filters, "sort": "RELEVANCE", "facets": true })
}

fn address(base: &str, pairs: &[(&str, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    format!("{base}?{}", query.finish())
}

/// The first facet value a results page offers for one more filter, in the order of
/// [`NARROWING`]: the API's facet name, the address's, and the value.
fn narrowing(facets: &Value) -> Option<(&'static str, &'static str, String)> {
    NARROWING.iter().find_map(|&(api, name)| {
        let counts = facets.as_array()?.iter().find(|counts| counts["facet"] == api)?;
        let value = counts["values"]
            .as_array()?
            .iter()
            .find(|value| value["selected"] == false && value["count"].as_i64().unwrap_or(0) > 0)?;
        Some((api, name, value["value"].as_str()?.to_string()))
    })
}

/// The variables of the record page's related document, as its handler makes them.
fn related_variables(record: &Value, slug: &str) -> Value {
    let related_query =
        |prefix: &str, text: &str| format!("{prefix}:\"{}\"", text.replace('"', " "));
    let title = record["title"].as_str().unwrap_or("Untitled");
    let author =
        record["primaryAuthor"].as_str().or_else(|| record["contributors"][0]["name"].as_str());
    json!({
        "editions": format!(
            "{} {}",
            related_query("title", title),
            author.map(|author| related_query("author", author)).unwrap_or_default()
        ),
        "byAuthor": related_query("author", author.unwrap_or(title)),
        "tenant": slug,
    })
}

/// Runs every search's documents once, for the record pages and narrowed searches they
/// lead to, and says what the pages will hold.
pub async fn make_cases(
    http: &reqwest::Client,
    base: &str,
    searches: &[String],
    record_pages: usize,
) -> Cases {
    let run = async |document: &str, variables: &Value| {
        graphql(http, base, document, variables.clone(), None)
            .await
            .unwrap_or_else(|problem| panic!("the pre-pass's {document:.40} failed: {problem}"))
    };
    let (mut everywhere, mut in_library, mut narrowed, mut records) =
        (vec![], vec![], vec![], vec![]);
    let (mut works, mut shared_works, mut hits) = (0, 0, 0);
    let mut record_ids: Vec<String> = Vec::new();
    let library_base = format!("/{TENANT_SLUG}/search");
    for search in searches {
        let variables = json!({
            "query": search, "options": search_options("EVERYWHERE", &[]), "after": null,
        });
        let data = run(SEARCH_EVERYWHERE, &variables).await;
        for work in data["search"]["works"].as_array().into_iter().flatten() {
            works += 1;
            let mut tenants: Vec<&str> = work["editions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|edition| edition["tenantId"].as_str())
                .collect();
            tenants.sort_unstable();
            tenants.dedup();
            shared_works += usize::from(tenants.len() > 1);
        }
        everywhere.push(PageCase {
            path: address("/search", &[("q", search.clone())]),
            documents: vec![(SEARCH_EVERYWHERE, variables)],
        });

        let mut filters = vec![("FORMAT", "book".to_string())];
        let mut pairs = vec![("q", search.clone()), ("f", "format:book".to_string())];
        let variables = json!({
            "query": search, "tenant": TENANT_SLUG,
            "options": search_options("LIBRARY", &filters), "after": null,
        });
        let data = run(SEARCH_LIBRARY, &variables).await;
        for hit in data["search"]["hits"].as_array().into_iter().flatten() {
            hits += 1;
            if let Some(id) = hit["recordId"].as_str()
                && !record_ids.iter().any(|known| known == id)
            {
                record_ids.push(id.to_string());
            }
        }
        in_library.push(PageCase {
            path: address(&library_base, &pairs),
            documents: vec![(SEARCH_LIBRARY, variables)],
        });
        if let Some((api, name, value)) = narrowing(&data["search"]["facets"]) {
            pairs.push(("f", format!("{name}:{value}")));
            filters.push((api, value));
            let variables = json!({
                "query": search, "tenant": TENANT_SLUG,
                "options": search_options("LIBRARY", &filters), "after": null,
            });
            narrowed.push(PageCase {
                path: address(&library_base, &pairs),
                documents: vec![(SEARCH_LIBRARY, variables)],
            });
        }
    }
    // Record pages of records the searches found, spread over the whole mix.
    let step = (record_ids.len() / record_pages).max(1);
    for id in record_ids.iter().step_by(step).take(record_pages) {
        let variables = json!({ "id": id, "tenant": TENANT_SLUG });
        let data = run(RECORD, &variables).await;
        let related = related_variables(&data["record"], TENANT_SLUG);
        records.push(PageCase {
            path: format!("/{TENANT_SLUG}/records/{id}"),
            documents: vec![(RECORD, variables), (RELATED, related)],
        });
    }
    println!(
        "addresses: {} national searches ({works} works shown, {shared_works} of them held by \
         both libraries), {} library searches with f=format:book ({hits} results shown), {} \
         of them narrowed by one more facet, {} record pages",
        everywhere.len(),
        in_library.len(),
        narrowed.len(),
        records.len()
    );
    let head = vec![PageCase {
        path: String::new(),
        documents: vec![(LIBRARY_HEAD, json!({ "slug": TENANT_SLUG }))],
    }];
    Cases {
        pages: vec![
            (Page::Everywhere, everywhere.into()),
            (Page::Library, in_library.into()),
            (Page::Narrowed, narrowed.into()),
            (Page::Record, records.into()),
        ],
        head: head.into(),
    }
}
