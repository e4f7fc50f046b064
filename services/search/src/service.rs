//! The search service: answers searches from the index in use, follows the change feed
//! into it, and rebuilds it from the catalogue on demand.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use athenaeum_auth::{AuthConfig, SigningKey, TokenIssuer, TokenVerifier};
use athenaeum_catalogue::CatalogueApi;
use athenaeum_catalogue::api::{IndexRecord, ReadIndexFeed, RecordRef, ScanIndexRecords};
use athenaeum_kernel::ApiError;
use athenaeum_transport::Call;
use tokio::sync::{mpsc, watch};

use crate::api::*;
use crate::config::SearchConfig;
use crate::error::SearchError;
use crate::index::{IndexFolder, LiveIndex};
use crate::searcher::{self, Scope};

type Outcome<T> = Result<T, SearchError>;

/// Where the follower stands; its lock pauses following (a tenant rebuild holds it).
#[derive(Debug)]
struct Follower {
    /// The position applied to the index in use (committed or not).
    applied: i64,
    /// Events applied since the last commit.
    pending: usize,
    /// When the last commit happened.
    last_commit: Instant,
}

#[derive(Debug, Default)]
struct RebuildState {
    running: bool,
    last: Option<String>,
}

/// The search service.
pub struct SearchService {
    folder: IndexFolder,
    live: RwLock<Arc<LiveIndex>>,
    catalogue: Arc<dyn CatalogueApi>,
    issuer: TokenIssuer,
    token: Mutex<Option<(String, u64)>>,
    verifier: TokenVerifier,
    config: SearchConfig,
    follower: tokio::sync::Mutex<Follower>,
    rebuild: Mutex<RebuildState>,
    rebuild_requests: mpsc::UnboundedSender<Option<String>>,
    rebuild_receiver: Mutex<Option<mpsc::UnboundedReceiver<Option<String>>>>,
    /// Searches running at once: two per core. More wait their turn rather than share
    /// the cores with every other search at once, so each finishes sooner.
    searching: tokio::sync::Semaphore,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SearchService")
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// Why the index could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Another process holds the index's writer.
    #[error("another process is using the search index in {0}")]
    Busy(String),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] SearchError),
}

impl SearchService {
    /// Opens the index in use under `root` (the search folder), or an empty one to be
    /// built on start. An index of another schema version is set aside for a rebuild.
    ///
    /// The service signs its requests to the catalogue with `signing_key` (a token that
    /// names the search service and nothing else).
    pub fn open(
        root: &Path,
        catalogue: Arc<dyn CatalogueApi>,
        signing_key: SigningKey,
        auth: &AuthConfig,
        verifier: TokenVerifier,
        config: SearchConfig,
    ) -> Result<SearchService, OpenError> {
        let folder = IndexFolder::new(root)?;
        let live = match folder.current() {
            Some(dir) => match LiveIndex::open(&dir, 1) {
                Ok(live) => live,
                Err(SearchError::Busy(dir)) => return Err(OpenError::Busy(dir)),
                Err(error) => {
                    tracing::warn!(%error, dir = %dir.display(), "the search index does not open; building a new one");
                    Self::fresh(&folder)?
                }
            },
            None => Self::fresh(&folder)?,
        };
        let applied = live.committed_position()?.unwrap_or(0);
        let (rebuild_requests, receiver) = mpsc::unbounded_channel();
        Ok(SearchService {
            folder,
            live: RwLock::new(Arc::new(live)),
            catalogue,
            issuer: TokenIssuer::new(signing_key, auth),
            token: Mutex::new(None),
            verifier,
            config,
            follower: tokio::sync::Mutex::new(Follower {
                applied,
                pending: 0,
                last_commit: Instant::now(),
            }),
            rebuild: Mutex::new(RebuildState::default()),
            rebuild_requests,
            rebuild_receiver: Mutex::new(Some(receiver)),
            searching: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) * 2,
            ),
        })
    }

    fn fresh(folder: &IndexFolder) -> Result<LiveIndex, SearchError> {
        let dir = folder.fresh();
        let live = LiveIndex::open(&dir, 1)?;
        folder.publish(&dir)?;
        Ok(live)
    }

    /// Returns the index in use.
    pub fn current(&self) -> Arc<LiveIndex> {
        match self.live.read() {
            Ok(live) => Arc::clone(&live),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Returns the change-feed position of the index's last commit that searches see:
    /// every change up to it is searchable.
    pub fn committed_position(&self) -> Outcome<i64> {
        Ok(self.current().searchable_position())
    }

    /// A call carrying the service's own token, renewed a minute before it expires.
    fn service_call(&self) -> Outcome<Call> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or(0);
        let mut token =
            self.token.lock().map_err(|_| SearchError::Index("token cache poisoned".into()))?;
        if let Some((value, expires_at)) = token.as_ref()
            && *expires_at > now + 60
        {
            return Ok(Call::anonymous().with_token(value.clone()));
        }
        let issued = self.issuer.issue_service("search")?;
        *token = Some((issued.token.clone(), issued.expires_at));
        Ok(Call::anonymous().with_token(issued.token))
    }

    /// Follows the change feed until `shutdown`: builds the index first when it was never
    /// built, then applies changes as they come and commits them in batches. Rebuilds
    /// asked for through the API run beside it.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut requests =
            self.rebuild_receiver.lock().ok().and_then(|mut receiver| receiver.take());
        let never_built = matches!(self.current().committed_position(), Ok(None));
        if never_built {
            let service = Arc::clone(&self);
            tokio::spawn(async move { service.run_rebuild(None).await });
        }
        let poll = Duration::from_millis(self.config.poll_interval_ms.max(10));
        let mut failures: u32 = 0;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let caught_up = if never_built && self.rebuilding() {
                true
            } else {
                match self.follow_once().await {
                    Ok(caught_up) => {
                        failures = 0;
                        caught_up
                    }
                    Err(error) => {
                        failures = failures.saturating_add(1);
                        if failures == 1 || failures.is_multiple_of(60) {
                            tracing::warn!(%error, failures, "search index cannot follow the change feed; retrying");
                        }
                        tokio::select! {
                            _ = shutdown.changed() => {}
                            () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                        continue;
                    }
                }
            };
            if caught_up {
                let request = async {
                    match requests.as_mut() {
                        Some(receiver) => receiver.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = shutdown.changed() => {}
                    () = tokio::time::sleep(poll) => {}
                    Some(tenant) = request => {
                        let service = Arc::clone(&self);
                        tokio::spawn(async move { service.run_rebuild(tenant).await });
                    }
                }
            }
        }
        // Commit what was applied, so a restart does not redo it.
        let mut follower = self.follower.lock().await;
        if follower.pending > 0 {
            let live = self.current();
            let position = follower.applied;
            match tokio::task::spawn_blocking(move || live.commit(position)).await {
                Ok(Ok(())) => follower.pending = 0,
                Ok(Err(error)) => tracing::warn!(%error, "search index: final commit failed"),
                Err(error) => tracing::warn!(%error, "search index: final commit failed"),
            }
        }
    }

    /// Applies one run of the feed and commits when due. Returns true when the feed had
    /// nothing more.
    async fn follow_once(&self) -> Outcome<bool> {
        let mut follower = self.follower.lock().await;
        let limit = self.config.feed_batch.clamp(1, 10_000);
        let feed = self
            .catalogue
            .read_index_feed(
                &self.service_call()?,
                ReadIndexFeed { after: follower.applied, limit },
            )
            .await?;
        let live = self.current();
        if feed.events > 0 {
            let (records, removed) = (feed.records, feed.removed);
            let index = Arc::clone(&live);
            let applied = tokio::task::spawn_blocking(move || index.apply(&records, &removed))
                .await
                .map_err(|error| SearchError::Index(error.to_string()))?;
            if let Err(error) = applied {
                // Start again from the last commit rather than skip anything.
                let index = Arc::clone(&live);
                let _ = tokio::task::spawn_blocking(move || index.rollback()).await;
                follower.applied = live.committed_position()?.unwrap_or(0);
                follower.pending = 0;
                return Err(error);
            }
            follower.applied = feed.last_position;
            follower.pending += feed.events as usize;
        }
        let caught_up = feed.events < limit;
        let due = follower.pending > 0
            && (caught_up
                || follower.pending >= self.config.commit_every
                || follower.last_commit.elapsed()
                    >= Duration::from_millis(self.config.commit_interval_ms));
        if due {
            let position = follower.applied;
            let index = Arc::clone(&live);
            tokio::task::spawn_blocking(move || index.commit(position))
                .await
                .map_err(|error| SearchError::Index(error.to_string()))??;
            follower.pending = 0;
            follower.last_commit = Instant::now();
        }
        Ok(caught_up)
    }

    fn rebuilding(&self) -> bool {
        self.rebuild.lock().map(|state| state.running).unwrap_or(false)
    }

    /// Starts a rebuild unless one runs; returns false when one was already running.
    fn begin_rebuild(&self) -> bool {
        let Ok(mut state) = self.rebuild.lock() else { return false };
        if state.running {
            return false;
        }
        state.running = true;
        true
    }

    fn end_rebuild(&self, outcome: String) {
        if let Ok(mut state) = self.rebuild.lock() {
            state.running = false;
            state.last = Some(outcome);
        }
    }

    async fn run_rebuild(self: Arc<Self>, tenant_id: Option<String>) {
        match self.rebuild_exclusive(tenant_id.as_deref()).await {
            Ok(_) => {
                let outcome = self.status().ok().and_then(|status| status.last_rebuild);
                tracing::info!(outcome = ?outcome, "search index rebuilt");
            }
            Err(error) => {
                tracing::error!(%error, "search index rebuild failed or did not start");
            }
        }
    }

    /// Rebuilds and returns how many records were indexed. The whole index is built in a
    /// new folder while searches use the old one, then swapped in; one library's
    /// records are replaced within the index in use in one commit (following pauses
    /// meanwhile, and resumes from where it stood).
    pub async fn rebuild_now(&self, tenant_id: Option<&str>) -> Outcome<u64> {
        match tenant_id {
            Some(tenant_id) => self.rebuild_tenant(tenant_id).await,
            None => self.rebuild_all().await,
        }
    }

    /// Rebuilds while holding the rebuild flag, and records the outcome in the status.
    pub async fn rebuild_exclusive(&self, tenant_id: Option<&str>) -> Outcome<u64> {
        if !self.begin_rebuild() {
            return Err(ApiError::conflict("a rebuild is already running").into());
        }
        let started = Instant::now();
        let outcome = self.rebuild_now(tenant_id).await;
        let seconds = started.elapsed().as_secs_f64();
        self.end_rebuild(match (&outcome, tenant_id) {
            (Ok(documents), Some(tenant)) => {
                format!("rebuilt library {tenant}: {documents} records in {seconds:.1} s")
            }
            (Ok(documents), None) => {
                format!("rebuilt the whole index: {documents} records in {seconds:.1} s")
            }
            (Err(error), _) => format!("rebuild failed: {error}"),
        });
        outcome
    }

    async fn rebuild_all(&self) -> Outcome<u64> {
        let dir = self.folder.fresh();
        let threads = self.config.rebuild_threads;
        let open_dir = dir.clone();
        let fresh = Arc::new(
            tokio::task::spawn_blocking(move || LiveIndex::open(&open_dir, threads))
                .await
                .map_err(|error| SearchError::Index(error.to_string()))??,
        );
        let built = async {
            let (head, documents) = self.scan_into(&fresh, None).await?;
            commit(&fresh, head).await?;
            // Catch up while searches still use the old index...
            let position = self.catch_up(&fresh, head).await?;
            commit(&fresh, position).await?;
            // ...then pause following for the last few changes and swap.
            let mut follower = self.follower.lock().await;
            let position = self.catch_up(&fresh, position).await?;
            commit(&fresh, position).await?;
            self.folder.publish(&dir)?;
            match self.live.write() {
                Ok(mut live) => *live = Arc::clone(&fresh),
                Err(poisoned) => *poisoned.into_inner() = Arc::clone(&fresh),
            }
            follower.applied = position;
            follower.pending = 0;
            follower.last_commit = Instant::now();
            Ok::<u64, SearchError>(documents)
        }
        .await;
        if built.is_err() {
            drop(fresh);
            let _ = std::fs::remove_dir_all(&dir);
        }
        built
    }

    async fn rebuild_tenant(&self, tenant_id: &str) -> Outcome<u64> {
        let mut follower = self.follower.lock().await;
        let live = self.current();
        let position = follower.applied;
        if follower.pending > 0 {
            commit(&live, position).await?;
            follower.pending = 0;
        }
        let index = Arc::clone(&live);
        let tenant = tenant_id.to_string();
        blocking(move || index.delete_tenant(&tenant)).await?;
        let built = self.scan_into(&live, Some(tenant_id)).await;
        match built {
            Ok((_, documents)) => {
                commit(&live, position).await?;
                follower.last_commit = Instant::now();
                Ok(documents)
            }
            Err(error) => {
                let index = Arc::clone(&live);
                let _ = blocking(move || index.rollback()).await;
                Err(error)
            }
        }
    }

    /// Adds every bibliographic record (of one tenant or all) to `index`, uncommitted.
    /// Returns the feed position the scan reflects and how many records it added.
    async fn scan_into(
        &self,
        index: &Arc<LiveIndex>,
        tenant_id: Option<&str>,
    ) -> Outcome<(i64, u64)> {
        let mut after_id = None;
        let mut head = None;
        let mut documents = 0u64;
        loop {
            let page = self
                .catalogue
                .scan_index_records(
                    &self.service_call()?,
                    ScanIndexRecords {
                        tenant_id: tenant_id.map(str::to_string),
                        after_id: after_id.clone(),
                        limit: 1_000,
                    },
                )
                .await?;
            head.get_or_insert(page.head_position);
            after_id = page.records.last().map(|record| record.record_id.clone());
            let records: Vec<IndexRecord> = page.records;
            let target = Arc::clone(index);
            documents += blocking(move || target.apply(&records, &[])).await? as u64;
            if !page.has_next_page || after_id.is_none() {
                break;
            }
        }
        Ok((head.unwrap_or(0), documents))
    }

    /// Applies the feed after `position` to `index` until it has nothing more.
    async fn catch_up(&self, index: &Arc<LiveIndex>, mut position: i64) -> Outcome<i64> {
        let limit = self.config.feed_batch.clamp(1, 10_000);
        loop {
            let feed = self
                .catalogue
                .read_index_feed(&self.service_call()?, ReadIndexFeed { after: position, limit })
                .await?;
            if feed.events == 0 {
                return Ok(position);
            }
            let (records, removed): (Vec<IndexRecord>, Vec<RecordRef>) =
                (feed.records, feed.removed);
            let target = Arc::clone(index);
            blocking(move || target.apply(&records, &removed)).await?;
            position = feed.last_position;
            if feed.events < limit {
                return Ok(position);
            }
        }
    }

    // ---- the operations ---------------------------------------------------------------

    /// Decides what a caller may search.
    fn scope(
        &self,
        call: &Call,
        scope: SearchScope,
        public_tenant_id: Option<&str>,
    ) -> Outcome<Scope> {
        let caller = match &call.token {
            Some(token) => Some(self.verifier.verify(token)?),
            None => None,
        };
        match scope {
            SearchScope::Everywhere => Ok(Scope { tenant_id: None, staff: false }),
            SearchScope::Library => match caller {
                Some(caller) if !caller.tenant_id.is_empty() => {
                    Ok(Scope { staff: caller.is_staff(), tenant_id: Some(caller.tenant_id) })
                }
                Some(_) => Err(ApiError::validation(
                    "scope",
                    "a service token belongs to no library; search EVERYWHERE",
                )
                .into()),
                None => match public_tenant_id.filter(|id| !id.is_empty()) {
                    Some(tenant_id) => {
                        Ok(Scope { tenant_id: Some(tenant_id.to_string()), staff: false })
                    }
                    None => Err(ApiError::validation(
                        "tenant",
                        "name the library to search (its slug), or search EVERYWHERE",
                    )
                    .into()),
                },
            },
        }
    }

    async fn search_as(&self, call: &Call, request: SearchRequest) -> Outcome<SearchResults> {
        let scope = self.scope(call, request.scope, request.public_tenant_id.as_deref())?;
        if request.query.len() > 1_000 {
            return Err(
                ApiError::validation("query", "a search can be at most 1,000 characters").into()
            );
        }
        let _turn = self
            .searching
            .acquire()
            .await
            .map_err(|_| SearchError::Index("the search service is stopping".into()))?;
        let live = self.current();
        blocking(move || searcher::search(&live, &request, &scope)).await
    }

    async fn autocomplete_as(
        &self,
        call: &Call,
        request: AutocompleteRequest,
    ) -> Outcome<Suggestions> {
        let scope = self.scope(call, request.scope, request.public_tenant_id.as_deref())?;
        if request.prefix.len() > 200 {
            return Err(ApiError::validation("prefix", "at most 200 characters").into());
        }
        let _turn = self
            .searching
            .acquire()
            .await
            .map_err(|_| SearchError::Index("the search service is stopping".into()))?;
        let live = self.current();
        blocking(move || searcher::autocomplete(&live, &request, &scope)).await
    }

    fn require_operator(&self, call: &Call) -> Outcome<()> {
        let token = call.token.as_deref().ok_or(athenaeum_auth::AuthError::MissingToken)?;
        self.verifier.verify(token)?.require_service("search")?;
        Ok(())
    }

    async fn index_status_as(&self, call: &Call, _request: GetIndexStatus) -> Outcome<IndexStatus> {
        self.require_operator(call)?;
        self.status()
    }

    /// The index's state.
    pub fn status(&self) -> Outcome<IndexStatus> {
        let live = self.current();
        let (rebuilding, last_rebuild) = self
            .rebuild
            .lock()
            .map(|state| (state.running, state.last.clone()))
            .unwrap_or((false, None));
        Ok(IndexStatus {
            position: live.searchable_position(),
            documents: live.documents(),
            rebuilding,
            last_rebuild,
        })
    }

    async fn rebuild_as(&self, call: &Call, request: Rebuild) -> Outcome<IndexStatus> {
        self.require_operator(call)?;
        if self.rebuilding() {
            return Err(ApiError::conflict("a rebuild is already running").into());
        }
        self.rebuild_requests
            .send(request.tenant_id)
            .map_err(|_| SearchError::Index("the search service is stopping".into()))?;
        let mut status = self.status()?;
        status.rebuilding = true;
        Ok(status)
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Outcome<T> + Send + 'static,
) -> Outcome<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| SearchError::Index(error.to_string()))?
}

async fn commit(index: &Arc<LiveIndex>, position: i64) -> Outcome<()> {
    let index = Arc::clone(index);
    blocking(move || index.commit(position)).await
}

athenaeum_transport::implement_api! {
    SearchApi for SearchService {
        fn search(SearchRequest) -> SearchResults => search_as;
        fn autocomplete(AutocompleteRequest) -> Suggestions => autocomplete_as;
        fn index_status(GetIndexStatus) -> IndexStatus => index_status_as;
        fn rebuild(Rebuild) -> IndexStatus => rebuild_as;
    }
}
