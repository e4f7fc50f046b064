//! What every service's GraphQL resolvers share: reading the call context the gateway
//! put on the request, turning service errors into GraphQL errors with a stable `code`
//! extension, and checking page sizes.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ErrorExtensions, OutputType};
use athenaeum_kernel::ApiError;

use crate::Call;

/// Returns the call context of the current request.
///
/// Fails with `INTERNAL` only if the gateway forgot to attach it, a programming error.
pub fn request_call<'ctx>(context: &Context<'ctx>) -> async_graphql::Result<&'ctx Call> {
    context.data::<Call>().map_err(|_| {
        to_graphql_error(ApiError::new(
            athenaeum_kernel::ErrorCode::Internal,
            "request context missing",
        ))
    })
}

/// Turns a service error into a GraphQL error: the message as it is, and the extensions
/// `code`, `field` (when it names one) and `retryAfterSeconds` (when rate limited).
pub fn to_graphql_error(error: ApiError) -> async_graphql::Error {
    let ApiError { code, message, field, retry_after_seconds } = error;
    async_graphql::Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", code.as_str());
        if let Some(field) = &field {
            extensions.set("field", field.as_str());
        }
        if let Some(seconds) = retry_after_seconds {
            extensions.set("retryAfterSeconds", seconds);
        }
    })
}

/// A page of a Relay connection with opaque string cursors.
pub type Page<T> = Connection<String, T, EmptyFields, EmptyFields>;

/// Builds a connection page from items in order, each with the cursor `cursor` gives it.
pub fn page<T: OutputType>(
    items: Vec<T>,
    has_next_page: bool,
    cursor: impl Fn(&T) -> String,
) -> Page<T> {
    let mut connection = Connection::new(false, has_next_page);
    connection.edges.extend(items.into_iter().map(|item| Edge::new(cursor(&item), item)));
    connection
}

/// Checks a `first` argument of a connection (default 20, between 1 and 100).
pub fn page_size(first: Option<i32>) -> async_graphql::Result<u32> {
    let first = first.unwrap_or(20);
    match u32::try_from(first) {
        Ok(size) if (1..=100).contains(&size) => Ok(size),
        _ => Err(to_graphql_error(ApiError::validation(
            "first",
            format!("first must be between 1 and 100, not {first}"),
        ))),
    }
}

/// Finds a tenant by its slug, so that a reader who is not signed in can name the
/// library whose public catalogue they read. The gateway puts one in the schema's data.
#[async_trait::async_trait]
pub trait TenantDirectory: Send + Sync {
    /// Returns the id of the active tenant with this slug, or `None`.
    async fn tenant_id_for_slug(&self, call: &Call, slug: &str)
    -> Result<Option<String>, ApiError>;
}

/// Returns the tenant an anonymous reader named with `tenant` (a slug), or `None` for a
/// signed-in caller (their token decides) or when no tenant was named.
///
/// Fails with `NOT_FOUND` when no active library has that slug.
pub async fn public_tenant(
    context: &Context<'_>,
    tenant: Option<&str>,
) -> async_graphql::Result<Option<String>> {
    let call = request_call(context)?;
    let Some(slug) = tenant.map(str::trim).filter(|slug| !slug.is_empty()) else { return Ok(None) };
    if call.token.is_some() {
        return Ok(None);
    }
    let directory = context.data::<std::sync::Arc<dyn TenantDirectory>>().map_err(|_| {
        to_graphql_error(ApiError::new(
            athenaeum_kernel::ErrorCode::Internal,
            "tenant directory missing",
        ))
    })?;
    match directory.tenant_id_for_slug(call, slug).await.map_err(to_graphql_error)? {
        Some(id) => Ok(Some(id)),
        None => {
            Err(to_graphql_error(ApiError::not_found(format!("no library has the slug {slug:?}"))))
        }
    }
}
