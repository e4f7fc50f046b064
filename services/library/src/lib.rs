//! The library service: one process and one database (`library`) for its two wings,
//! the catalogue and circulation, so that a desk action (a checkout changes a loan, an
//! item's status, a hold queue and the change feed) is one transaction.
//!
//! - `athenaeum-library-db` owns the database: migrations, schema, the change feed and
//!   the [`LibraryTransaction`] both wings join.
//! - `athenaeum-catalogue` is the first wing: records, items, imports, exports, the feed
//!   the search index follows.
//! - `athenaeum-circulation` is the second: patrons, loan rules, calendars, loans, holds
//!   and fines. It changes items only through [`athenaeum_catalogue::desk`], inside its
//!   own transactions.
//!
//! This crate only assembles the service for a process: it holds no rules.

use std::sync::Arc;

use anyhow::Context;
use athenaeum_auth::{TokenVerifier, VerificationKey};
use athenaeum_catalogue::{CatalogueApi, CatalogueConfig, CatalogueService, catalogue_routes};
use athenaeum_circulation::{CirculationApi, CirculationService, circulation_routes};
use athenaeum_db::Database;
use athenaeum_mail::{MailConfig, MailTransport, MailWorker};
use athenaeum_transport::{Dependency, ProcessContext, ServiceParts};

pub use athenaeum_library_db::{LibraryDatabase, LibraryTransaction, MIGRATIONS};

/// The library service running in this process.
#[derive(Debug, Clone)]
pub struct LibraryService {
    /// The library database both wings share.
    pub database: LibraryDatabase,
    /// The catalogue wing.
    pub catalogue: Arc<CatalogueService>,
    /// The circulation wing.
    pub circulation: Arc<CirculationService>,
}

/// Builds the library service for a process: opens and migrates the library database,
/// builds both wings on it, and returns the service with its parts (both wings' internal
/// routes, the catalogue's import workers, circulation's upkeep (hold expiry and
/// notices), the mail worker sending the notices, and the database for readiness).
///
/// Fails naming what could not be set up (the database, the token verification key).
pub async fn assemble(
    context: &ProcessContext,
    catalogue: &CatalogueConfig,
    mail: &MailConfig,
) -> anyhow::Result<(LibraryService, ServiceParts)> {
    let database = Database::open_and_migrate(&context.database, &context.data_dir, &MIGRATIONS)
        .await
        .context("opening the library database")?;
    let auth = context.auth.clone();
    let data_dir = context.data_dir.clone();
    let key =
        tokio::task::spawn_blocking(move || VerificationKey::load(&auth, &data_dir)).await??;
    let verifier =
        TokenVerifier::new(key, &context.auth).with_revocations(context.revocations.clone());
    let library = LibraryDatabase::new(database.clone());
    let circulation_service = Arc::new(CirculationService::new(library.clone(), verifier.clone()));
    let catalogue_service = Arc::new(CatalogueService::new(
        library.clone(),
        verifier,
        catalogue.clone(),
        &context.data_dir,
    ));
    let routes_service = Arc::clone(&catalogue_service);
    let import_service = Arc::clone(&catalogue_service);
    let circulation_routes_service = Arc::clone(&circulation_service);
    let upkeep_service = Arc::clone(&circulation_service);
    let transport = MailTransport::from_config(mail, &context.data_dir.join("mail"))?;
    let mail_worker = MailWorker::new(
        database.clone(),
        Arc::new(athenaeum_circulation::mail::CirculationMail),
        transport,
        mail.clone(),
    )?;
    let parts = ServiceParts::default()
        .internal_route(move |config| {
            config.service(catalogue_routes(Arc::clone(&routes_service) as Arc<dyn CatalogueApi>));
            config.service(circulation_routes(
                Arc::clone(&circulation_routes_service) as Arc<dyn CirculationApi>
            ));
        })
        .worker(move |stop| tokio::spawn(import_service.run_imports(stop)))
        .worker(move |stop| tokio::spawn(upkeep_service.run_upkeep(stop)))
        .worker(move |stop| mail_worker.spawn(stop).0)
        .dependency(Dependency::Database(database));
    Ok((
        LibraryService {
            database: library,
            catalogue: catalogue_service,
            circulation: circulation_service,
        },
        parts,
    ))
}
