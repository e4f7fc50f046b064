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
//! resident memory during the import (reset before each one).
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

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum::Config;
use athenaeum_auth::{AuthConfig, Role, SigningKey, TokenIssuer};
use athenaeum_catalogue::CatalogueService;
use athenaeum_catalogue::api::ImportOptions;
use athenaeum_marc::{DataField, Field, RecordReader, Subfield, Tag};
use athenaeum_testkit::{Backend, prepare_databases};

const POSTGRES_URL_VARIABLE: &str = "ATHENAEUM_TEST_POSTGRES_URL";
const SOURCE: &str = "loc-books-2016/BooksAll.2016.part01.first10000.mrc";

fn shared_data() -> PathBuf {
    std::env::var_os("ATHENAEUM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// Builds the large file: every source record `copies` times, with 001 and 245 $a
/// varied and one 952 item each. Returns how many records it wrote.
fn build_large_file(source: &Path, copies: usize, target: &Path) -> usize {
    let mut out = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(target).expect("create the large file"),
    );
    let branches = ["CPL", "MPL", "FPL", "IPT", "LPL"];
    let mut written = 0;
    let mut buffer = Vec::new();
    for copy in 0..copies {
        for outcome in RecordReader::open(source).expect("open the source file") {
            let Ok(mut record) = outcome.record else { continue };
            for field in &mut record.fields {
                match field {
                    Field::Control(control) if control.tag.as_str() == "001" => {
                        control.value = format!("{}-c{copy}", control.value.trim());
                    }
                    Field::Data(data) if data.tag.as_str() == "245" => {
                        if let Some(title) =
                            data.subfields.iter_mut().find(|subfield| subfield.code == 'a')
                        {
                            title.value = format!("{} [copy {copy}]", title.value);
                        }
                    }
                    _ => {}
                }
            }
            let call_number = record
                .data_field("050")
                .map(|field| field.joined("ab"))
                .filter(|text| !text.is_empty())
                .unwrap_or_else(|| "000".to_string());
            let subfields = [
                ('a', branches[written % branches.len()].to_string()),
                ('c', "GEN".to_string()),
                ('o', call_number),
                ('p', format!("39{written:011}")),
                ('y', "BK".to_string()),
                ('v', "12.99".to_string()),
            ];
            record.fields.push(Field::Data(DataField {
                tag: Tag::of(b"952"),
                ind1: ' ',
                ind2: ' ',
                subfields: subfields
                    .into_iter()
                    .map(|(code, value)| Subfield { code, value })
                    .collect(),
            }));
            buffer.clear();
            if athenaeum_marc::iso2709::write_record(&record, &mut buffer).is_ok() {
                out.write_all(&buffer).expect("write the large file");
                written += 1;
            }
        }
    }
    out.flush().expect("flush the large file");
    written
}

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

/// Returns the process's peak resident memory in KiB and resets it, from /proc.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

fn reset_peak_memory() {
    // Writing 5 to clear_refs resets VmHWM to the current resident size (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct ImportFigures {
    records: i64,
    items: i64,
    elapsed: Duration,
    batches: Vec<Duration>,
    peak_kib: Option<u64>,
}

async fn import(backend: Backend, path: &Path) -> ImportFigures {
    let databases = prepare_databases(backend, &athenaeum::app::all_migrations()).await;
    let mut config = Config::default();
    config.database = databases.config.clone();
    config.data.dir = databases.data_path();
    let key = SigningKey::load_or_generate(&AuthConfig::default(), &config.data.dir)
        .expect("signing key");
    let issuer = TokenIssuer::new(key, &config.auth);
    let catalogue: Arc<CatalogueService> =
        athenaeum::app::catalogue_service(&config).await.expect("catalogue");
    let token = issuer
        .issue("benchmark", "00000000-0000-7000-8000-000000000000", "platform", &[Role::Operator])
        .expect("token")
        .token;
    let scope = catalogue
        .verify(&token)
        .expect("verify")
        .operator_scope(&athenaeum_kernel::new_id())
        .expect("scope");
    let (job, _) =
        catalogue.local_import_job(&scope, path, &ImportOptions::default()).await.expect("job");
    let reader = RecordReader::open(path).expect("open");
    let (_stop_sender, stop) = tokio::sync::watch::channel(false);
    reset_peak_memory();
    let started = Instant::now();
    let mut last = Instant::now();
    let mut batches = Vec::new();
    let (_, finished) = catalogue
        .run_job(&scope, job, reader, stop, |_| {
            batches.push(last.elapsed());
            last = Instant::now();
        })
        .await
        .expect("import");
    let elapsed = started.elapsed();
    let peak_kib = peak_memory_kib();
    drop(catalogue);
    drop(databases);
    ImportFigures {
        records: finished.records_new,
        items: finished.items_created,
        elapsed,
        batches,
        peak_kib,
    }
}

fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = (sorted.len() * percent).div_ceil(100).saturating_sub(1).min(sorted.len() - 1);
    sorted[index]
}

fn report(label: &str, figures: &ImportFigures) {
    let mut batches = figures.batches.clone();
    batches.sort();
    let rate = figures.records as f64 / figures.elapsed.as_secs_f64();
    println!(
        "  {label:<44} {:>8} records {:>8} items {:>8.1} s {:>9.0} records/s   batch p50/p95/p99 {:>6.0}/{:>6.0}/{:>6.0} ms   peak memory {}",
        figures.records,
        figures.items,
        figures.elapsed.as_secs_f64(),
        rate,
        percentile(&batches, 50).as_secs_f64() * 1000.0,
        percentile(&batches, 95).as_secs_f64() * 1000.0,
        percentile(&batches, 99).as_secs_f64() * 1000.0,
        figures
            .peak_kib
            .map_or_else(|| "n/a".to_string(), |kib| format!("{:.0} MiB", kib as f64 / 1024.0)),
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::args().any(|argument| argument == "--quick");
    let copies = if quick { 5 } else { 25 };
    let source = shared_data().join("marc").join(SOURCE);
    assert!(source.is_file(), "{} is missing; set ATHENAEUM_SHARED_DATA", source.display());
    let scratch =
        tempfile::Builder::new().prefix("athenaeum-bench-").tempdir().expect("scratch folder");
    let large = scratch.path().join("large.mrc");
    let built = Instant::now();
    let large_count = build_large_file(&source, copies, &large);
    println!(
        "built {} ({large_count} records with one 952 item each, {:.0} MB) in {:.1} s",
        large.display(),
        std::fs::metadata(&large).map(|meta| meta.len()).unwrap_or(0) as f64 / 1e6,
        built.elapsed().as_secs_f64()
    );

    println!("\nbaselines (one thread, no database):");
    for (label, path) in [("10k LoC file", source.as_path()), ("large file", large.as_path())] {
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
    if std::env::var(POSTGRES_URL_VARIABLE).is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    } else {
        println!(
            "\n(PostgreSQL skipped: set {POSTGRES_URL_VARIABLE}, as ./scripts/test does, to measure it)"
        );
    }
    for backend in backends {
        println!("\nimport on {backend} (batches of 500 records, each one transaction):");
        report("10k LoC file", &import(backend, &source).await);
        report(&format!("{large_count} records with items"), &import(backend, &large).await);
    }
}
