//! The search service's part of the public GraphQL schema. Resolvers only translate:
//! `SearchApi` verifies the caller's token and decides the scope itself.
//!
//! Readers who are not signed in name the library with `tenant: "slug"`, or search
//! `EVERYWHERE`; signed-in callers search their own library or everywhere.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result};
use athenaeum_transport::graphql::{cost, public_tenant, request_call, to_graphql_error};

use crate::api::*;

/// Options of a search, all optional.
#[derive(Debug, Clone, Default, InputObject)]
pub struct SearchOptions {
    /// One library (the default) or every library at once, one result per work.
    pub scope: Option<SearchScope>,
    /// Only copies in these branches (codes; one library only).
    pub branches: Option<Vec<String>>,
    /// Facet filters: values of one facet are alternatives, different facets all apply.
    pub filters: Option<Vec<FacetFilter>>,
    /// Published in or after this year.
    pub year_from: Option<i32>,
    /// Published in or before this year.
    pub year_to: Option<i32>,
    /// The order (relevance by default).
    pub sort: Option<SearchSort>,
    /// Whether to count facets (default true).
    pub facets: Option<bool>,
}

/// Returns what a search costs on the query cost scale: running it (more for every
/// library at once) and its page of results.
fn search_cost(options: Option<&SearchOptions>, first: Option<i32>, results: usize) -> usize {
    let everywhere = options.and_then(|options| options.scope) == Some(SearchScope::Everywhere);
    cost::search(everywhere, first, results)
}

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Searches the catalogue of one library or of every library.
    ///
    /// `query` takes words (all must match), "quoted phrases", -excluded words, OR
    /// between alternatives, and title:, author:, subject:, isbn:, series: prefixes;
    /// malformed syntax is read as plain words, never refused.
    #[graphql(complexity = "search_cost(options.as_ref(), first, child_complexity)")]
    async fn search(
        &self,
        context: &Context<'_>,
        query: String,
        options: Option<SearchOptions>,
        #[graphql(desc = "For readers not signed in: the library's slug.")] tenant: Option<String>,
        #[graphql(desc = "How many results (1 to 100, default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<SearchResults> {
        let api = context.data::<Arc<dyn SearchApi>>()?;
        let call = request_call(context)?;
        let options = options.unwrap_or_default();
        let scope = options.scope.unwrap_or_default();
        let public_tenant_id = if scope == SearchScope::Library {
            public_tenant(context, tenant.as_deref()).await?
        } else {
            None
        };
        let request = SearchRequest {
            query,
            scope,
            public_tenant_id,
            branches: options.branches.unwrap_or_default(),
            filters: options.filters.unwrap_or_default(),
            year_from: options.year_from,
            year_to: options.year_to,
            sort: options.sort.unwrap_or_default(),
            first: u32::try_from(first.unwrap_or(20).clamp(1, 100)).unwrap_or(20),
            after,
            facets: options.facets.unwrap_or(true),
        };
        api.search(call, request).await.map_err(to_graphql_error)
    }

    /// Titles and authors that complete what has been typed, for suggestions per
    /// keystroke.
    #[graphql(complexity = "cost::autocomplete(first, child_complexity)")]
    async fn autocomplete(
        &self,
        context: &Context<'_>,
        prefix: String,
        scope: Option<SearchScope>,
        #[graphql(desc = "For readers not signed in: the library's slug.")] tenant: Option<String>,
        #[graphql(desc = "How many suggestions (1 to 20, default 8).")] first: Option<i32>,
    ) -> Result<Vec<Suggestion>> {
        let api = context.data::<Arc<dyn SearchApi>>()?;
        let call = request_call(context)?;
        let scope = scope.unwrap_or_default();
        let public_tenant_id = if scope == SearchScope::Library {
            public_tenant(context, tenant.as_deref()).await?
        } else {
            None
        };
        let request = AutocompleteRequest {
            prefix,
            scope,
            public_tenant_id,
            limit: u32::try_from(first.unwrap_or(8).clamp(1, 20)).unwrap_or(8),
        };
        Ok(api.autocomplete(call, request).await.map_err(to_graphql_error)?.suggestions)
    }

    /// The search index's state. Operators.
    async fn search_index_status(&self, context: &Context<'_>) -> Result<IndexStatus> {
        let api = context.data::<Arc<dyn SearchApi>>()?;
        api.index_status(request_call(context)?, GetIndexStatus {}).await.map_err(to_graphql_error)
    }
}
