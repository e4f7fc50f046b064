//! What every service's GraphQL resolvers share: reading the call context the gateway
//! put on the request, turning service errors into GraphQL errors with a stable `code`
//! extension, checking page sizes, and the one scale of query costs ([`cost`]).

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

/// What fields cost, on the one scale the query cost limit (`graphql.complexity`) counts
/// in, so that the limit bounds the work a request makes, not the number of fields it
/// names. A field costs one, plus what its selection costs; these functions go in the
/// `complexity` attributes of the fields that fetch more than that:
///
/// - a page of a connection (or a list with `first`) costs what one element costs, once
///   for each element asked for;
/// - a search costs a fixed amount for running it (more for every library at once,
///   which groups editions into works) plus its page;
/// - a record written out as MARC costs [`MARC_RECORD`](cost::MARC_RECORD).
///
/// Fetching costs far more than naming a field, so that a wide page of plain fields
/// stays cheap while what makes work is counted: with the default limit of 5,000, a
/// request can read four pages of 100 records' usual fields, or one page of 100 records
/// as MARC, or run about twenty searches of one library (a page of 20 each), or three
/// searches of every library.
pub mod cost {
    /// Turning a stored record into MARCXML or ISO 2709 (a few kilobytes each).
    pub const MARC_RECORD: usize = 25;
    /// Running a search of one library, before its page.
    pub const SEARCH: usize = 150;
    /// Running a search of every library (grouping editions into works), before its page.
    pub const SEARCH_EVERYWHERE: usize = 1_000;
    /// Completing a prefix, before its suggestions.
    pub const AUTOCOMPLETE: usize = 50;
    /// The most elements one page may hold.
    const LARGEST_PAGE: i32 = 100;

    /// Returns the elements a `first` argument asks for: `default` when absent, and
    /// values outside 1 to 100 (which the resolver refuses) counted as 100.
    fn elements(first: Option<i32>, default: i32) -> usize {
        let asked = first.unwrap_or(default);
        let counted = if (1..=LARGEST_PAGE).contains(&asked) { asked } else { LARGEST_PAGE };
        usize::try_from(counted).unwrap_or(1)
    }

    /// Returns the cost of a page of `first` elements (`default` when absent), each
    /// costing `element` (the field's `child_complexity`).
    pub fn page(first: Option<i32>, default: i32, element: usize) -> usize {
        elements(first, default).saturating_mul(element).saturating_add(1)
    }

    /// Returns the cost of a search of one library or of `everywhere`, with a page of
    /// `first` results (default 20) whose selection costs `results`.
    pub fn search(everywhere: bool, first: Option<i32>, results: usize) -> usize {
        let run = if everywhere { SEARCH_EVERYWHERE } else { SEARCH };
        page(first, 20, results).saturating_add(run)
    }

    /// Returns the cost of completing a prefix with `first` suggestions (default 8) whose
    /// selection costs `suggestions`.
    pub fn autocomplete(first: Option<i32>, suggestions: usize) -> usize {
        page(first, 8, suggestions).saturating_add(AUTOCOMPLETE)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_page_costs_its_elements_and_a_refused_size_costs_the_most() {
            assert_eq!(page(Some(10), 20, 3), 31);
            assert_eq!(page(None, 20, 3), 61);
            assert_eq!(page(Some(0), 20, 3), 301);
            assert_eq!(page(Some(i32::MAX), 20, 3), 301);
            assert_eq!(page(Some(-5), 20, 3), 301);
        }

        #[test]
        fn a_search_of_every_library_costs_more_to_run_than_one_of_a_library() {
            assert_eq!(search(false, Some(10), 2), 21 + SEARCH);
            assert_eq!(search(true, Some(10), 2), 21 + SEARCH_EVERYWHERE);
        }
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
