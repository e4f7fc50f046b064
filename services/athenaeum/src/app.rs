//! Assembles a running process from the configuration and the set of enabled services:
//! opens and migrates each local service's database, starts its workers, connects to
//! remote services, and serves HTTP until told to stop.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::http::header::HeaderName;
use actix_web::{App, HttpMessage, HttpServer};
use anyhow::{Context, bail};
use athenaeum_auth::{SigningKey, TokenVerifier, VerificationKey};
use athenaeum_catalogue::{CatalogueApi, CatalogueClient, CatalogueService, catalogue_routes};
use athenaeum_db::{Database, ServiceMigrations};
use athenaeum_gateway::{
    Dependency, GatewayState, Metrics, OpsState, RequestId, Services, build_schema, graphql_routes,
    ops_routes, request_id_header,
};
use athenaeum_identity::mail::IdentityMail;
use athenaeum_identity::{IdentityApi, IdentityClient, IdentityService, identity_routes};
use athenaeum_mail::{MailTransport, MailWorker};
use athenaeum_transport::RemoteService;
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
}

impl ServiceName {
    /// Every service, in start order.
    pub const ALL: [ServiceName; 3] =
        [ServiceName::Identity, ServiceName::Library, ServiceName::Gateway];
}

/// Every service's migrations, for `athenaeum migrate` and the tests.
pub fn all_migrations() -> [&'static ServiceMigrations; 2] {
    [&athenaeum_identity::MIGRATIONS, &athenaeum_catalogue::MIGRATIONS]
}

/// Builds the catalogue on the library database; its imports run once
/// `run_imports` is spawned.
pub async fn catalogue_service(config: &Config) -> anyhow::Result<Arc<CatalogueService>> {
    let database = open_database(config, &athenaeum_catalogue::MIGRATIONS).await?;
    let auth = config.auth.clone();
    let data_dir = config.data.dir.clone();
    let key =
        tokio::task::spawn_blocking(move || VerificationKey::load(&auth, &data_dir)).await??;
    Ok(Arc::new(CatalogueService::new(
        database,
        TokenVerifier::new(key, &config.auth),
        config.catalogue.clone(),
        &config.data.dir,
    )))
}

/// Opens a service's database and applies its pending migrations.
pub async fn open_database(
    config: &Config,
    migrations: &'static ServiceMigrations,
) -> anyhow::Result<Database> {
    let database_config = config.database.clone();
    let data_dir = config.data.dir.clone();
    let database = tokio::task::spawn_blocking(move || {
        Database::open(&database_config, &data_dir, migrations)
    })
    .await?
    .with_context(|| format!("opening the {} database", migrations.service))?;
    let applied = database
        .migrate()
        .await
        .with_context(|| format!("migrating the {} database", migrations.service))?;
    if !applied.is_empty() {
        tracing::info!(service = migrations.service, backend = %database.backend(), migrations = ?applied, "database migrated");
    }
    Ok(database)
}

/// Builds the identity service on its database, with its mail worker (not yet started).
pub async fn identity_service(
    config: &Config,
    public_url: &str,
) -> anyhow::Result<(Arc<IdentityService>, MailWorker)> {
    let database = open_database(config, &athenaeum_identity::MIGRATIONS).await?;
    let auth = config.auth.clone();
    let data_dir = config.data.dir.clone();
    let signing_key =
        tokio::task::spawn_blocking(move || SigningKey::load_or_generate(&auth, &data_dir))
            .await??;
    let transport = MailTransport::from_config(&config.mail, &config.data.dir.join("mail"))?;
    let worker =
        MailWorker::new(database.clone(), Arc::new(IdentityMail), transport, config.mail.clone())?;
    let service = IdentityService::new(
        database,
        signing_key,
        &config.auth,
        config.identity.clone(),
        public_url,
        worker.waker(),
    )
    .map_err(anyhow::Error::msg)?;
    Ok((Arc::new(service), worker))
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
    /// Builds the process: binds the listen address (port 0 picks a free port), opens and
    /// migrates local databases, starts workers and prepares the HTTP server.
    ///
    /// Fails naming what could not be set up (a database, a key, a remote URL).
    pub async fn build(config: Config, services: &[ServiceName]) -> anyhow::Result<Application> {
        let enabled: Vec<ServiceName> = if services.is_empty() {
            ServiceName::ALL.to_vec()
        } else {
            ServiceName::ALL.into_iter().filter(|name| services.contains(name)).collect()
        };
        if enabled.contains(&ServiceName::Identity)
            && !enabled.contains(&ServiceName::Gateway)
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
        let public_url = config.public_url(port);
        let metrics = Arc::new(Metrics::default());
        let (shutdown, shutdown_signal) = watch::channel(false);
        let mut dependencies = Vec::new();
        let mut workers = Vec::new();

        let local_identity = if enabled.contains(&ServiceName::Identity) {
            let (service, worker) = identity_service(&config, &public_url).await?;
            dependencies.push(Dependency::Database(service.database().clone()));
            let (handle, _) = worker.spawn(shutdown_signal.clone());
            workers.push(handle);
            Some(service)
        } else {
            None
        };

        let local_catalogue = if enabled.contains(&ServiceName::Library) {
            let service = catalogue_service(&config).await?;
            dependencies.push(Dependency::Database(service.database().clone()));
            workers.push(tokio::spawn(Arc::clone(&service).run_imports(shutdown_signal.clone())));
            Some(service)
        } else {
            None
        };

        let gateway = if enabled.contains(&ServiceName::Gateway) {
            let identity: Arc<dyn IdentityApi> = match &local_identity {
                Some(service) => Arc::clone(service) as Arc<dyn IdentityApi>,
                None => {
                    if config.services.identity_url.is_empty() {
                        bail!(
                            "the identity service does not run in this process: set services.identity_url (ATHENAEUM__SERVICES__IDENTITY_URL) to where it runs"
                        );
                    }
                    let timeout = Duration::from_secs(config.services.timeout_seconds.max(1));
                    let remote =
                        RemoteService::new("identity", &config.services.identity_url, timeout)
                            .map_err(|error| anyhow::anyhow!(error.message))?;
                    dependencies.push(Dependency::Remote(remote.clone(), "identity".into()));
                    Arc::new(IdentityClient::new(remote))
                }
            };
            let catalogue: Arc<dyn CatalogueApi> = match &local_catalogue {
                Some(service) => Arc::clone(service) as Arc<dyn CatalogueApi>,
                None => {
                    if config.services.library_url.is_empty() {
                        bail!(
                            "the library service does not run in this process: set services.library_url (ATHENAEUM__SERVICES__LIBRARY_URL) to where it runs"
                        );
                    }
                    let timeout = Duration::from_secs(config.services.timeout_seconds.max(1));
                    let remote =
                        RemoteService::new("library", &config.services.library_url, timeout)
                            .map_err(|error| anyhow::anyhow!(error.message))?;
                    dependencies.push(Dependency::Remote(remote.clone(), "library".into()));
                    Arc::new(CatalogueClient::new(remote))
                }
            };
            let auth = config.auth.clone();
            let data_dir = config.data.dir.clone();
            let key = tokio::task::spawn_blocking(move || VerificationKey::load(&auth, &data_dir))
                .await??;
            Some((identity, catalogue, TokenVerifier::new(key, &config.auth)))
        } else {
            None
        };

        let dependencies = Arc::new(dependencies);
        let gateway_state = gateway.map(|(identity, catalogue, verifier)| GatewayState {
            schema: build_schema(
                Services {
                    identity,
                    catalogue: Arc::clone(&catalogue),
                    dependencies: Arc::clone(&dependencies),
                },
                config.graphql.depth,
                config.graphql.complexity,
                Arc::clone(&metrics),
            ),
            verifier,
            trust_forwarded_for: config.server.trust_forwarded_for,
            limits: config.graphql.clone(),
            catalogue,
        });
        let ops = OpsState { dependencies, metrics: Arc::clone(&metrics) };

        let mut server = HttpServer::new(move || {
            let metrics = Arc::clone(&metrics);
            let mut app = App::new()
                .wrap_fn(move |request, service| {
                    let started = Instant::now();
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|value| value.to_str().ok())
                        .filter(|value| !value.is_empty() && value.len() <= 64 && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-'))
                        .map_or_else(athenaeum_kernel::new_id, str::to_string);
                    request.extensions_mut().insert(RequestId(request_id.clone()));
                    let metrics = Arc::clone(&metrics);
                    let response = service.call(request);
                    async move {
                        let mut response = response.await?;
                        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                        let status = response.status().as_u16();
                        let elapsed = started.elapsed();
                        metrics.observe_http(&route, status, elapsed.as_secs_f64());
                        tracing::debug!(%route, status, elapsed_ms = elapsed.as_secs_f64() * 1000.0, request_id = %request_id, "request served");
                        response.headers_mut().insert(HeaderName::from_static("x-request-id"), request_id_header(&request_id));
                        Ok(response)
                    }
                })
                .configure(ops_routes(ops.clone()));
            if let Some(state) = &gateway_state {
                app = app.configure(graphql_routes(state.clone()));
            }
            if let Some(identity) = &local_identity {
                app = app.service(identity_routes(Arc::clone(identity) as Arc<dyn IdentityApi>));
            }
            if let Some(catalogue) = &local_catalogue {
                app = app.service(catalogue_routes(Arc::clone(catalogue) as Arc<dyn CatalogueApi>));
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
