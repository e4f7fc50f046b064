//! The catalogue's benchmark: MARC import throughput and peak memory.
//!
//! It imports the Library of Congress file `loc-books-2016/BooksAll.2016.part01.
//! first10000.mrc` (from `../shared/data/marc/`) as it is, then a 250,000-record file
//! built from it — each record copied 25 times with its 001 and title varied so every
//! copy is a distinct record, and given one embedded Koha 952 item — on SQLite and, when
//! `ATHENAEUM_TEST_POSTGRES_URL` names a server, on PostgreSQL. Imports run through the
//! catalogue service exactly as `athenaeum import-marc` runs them.
//!
//! Beside them, in the same run, it measures the baselines that bound an import on this
//! machine: reading the file alone, and reading plus describing plus serialising each
//! record (all the work but the database's). For each import it prints records/s, the
//! latency of a batch (read, prepare and commit) at p50/p95/p99, and the process's peak
//! resident memory during the import (reset before each one). Each file is also
//! previewed (`import-marc --dry-run`): the same reading and matching, recording each
//! record's outcome instead of writing the catalogue.
//!
//! A benchmark, not a test: it never judges the figures. Run it with
//! `cargo bench -p athenaeum --bench marc_import [-- --quick]` (`--quick`: 50,000 records
//! instead of 250,000).
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
use athenaeum_auth::{AuthConfig, SigningKey, TokenIssuer};
use athenaeum_catalogue::CatalogueService;
use athenaeum_catalogue::api::{ImportMode, ImportOptions};
use athenaeum_marc::RecordReader;
use athenaeum_testkit::{Backend, prepare_databases};

use support::catalogue::{Imported, import_file, operator_scope};
use support::data::{Corpus, CorpusPlan, loc_file, scratch_folder};
use support::figures::percentile;
use support::{POSTGRES_URL_VARIABLE, postgres_url};

mod support;

/// Reads every record: the floor under any import.
fn read_only(path: &Path) -> (usize, Duration) {
    let started = Instant::now();
    let count =
        RecordReader::open(path).expect("open").filter(|outcome| outcome.record.is_ok()).count();
    (count, started.elapsed())
}

/// Reads, describes and serialises every record: an import's work without the database.
fn prepare_only(path: &Path) -> (usize, Duration) {
    let started = Instant::now();
    let mut count = 0;
    for outcome in RecordReader::open(path).expect("open") {
        let Ok(record) = outcome.record else { continue };
        let row = athenaeum_catalogue::records::record_row(&record).expect("describe");
        std::hint::black_box(row);
        count += 1;
    }
    (count, started.elapsed())
}

/// Imports (or previews, by `mode`) `path` into fresh databases on `backend`, as an
/// operator acting for a new tenant, with the default import options.
async fn import(backend: Backend, path: &Path, mode: ImportMode) -> Imported {
    let databases = prepare_databases(backend, &athenaeum::app::all_migrations()).await;
    let mut config = Config::default();
    config.database = databases.config.clone();
    config.data.dir = databases.data_path();
    let key = SigningKey::load_or_generate(&AuthConfig::default(), &config.data.dir)
        .expect("signing key");
    let issuer = TokenIssuer::new(key, &config.auth);
    let catalogue: Arc<CatalogueService> =
        athenaeum::app::command_line_catalogue(&config).await.expect("catalogue");
    let scope = operator_scope(&catalogue, &issuer, &athenaeum_kernel::new_id());
    let imported =
        import_file(&catalogue, &scope, path, &ImportOptions::default(), mode, false).await;
    drop(catalogue);
    drop(databases);
    imported
}

fn report(label: &str, figures: &Imported) {
    let mut batches = figures.batches.clone();
    batches.sort();
    let milliseconds =
        |percent| percentile(&batches, percent).unwrap_or_default().as_secs_f64() * 1000.0;
    let rate = figures.records as f64 / figures.elapsed.as_secs_f64();
    println!(
        "  {label:<44} {:>8} records {:>8} items {:>8.1} s {:>9.0} records/s   batch p50/p95/p99 {:>6.0}/{:>6.0}/{:>6.0} ms   peak memory {}",
        figures.records,
        figures.items,
        figures.elapsed.as_secs_f64(),
        rate,
        milliseconds(50),
        milliseconds(95),
        milliseconds(99),
        figures
            .peak_kib
            .map_or_else(|| "n/a".to_string(), |kib| format!("{:.0} MiB", kib as f64 / 1024.0)),
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::args().any(|argument| argument == "--quick");
    let copies = if quick { 5 } else { 25 };
    let source = loc_file();
    let scratch = scratch_folder();
    let plan = CorpusPlan { copies, first_copy_as_is: false, progress: false };
    let large = Corpus::build(&source, plan, scratch.path().join("large.mrc"));
    println!("{}", large.summary());

    println!("\nbaselines (one thread, no database):");
    for (label, path) in [("10k LoC file", source.as_path()), ("large file", large.path.as_path())]
    {
        let (count, elapsed) = read_only(path);
        println!(
            "  read only, {label:<16} {count:>8} records {:>9.0} records/s",
            count as f64 / elapsed.as_secs_f64()
        );
        let (count, elapsed) = prepare_only(path);
        println!(
            "  read + describe + serialise, {label:<16} {count:>8} records {:>9.0} records/s",
            count as f64 / elapsed.as_secs_f64()
        );
    }

    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    } else {
        println!(
            "\n(PostgreSQL skipped: set {POSTGRES_URL_VARIABLE}, as ./scripts/test does, to measure it)"
        );
    }
    for backend in backends {
        println!("\nimport on {backend} (batches of 500 records, each one transaction):");
        report("10k LoC file", &import(backend, &source, ImportMode::Import).await);
        report("10k LoC file, preview", &import(backend, &source, ImportMode::Preview).await);
        let label = format!("{} records with items", large.records);
        report(&label, &import(backend, &large.path, ImportMode::Import).await);
        let label = format!("{} records with items, preview", large.records);
        report(&label, &import(backend, &large.path, ImportMode::Preview).await);
    }
}
