//! Fixtures shared by the catalogue's integration tests: the service on a fresh library
//! database, signed-in callers of two libraries (tokens signed with a test key, as the
//! identity service would sign them), MARC files from `../shared/data/marc/`, and imports
//! run to the end.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test file uses a different part of the fixtures"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test fixtures fail loudly at the first thing that goes wrong"
)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use athenaeum_catalogue::api::*;
use athenaeum_catalogue::{CatalogueApi, CatalogueConfig, CatalogueService};
use athenaeum_library_db::{LibraryDatabase, MIGRATIONS};
use athenaeum_testkit::{Backend, TestDatabase, TestIssuer};
use athenaeum_transport::Call;
use tokio::sync::watch;

pub use athenaeum_testkit::{TestLibrary as Library, marc_file, refused};

/// The catalogue on a fresh database, its import workers running, and two libraries.
pub struct World {
    /// The service under test.
    pub service: Arc<CatalogueService>,
    /// The first library.
    pub north: Library,
    /// The second library.
    pub south: Library,
    /// An operator of the platform.
    pub operator: Call,
    /// Signs tokens for the libraries' people.
    pub people: TestIssuer,
    stop: watch::Sender<bool>,
    /// The database; dropped after the service.
    pub db: TestDatabase,
}

impl World {
    /// Starts the catalogue on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> World {
        World::start_with(backend, CatalogueConfig::default()).await
    }

    /// Starts the catalogue with `config` on a fresh database of `backend`.
    pub async fn start_with(backend: Backend, config: CatalogueConfig) -> World {
        let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;
        let people = TestIssuer::new();
        let service = Arc::new(CatalogueService::new(
            LibraryDatabase::new(db.database.clone()),
            people.verifier(),
            config,
            &db.databases.data_path(),
        ));
        let (stop, stop_signal) = watch::channel(false);
        tokio::spawn(Arc::clone(&service).run_imports(stop_signal));
        let north = people.library("north");
        let south = people.library("south");
        let operator = people.operator();
        World { service, north, south, operator, people, stop, db }
    }

    /// Imports a file the way the command line does, to the end, and returns the job.
    pub async fn import_file(
        &self,
        library: &Library,
        path: &Path,
        options: ImportOptions,
    ) -> ImportJob {
        let scope = self.scope(library);
        let (job, _) = self
            .service
            .local_import_job(&scope, path, &options, ImportMode::Import)
            .await
            .unwrap();
        let reader = athenaeum_marc::RecordReader::open(path).unwrap();
        let (_, stop) = watch::channel(false);
        let (_, finished) = self.service.run_job(&scope, job, reader, stop, |_| {}).await.unwrap();
        CatalogueService::job_view(finished).unwrap()
    }

    /// Returns the tenant scope of a library, as an operator would act on it.
    pub fn scope(&self, library: &Library) -> athenaeum_auth::TenantScope {
        self.people.operator_scope(&library.tenant_id)
    }

    /// Uploads `bytes` through the API in chunks of `chunk` bytes, starts the import and
    /// waits until it finishes.
    pub async fn upload(
        &self,
        library: &Library,
        name: &str,
        bytes: &[u8],
        chunk: usize,
        options: ImportOptions,
    ) -> ImportJob {
        let api: &dyn CatalogueApi = self.service.as_ref();
        let job = api
            .create_import(
                &library.staff,
                CreateImport { file_name: name.to_string(), options, mode: ImportMode::Import },
            )
            .await
            .unwrap();
        let mut offset = 0;
        for part in bytes.chunks(chunk.max(1)) {
            api.append_import_data(
                &library.staff,
                ImportData { job_id: job.id.0.clone(), offset, data: part.to_vec() },
            )
            .await
            .unwrap();
            offset += i64::try_from(part.len()).unwrap();
        }
        api.start_import(&library.staff, ById { id: job.id.0.clone() }).await.unwrap();
        self.wait_for(library, &job.id.0).await
    }

    /// Waits until an import is completed or failed.
    pub async fn wait_for(&self, library: &Library, job_id: &str) -> ImportJob {
        let api: &dyn CatalogueApi = self.service.as_ref();
        for _ in 0..1_200 {
            let job =
                api.get_import(&library.staff, ById { id: job_id.to_string() }).await.unwrap();
            if matches!(job.status, ImportStatus::Completed | ImportStatus::Failed) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("import {job_id} did not finish within a minute");
    }

    /// Exports every record of `library` through `export`, a page at a time as the
    /// download does; returns the file's bytes and the export (with what it left out).
    pub async fn export_all(
        &self,
        library: &Library,
        mut export: athenaeum_catalogue::export::MarcExport,
    ) -> (Vec<u8>, athenaeum_catalogue::export::MarcExport) {
        let api: &dyn CatalogueApi = self.service.as_ref();
        let mut bytes = export.header().to_vec();
        let mut after = None;
        loop {
            let page = api
                .export_records(
                    &library.staff,
                    ExportRecords {
                        filter: RecordFilter::default(),
                        page: PageRequest { after, first: 500 },
                    },
                )
                .await
                .unwrap();
            for stored in &page.records {
                // What cannot be written is kept in the export's `left_out`.
                let _ = export.write(stored, &mut bytes);
            }
            after = page.records.last().map(|stored| stored.id.clone());
            if !page.has_next_page {
                break;
            }
        }
        bytes.extend_from_slice(&export.footer());
        (bytes, export)
    }

    /// Returns every problem of an import.
    pub async fn problems(&self, library: &Library, job_id: &str) -> Vec<ImportProblem> {
        let api: &dyn CatalogueApi = self.service.as_ref();
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = api
                .list_import_problems(
                    &library.staff,
                    ListImportProblems {
                        job_id: job_id.to_string(),
                        severity: None,
                        page: PageRequest { after, first: 100 },
                    },
                )
                .await
                .unwrap();
            after = page.problems.last().map(|problem| problem.cursor.clone());
            all.extend(page.problems);
            if !page.has_next_page {
                return all;
            }
        }
    }

    /// Returns every record of a library, oldest first.
    pub async fn all_records(&self, library: &Library) -> Vec<CatalogueRecord> {
        let api: &dyn CatalogueApi = self.service.as_ref();
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = api
                .list_records(
                    &library.staff,
                    ListRecords {
                        public_tenant_id: None,
                        filter: RecordFilter::default(),
                        page: PageRequest { after, first: 100 },
                    },
                )
                .await
                .unwrap();
            after = page.records.last().map(|record| record.id.clone());
            all.extend(page.records);
            if !page.has_next_page {
                return all;
            }
        }
    }

    /// Returns every item of a library, by barcode.
    pub async fn all_items(&self, library: &Library) -> Vec<Item> {
        let api: &dyn CatalogueApi = self.service.as_ref();
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = api
                .list_items(
                    &library.staff,
                    ListItems {
                        public_tenant_id: None,
                        record_id: None,
                        page: PageRequest { after, first: 100 },
                    },
                )
                .await
                .unwrap();
            after = page.items.last().map(|item| item.barcode.clone());
            all.extend(page.items);
            if !page.has_next_page {
                return all;
            }
        }
    }

    /// Returns the whole change feed.
    pub async fn changes(&self) -> Vec<ChangeEvent> {
        let api: &dyn CatalogueApi = self.service.as_ref();
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = api
                .read_changes(&self.operator, ReadChanges { after, limit: 10_000 })
                .await
                .unwrap();
            let Some(last) = page.events.last() else { return all };
            after = last.position;
            all.extend(page.events);
        }
    }

    /// Returns the catalogue as the trait callers use.
    pub fn api(&self) -> &dyn CatalogueApi {
        self.service.as_ref()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Returns a call carrying `token`.
pub fn call_with(token: String) -> Call {
    Call::anonymous().with_token(token)
}

/// Runs pymarc over a file and returns how many records it reads (its permissive reader
/// for ISO 2709, its XML parser for MARCXML): the independent count imports must match.
pub fn pymarc_count(path: &Path) -> usize {
    let script = r#"
import sys, pymarc
path = sys.argv[1]
with open(path, 'rb') as handle:
    head = handle.read(64).lstrip(b'\xef\xbb\xbf \t\r\n')
if head.startswith(b'<'):
    try:
        print(len(pymarc.parse_xml_to_array(path)))
    except Exception:
        # pymarc wants one <collection> (or <record>) as the document: for a file of bare
        # <record> elements, count them with the standard library's parser under a root.
        import re, xml.etree.ElementTree as tree
        data = open(path, 'rb').read()
        data = re.sub(rb'^\s*<\?xml[^>]*\?>', b'', data)
        root = tree.fromstring(b'<root>' + data + b'</root>')
        print(sum(1 for element in root.iter() if element.tag.rsplit('}', 1)[-1] == 'record'))
else:
    with open(path, 'rb') as handle:
        reader = pymarc.MARCReader(handle, to_unicode=True, force_utf8=False, permissive=True, utf8_handling='replace')
        print(sum(1 for record in reader if record is not None))
"#;
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "pymarc could not read {}: {} (./scripts/test installs pymarc)",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().parse().expect("pymarc printed a count")
}
