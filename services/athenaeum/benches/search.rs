//! The search service's benchmark: index build, then search latency and throughput at
//! the tantivy level and end to end through GraphQL, beside PostgreSQL full-text search
//! on the same records.
//!
//! It runs on 10,000 records (the Library of Congress file `loc-books-2016/BooksAll.2016.
//! part01.first10000.mrc` from `../shared/data/marc/`, each record given one embedded Koha
//! 952 item) and on 1,000,000 records built from it the way the import benchmark builds
//! its large file: every record copied 100 times with its 001 and title varied (copies
//! after the first get "-c<n>" and " [copy <n>]"), each copy with one 952 item. For each
//! size, on SQLite (the embedded default) it:
//!
//! 1. onboards a library and imports the file through the catalogue service, as
//!    `athenaeum import-marc` does (every record new: no match rules);
//! 2. builds the search index with `SearchService::rebuild_exclusive(None)`, as
//!    `athenaeum reindex` does, and reports its time and documents per second;
//! 3. runs a deterministic query mix derived from the file's own titles (one word, two
//!    words, a quoted phrase, one word with a FORMAT or LANGUAGE filter and facet counts,
//!    and union search over every library grouped by work), each kind and then all kinds
//!    round robin, at 1 and at 16 concurrent clients: (a) `searcher::search` on the index
//!    in use, on plain threads; (b) GraphQL over loopback HTTP against the whole
//!    application, as an anonymous reader naming the library by its slug. Each
//!    measurement runs for the measured time and, when searches are slow, on until it has
//!    run as many searches as its workload has queries. Two diagnostics at the tantivy
//!    level, outside the mix, show what facet counts and grouping by work cost;
//! 4. when `ATHENAEUM_TEST_POSTGRES_URL` names a server, loads the same descriptions into
//!    a PostgreSQL table with a weighted `tsvector` column and a GIN index, and runs the
//!    same queries as `websearch_to_tsquery('english', …)` ranked by `ts_rank`.
//!
//! It prints the goals beside the figures: p95 under 50 ms end to end at 1,000,000
//! records, at least 200 searches/s, and end-to-end p95 within 1.5 times the tantivy
//! level's.
//!
//! A benchmark, not a test: it never judges the figures, and fails only when it cannot be
//! set up. Run it with `cargo bench -p athenaeum --bench search [-- --quick | --seconds N]`
//! (`--quick`: 10,000 records only, 1 s per measurement).
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark program: it reports on standard output and stops loudly when it \
              cannot be set up"
)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum::Config;
use athenaeum_auth::{SigningKey, TokenIssuer};
use athenaeum_catalogue::api::{ImportMode, ImportOptions};
use athenaeum_catalogue::{CatalogueApi, CatalogueService};
use athenaeum_identity::IdentityApi;
use athenaeum_testkit::{Backend, prepare_databases};

use mix::{Mix, QUERIES_PER_KIND, build_mix, sample_titles};
use report::{SizeReport, print_goals, print_preamble};
use support::app::{bench_config, identity, library};
use support::catalogue::{Imported, import_file, operator_scope};
use support::data::{Corpus, CorpusPlan, loc_file, scratch_folder};
use support::options::{Arguments, warm_up};
use support::postgres_url;

#[path = "search/end_to_end.rs"]
mod end_to_end;
#[path = "search/level.rs"]
mod level;
#[path = "search/mix.rs"]
mod mix;
#[path = "search/postgres.rs"]
mod postgres;
#[path = "search/report.rs"]
mod report;
mod support;
#[path = "search/tantivy_level.rs"]
mod tantivy_level;

const USAGE: &str = "usage: cargo bench -p athenaeum --bench search [-- --quick | --seconds N]";
/// Copies of the source file in the large corpus: 100 × 10,000 records.
const LARGE_COPIES: usize = 100;
/// Measured seconds per workload by default, and with `--quick`.
const DEFAULT_SECONDS: f64 = 3.0;
const QUICK_SECONDS: f64 = 1.0;
/// Concurrent clients of each run.
const CLIENT_COUNTS: [usize; 2] = [1, 16];
/// Results asked for per search, as a results page would.
const PAGE: u32 = 20;

/// What the command line asked for.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// 10,000 records only.
    quick: bool,
    /// Measured time of every workload.
    seconds: f64,
}

impl Options {
    fn from_command_line() -> Options {
        let arguments = Arguments::from_command_line(USAGE);
        let seconds = arguments.seconds_or(DEFAULT_SECONDS, QUICK_SECONDS);
        Options { quick: arguments.quick, seconds }
    }

    fn measured(self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }

    /// The unrecorded warm-up before each measurement.
    fn warm_up(self) -> Duration {
        warm_up(self.seconds)
    }
}

/// Onboards the library and returns its tenant id.
async fn onboard_library(config: &Config) -> String {
    let (identity, _worker) = identity(config, "http://127.0.0.1").await;
    let call = identity.command_line_call().expect("the command line gets a token");
    let onboarded =
        identity.onboard_tenant(&call, library()).await.expect("the library is onboarded");
    onboarded.tenant.id
}

/// Imports `path` into the library through the catalogue service, every record new.
async fn import(
    catalogue: &CatalogueService,
    issuer: &TokenIssuer,
    tenant_id: &str,
    path: &Path,
) -> Imported {
    let scope = operator_scope(catalogue, issuer, tenant_id);
    // Every record is new: the copies share ISBNs and system numbers on purpose.
    let options = ImportOptions { match_on: Vec::new(), ..ImportOptions::default() };
    import_file(catalogue, &scope, path, &options, ImportMode::Import, true).await
}

/// Returns the bytes of the files under `path`.
fn folder_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                folder_size(&path)
            } else {
                entry.metadata().map_or(0, |meta| meta.len())
            }
        })
        .sum()
}

async fn run_size(
    label: &str,
    corpus: &Path,
    mix: &Mix,
    options: Options,
    postgres_url: Option<&str>,
) -> SizeReport {
    println!("\n=== {label} ===");
    let databases = prepare_databases(Backend::Sqlite, &athenaeum::app::all_migrations()).await;
    let config = bench_config(&databases, &[]);
    let tenant_id = onboard_library(&config).await;
    let key = SigningKey::load(&config.auth, &config.data.dir).expect("the signing key");
    let issuer = TokenIssuer::new(key, &config.auth);
    let catalogue = athenaeum::app::command_line_catalogue(&config).await.expect("catalogue");

    eprintln!("{label}: importing {}", corpus.display());
    let imported = import(&catalogue, &issuer, &tenant_id, corpus).await;
    println!(
        "catalogue (SQLite): imported {} records with {} items in {:.1} s \
         ({:.0} records/s; for context, see the marc_import benchmark)",
        imported.records,
        imported.items,
        imported.elapsed.as_secs_f64(),
        imported.records as f64 / imported.elapsed.as_secs_f64()
    );

    eprintln!("{label}: building the search index");
    let search = athenaeum_search::build(
        &config.process_context(),
        &config.search,
        Arc::clone(&catalogue) as Arc<dyn CatalogueApi>,
    )
    .await
    .expect("the search service opens");
    let started = Instant::now();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(15)).await;
            eprintln!("  building the search index: {:.0} s", started.elapsed().as_secs_f64());
        }
    });
    let documents = search.rebuild_exclusive(None).await.expect("the index builds");
    let build = started.elapsed();
    ticker.abort();
    println!(
        "search index: rebuild_exclusive(None) indexed {documents} documents in {:.1} s \
         ({:.0} docs/s; {} indexing threads); {:.0} MB on disk in {} segments",
        build.as_secs_f64(),
        documents as f64 / build.as_secs_f64(),
        config.search.rebuild_threads,
        folder_size(&config.data.dir.join("search")) as f64 / 1e6,
        search.current().reader.searcher().segment_readers().len()
    );

    let postgres = postgres_url.map(|admin_url| {
        eprintln!("{label}: loading PostgreSQL");
        let runtime = tokio::runtime::Handle::current();
        let loaded = tokio::task::block_in_place(|| {
            postgres::load_postgres(admin_url, &catalogue, &issuer, &runtime)
        });
        let total = loaded.load + loaded.index;
        println!(
            "PostgreSQL baseline: loaded {} rows (read through the catalogue API, tsvector \
             computed on insert) in {:.1} s, GIN index + VACUUM ANALYZE in {:.1} s: {:.1} s in \
             all ({:.0} rows/s); {:.0} MB with indexes",
            loaded.rows,
            loaded.load.as_secs_f64(),
            loaded.index.as_secs_f64(),
            total.as_secs_f64(),
            loaded.rows as f64 / total.as_secs_f64(),
            loaded.server.size() as f64 / 1e6
        );
        loaded.server
    });

    let mut levels = Vec::new();
    eprintln!("{label}: measuring the tantivy level");
    let live = search.current();
    let (tantivy, totals) = tantivy_level::measure_tantivy(&live, mix, &tenant_id, options).await;
    levels.push(tantivy);
    // Let go of the index so that the application can open it.
    drop(live);
    drop(search);
    drop(catalogue);

    if let Some(server) = &postgres {
        eprintln!("{label}: measuring PostgreSQL");
        levels.push(postgres::measure_postgres(server, mix, options).await);
    }

    eprintln!("{label}: measuring end to end");
    levels.push(end_to_end::measure_end_to_end(&config, mix, &totals, options).await);
    if let Some(server) = postgres {
        server.drop_database();
    }
    drop(databases);
    SizeReport { records: documents, levels }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = Options::from_command_line();
    let source = loc_file();
    let postgres_url = postgres_url();
    let mix = build_mix(&sample_titles(&source), QUERIES_PER_KIND);
    print_preamble(options, &mix, postgres_url.is_some());
    if let Some(url) = &postgres_url {
        let server = postgres::Server::create(url);
        println!("PostgreSQL {}", server.settings());
        server.drop_database();
    }

    let scratch = scratch_folder();
    let mut sizes = vec![(1, "10k: the LoC file")];
    if !options.quick {
        sizes.push((LARGE_COPIES, "1M: the LoC file 100 times"));
        println!(
            "(in the 1M corpus each copy's title differs, so its work key does too: union \
             search there groups as many works as records match)"
        );
    }
    let mut last = None;
    for (copies, label) in sizes {
        let plan = CorpusPlan { copies, first_copy_as_is: true, progress: true };
        let target = scratch.path().join(format!("corpus-{copies}.mrc"));
        let corpus = Corpus::build(&source, plan, target);
        println!("\n{}", corpus.summary());
        let report = run_size(label, &corpus.path, &mix, options, postgres_url.as_deref()).await;
        let _ = std::fs::remove_file(&corpus.path);
        last = Some(report);
    }
    if let Some(report) = last {
        print_goals(&report, !options.quick);
    }
}
