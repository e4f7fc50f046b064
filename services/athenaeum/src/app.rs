//! Assembles a running process from the configuration and the set of enabled services:
//! each enabled service crate builds itself and hands over its parts (public and
//! internal routes, workers, readiness dependencies); services that run elsewhere are
//! reached through their HTTP clients; the process composes the parts and serves HTTP
//! until told to stop: public routes on `server.listen`, and, in a process that runs
//! some services but not all, the internal routes other processes call on
//! `server.internal_listen`, never on the public address.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::middleware::Compress;
use actix_web::{App, HttpServer};
use anyhow::{Context, bail};
use athenaeum_catalogue::{CatalogueApi, CatalogueClient};
use athenaeum_circulation::{CirculationApi, CirculationClient};
use athenaeum_db::ServiceMigrations;
use athenaeum_gateway::{
    BodyTimeouts, GatewaySettings, HttpMetrics, Metrics, OpsState, RequestIds, SecurityHeaders,
    Services, ops_routes,
};
use athenaeum_identity::{IdentityApi, IdentityClient};
use athenaeum_search::{SearchApi, SearchClient};
use athenaeum_transport::assembly::remote_service;
use athenaeum_transport::assembly::{AssembledParts, RouteSetup};
use athenaeum_transport::{InternalListener, RemoteService, ServiceParts};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Config;

/// The services one process can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ServiceName {
    /// The public GraphQL API (and, later, the website).
    Gateway,
    /// Tenants, accounts, sign-in, and their mail.
    Identity,
    /// The library service: catalogue (records, items, MARC import and export) and,
    /// later, circulation.
    Library,
    /// The search service: tantivy indexes following the library's change feed.
    Search,
}

impl ServiceName {
    /// Every service, in start order.
    pub const ALL: [ServiceName; 4] =
        [ServiceName::Identity, ServiceName::Library, ServiceName::Search, ServiceName::Gateway];

    /// Returns the lowercase name the command line and `services.<name>_url` use.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::Gateway => "gateway",
            ServiceName::Identity => "identity",
            ServiceName::Library => "library",
            ServiceName::Search => "search",
        }
    }
}

/// Every service's migrations, for `athenaeum migrate` and the tests.
pub fn all_migrations() -> [&'static ServiceMigrations; 2] {
    [&athenaeum_identity::MIGRATIONS, &athenaeum_library::MIGRATIONS]
}

/// Reaches a service that runs in another process, at `services.<name>_url`, adding it
/// to `parts` as a readiness dependency.
pub fn remote(
    config: &Config,
    name: ServiceName,
    parts: &mut ServiceParts,
) -> anyhow::Result<RemoteService> {
    let url = match name {
        ServiceName::Identity => &config.services.identity_url,
        ServiceName::Library => &config.services.library_url,
        ServiceName::Search => &config.services.search_url,
        ServiceName::Gateway => bail!("nothing calls the gateway as a service"),
    };
    let (remote, dependency) = remote_service(name.as_str(), url, config.service_timeout())
        .map_err(|error| anyhow::anyhow!(error.message))?;
    *parts = std::mem::take(parts).dependency(dependency);
    Ok(remote)
}

/// Builds identity for a one-off command: the service and its mail worker, which the
/// command drives itself (no workers run, no port is bound).
pub async fn command_line_identity(
    config: &Config,
) -> anyhow::Result<(Arc<athenaeum_identity::IdentityService>, athenaeum_mail::MailWorker)> {
    athenaeum_identity::build(
        &config.process_context(),
        &config.identity,
        &config.mail,
        &config.command_line_public_url()?,
    )
    .await
}

/// Builds the catalogue for a one-off command on the library database (its import
/// workers do not run: the command runs its import itself).
pub async fn command_line_catalogue(
    config: &Config,
) -> anyhow::Result<Arc<athenaeum_catalogue::CatalogueService>> {
    let (library, _parts) =
        athenaeum_library::assemble(&config.process_context(), &config.catalogue, &config.mail)
            .await?;
    Ok(library.catalogue)
}

/// Builds the library service (catalogue and circulation) for a one-off command or a
/// benchmark on the library database; its workers do not run.
pub async fn command_line_library(
    config: &Config,
) -> anyhow::Result<athenaeum_library::LibraryService> {
    let (library, _parts) =
        athenaeum_library::assemble(&config.process_context(), &config.catalogue, &config.mail)
            .await?;
    Ok(library)
}

/// The library service's two wings as this process reaches them: in process, over HTTP,
/// or not at all.
type LibraryApis = (Option<Arc<dyn CatalogueApi>>, Option<Arc<dyn CirculationApi>>);

/// A process ready to serve: its ports are bound and its services are up.
pub struct Application {
    port: u16,
    internal_port: Option<u16>,
    server: actix_web::dev::Server,
    internal_server: Option<actix_web::dev::Server>,
    shutdown: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    services: Vec<ServiceName>,
}

impl Application {
    /// Builds the process: binds the listen address (port 0 picks a free port), builds
    /// each enabled service (opening and migrating its database), connects to the
    /// services that run elsewhere, starts the workers and prepares the HTTP server.
    ///
    /// Fails naming what could not be set up (a database, a key, a remote URL).
    pub async fn build(config: Config, services: &[ServiceName]) -> anyhow::Result<Application> {
        let enabled: Vec<ServiceName> = if services.is_empty() {
            ServiceName::ALL.to_vec()
        } else {
            ServiceName::ALL.into_iter().filter(|name| services.contains(name)).collect()
        };
        let runs = |name: ServiceName| enabled.contains(&name);
        if runs(ServiceName::Identity)
            && !runs(ServiceName::Gateway)
            && config.server.public_url.is_empty()
        {
            bail!(
                "identity runs here without the gateway, so the links it emails must point elsewhere: \
                 set server.public_url (ATHENAEUM__SERVER__PUBLIC_URL) to the address people use to reach the gateway"
            );
        }
        std::fs::create_dir_all(&config.data.dir)
            .with_context(|| format!("creating the data folder {}", config.data.dir.display()))?;
        let listener = TcpListener::bind(&config.server.listen)
            .with_context(|| format!("listening on {}", config.server.listen))?;
        let port = listener.local_addr()?.port();
        let internal_listener = internal_listener(&config, &enabled)?;
        let internal_port = match &internal_listener {
            Some(internal) => Some(internal.local_addr()?.port()),
            None => None,
        };
        let context = config.process_context();
        let metrics = Arc::new(Metrics::default());
        let mut parts = ServiceParts::default();

        let identity: Option<Arc<dyn IdentityApi>> = if runs(ServiceName::Identity) {
            let public_url = config.public_url(port);
            let (service, own) =
                athenaeum_identity::assemble(&context, &config.identity, &config.mail, &public_url)
                    .await?;
            parts = parts.merge(own);
            Some(service)
        } else if runs(ServiceName::Gateway)
            || runs(ServiceName::Library)
            || runs(ServiceName::Search)
        {
            // These verify people's tokens: they follow identity's revocation facts, so
            // that a token signed out or of a suspended library is refused here too.
            // Only the gateway's readiness follows identity's: the library and search keep
            // serving on the last facts while identity is away.
            let mut not_awaited = ServiceParts::default();
            let readiness = if runs(ServiceName::Gateway) { &mut parts } else { &mut not_awaited };
            let client: Arc<dyn IdentityApi> =
                Arc::new(IdentityClient::new(remote(&config, ServiceName::Identity, readiness)?));
            parts =
                parts.merge(athenaeum_identity::follow_revocations(Arc::clone(&client), &context));
            Some(client)
        } else {
            None
        };

        let (catalogue, circulation): LibraryApis = if runs(ServiceName::Library) {
            let (library, own) =
                athenaeum_library::assemble(&context, &config.catalogue, &config.mail).await?;
            parts = parts.merge(own);
            (Some(library.catalogue), Some(library.circulation))
        } else if runs(ServiceName::Search) || runs(ServiceName::Gateway) {
            let remote_library = remote(&config, ServiceName::Library, &mut parts)?;
            (
                Some(Arc::new(CatalogueClient::new(remote_library.clone()))),
                Some(Arc::new(CirculationClient::new(remote_library))),
            )
        } else {
            (None, None)
        };

        let search: Option<Arc<dyn SearchApi>> = match (runs(ServiceName::Search), &catalogue) {
            (true, Some(catalogue)) => {
                let (service, own) =
                    athenaeum_search::assemble(&context, &config.search, Arc::clone(catalogue))
                        .await?;
                parts = parts.merge(own);
                Some(service)
            }
            _ => None,
        };

        if let (true, Some(catalogue), Some(circulation), Some(identity)) =
            (runs(ServiceName::Gateway), &catalogue, circulation, identity)
        {
            let search = match search {
                Some(service) => service,
                None => {
                    Arc::new(SearchClient::new(remote(&config, ServiceName::Search, &mut parts)?))
                }
            };
            let services = Services {
                identity,
                catalogue: Arc::clone(catalogue),
                circulation,
                search,
                dependencies: Arc::new(parts.dependencies().to_vec()),
            };
            let settings = GatewaySettings {
                limits: config.graphql.clone(),
                trust_forwarded_for: config.server.trust_forwarded_for,
                public_url: config.server.public_url.clone(),
            };
            let (own, gateway) =
                athenaeum_gateway::assemble(&context, services, &settings, Arc::clone(&metrics))
                    .await?;
            let website = athenaeum_web::Web::new(gateway, &config.web_settings(port))?;
            parts = parts.merge(own).route(athenaeum_web::routes(website));
        }

        let AssembledParts { routes, internal_routes, workers: starts, dependencies } =
            parts.into_parts();
        let (shutdown, shutdown_signal) = watch::channel(false);
        let workers = starts.into_iter().map(|start| start(shutdown_signal.clone())).collect();
        let ops = OpsState { dependencies: Arc::new(dependencies), metrics: Arc::clone(&metrics) };
        let server = http_server(&config, listener, routes, ops.clone(), Listener::Public)?;
        let internal_server = match internal_listener {
            Some(internal) => {
                Some(http_server(&config, internal, internal_routes, ops, Listener::Internal)?)
            }
            None => None,
        };
        Ok(Application {
            port,
            internal_port,
            server,
            internal_server,
            shutdown,
            workers,
            services: enabled,
        })
    }

    /// Returns the port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns the port of the internal listener, where other processes call this one's
    /// services; `None` when it serves no internal routes.
    pub fn internal_port(&self) -> Option<u16> {
        self.internal_port
    }

    /// Returns the services this process runs.
    pub fn services(&self) -> &[ServiceName] {
        &self.services
    }

    /// Serves until SIGINT or SIGTERM (or until `stop` resolves), then stops accepting,
    /// lets in-flight requests finish (up to the shutdown time-out), and lets the workers
    /// finish what they hold.
    pub async fn run_until_stopped(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        let internal = self.internal_server.map(|internal| {
            let handle = internal.handle();
            (handle, tokio::spawn(internal))
        });
        stop.await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.stop(true).await;
        if let Some((internal_handle, _)) = &internal {
            internal_handle.stop(true).await;
        }
        server.await??;
        if let Some((_, internal_server)) = internal {
            internal_server.await??;
        }
        let _ = self.shutdown.send(true);
        for worker in self.workers {
            let _ = worker.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Binds the internal listener when the process needs one: when it runs some of the
/// services other processes call, but not every service (a process that runs them all
/// calls its services in process and serves no internal routes).
///
/// Fails when it needs one and `server.internal_listen` is not set, or cannot be bound.
fn internal_listener(
    config: &Config,
    enabled: &[ServiceName],
) -> anyhow::Result<Option<TcpListener>> {
    let runs_everything = ServiceName::ALL.iter().all(|name| enabled.contains(name));
    let called: Vec<&str> = enabled
        .iter()
        .filter(|name| **name != ServiceName::Gateway)
        .map(|name| name.as_str())
        .collect();
    if runs_everything || called.is_empty() {
        return Ok(None);
    }
    let address = &config.server.internal_listen;
    if address.is_empty() {
        bail!(
            "this process runs {} but not every service, so other processes call it on internal routes, \
             which are never served on the public address: set server.internal_listen \
             (ATHENAEUM__SERVER__INTERNAL_LISTEN) to an address on the private network, e.g. 10.0.0.5:8081",
            called.join(" and ")
        );
    }
    let listener = TcpListener::bind(address)
        .with_context(|| format!("listening on {address} (server.internal_listen)"))?;
    Ok(Some(listener))
}

/// Which of a process's listeners a server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    /// `server.listen`: the public routes.
    Public,
    /// `server.internal_listen`: the routes other processes call.
    Internal,
}

/// Prepares an HTTP server on `listener` for `routes`, beside the operational endpoints,
/// behind the middleware every route runs through.
fn http_server(
    config: &Config,
    listener: TcpListener,
    routes: Vec<RouteSetup>,
    ops: OpsState,
    kind: Listener,
) -> anyhow::Result<actix_web::dev::Server> {
    let timeouts = config.body_timeouts();
    let metrics = Arc::clone(&ops.metrics);
    let mut server = HttpServer::new(move || {
        let mut app = App::new()
            .wrap(BodyTimeouts::new(timeouts))
            .wrap(HttpMetrics::new(Arc::clone(&metrics)))
            .wrap(RequestIds)
            .wrap(SecurityHeaders)
            .configure(ops_routes(ops.clone()));
        if kind == Listener::Internal {
            app = app.app_data(InternalListener);
        }
        for route in &routes {
            app = app.configure(|service_config| route(service_config));
        }
        // Pages, scripts, GraphQL answers and downloads go compressed to the clients that
        // accept it (a phone on a slow connection gets a page in a fifth of the bytes).
        app.wrap(Compress::default())
    })
    .disable_signals()
    // A compressed page goes out in more than one write; without this, Nagle's algorithm
    // holds the last one until the client's delayed acknowledgement, about 40 ms later.
    .tcp_nodelay(true)
    .shutdown_timeout(config.server.shutdown_timeout_seconds);
    if config.server.workers > 0 {
        server = server.workers(config.server.workers);
    }
    Ok(server.listen(listener)?.run())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
