//! How a service crate hands itself to the process that runs it. Each service crate
//! exposes one function that builds it from the process's settings and returns its API
//! handle with its [`ServiceParts`]: the public routes it serves, the internal routes
//! other processes call it on, the workers it runs, and what its readiness depends on.
//! The process composes the parts of the services it runs without knowing what each one
//! holds; it decides where (and whether) internal routes are served, never a service.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use athenaeum_auth::{AuthConfig, RevocationList};
use athenaeum_db::{Database, DatabaseConfig};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::RemoteService;

/// What every service of a process is built from: where its databases and files are and
/// how callers are verified. Each service takes its own settings besides.
#[derive(Debug, Clone)]
pub struct ProcessContext {
    /// The databases: the embedded default or a PostgreSQL URL.
    pub database: DatabaseConfig,
    /// The data folder (SQLite files, keys, the search index, spooled uploads, mail).
    pub data_dir: PathBuf,
    /// Token settings and key files.
    pub auth: AuthConfig,
    /// The revocation list every token verifier of the process consults: filled by
    /// identity where it runs in the process, followed from it otherwise.
    pub revocations: RevocationList,
}

/// Something a process needs in order to serve: `/readyz` checks each.
#[derive(Debug, Clone)]
pub enum Dependency {
    /// A database this process owns.
    Database(Database),
    /// A service in another process.
    Remote(RemoteService, String),
    /// The revocation list the process's verifiers consult, followed from identity: not
    /// ready until its first facts arrive.
    Revocations(RevocationList),
}

impl Dependency {
    /// Returns a short name, e.g. `database identity`.
    pub fn name(&self) -> String {
        match self {
            Dependency::Database(database) => format!("database {}", database.service()),
            Dependency::Remote(_, name) => format!("service {name}"),
            Dependency::Revocations(_) => "revocation list".to_string(),
        }
    }

    /// Checks it once; says what is wrong when it is not ready.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Dependency::Database(database) => database.readiness().await,
            Dependency::Remote(remote, _) => remote.is_ready().await,
            Dependency::Revocations(list) => list.readiness(),
        }
    }
}

/// One dependency's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyState {
    /// What it is, e.g. `database identity`.
    pub name: String,
    /// What is wrong, or `None` when it is ready.
    pub problem: Option<String>,
}

/// Checks every dependency once, in order.
pub async fn check_dependencies(dependencies: &[Dependency]) -> Vec<DependencyState> {
    let mut states = Vec::with_capacity(dependencies.len());
    for dependency in dependencies {
        states.push(DependencyState {
            name: dependency.name(),
            problem: dependency.check().await.err(),
        });
    }
    states
}

/// Registers routes on the process's HTTP server; called once per server worker.
pub type RouteSetup = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Starts a background worker that runs until the signal turns true.
pub type WorkerStart = Box<dyn FnOnce(watch::Receiver<bool>) -> JoinHandle<()> + Send>;

/// What a service hands the process that runs it.
#[derive(Default)]
pub struct ServiceParts {
    routes: Vec<RouteSetup>,
    internal_routes: Vec<RouteSetup>,
    workers: Vec<WorkerStart>,
    dependencies: Vec<Dependency>,
}

/// A process's parts, sorted for the process to serve and start.
pub struct AssembledParts {
    /// Routes for the public listener.
    pub routes: Vec<RouteSetup>,
    /// Routes other processes call (`/internal/…`): for the internal listener only.
    pub internal_routes: Vec<RouteSetup>,
    /// Background workers to start.
    pub workers: Vec<WorkerStart>,
    /// What readiness depends on.
    pub dependencies: Vec<Dependency>,
}

impl std::fmt::Debug for ServiceParts {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ServiceParts")
            .field("routes", &self.routes.len())
            .field("internal_routes", &self.internal_routes.len())
            .field("workers", &self.workers.len())
            .field("dependencies", &self.dependencies)
            .finish()
    }
}

impl ServiceParts {
    /// Adds public routes: served on the process's public listener.
    pub fn route(
        mut self,
        setup: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.routes.push(Arc::new(setup));
        self
    }

    /// Adds routes other processes call the service on (its `/internal/…` operations).
    /// They trust what the calling process forwards (the client's address), so the
    /// process serves them only on its internal listener, and not at all when it runs
    /// every service itself.
    pub fn internal_route(
        mut self,
        setup: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.internal_routes.push(Arc::new(setup));
        self
    }

    /// Adds a background worker, started once the process is built.
    pub fn worker(
        mut self,
        start: impl FnOnce(watch::Receiver<bool>) -> JoinHandle<()> + Send + 'static,
    ) -> Self {
        self.workers.push(Box::new(start));
        self
    }

    /// Adds something the service's readiness depends on.
    pub fn dependency(mut self, dependency: Dependency) -> Self {
        self.dependencies.push(dependency);
        self
    }

    /// Returns the dependencies added so far.
    pub fn dependencies(&self) -> &[Dependency] {
        &self.dependencies
    }

    /// Adds another service's parts to these.
    pub fn merge(mut self, other: ServiceParts) -> Self {
        self.routes.extend(other.routes);
        self.internal_routes.extend(other.internal_routes);
        self.workers.extend(other.workers);
        self.dependencies.extend(other.dependencies);
        self
    }

    /// Returns the public and internal route setups, the workers and the dependencies,
    /// for the process.
    pub fn into_parts(self) -> AssembledParts {
        AssembledParts {
            routes: self.routes,
            internal_routes: self.internal_routes,
            workers: self.workers,
            dependencies: self.dependencies,
        }
    }
}

/// Connects to a service in another process at `url` (the setting
/// `services.<name>_url`); returns the handle and the readiness dependency it adds.
///
/// Fails with `VALIDATION` naming the setting to fix when `url` is empty or invalid.
pub fn remote_service(
    name: &str,
    url: &str,
    timeout: Duration,
) -> Result<(RemoteService, Dependency), athenaeum_kernel::ApiError> {
    if url.is_empty() {
        return Err(athenaeum_kernel::ApiError::validation(
            format!("services.{name}_url"),
            format!(
                "the {name} service does not run in this process: set services.{name}_url (ATHENAEUM__SERVICES__{}_URL) to where it runs",
                name.to_uppercase()
            ),
        ));
    }
    let remote = RemoteService::new(name, url, timeout)?;
    let dependency = Dependency::Remote(remote.clone(), name.to_string());
    Ok((remote, dependency))
}
