//! MARC imports through the catalogue service, run as `athenaeum import-marc` runs them,
//! with what the benchmarks report about them.

use std::path::Path;
use std::time::{Duration, Instant};

use athenaeum_auth::{Role, TenantScope, TokenIssuer};
use athenaeum_catalogue::CatalogueService;
use athenaeum_catalogue::api::{ImportMode, ImportOptions};
use athenaeum_marc::RecordReader;

use super::figures::{peak_memory_kib, reset_peak_memory};

/// Returns a platform operator's scope in `tenant_id`, from a token `issuer` signs and
/// the catalogue verifies.
pub fn operator_scope(
    catalogue: &CatalogueService,
    issuer: &TokenIssuer,
    tenant_id: &str,
) -> TenantScope {
    let token = issuer
        .issue("benchmark", "00000000-0000-7000-8000-000000000000", "platform", &[Role::Operator])
        .expect("token")
        .token;
    catalogue.verify(&token).expect("verify").operator_scope(tenant_id).expect("scope")
}

/// What an import did, and what it took.
#[derive(Debug)]
pub struct Imported {
    pub records: i64,
    pub items: i64,
    pub elapsed: Duration,
    /// Each batch's time: read, prepare and commit.
    pub batches: Vec<Duration>,
    /// The process's peak resident memory during the import, in KiB.
    pub peak_kib: Option<u64>,
}

/// Imports `path` as `scope` with `options`. The clock starts, and the peak memory is
/// reset, once the job is made and the file open. With `progress`, says on standard
/// error every 10 s how many records it has read. Stops when the import fails.
pub async fn import_file(
    catalogue: &CatalogueService,
    scope: &TenantScope,
    path: &Path,
    options: &ImportOptions,
    mode: ImportMode,
    progress: bool,
) -> Imported {
    let (job, _) = catalogue.local_import_job(scope, path, options, mode).await.expect("job");
    let reader = RecordReader::open(path).expect("open");
    let (_stop_sender, stop) = tokio::sync::watch::channel(false);
    reset_peak_memory();
    let started = Instant::now();
    let mut last_batch = Instant::now();
    let mut last_report = Instant::now();
    let mut batches = Vec::new();
    let (_, finished) = catalogue
        .run_job(scope, job, reader, stop, |read| {
            batches.push(last_batch.elapsed());
            last_batch = Instant::now();
            if progress && last_report.elapsed() >= Duration::from_secs(10) {
                eprintln!(
                    "  importing: {} records in {:.0} s",
                    read.records_read,
                    started.elapsed().as_secs_f64()
                );
                last_report = Instant::now();
            }
        })
        .await
        .expect("import");
    let elapsed = started.elapsed();
    Imported {
        records: finished.records_new,
        items: finished.items_created,
        elapsed,
        batches,
        peak_kib: peak_memory_kib(),
    }
}
