//! The website's benchmark: how long the server takes to answer its public pages, beside
//! the GraphQL documents each page runs measured alone in the same run.
//!
//! On SQLite (the embedded default) it onboards two libraries and imports the 10,000
//! Library of Congress records (`loc-books-2016/BooksAll.2016.part01.first10000.mrc` from
//! `../shared/data/marc/`, read in place; each record given one embedded Koha 952 item in
//! a scratch copy, as the search benchmark does, so that pages show copies) into both,
//! so that search over every library groups works that several libraries hold; builds
//! the search index; starts the whole application on a loopback port; and then, at 1 and
//! at 16 concurrent clients, each on its own keep-alive connection, measures:
//!
//! 1. the national search page, `/search?q=…` (every library, one result per work);
//! 2. a library's search page with facets, `/{library}/search?q=…&f=format:book`, and
//!    the same narrowed by one more facet, the first value the page offers of subject,
//!    author, language or decade (what a reader clicks next);
//! 3. a record page, `/{library}/records/{id}`, of records those searches found.
//!
//! The searches are a deterministic mix of one and two words from the file's titles and
//! subject headings. Each page is measured beside its baseline: the GraphQL document the
//! page runs (`frontend/templates/public/*.graphql`, with the variables its handler in
//! `frontend/src/pages/public.rs` passes) posted to `/graphql` alone, the same way; for a
//! record page, its two documents (record, then related) one after the other, as the
//! page runs them. A library's pages also run the small library-head document first; it
//! is measured alone too. Page clients keep the form cookie the site sets, as a browser
//! does, and ask for gzip.
//!
//! It prints each page's size plain and gzip-compressed, the table of latency and
//! throughput against the baseline with the goals (a page's p95 within 1.3 times its
//! documents' p95, and under 30 ms at 16 clients), and then where a page's time goes:
//! the website assembled in this process with no HTTP, a page timed whole and its
//! documents timed alone, one after the other, one client.
//!
//! A benchmark, not a test: it never judges the figures beyond saying which goals were not
//! met, and fails only when it cannot be set up. Run it with
//! `cargo bench -p athenaeum --bench web [-- --quick | --seconds N]` (`--quick`: 1 s per
//! measurement and fewer rounds in process).
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark program: it reports on standard output and stops loudly when it \
              cannot be set up"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum::Config;
use athenaeum_auth::{SigningKey, TokenIssuer};
use athenaeum_catalogue::CatalogueApi;
use athenaeum_catalogue::api::{ImportMode, ImportOptions};
use athenaeum_identity::IdentityApi;
use athenaeum_testkit::{Backend, prepare_databases};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, COOKIE, HeaderMap, SET_COOKIE};
use serde_json::{Value, json};

use support::app::{RunningApp, TENANT_SLUG, bench_config, identity, library};
use support::catalogue::{import_file, operator_scope};
use support::data::{Corpus, CorpusPlan, loc_file, scratch_folder};
use support::figures::{
    Client, Labelled, Measurement, Window, drive_clients, find, milliseconds, percentile,
    print_errors, print_machine,
};
use support::http::{graphql, http_client};
use support::options::{Arguments, warm_up};
use support::web_pages::{
    Cases, LIBRARY_HEAD, Page, PageCase, SECOND_SLUG, make_cases, second_library,
};
use support::website::{assemble_website, gzip_length};
use support::words::sample_searches;

mod support;

const USAGE: &str = "usage: cargo bench -p athenaeum --bench web [-- --quick | --seconds N]";
/// Measured seconds per workload by default, and with `--quick`.
const DEFAULT_SECONDS: f64 = 3.0;
const QUICK_SECONDS: f64 = 1.0;
/// Passes over every page's addresses when timing its parts in process.
const DEFAULT_PASSES: usize = 5;
const QUICK_PASSES: usize = 2;
/// Concurrent clients of each run.
const CLIENT_COUNTS: [usize; 2] = [1, 16];
/// How long a request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Distinct searches in the mix, and record pages at most.
const SEARCHES: usize = 48;
const RECORD_PAGES: usize = 48;
/// The seed of the search sampler: the same searches every run.
const SEED: u64 = 0x00E8_5EA2_C4B1_2026;
/// The goals: a page's p95 within this many times its documents' p95 …
const RATIO_GOAL: f64 = 1.3;
/// … and under this many milliseconds at 16 clients.
const P95_GOAL_MS: f64 = 30.0;

/// What the command line asked for.
#[derive(Debug, Clone, Copy)]
struct Options {
    seconds: f64,
    passes: usize,
}

impl Options {
    fn from_command_line() -> Options {
        let arguments = Arguments::from_command_line(USAGE);
        Options {
            seconds: arguments.seconds_or(DEFAULT_SECONDS, QUICK_SECONDS),
            passes: if arguments.quick { QUICK_PASSES } else { DEFAULT_PASSES },
        }
    }
}

/// What the clients of one measurement ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    /// The page, over HTTP, as a browser asks for it.
    Page(Page),
    /// The page's documents posted to `/graphql`.
    Documents(Page),
    /// The library-head document alone.
    Head,
}

impl Labelled for Workload {
    fn label(self) -> &'static str {
        match self {
            Workload::Page(page) => page.label(),
            Workload::Documents(Page::Everywhere) => "its document: SearchEverywhere",
            Workload::Documents(Page::Library) => "its document: SearchLibrary",
            Workload::Documents(Page::Narrowed) => "its document: SearchLibrary, narrowed",
            Workload::Documents(Page::Record) => "its documents: Record + Related",
            Workload::Head => "LibraryHead document",
        }
    }
}

// ----- the clients -----

/// A browser: one keep-alive connection, the site's cookies kept, gzip accepted.
struct Browser {
    http: reqwest::Client,
    base: Arc<str>,
    cases: Arc<[PageCase]>,
    next: usize,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for set in headers.get_all(SET_COOKIE) {
            let Some((name, value)) = set
                .to_str()
                .ok()
                .and_then(|text| text.split(';').next())
                .and_then(|pair| pair.split_once('='))
            else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            self.cookies.retain(|(known, _)| known != name);
            self.cookies.push((name.to_string(), value.to_string()));
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Client for Browser {
    async fn request(&mut self) -> Result<(), String> {
        let case = &self.cases[self.next % self.cases.len()];
        self.next += 1;
        let mut request =
            self.http.get(format!("{}{}", self.base, case.path)).header(ACCEPT_ENCODING, "gzip");
        if !self.cookies.is_empty() {
            request = request.header(COOKIE, self.cookie_header());
        }
        let response = request.send().await.map_err(|error| error.to_string())?;
        let status = response.status();
        let path = case.path.clone();
        self.keep_cookies(response.headers());
        let body = response.bytes().await.map_err(|error| error.to_string())?;
        if !status.is_success() || body.is_empty() {
            return Err(format!("{status} ({} bytes) for {path}", body.len()));
        }
        Ok(())
    }
}

/// A GraphQL client: one keep-alive connection, each address's documents in turn.
struct Reader {
    http: reqwest::Client,
    base: Arc<str>,
    cases: Arc<[PageCase]>,
    next: usize,
}

impl Client for Reader {
    async fn request(&mut self) -> Result<(), String> {
        let case = &self.cases[self.next % self.cases.len()];
        self.next += 1;
        for (document, variables) in &case.documents {
            graphql(&self.http, &self.base, document, variables.clone(), None).await?;
        }
        Ok(())
    }
}

async fn measure(
    workload: Workload,
    cases: &Arc<[PageCase]>,
    clients: usize,
    base: &Arc<str>,
    options: Options,
) -> Measurement<Workload> {
    let measured = Duration::from_secs_f64(options.seconds);
    let window = Arc::new(Window::new(warm_up(options.seconds), measured, cases.len()));
    // Each client starts at its own place in the addresses.
    let start = |index: usize| index * cases.len() / clients.max(1);
    let tally = match workload {
        Workload::Page(_) => {
            let browsers = (0..clients)
                .map(|index| Browser {
                    http: http_client(REQUEST_TIMEOUT),
                    base: Arc::clone(base),
                    cases: Arc::clone(cases),
                    next: start(index),
                    cookies: Vec::new(),
                })
                .collect();
            drive_clients(browsers, &window).await
        }
        Workload::Documents(_) | Workload::Head => {
            let readers = (0..clients)
                .map(|index| Reader {
                    http: http_client(REQUEST_TIMEOUT),
                    base: Arc::clone(base),
                    cases: Arc::clone(cases),
                    next: start(index),
                })
                .collect();
            drive_clients(readers, &window).await
        }
    };
    Measurement::new(workload, clients, window.measured(&tally), tally)
}

// ----- the world -----

/// Onboards both libraries, imports the corpus into each, and builds the search index.
async fn build_world(config: &Config, corpus: &std::path::Path) {
    let (identity, _worker) = identity(config, "http://127.0.0.1").await;
    let call = identity.command_line_call().expect("the command line gets a token");
    let key = SigningKey::load(&config.auth, &config.data.dir).expect("the signing key");
    let issuer = TokenIssuer::new(key, &config.auth);
    let catalogue = athenaeum::app::command_line_catalogue(config).await.expect("catalogue");
    for tenant in [library(), second_library()] {
        let slug = tenant.slug.clone();
        let onboarded =
            identity.onboard_tenant(&call, tenant).await.expect("the library is onboarded");
        let scope = operator_scope(&catalogue, &issuer, &onboarded.tenant.id);
        let options = ImportOptions { match_on: Vec::new(), ..ImportOptions::default() };
        eprintln!("importing into {slug}");
        let imported =
            import_file(&catalogue, &scope, corpus, &options, ImportMode::Import, true).await;
        println!(
            "{slug}: imported {} records with {} items in {:.1} s",
            imported.records,
            imported.items,
            imported.elapsed.as_secs_f64()
        );
    }
    eprintln!("building the search index");
    let search = athenaeum_search::build(
        &config.process_context(),
        &config.search,
        Arc::clone(&catalogue) as Arc<dyn CatalogueApi>,
    )
    .await
    .expect("the search service opens");
    let started = Instant::now();
    let documents = search.rebuild_exclusive(None).await.expect("the index builds");
    println!(
        "search index: {documents} documents (both libraries) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// ----- sizes -----

/// Prints each page's size over its addresses: as sent plain, and gzip-compressed (as
/// the server sent it when it compressed, else by actix-web's `Compress` here).
async fn print_sizes(base: &str, cases: &Cases) {
    let http = http_client(REQUEST_TIMEOUT);
    println!("\npage sizes over each page's addresses, KB (1000 bytes): median (largest)");
    println!("  {:<38} {:>16} {:>16}  gzip by", "page", "plain", "gzip");
    for (page, addresses) in &cases.pages {
        let (mut plain, mut gzip, mut by) = (Vec::new(), Vec::new(), "-");
        for case in addresses.iter() {
            let url = format!("{base}{}", case.path);
            let body = http.get(&url).send().await.and_then(reqwest::Response::error_for_status);
            let body = body.expect("the page answers").bytes().await.expect("its body");
            plain.push(body.len());
            let response = http
                .get(&url)
                .header(ACCEPT_ENCODING, "gzip")
                .send()
                .await
                .expect("the page answers");
            let encoded = response.headers().get(CONTENT_ENCODING).cloned();
            let wire = response.bytes().await.expect("its body");
            if encoded.as_ref().and_then(|value| value.to_str().ok()) == Some("gzip") {
                gzip.push(wire.len());
                by = "the server";
            } else {
                match gzip_length(wire.to_vec()).await {
                    Ok(length) => gzip.push(length),
                    Err(problem) => println!("  ({problem})"),
                }
                by = "actix Compress here; the server sent it plain";
            }
        }
        let kb = |sizes: &mut Vec<usize>| {
            sizes.sort_unstable();
            let median = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
            let largest = sizes.last().copied().unwrap_or(0);
            format!("{:.1} ({:.1})", median as f64 / 1e3, largest as f64 / 1e3)
        };
        println!("  {:<38} {:>16} {:>16}  {by}", page.label(), kb(&mut plain), kb(&mut gzip));
    }
}

// ----- the table and the goals -----

fn p95_ms(measurement: Option<&Measurement<Workload>>) -> Option<f64> {
    measurement.and_then(Measurement::p95_ms)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// The goals of one row: the ratio at every concurrency, 30 ms at 16 clients.
fn goals(page_p95: Option<f64>, documents_p95: Option<f64>, clients: usize) -> (String, bool) {
    let (Some(page), Some(documents)) = (page_p95, documents_p95) else {
        return ("no figures".to_string(), false);
    };
    let within = page <= documents * RATIO_GOAL;
    let mut text = format!("<={RATIO_GOAL}x {}", verdict(within));
    let mut met = within;
    if clients == 16 {
        let under = page < P95_GOAL_MS;
        text.push_str(&format!(", <{P95_GOAL_MS:.0}ms {}", verdict(under)));
        met &= under;
    }
    (text, met)
}

fn print_table(measurements: &[Measurement<Workload>]) {
    println!(
        "\npages over HTTP beside their GraphQL documents over HTTP (latency in ms; page p95 / \
         documents p95; goals: p95 within {RATIO_GOAL}x of the documents', under \
         {P95_GOAL_MS:.0} ms at 16 clients)"
    );
    println!(
        "  {:<36} {:>7} {:>8} {:>7} {:>7} {:>7} {:>4} | {:>8} {:>7} {:>7} {:>7} {:>4} | {:>5}  goal",
        "page",
        "clients",
        "pages/s",
        "p50",
        "p95",
        "p99",
        "err",
        "docs/s",
        "p50",
        "p95",
        "p99",
        "err",
        "ratio"
    );
    let ms = |measurement: Option<&Measurement<Workload>>, percent| {
        milliseconds(measurement.and_then(|measurement| measurement.percentile(percent)), 2)
    };
    let rate = |measurement: Option<&Measurement<Workload>>| {
        measurement.map_or_else(|| "-".to_string(), |m| format!("{:.1}", m.throughput()))
    };
    let errors = |measurement: Option<&Measurement<Workload>>| {
        measurement.map_or_else(|| "-".to_string(), |m| m.errors.to_string())
    };
    for page in Page::ALL {
        for clients in CLIENT_COUNTS {
            let shown = find(measurements, Workload::Page(page), clients);
            let baseline = find(measurements, Workload::Documents(page), clients);
            let ratio = p95_ms(shown)
                .zip(p95_ms(baseline))
                .map_or_else(|| "-".to_string(), |(page, docs)| format!("{:.2}", page / docs));
            let (goal, _) = goals(p95_ms(shown), p95_ms(baseline), clients);
            println!(
                "  {:<36} {:>7} {:>8} {:>7} {:>7} {:>7} {:>4} | {:>8} {:>7} {:>7} {:>7} {:>4} | {:>5}  {goal}",
                page.label(),
                clients,
                rate(shown),
                ms(shown, 50),
                ms(shown, 95),
                ms(shown, 99),
                errors(shown),
                rate(baseline),
                ms(baseline, 50),
                ms(baseline, 95),
                ms(baseline, 99),
                errors(baseline),
                ratio,
            );
        }
    }
    for clients in CLIENT_COUNTS {
        let head = find(measurements, Workload::Head, clients);
        println!(
            "  {:<36} {clients:>7} {:>8} {:>7} {:>7} {:>7} {:>4} | (run first by every library page)",
            Workload::Head.label(),
            rate(head),
            ms(head, 50),
            ms(head, 95),
            ms(head, 99),
            errors(head),
        );
    }
    let baselines: Vec<String> =
        Page::ALL.iter().map(|page| format!("{}: {}", page.label(), page.documents())).collect();
    println!("  (documents: {})", baselines.join("; "));
    print_errors(measurements, "  ");
}

fn print_goals(measurements: &[Measurement<Workload>]) {
    println!("\n=== goals ===");
    let mut missed = Vec::new();
    for page in Page::ALL {
        for clients in CLIENT_COUNTS {
            let shown = p95_ms(find(measurements, Workload::Page(page), clients));
            let baseline = p95_ms(find(measurements, Workload::Documents(page), clients));
            let (goal, met) = goals(shown, baseline, clients);
            println!(
                "  {:<36} {clients:>2} clients: p95 {} ms vs documents {} ms: {goal}",
                page.label(),
                shown.map_or_else(|| "-".to_string(), |value| format!("{value:.2}")),
                baseline.map_or_else(|| "-".to_string(), |value| format!("{value:.2}")),
            );
            if !met {
                missed.push(format!("{} at {clients} clients", page.label()));
            }
        }
    }
    if missed.is_empty() {
        println!("  every goal met");
    } else {
        println!("  goals NOT met: {}", missed.join("; "));
    }
}

// ----- where the time goes -----

async fn time<T>(work: impl Future<Output = T>) -> (Duration, T) {
    let started = Instant::now();
    let outcome = work.await;
    (started.elapsed(), outcome)
}

/// Times each page in process with no HTTP, whole (through the website's routes) and its
/// documents alone (through `Web::anonymous`, as its handler runs them), one after the
/// other at one client, and prints what the page's own work takes: the difference.
async fn print_where_the_time_goes(
    config: &Config,
    port: u16,
    cases: &Cases,
    measurements: &[Measurement<Workload>],
    options: Options,
) {
    use actix_web::test;
    let web = match assemble_website(config, port).await {
        Ok(web) => web,
        Err(problem) => {
            println!("\n(the website could not be assembled in process: {problem:#})");
            return;
        }
    };
    let service =
        test::init_service(actix_web::App::new().configure(athenaeum_web::routes(web.clone())))
            .await;
    let plain_request = test::TestRequest::default().to_http_request();
    // The form cookie, kept as the browsers kept it.
    let first = test::call_service(&service, test::TestRequest::get().uri("/").to_request()).await;
    let cookie: String = first
        .headers()
        .get_all(actix_web::http::header::SET_COOKIE)
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ");
    println!(
        "\nwhere the time goes: each page in this process with no HTTP (the same services, \
         schema and website), timed whole and then its documents alone as its handler runs \
         them, {} passes over its addresses, one at a time; ms, p50 (p95)",
        options.passes
    );
    println!(
        "  {:<36} {:>14} {:>14} {:>14} {:>16} {:>7} | {:>9} {:>9}",
        "page",
        "whole page",
        "LibraryHead",
        "its documents",
        "the page's own",
        "own %",
        "HTTP page",
        "HTTP docs"
    );
    let head_variables = json!({ "slug": TENANT_SLUG });
    for (page, addresses) in &cases.pages {
        let (mut whole, mut head, mut documents, mut own) = (vec![], vec![], vec![], vec![]);
        let mut failures = 0;
        for _ in 0..options.passes {
            for case in addresses.iter() {
                let request = test::TestRequest::get()
                    .uri(&case.path)
                    .insert_header((actix_web::http::header::COOKIE, cookie.clone()))
                    .to_request();
                let (page_time, status) = time(async {
                    let response = test::call_service(&service, request).await;
                    let status = response.status();
                    let _body = test::read_body(response).await;
                    status
                })
                .await;
                let (head_time, _) = if page.of_a_library() {
                    time(web.anonymous::<Value>(
                        &plain_request,
                        LIBRARY_HEAD,
                        head_variables.clone(),
                    ))
                    .await
                } else {
                    (Duration::ZERO, Ok(Value::Null))
                };
                let (documents_time, answered) = time(async {
                    for (document, variables) in &case.documents {
                        web.anonymous::<Value>(&plain_request, document, variables.clone()).await?;
                    }
                    Ok::<(), athenaeum_web::PageError>(())
                })
                .await;
                if !status.is_success() || answered.is_err() {
                    failures += 1;
                    continue;
                }
                whole.push(page_time);
                head.push(head_time);
                documents.push(documents_time);
                own.push(page_time.saturating_sub(head_time + documents_time));
            }
        }
        for times in [&mut whole, &mut head, &mut documents, &mut own] {
            times.sort_unstable();
        }
        let cell = |times: &[Duration]| {
            format!(
                "{} ({})",
                milliseconds(percentile(times, 50), 2),
                milliseconds(percentile(times, 95), 2)
            )
        };
        let share = percentile(&own, 50).zip(percentile(&whole, 50)).map_or_else(
            || "-".to_string(),
            |(own, whole)| format!("{:.0}%", own.as_secs_f64() / whole.as_secs_f64() * 100.0),
        );
        let http = |workload| {
            milliseconds(find(measurements, workload, 1).and_then(|m| m.percentile(50)), 2)
        };
        println!(
            "  {:<36} {:>14} {:>14} {:>14} {:>16} {:>7} | {:>9} {:>9}{}",
            page.label(),
            cell(&whole),
            if page.of_a_library() { cell(&head) } else { "-".to_string() },
            cell(&documents),
            cell(&own),
            share,
            http(Workload::Page(*page)),
            http(Workload::Documents(*page)),
            if failures > 0 { format!("  ({failures} failed)") } else { String::new() },
        );
    }
    println!(
        "  (the page's own = whole page - LibraryHead - its documents, per address: reading \
         the visitor's cookies, the form token, reading the answers into the page's types, \
         building the views and rendering the template; HTTP: p50 at 1 client above)"
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = Options::from_command_line();
    let source = loc_file();
    print_machine("the clients share");
    println!(
        "web benchmark: {} s measured per workload after a {:.1} s warm-up, {:?} clients; \
         SQLite; the LoC file ({}) in two libraries ({TENANT_SLUG}, {SECOND_SLUG})",
        options.seconds,
        warm_up(options.seconds).as_secs_f64(),
        CLIENT_COUNTS,
        source.display()
    );
    let searches = sample_searches(&source, SEARCHES, SEED);
    println!(
        "searches ({}, from titles and subject headings): {}",
        searches.len(),
        searches.iter().take(12).map(|search| format!("{search:?}")).collect::<Vec<_>>().join(", ")
    );

    let scratch = scratch_folder();
    let plan = CorpusPlan { copies: 1, first_copy_as_is: true, progress: false };
    let corpus = Corpus::build(&source, plan, scratch.path().join("corpus.mrc"));
    println!("{}", corpus.summary());
    let databases = prepare_databases(Backend::Sqlite, &athenaeum::app::all_migrations()).await;
    let config = bench_config(&databases, &[]);
    build_world(&config, &corpus.path).await;

    let app = RunningApp::start(&config).await;
    let port: u16 = app.base.rsplit(':').next().and_then(|port| port.parse().ok()).unwrap_or(0);
    let base: Arc<str> = Arc::from(app.base.as_str());
    eprintln!("making the addresses");
    let cases = make_cases(&http_client(REQUEST_TIMEOUT), &base, &searches, RECORD_PAGES).await;
    print_sizes(&base, &cases).await;

    let mut measurements = Vec::new();
    for clients in CLIENT_COUNTS {
        for page in Page::ALL {
            eprintln!("measuring {} at {clients} clients", page.label());
            let addresses = cases.of(page);
            measurements
                .push(measure(Workload::Page(page), addresses, clients, &base, options).await);
            measurements
                .push(measure(Workload::Documents(page), addresses, clients, &base, options).await);
        }
        measurements.push(measure(Workload::Head, &cases.head, clients, &base, options).await);
    }
    app.stop().await;
    print_table(&measurements);
    print_goals(&measurements);

    eprintln!("timing the pages' parts in process");
    let local = tokio::task::LocalSet::new();
    local
        .run_until(Box::pin(print_where_the_time_goes(
            &config,
            port,
            &cases,
            &measurements,
            options,
        )))
        .await;
    drop(databases);
}
