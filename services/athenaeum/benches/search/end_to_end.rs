//! End to end: GraphQL over loopback HTTP against the whole application, as an
//! anonymous reader naming the library by its slug (or searching everywhere).

use std::sync::Arc;
use std::time::Duration;

use athenaeum::Config;
use athenaeum_search::api::FacetName;
use serde_json::{Value, json};

use crate::Options;
use crate::level::{Level, LevelFigures, measurement_window, print_level_header};
use crate::mix::{Case, Kind, Mix};
use crate::support::app::{RunningApp, TENANT_SLUG};
use crate::support::figures::{Client, Measurement, drive_clients};
use crate::support::http::{graphql, http_client};

/// How long a search may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

const SEARCH_QUERY: &str = "query Search($q: String!, $tenant: String, $options: SearchOptions) {
  search(query: $q, tenant: $tenant, options: $options, first: 20) {
    totalRecords totalWorks hasNextPage endCursor didYouMean readAsWords
    hits {
      recordId tenantId score title authors year format languages publishers edition isbns
      workKey availableNow
      holdings { branchCode branchName copies available callNumbers }
      highlights { field text ranges { start end } }
    }
    works {
      workKey title authors score tenantIds availableNow
      editions { tenantId recordId format year }
      holdings { tenantId branchCode branchName copies available }
    }
    facets { facet values { value label count selected } }
  }
}";

fn graphql_variables(case: &Case) -> Value {
    let union = case.kind == Kind::Union;
    let filters: Vec<Value> = case
        .filter
        .iter()
        .map(|filter| {
            let facet = match filter.facet {
                FacetName::Format => "FORMAT",
                FacetName::Language => "LANGUAGE",
                FacetName::Subject => "SUBJECT",
                FacetName::Author => "AUTHOR",
                FacetName::Year => "YEAR",
                FacetName::Branch => "BRANCH",
                FacetName::Availability => "AVAILABILITY",
            };
            json!({ "facet": facet, "value": filter.value })
        })
        .collect();
    json!({
        "q": case.text,
        "tenant": if union { Value::Null } else { json!(TENANT_SLUG) },
        "options": {
            "scope": if union { "EVERYWHERE" } else { "LIBRARY" },
            "facets": case.kind == Kind::Faceted,
            "filters": filters,
        },
    })
}

async fn graphql_search(http: &reqwest::Client, base: &str, case: &Case) -> Result<u64, String> {
    let data = graphql(http, base, SEARCH_QUERY, graphql_variables(case), None).await?;
    data["search"]["totalRecords"]
        .as_u64()
        .ok_or_else(|| format!("no search.totalRecords in {data}"))
}

/// One reader: its own connection, going through the cases from its own place in them.
struct Reader {
    http: reqwest::Client,
    base: Arc<str>,
    cases: Arc<[Case]>,
    next: usize,
}

impl Client for Reader {
    async fn request(&mut self) -> Result<(), String> {
        let case = &self.cases[self.next % self.cases.len()];
        self.next += 1;
        graphql_search(&self.http, &self.base, case).await.map(drop)
    }
}

/// Makes `clients` readers of `cases`, each starting at its own place in them.
fn readers(base: &Arc<str>, cases: &Arc<[Case]>, clients: usize) -> Vec<Reader> {
    (0..clients)
        .map(|index| Reader {
            http: http_client(REQUEST_TIMEOUT),
            base: Arc::clone(base),
            cases: Arc::clone(cases),
            next: index * cases.len() / clients.max(1),
        })
        .collect()
}

/// Starts the application on `config`, checks every query's total against the tantivy
/// level's, and measures every workload of the mix.
pub async fn measure_end_to_end(
    config: &Config,
    mix: &Mix,
    tantivy_totals: &[(Case, u64)],
    options: Options,
) -> LevelFigures {
    let app = RunningApp::start(config).await;
    let http = http_client(REQUEST_TIMEOUT);
    // A pre-pass: every query once, its total compared with the tantivy level's.
    let mut differing = Vec::new();
    for (case, expected) in tantivy_totals {
        match graphql_search(&http, &app.base, case).await {
            Ok(total) if total == *expected => {}
            Ok(total) => differing.push(format!("{:?}: {total} (tantivy {expected})", case.text)),
            Err(problem) => differing.push(format!("{:?}: {problem}", case.text)),
        }
    }
    print_level_header(Level::EndToEnd);
    if differing.is_empty() {
        println!(
            "  (all {} queries' totals equal the tantivy level's in a pre-pass)",
            tantivy_totals.len()
        );
    } else {
        println!(
            "  NOTE: {} of {} queries differ from the tantivy level: {}",
            differing.len(),
            tantivy_totals.len(),
            differing.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
        );
    }
    let base: Arc<str> = Arc::from(app.base.as_str());
    let figures = LevelFigures::measure(
        Level::EndToEnd,
        mix,
        tantivy_totals,
        async |workload, cases, clients| {
            let cases: Arc<[Case]> = Arc::from(cases);
            let readers = readers(&base, &cases, clients);
            let window = Arc::new(measurement_window(options, &cases));
            let tally = drive_clients(readers, &window).await;
            Measurement::new(workload, clients, window.measured(&tally), tally)
        },
    )
    .await;
    app.stop().await;
    figures.print_errors();
    figures
}
