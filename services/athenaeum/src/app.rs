//! Assembles a running process from the configuration and the set of enabled services:
//! each enabled service crate builds itself and hands over its parts (routes, workers,
//! readiness dependencies); services that run elsewhere are reached through their HTTP
//! clients; the process composes the parts and serves HTTP until told to stop.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::{Context, bail};
use athenaeum_catalogue::{CatalogueApi, CatalogueClient};
use athenaeum_db::ServiceMigrations;
use athenaeum_gateway::{HttpMetrics, Metrics, OpsState, RequestIds, Services, ops_routes};
use athenaeum_identity::{IdentityApi, IdentityClient};
use athenaeum_search::{SearchApi, SearchClient};
use athenaeum_transport::assembly::remote_service;
use athenaeum_transport::{RemoteService, ServiceParts};
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
        athenaeum_library::assemble(&config.process_context(), &config.catalogue).await?;
    Ok(library.catalogue)
}

/// A process ready to serve: its port is bound and its services are up.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
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
        } else {
            None
        };

        let catalogue: Option<Arc<dyn CatalogueApi>> = if runs(ServiceName::Library) {
            let (library, own) = athenaeum_library::assemble(&context, &config.catalogue).await?;
            parts = parts.merge(own);
            Some(library.catalogue)
        } else if runs(ServiceName::Search) || runs(ServiceName::Gateway) {
            Some(Arc::new(CatalogueClient::new(remote(&config, ServiceName::Library, &mut parts)?)))
        } else {
            None
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

        if let (true, Some(catalogue)) = (runs(ServiceName::Gateway), &catalogue) {
            let identity = match identity {
                Some(service) => service,
                None => Arc::new(IdentityClient::new(remote(
                    &config,
                    ServiceName::Identity,
                    &mut parts,
                )?)),
            };
            let search = match search {
                Some(service) => service,
                None => {
                    Arc::new(SearchClient::new(remote(&config, ServiceName::Search, &mut parts)?))
                }
            };
            let services = Services {
                identity,
                catalogue: Arc::clone(catalogue),
                search,
                dependencies: Arc::new(parts.dependencies().to_vec()),
            };
            let own = athenaeum_gateway::assemble(
                &context,
                services,
                &config.graphql,
                config.server.trust_forwarded_for,
                Arc::clone(&metrics),
            )
            .await?;
            parts = parts.merge(own);
        }

        let (routes, starts, dependencies) = parts.into_parts();
        let (shutdown, shutdown_signal) = watch::channel(false);
        let workers = starts.into_iter().map(|start| start(shutdown_signal.clone())).collect();
        let ops = OpsState { dependencies: Arc::new(dependencies), metrics: Arc::clone(&metrics) };
        let mut server = HttpServer::new(move || {
            let mut app = App::new()
                .wrap(HttpMetrics::new(Arc::clone(&metrics)))
                .wrap(RequestIds)
                .configure(ops_routes(ops.clone()));
            for route in &routes {
                app = app.configure(|service_config| route(service_config));
            }
            app
        })
        .disable_signals()
        .shutdown_timeout(config.server.shutdown_timeout_seconds);
        if config.server.workers > 0 {
            server = server.workers(config.server.workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Application { port, server, shutdown, workers, services: enabled })
    }

    /// Returns the port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
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
        stop.await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.stop(true).await;
        server.await??;
        let _ = self.shutdown.send(true);
        for worker in self.workers {
            let _ = worker.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
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
