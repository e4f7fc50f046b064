//! How identity is built for a process: its database opened and migrated, the token
//! signing key loaded (or generated on first run), its mail worker prepared, and the
//! process's revocation list filled. The process runs what [`assemble`] hands it; a
//! one-off command takes [`build`]'s parts and drives the mail worker itself. A process
//! that does not run identity follows its revocation facts with [`follow_revocations`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use athenaeum_auth::{RevocationList, Revocations, SigningKey};
use athenaeum_db::Database;
use athenaeum_kernel::ApiError;
use athenaeum_mail::{MailConfig, MailTransport, MailWorker};
use athenaeum_transport::{Call, Dependency, ProcessContext, ServiceParts};
use tokio::sync::watch;

use crate::api::ListRevocations;
use crate::mail::IdentityMail;
use crate::{IdentityApi, IdentityConfig, IdentityService, MIGRATIONS, identity_routes};

/// Builds identity on its database with its mail worker, which is not started, and fills
/// the process's revocation list from the database. Emailed links point at `public_url`.
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
        context.revocations.clone(),
    )
    .map_err(anyhow::Error::msg)?;
    service
        .refresh_revocations()
        .await
        .map_err(|error| anyhow::anyhow!(error.message))
        .context("reading the revocation list")?;
    Ok((Arc::new(service), worker))
}

/// Builds identity for a process: the service, with its parts (internal routes, the
/// mail worker, the refresh of the process's revocation list, and its database for
/// readiness).
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
    let refreshing = Arc::clone(&service);
    let period = context.auth.revocation_refresh();
    let parts = ServiceParts::default()
        .internal_route(move |config| {
            config.service(identity_routes(Arc::clone(&routes) as Arc<dyn IdentityApi>));
        })
        .worker(move |stop| worker.spawn(stop).0)
        .worker(move |stop| {
            // Changes made by this process are in the list at once; this brings in those
            // of other identity processes, and lets facts older than a token fall away.
            tokio::spawn(every(period, stop, move || {
                let service = Arc::clone(&refreshing);
                async move { service.refresh_revocations().await }
            }))
        })
        .dependency(Dependency::Database(service.database().clone()));
    Ok((service, parts))
}

/// Returns the parts with which a process that does not run identity follows its
/// revocation facts: a worker that fetches them from `identity` every
/// `auth.revocation_refresh_ms` into the process's revocation list, and the list as a
/// readiness dependency. Until the first facts arrive, the process's verifiers refuse
/// people's tokens with `UNAVAILABLE` and `/readyz` says it is not ready; when identity
/// cannot be reached later, the list keeps its last facts (no token can be revoked
/// without identity) and the failure is logged.
pub fn follow_revocations(
    identity: Arc<dyn IdentityApi>,
    context: &ProcessContext,
) -> ServiceParts {
    let list = context.revocations.clone();
    list.follow();
    let period = context.auth.revocation_refresh();
    let dependency = Dependency::Revocations(list.clone());
    ServiceParts::default()
        .worker(move |stop| {
            let follower = Follower { identity, list, failing: Arc::default() };
            tokio::spawn(every(period, stop, move || follower.clone().fetch()))
        })
        .dependency(dependency)
}

/// Fetches identity's revocation facts into a list.
#[derive(Clone)]
struct Follower {
    identity: Arc<dyn IdentityApi>,
    list: RevocationList,
    /// Whether the last fetch failed, so that an outage is logged when it starts and ends
    /// rather than every period.
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl Follower {
    async fn fetch(self) -> Result<(), ApiError> {
        use std::sync::atomic::Ordering;
        let fetched: Result<Revocations, ApiError> =
            self.identity.revocations(&Call::anonymous(), ListRevocations {}).await;
        match fetched {
            Ok(facts) => {
                self.list.replace(facts);
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("revocation list received from identity again");
                }
                Ok(())
            }
            Err(error) if !self.failing.swap(true, Ordering::Relaxed) => Err(error),
            Err(error) => {
                tracing::debug!(%error, age = ?self.list.age(), "revocation list still not received");
                Ok(())
            }
        }
    }
}

/// Runs `work` now and then every `period` until `stop` turns true, logging a failure
/// (the next round tries again).
async fn every<Work, Round>(period: Duration, mut stop: watch::Receiver<bool>, work: Work)
where
    Work: Fn() -> Round,
    Round: Future<Output = Result<(), ApiError>>,
{
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(error) = work().await {
            tracing::warn!(%error, "revocation list not refreshed; keeping the facts it has");
        }
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
}
