//! Fixtures shared by the search service's integration tests: the catalogue on a fresh
//! library database with two libraries and their people (testkit's `TestIssuer` signs
//! their tokens, as the identity service would), and the search service following its
//! change feed into an index in a temporary folder, with short poll and commit intervals.
#![allow(dead_code, reason = "each test file uses a different part of the fixtures")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test fixtures fail loudly at the first thing that goes wrong"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum_auth::RevocationList;
use athenaeum_catalogue::api::*;
use athenaeum_catalogue::{CatalogueApi, CatalogueConfig, CatalogueService};
use athenaeum_library_db::{LibraryDatabase, MIGRATIONS};
use athenaeum_search::api::*;
use athenaeum_search::{OpenError, SearchApi, SearchConfig, SearchService, searcher};
use athenaeum_testkit::{Backend, TestDatabase, TestIssuer, TestLibrary};
use athenaeum_transport::Call;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[allow(unused_imports, reason = "not every test file asserts refusals")]
pub use athenaeum_testkit::refused;

/// Settings that make changes searchable quickly in tests.
pub fn fast_config() -> SearchConfig {
    SearchConfig { poll_interval_ms: 20, commit_interval_ms: 100, ..SearchConfig::default() }
}

/// The search service and the task running its follower.
struct Running {
    service: Arc<SearchService>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// The catalogue on a fresh database, two libraries, and the search service following it.
pub struct World {
    /// The catalogue.
    pub catalogue: Arc<CatalogueService>,
    /// The first library.
    pub north: TestLibrary,
    /// The second library.
    pub south: TestLibrary,
    /// An operator of the platform.
    pub operator: Call,
    /// Signs everyone's tokens; the search service signs its own with the same key.
    pub people: TestIssuer,
    /// The revocation facts the search service's verifier consults, as identity would
    /// hand them over (which libraries are suspended).
    pub revocations: RevocationList,
    search: Option<Running>,
    /// The search service's folder.
    pub search_dir: tempfile::TempDir,
    stop_imports: watch::Sender<bool>,
    /// The database; dropped after the services.
    pub db: TestDatabase,
}

impl World {
    /// Starts the catalogue on a fresh database of `backend` and the search service
    /// beside it.
    pub async fn start(backend: Backend) -> World {
        let db = athenaeum_testkit::test_database(backend, &MIGRATIONS).await;
        let people = TestIssuer::new();
        let catalogue = Arc::new(CatalogueService::new(
            LibraryDatabase::new(db.database.clone()),
            people.verifier(),
            CatalogueConfig::default(),
            &db.databases.data_path(),
        ));
        let (stop_imports, stop_signal) = watch::channel(false);
        tokio::spawn(Arc::clone(&catalogue).run_imports(stop_signal));
        let north = people.library("north");
        let south = people.library("south");
        let operator = people.operator();
        let search_dir = tempfile::Builder::new().prefix("athenaeum-search-").tempdir().unwrap();
        let mut world = World {
            catalogue,
            north,
            south,
            operator,
            people,
            revocations: RevocationList::new(),
            search: None,
            search_dir,
            stop_imports,
            db,
        };
        world.start_search();
        world
    }

    /// Opens the search service on the world's folder and starts its follower. When the
    /// folder's index is still held (a killed service's last blocking work finishing), it
    /// tries again for a few seconds.
    pub fn start_search(&mut self) {
        assert!(self.search.is_none(), "the search service is already running");
        let started = Instant::now();
        let service = loop {
            let opened = SearchService::open(
                self.search_dir.path(),
                Arc::clone(&self.catalogue) as Arc<dyn CatalogueApi>,
                self.people.signing_key().clone(),
                self.people.auth_config(),
                self.people.verifier().with_revocations(self.revocations.clone()),
                fast_config(),
            );
            match opened {
                Ok(service) => break Arc::new(service),
                Err(OpenError::Busy(dir)) if started.elapsed() < Duration::from_secs(10) => {
                    eprintln!("the search index in {dir} is still held; trying again");
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(error) => panic!("the search service does not open: {error}"),
            }
        };
        let (stop, signal) = watch::channel(false);
        let task = tokio::spawn(Arc::clone(&service).run(signal));
        self.search = Some(Running { service, stop, task });
    }

    /// Kills the search service without letting it finish: its follower task is aborted
    /// wherever it is, so changes applied but not committed are lost, as in a crash.
    pub async fn kill_search(&mut self) {
        let running = self.search.take().expect("the search service is running");
        running.task.abort();
        let _ = running.task.await;
        drop_when_unused(running.service).await;
    }

    /// Stops the search service's follower, waits for its last commit, and drops it.
    pub async fn stop_search(&mut self) {
        let running = self.search.take().expect("the search service is running");
        running.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(30), running.task)
            .await
            .expect("the search service stops within 30 s")
            .unwrap();
        drop_when_unused(running.service).await;
    }

    /// Replaces the (stopped) search service's folder with an empty one, so the next
    /// start builds the index from scratch.
    pub fn empty_search_dir(&mut self) {
        assert!(self.search.is_none(), "stop the search service first");
        self.search_dir = tempfile::Builder::new().prefix("athenaeum-search-").tempdir().unwrap();
    }

    /// The search service.
    pub fn search(&self) -> &Arc<SearchService> {
        &self.search.as_ref().expect("the search service is running").service
    }

    /// The search service as the trait callers use.
    pub fn search_api(&self) -> &dyn SearchApi {
        self.search().as_ref()
    }

    /// The catalogue as the trait callers use.
    pub fn api(&self) -> &dyn CatalogueApi {
        self.catalogue.as_ref()
    }

    /// Returns the change feed's last position.
    pub async fn feed_head(&self) -> i64 {
        self.api()
            .scan_index_records(
                &self.operator,
                ScanIndexRecords { tenant_id: None, after_id: None, limit: 1 },
            )
            .await
            .unwrap()
            .head_position
    }

    /// Waits until the search service has committed everything the change feed holds
    /// now; panics after `timeout`.
    pub async fn wait_until_indexed_within(&self, timeout: Duration) -> Duration {
        let head = self.feed_head().await;
        let started = Instant::now();
        loop {
            let committed = self.search().committed_position().unwrap();
            if committed >= head {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < timeout,
                "the search index did not catch up with the change feed within {timeout:?}: \
                 committed position {committed}, feed head {head}; status {:?}",
                self.search().status()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the search service has committed everything the change feed holds
    /// now (at most two minutes, for the first build of a large catalogue).
    pub async fn wait_until_indexed(&self) -> Duration {
        self.wait_until_indexed_within(Duration::from_secs(120)).await
    }

    /// Searches one library as `call`, with the defaults for everything else.
    pub async fn search_as(&self, call: &Call, query: &str) -> SearchResults {
        self.search_with(call, SearchRequest { query: query.into(), ..request() }).await
    }

    /// Runs a search and fails the test when it is refused.
    pub async fn search_with(&self, call: &Call, request: SearchRequest) -> SearchResults {
        let query = request.query.clone();
        match self.search_api().search(call, request).await {
            Ok(results) => results,
            Err(error) => panic!("the search {query:?} was refused: {error:?}"),
        }
    }

    /// Pages through every result of a library search, 100 at a time.
    pub async fn all_hits(&self, call: &Call, request: SearchRequest) -> Vec<SearchHit> {
        let mut hits = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .search_with(call, SearchRequest { first: 100, after, ..request.clone() })
                .await;
            hits.extend(page.hits);
            if !page.has_next_page {
                assert_eq!(hits.len() as u64, page.total_records, "pages cover the total");
                return hits;
            }
            after = page.end_cursor;
        }
    }

    /// Imports a file the way the command line does, to the end, and returns the job.
    pub async fn import_file(&self, library: &TestLibrary, path: &Path) -> ImportJob {
        let scope = self.scope(library);
        let (job, _) = self
            .catalogue
            .local_import_job(&scope, path, &ImportOptions::default(), ImportMode::Import)
            .await
            .unwrap();
        let reader = athenaeum_marc::RecordReader::open(path).unwrap();
        let (_, stop) = watch::channel(false);
        let (_, finished) =
            self.catalogue.run_job(&scope, job, reader, stop, |_| {}).await.unwrap();
        let job = CatalogueService::job_view(finished).unwrap();
        assert_eq!(job.status, ImportStatus::Completed, "import of {}", path.display());
        job
    }

    /// Returns the tenant scope of a library, as an operator would act on it.
    pub fn scope(&self, library: &TestLibrary) -> athenaeum_auth::TenantScope {
        self.people.operator_scope(&library.tenant_id)
    }

    /// Returns every record of a library, oldest first.
    pub async fn all_records(&self, library: &TestLibrary) -> Vec<CatalogueRecord> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .api()
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
    pub async fn all_items(&self, library: &TestLibrary) -> Vec<Item> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .api()
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

    /// Returns (tenant id, record id) of every bibliographic record of both libraries:
    /// what the index must hold.
    pub async fn catalogue_documents(&self) -> Vec<(String, String)> {
        let mut all = BTreeSet::new();
        for library in [&self.north, &self.south] {
            for record in self.all_records(library).await {
                if record.kind == RecordKind::Bibliographic {
                    all.insert((library.tenant_id.clone(), record.id));
                }
            }
        }
        all.into_iter().collect()
    }

    /// Returns (tenant id, record id) of every document in the index in use, sorted,
    /// with repeats kept.
    pub fn index_documents(&self) -> Vec<(String, String)> {
        searcher::all_documents(&self.search().current()).unwrap()
    }

    /// Creates a branch of a library.
    pub async fn branch(&self, library: &TestLibrary, code: &str, name: &str) -> Branch {
        self.api()
            .save_branch(
                &library.admin,
                SaveBranch {
                    id: None,
                    code: code.into(),
                    name: name.into(),
                    address: None,
                    opening_hours: None,
                },
            )
            .await
            .unwrap()
    }

    /// Creates a record with the simple form.
    pub async fn create_form(&self, library: &TestLibrary, form: RecordForm) -> CatalogueRecord {
        self.api()
            .create_record(
                &library.staff,
                CreateRecord { content: RecordContent::Form(Box::new(form)) },
            )
            .await
            .unwrap()
    }

    /// Creates a record from MARCXML.
    pub async fn create_marcxml(&self, library: &TestLibrary, xml: &str) -> CatalogueRecord {
        self.api()
            .create_record(
                &library.staff,
                CreateRecord {
                    content: RecordContent::Marc { syntax: MarcSyntax::MarcXml, text: xml.into() },
                },
            )
            .await
            .unwrap()
    }

    /// Adds an available copy of a record to a branch.
    pub async fn add_item(
        &self,
        library: &TestLibrary,
        record_id: &str,
        branch: &Branch,
        barcode: &str,
    ) -> Item {
        self.api()
            .create_item(
                &library.staff,
                CreateItem { record_id: record_id.into(), item: item_input(barcode, branch) },
            )
            .await
            .unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(running) = self.search.take() {
            let _ = running.stop.send(true);
            running.task.abort();
        }
        let _ = self.stop_imports.send(true);
    }
}

/// A library search with the defaults: best match first, twenty results, no facets.
pub fn request() -> SearchRequest {
    SearchRequest { first: 20, ..SearchRequest::default() }
}

/// The fields of a new copy.
pub fn item_input(barcode: &str, branch: &Branch) -> ItemInput {
    ItemInput {
        call_number: Some(format!("{} {barcode}", branch.code)),
        ..ItemInput::new(barcode, branch.id.clone())
    }
}

/// Returns the record ids of a library search's hits, in order.
pub fn ids(results: &SearchResults) -> Vec<String> {
    results.hits.iter().map(|hit| hit.record_id.clone()).collect()
}

/// Drops the search service once nothing else holds it (rebuilds it spawned may still
/// hold it for a moment).
async fn drop_when_unused(mut service: Arc<SearchService>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Arc::try_unwrap(service) {
            Ok(service) => {
                drop(service);
                return;
            }
            Err(shared) => {
                assert!(Instant::now() < deadline, "the search service is still in use");
                service = shared;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}
