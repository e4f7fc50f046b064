//! The search service: answers searches from the index in use, follows the change feed
//! into it, and rebuilds it from the catalogue on demand. This room holds the service
//! and the index in use; following the feed, rebuilding and the operations each have
//! their own.

mod following;
mod operations;
mod rebuilds;

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use athenaeum_auth::{AuthConfig, SigningKey, TokenIssuer, TokenVerifier};
use athenaeum_catalogue::CatalogueApi;
use athenaeum_transport::Call;
use tokio::sync::mpsc;

use crate::api::IndexStatus;
use crate::config::SearchConfig;
use crate::error::SearchError;
use crate::index::{IndexFolder, LiveIndex};

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
}

/// Runs index work off the async threads and returns its outcome.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Outcome<T> + Send + 'static,
) -> Outcome<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| SearchError::Index(error.to_string()))?
}

/// Commits what was applied to `index` as standing at feed `position`.
async fn commit(index: &Arc<LiveIndex>, position: i64) -> Outcome<()> {
    let index = Arc::clone(index);
    blocking(move || index.commit(position)).await
}
