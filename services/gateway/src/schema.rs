//! The public GraphQL schema, merged from each service's piece.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, MergedObject, Object, Result, Schema, Subscription};
use athenaeum_catalogue::CatalogueApi;
use athenaeum_catalogue::graphql::{CatalogueMutation, CatalogueQuery};
use athenaeum_circulation::CirculationApi;
use athenaeum_circulation::graphql::{CirculationMutation, CirculationQuery};
use athenaeum_identity::IdentityApi;
use athenaeum_identity::api::FindTenant;
use athenaeum_identity::graphql::{IdentityMutation, IdentityQuery};
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_search::SearchApi;
use athenaeum_search::api::{IndexStatus, Rebuild};
use athenaeum_search::graphql::SearchQuery;
use athenaeum_transport::Call;
use athenaeum_transport::graphql::{TenantDirectory, to_graphql_error};
use futures_util::Stream;

use crate::metrics::{Metrics, MetricsExtension};
use athenaeum_transport::Dependency;

use crate::readiness::{Readiness, check_readiness};

/// The root query: every service's queries side by side.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(IdentityQuery, CatalogueQuery, CirculationQuery, SearchQuery, PlatformQuery);

/// The root mutation.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(IdentityMutation, CatalogueMutation, CirculationMutation, PlatformMutation);

/// The assembled schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The services the schema's resolvers call, each local or remote.
#[derive(Clone)]
pub struct Services {
    /// Tenants, accounts and sessions.
    pub identity: Arc<dyn IdentityApi>,
    /// Records, items, imports.
    pub catalogue: Arc<dyn CatalogueApi>,
    /// Patrons, loans, holds, fines.
    pub circulation: Arc<dyn CirculationApi>,
    /// Searching.
    pub search: Arc<dyn SearchApi>,
    /// What readiness depends on, for the `readiness` subscription.
    pub dependencies: Arc<Vec<Dependency>>,
}

/// Builds the schema with its limits; `metrics` records each operation's latency.
pub fn build_schema(
    services: Services,
    depth_limit: usize,
    complexity_limit: usize,
    metrics: Arc<Metrics>,
) -> AppSchema {
    let directory: Arc<dyn TenantDirectory> =
        Arc::new(IdentityDirectory { identity: Arc::clone(&services.identity) });
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        .data(services.identity)
        .data(services.catalogue)
        .data(services.circulation)
        .data(services.search)
        .data(directory)
        .data(services.dependencies)
        .extension(MetricsExtension::new(metrics))
        .limit_depth(depth_limit)
        .limit_complexity(complexity_limit)
        .finish()
}

/// Returns the schema's SDL, as written to `schema/athenaeum.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot).finish().sdl()
}

/// Checks a GraphQL document against the schema without executing it: `Err` with every
/// validation error's message when it names a field, argument or type the schema does
/// not have, or uses one wrongly. The website's documents are checked with this.
pub async fn validate_document(document: &str) -> Result<(), Vec<String>> {
    let schema = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        .extension(ValidateOnly)
        .finish();
    let response = schema.execute(async_graphql::Request::new(document)).await;
    if response.errors.is_empty() {
        Ok(())
    } else {
        Err(response.errors.into_iter().map(|error| error.message).collect())
    }
}

/// Stops a request after validation: nothing is resolved.
struct ValidateOnly;

impl async_graphql::extensions::ExtensionFactory for ValidateOnly {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(ValidateOnlyExtension)
    }
}

struct ValidateOnlyExtension;

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for ValidateOnlyExtension {
    async fn execute(
        &self,
        _ctx: &async_graphql::extensions::ExtensionContext<'_>,
        _operation_name: Option<&str>,
        _next: async_graphql::extensions::NextExecute<'_>,
    ) -> async_graphql::Response {
        async_graphql::Response::new(async_graphql::Value::Null)
    }
}

/// Finds tenants through identity, for anonymous readers of a public catalogue.
struct IdentityDirectory {
    identity: Arc<dyn IdentityApi>,
}

#[async_trait::async_trait]
impl TenantDirectory for IdentityDirectory {
    async fn tenant_id_for_slug(
        &self,
        call: &Call,
        slug: &str,
    ) -> Result<Option<String>, ApiError> {
        match self.identity.find_tenant(call, FindTenant { slug: slug.to_string() }).await {
            Ok(tenant) => Ok(Some(tenant.id)),
            Err(error) if error.code == ErrorCode::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Queries about the platform itself.
#[derive(Default)]
pub struct PlatformQuery;

#[Object]
impl PlatformQuery {
    /// The running version of Athenaeum.
    async fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

/// Mutations about the platform itself.
#[derive(Default)]
pub struct PlatformMutation;

#[Object]
impl PlatformMutation {
    /// Rebuilds the search index from the catalogue (only one library's records when
    /// `tenantId` names it) while searches keep answering from the current index, which
    /// is swapped when the new one is ready; follow it with `searchIndexStatus`.
    /// Operators. `CONFLICT` when a rebuild is already running.
    async fn rebuild_search_index(
        &self,
        context: &Context<'_>,
        tenant_id: Option<ID>,
    ) -> Result<IndexStatus> {
        let search = context.data::<Arc<dyn SearchApi>>()?;
        let call = athenaeum_transport::graphql::request_call(context)?;
        search
            .rebuild(call, Rebuild { tenant_id: tenant_id.map(|id| id.0) })
            .await
            .map_err(to_graphql_error)
    }
}

/// The root subscription.
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Streams the deployment's readiness every `intervalSeconds` (1 to 60, default 5),
    /// for operators' dashboards. Operators only.
    async fn readiness(
        &self,
        context: &Context<'_>,
        interval_seconds: Option<i32>,
    ) -> Result<impl Stream<Item = Readiness> + use<>> {
        let call = athenaeum_transport::graphql::request_call(context)?;
        let caller = context
            .data::<Option<athenaeum_auth::Caller>>()
            .ok()
            .and_then(Option::as_ref)
            .ok_or_else(|| {
                to_graphql_error(ApiError::unauthenticated(
                    "sign in first: this operation needs an access token",
                ))
            })?;
        caller.require_operator().map_err(|error| to_graphql_error(error.into()))?;
        let seconds = interval_seconds.unwrap_or(5);
        if !(1..=60).contains(&seconds) {
            return Err(to_graphql_error(ApiError::validation(
                "intervalSeconds",
                format!("intervalSeconds must be between 1 and 60, not {seconds}"),
            )));
        }
        tracing::debug!(request_id = %call.request_id, "readiness subscription started");
        let dependencies = Arc::clone(context.data::<Arc<Vec<Dependency>>>()?);
        let period = Duration::from_secs(u64::try_from(seconds).unwrap_or(5));
        Ok(async_stream::stream! {
            loop {
                yield check_readiness(&dependencies).await;
                tokio::time::sleep(period).await;
            }
        })
    }
}
