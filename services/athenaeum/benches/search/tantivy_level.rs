//! The tantivy level: `searcher::search` on the index in use, from plain threads, as the
//! search service would call it for an anonymous reader; and two diagnostics outside the
//! mix.

use std::sync::Arc;

use athenaeum_search::api::{SearchRequest, SearchScope};
use athenaeum_search::index::LiveIndex;
use athenaeum_search::searcher::{self, Scope};

use crate::level::{
    Level, LevelFigures, mean_matches, measure_threads, measurement_window, print_level_header,
    print_row,
};
use crate::mix::{Case, Change, Kind, Mix, Workload};
use crate::support::figures::Measurement;
use crate::{Options, PAGE};

/// The request and scope a case makes at the tantivy level, as the service would make
/// them for an anonymous reader of `tenant_id`.
fn tantivy_request(case: &Case, tenant_id: &str, change: Option<Change>) -> (SearchRequest, Scope) {
    let union = case.kind == Kind::Union && change != Some(Change::OneLibrary);
    let request = SearchRequest {
        query: case.text.clone(),
        scope: if union { SearchScope::Everywhere } else { SearchScope::Library },
        public_tenant_id: (!union).then(|| tenant_id.to_string()),
        filters: case.filter.iter().cloned().collect(),
        first: PAGE,
        facets: case.kind == Kind::Faceted && change != Some(Change::NoFacetCounts),
        ..SearchRequest::default()
    };
    let scope = Scope { tenant_id: (!union).then(|| tenant_id.to_string()), staff: false };
    (request, scope)
}

fn tantivy_search(
    live: &LiveIndex,
    case: &Case,
    tenant_id: &str,
    change: Option<Change>,
) -> Result<u64, String> {
    let (request, scope) = tantivy_request(case, tenant_id, change);
    let results = searcher::search(live, &request, &scope).map_err(|error| error.to_string())?;
    let shown = results.hits.len() + results.works.len();
    if results.total_records > 0 && shown == 0 {
        return Err(format!("{:?} matched {} but showed none", case.text, results.total_records));
    }
    Ok(results.total_records)
}

fn measure_tantivy_workload(
    live: &Arc<LiveIndex>,
    cases: &[Case],
    tenant_id: &str,
    workload: Workload,
    clients: usize,
    options: Options,
) -> Measurement<Workload> {
    let change = match workload {
        Workload::Changed(_, change) => Some(change),
        Workload::Only(_) | Workload::Mix => None,
    };
    let search =
        |live: &mut Arc<LiveIndex>, case: &Case| tantivy_search(live, case, tenant_id, change);
    let handles = vec![Arc::clone(live); clients];
    let window = measurement_window(options, cases);
    let tally = tokio::task::block_in_place(|| measure_threads(cases, handles, &window, &search));
    Measurement::new(workload, clients, window.measured(&tally), tally)
}

/// Measures every workload of the mix, then the diagnostics; returns the figures and
/// each query's total matches, from a pre-pass.
pub async fn measure_tantivy(
    live: &Arc<LiveIndex>,
    mix: &Mix,
    tenant_id: &str,
    options: Options,
) -> (LevelFigures, Vec<(Case, u64)>) {
    // A pre-pass: every query once, for the matches column and as a first warm-up.
    let mut totals = Vec::new();
    let mut nothing = Vec::new();
    for case in mix.cases(Workload::Mix) {
        let total = tantivy_search(live, &case, tenant_id, None).expect("a search runs");
        if total == 0 {
            nothing.push(case.text.clone());
        }
        totals.push((case, total));
    }
    print_level_header(Level::Tantivy);
    if !nothing.is_empty() {
        println!(
            "  NOTE: {} queries taken from titles found nothing: {}",
            nothing.len(),
            nothing.join(", ")
        );
    }
    let figures =
        LevelFigures::measure(Level::Tantivy, mix, &totals, async |workload, cases, clients| {
            measure_tantivy_workload(live, cases, tenant_id, workload, clients, options)
        })
        .await;
    println!("  diagnostics, 1 client, not in the mix or the goals:");
    for workload in [
        Workload::Changed(Kind::Faceted, Change::NoFacetCounts),
        Workload::Changed(Kind::Union, Change::OneLibrary),
    ] {
        let cases = mix.cases(workload);
        let measurement = measure_tantivy_workload(live, &cases, tenant_id, workload, 1, options);
        print_row(&measurement, mean_matches(mix, &totals, workload));
    }
    figures.print_errors();
    (figures, totals)
}
