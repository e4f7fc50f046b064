//! The gateway: the only public surface. It verifies the caller, composes the services'
//! GraphQL pieces into one schema and serves it over HTTP (GraphQL-over-HTTP, GraphiQL,
//! graphql-ws subscriptions), beside the operational endpoints every process has
//! (`/healthz`, `/readyz`, `/metrics`).
//!
//! It holds services only as `Arc<dyn …Api>`: it cannot tell whether one runs in this
//! process or in another, and it owns no tables.

mod export;
mod graphiql;
mod graphql_http;
mod metrics;
mod ops;
mod pages;
mod schema;

pub use graphql_http::{GatewayState, GraphqlLimits, RequestId, graphql_routes, request_id_header};
pub use metrics::Metrics;
pub use ops::{Dependency, OpsState, ops_routes};
pub use schema::{AppSchema, Services, build_schema, sdl};
