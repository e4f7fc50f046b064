//! The gateway: the only public surface. It verifies the caller, composes the services'
//! GraphQL pieces into one schema and serves it over HTTP (GraphQL-over-HTTP, GraphiQL,
//! graphql-ws subscriptions), beside the operational endpoints every process has
//! (`/healthz`, `/readyz`, `/metrics`) and the middleware every route runs through.
//!
//! It holds services only as `Arc<dyn …Api>`: it cannot tell whether one runs in this
//! process or in another, and it owns no tables. A request's token is verified once,
//! here; the verified caller travels with the call to services in this process.

mod export;
mod graphiql;
mod graphql_http;
mod metrics;
mod middleware;
mod ops;
mod pages;
mod readiness;
mod request;
mod routes;
mod schema;
mod state;

use std::sync::Arc;

use anyhow::Context;
use athenaeum_auth::{TokenVerifier, VerificationKey};
use athenaeum_transport::{ProcessContext, ServiceParts};

pub use metrics::Metrics;
pub use middleware::{HttpMetrics, RequestIds};
pub use ops::{OpsState, ops_routes};
pub use readiness::{DependencyCheck, Readiness, check_readiness};
pub use request::{RequestId, request_id_header};
pub use routes::graphql_routes;
pub use schema::{AppSchema, Services, build_schema, sdl};
pub use state::{GatewayState, GraphqlLimits};

/// Builds the gateway for a process over the services it reaches (each in this process
/// or another): the schema with its limits, recording each operation in `metrics`, and
/// its public routes.
///
/// Fails when the token verification key cannot be read.
pub async fn assemble(
    context: &ProcessContext,
    services: Services,
    limits: &GraphqlLimits,
    trust_forwarded_for: bool,
    metrics: Arc<Metrics>,
) -> anyhow::Result<ServiceParts> {
    let auth = context.auth.clone();
    let data_dir = context.data_dir.clone();
    let key = tokio::task::spawn_blocking(move || VerificationKey::load(&auth, &data_dir))
        .await?
        .context("the gateway verifies tokens with the token verification key")?;
    let catalogue = Arc::clone(&services.catalogue);
    let state = GatewayState {
        schema: build_schema(services, limits.depth, limits.complexity, metrics),
        verifier: TokenVerifier::new(key, &context.auth),
        trust_forwarded_for,
        limits: limits.clone(),
        catalogue,
    };
    Ok(ServiceParts::default().route(graphql_routes(state)))
}
