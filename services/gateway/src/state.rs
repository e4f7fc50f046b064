//! What the gateway's public routes share: the schema, the token verifier, the limits,
//! the origin check, the count of uploads in flight, and the catalogue for MARC
//! downloads.

use std::sync::Arc;

use athenaeum_auth::TokenVerifier;
use athenaeum_catalogue::CatalogueApi;
use serde::{Deserialize, Serialize};

use crate::AppSchema;
use crate::origin::OriginGuard;
use crate::uploads::UploadGate;

/// Limits on what one GraphQL request may ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlLimits {
    /// Deepest selection nesting allowed.
    pub depth: usize,
    /// Highest total cost allowed: one per field, times the page size for a connection
    /// or a search, with more for each search run and each record written as MARC (see
    /// `athenaeum_transport::graphql::cost`).
    pub complexity: usize,
    /// Largest request body, in bytes (uploads excepted).
    pub body_bytes: usize,
    /// Largest file in a multipart upload (a MARC file to import), in bytes.
    pub upload_bytes: usize,
    /// Uploads read or handed on at once, in all.
    pub concurrent_uploads: usize,
    /// Uploads read or handed on at once for one library.
    pub concurrent_uploads_per_library: usize,
    /// Serve GraphiQL to browsers at `/graphql`.
    pub graphiql: bool,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits {
            depth: 12,
            complexity: 5_000,
            body_bytes: 1024 * 1024,
            upload_bytes: 2 << 30,
            concurrent_uploads: 8,
            concurrent_uploads_per_library: 2,
            graphiql: true,
        }
    }
}

/// What the gateway's public routes need.
#[derive(Clone)]
pub struct GatewayState {
    /// The schema.
    pub schema: AppSchema,
    /// Verifies callers' access tokens.
    pub verifier: TokenVerifier,
    /// Whether to take the client address from `X-Forwarded-For` (only behind a proxy
    /// that sets it).
    pub trust_forwarded_for: bool,
    /// Limits.
    pub limits: GraphqlLimits,
    /// Refuses form posts, WebSocket upgrades and uploads sent from other sites' pages.
    pub origins: OriginGuard,
    /// Counts uploads in flight.
    pub uploads: UploadGate,
    /// The catalogue, for MARC downloads.
    pub catalogue: Arc<dyn CatalogueApi>,
}
