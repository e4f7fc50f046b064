//! How the search service is built for a process: the token keys loaded (it signs its
//! own requests to the library service and verifies its callers), and the index in use
//! opened under `<data>/search`. The process runs what [`assemble`] hands it; the
//! command line's `reindex` drives [`build`]'s service itself.

use std::sync::Arc;

use anyhow::Context;
use athenaeum_auth::{AuthError, SigningKey, TokenVerifier, VerificationKey};
use athenaeum_catalogue::CatalogueApi;
use athenaeum_transport::{ProcessContext, ServiceParts};

use crate::{SearchApi, SearchConfig, SearchService, search_routes};

/// Builds the search service on the index in `<data>/search`, reading the catalogue
/// through `catalogue` (in this process or another); its follower is not started.
///
/// Fails when the token keys cannot be read, and with [`crate::OpenError`] (which the
/// error can be downcast to) when the index does not open: `Busy` while another process
/// uses it. Blocks a thread while it opens the index.
pub async fn build(
    context: &ProcessContext,
    config: &SearchConfig,
    catalogue: Arc<dyn CatalogueApi>,
) -> anyhow::Result<Arc<SearchService>> {
    let auth = context.auth.clone();
    let data_dir = context.data_dir.clone();
    let (signing, verification) = tokio::task::spawn_blocking(move || {
        let signing = SigningKey::load(&auth, &data_dir)?;
        let verification = VerificationKey::load(&auth, &data_dir)?;
        Ok::<_, AuthError>((signing, verification))
    })
    .await?
    .context(
        "the search service signs its requests to the library service with the token signing key",
    )?;
    let root = context.data_dir.join("search");
    let auth = context.auth.clone();
    let config = config.clone();
    let revocations = context.revocations.clone();
    let service = tokio::task::spawn_blocking(move || {
        // The revocation list also says which libraries are suspended, so that their
        // records are left out of every search.
        let verifier = TokenVerifier::new(verification, &auth).with_revocations(revocations);
        SearchService::open(&root, catalogue, signing, &auth, verifier, config)
    })
    .await??;
    Ok(Arc::new(service))
}

/// Builds the search service for a process: the service, with its parts (its internal
/// routes, and the follower that keeps the index up with the change feed and builds it
/// on first start).
///
/// Fails as [`build`] does.
pub async fn assemble(
    context: &ProcessContext,
    config: &SearchConfig,
    catalogue: Arc<dyn CatalogueApi>,
) -> anyhow::Result<(Arc<SearchService>, ServiceParts)> {
    let service = build(context, config, catalogue).await?;
    let routes = Arc::clone(&service);
    let follower = Arc::clone(&service);
    let parts = ServiceParts::default()
        .internal_route(move |config| {
            config.service(search_routes(Arc::clone(&routes) as Arc<dyn SearchApi>));
        })
        .worker(move |stop| tokio::spawn(follower.run(stop)));
    Ok((service, parts))
}
