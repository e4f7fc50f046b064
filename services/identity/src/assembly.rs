//! How identity is built for a process: its database opened and migrated, the token
//! signing key loaded (or generated on first run), its mail worker prepared. The process
//! runs what [`assemble`] hands it; a one-off command takes [`build`]'s parts and drives
//! the mail worker itself.

use std::sync::Arc;

use anyhow::Context;
use athenaeum_auth::SigningKey;
use athenaeum_db::Database;
use athenaeum_mail::{MailConfig, MailTransport, MailWorker};
use athenaeum_transport::{Dependency, ProcessContext, ServiceParts};

use crate::mail::IdentityMail;
use crate::{IdentityApi, IdentityConfig, IdentityService, MIGRATIONS, identity_routes};

/// Builds identity on its database with its mail worker, which is not started. Emailed
/// links point at `public_url`.
///
/// Fails naming what could not be set up (the database, the signing key, the mail
/// transport, out-of-range password hashing settings).
pub async fn build(
    context: &ProcessContext,
    config: &IdentityConfig,
    mail: &MailConfig,
    public_url: &str,
) -> anyhow::Result<(Arc<IdentityService>, MailWorker)> {
    let database = Database::open_and_migrate(&context.database, &context.data_dir, &MIGRATIONS)
        .await
        .context("opening the identity database")?;
    let auth = context.auth.clone();
    let data_dir = context.data_dir.clone();
    let signing_key =
        tokio::task::spawn_blocking(move || SigningKey::load_or_generate(&auth, &data_dir))
            .await??;
    let transport = MailTransport::from_config(mail, &context.data_dir.join("mail"))?;
    let worker =
        MailWorker::new(database.clone(), Arc::new(IdentityMail), transport, mail.clone())?;
    let service = IdentityService::new(
        database,
        signing_key,
        &context.auth,
        config.clone(),
        public_url,
        worker.waker(),
    )
    .map_err(anyhow::Error::msg)?;
    Ok((Arc::new(service), worker))
}

/// Builds identity for a process: the service, with its parts (internal routes, the
/// mail worker, and its database for readiness).
///
/// Fails as [`build`] does.
pub async fn assemble(
    context: &ProcessContext,
    config: &IdentityConfig,
    mail: &MailConfig,
    public_url: &str,
) -> anyhow::Result<(Arc<IdentityService>, ServiceParts)> {
    let (service, worker) = build(context, config, mail, public_url).await?;
    let routes = Arc::clone(&service);
    let parts = ServiceParts::default()
        .route(move |config| {
            config.service(identity_routes(Arc::clone(&routes) as Arc<dyn IdentityApi>));
        })
        .worker(move |stop| worker.spawn(stop).0)
        .dependency(Dependency::Database(service.database().clone()));
    Ok((service, parts))
}
