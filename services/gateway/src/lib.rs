//! The gateway: the only public surface. It verifies the caller, composes the services'
//! GraphQL pieces into one schema and serves it over HTTP (GraphQL-over-HTTP, GraphiQL,
//! graphql-ws subscriptions), beside the operational endpoints every process has
//! (`/healthz`, `/readyz`, `/metrics`) and the middleware every route runs through:
//! request ids, metrics, security headers and body timeouts.
//!
//! It holds services only as `Arc<dyn …Api>`: it cannot tell whether one runs in this
//! process or in another, and it owns no tables. A request's token is verified once,
//! here; the verified caller travels with the call to services in this process.

mod body_timeouts;
mod export;
mod graphiql;
mod graphql_http;
mod headers;
mod metrics;
mod middleware;
mod ops;
mod origin;
mod readiness;
mod request;
mod routes;
mod schema;
mod state;
mod uploads;

use std::sync::Arc;

use anyhow::Context;
use athenaeum_auth::{TokenVerifier, VerificationKey};
use athenaeum_transport::{ProcessContext, ServiceParts};

pub use body_timeouts::{BodyTimeoutSettings, BodyTimeouts};
pub use export::{ExportQuery, export_as};
pub use graphql_http::execute_as;
pub use headers::{REFERRER_POLICY, SecurityHeaders};
pub use metrics::Metrics;
pub use middleware::{HttpMetrics, RequestIds};
pub use ops::{OpsState, ops_routes};
pub use origin::OriginGuard;
pub use readiness::{DependencyCheck, Readiness, check_readiness};
pub use request::{RequestId, client_address, request_id, request_id_header};
pub use routes::graphql_routes;
pub use schema::{AppSchema, Services, build_schema, sdl, validate_document};
pub use state::{GatewayState, GraphqlLimits};
pub use uploads::{FormUpload, UploadGate, UploadPermit, read_form_upload};

/// How the gateway meets the outside world.
#[derive(Debug, Clone, Default)]
pub struct GatewaySettings {
    /// Limits on requests.
    pub limits: GraphqlLimits,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Where people reach the platform (`server.public_url`; empty: unknown), whose
    /// pages may post forms, open sockets and upload.
    pub public_url: String,
}

/// Builds the gateway for a process over the services it reaches (each in this process
/// or another): the schema with its limits, recording each operation in `metrics`, and
/// its public routes.
///
/// Fails when the token verification key cannot be read.
pub async fn assemble(
    context: &ProcessContext,
    services: Services,
    settings: &GatewaySettings,
    metrics: Arc<Metrics>,
) -> anyhow::Result<(ServiceParts, GatewayState)> {
    let auth = context.auth.clone();
    let data_dir = context.data_dir.clone();
    let key = tokio::task::spawn_blocking(move || VerificationKey::load(&auth, &data_dir))
        .await?
        .context("the gateway verifies tokens with the token verification key")?;
    let catalogue = Arc::clone(&services.catalogue);
    let limits = &settings.limits;
    let state = GatewayState {
        schema: build_schema(services, limits.depth, limits.complexity, metrics),
        verifier: TokenVerifier::new(key, &context.auth)
            .with_revocations(context.revocations.clone()),
        trust_forwarded_for: settings.trust_forwarded_for,
        limits: limits.clone(),
        origins: OriginGuard::new(&settings.public_url),
        uploads: UploadGate::new(limits.concurrent_uploads, limits.concurrent_uploads_per_library),
        catalogue,
    };
    Ok((ServiceParts::default().route(graphql_routes(state.clone())), state))
}
