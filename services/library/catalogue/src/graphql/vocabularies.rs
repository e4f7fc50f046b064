//! Branches, shelving locations and the lists of material and loan types in GraphQL.

use async_graphql::{Context, Object, Result};
use athenaeum_transport::graphql::{Page, cost, page, page_size, public_tenant, to_graphql_error};

use super::parts;
use crate::api::*;

/// Queries about the library's branches and lists.
#[derive(Debug, Default)]
pub struct VocabularyQuery;

#[Object]
impl VocabularyQuery {
    /// The library's branches with their shelving locations, by code. `tenant` (a slug)
    /// names the library for readers who are not signed in.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn branches(
        &self,
        context: &Context<'_>,
        tenant: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Branch>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let answer = api
            .list_branches(
                call,
                ListBranches {
                    public_tenant_id,
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.branches, answer.has_next_page, |branch| branch.code.clone()))
    }

    /// The terms of a list (material types or loan types), by code.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn terms(
        &self,
        context: &Context<'_>,
        vocabulary: Vocabulary,
        tenant: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Term>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let answer = api
            .list_terms(
                call,
                ListTerms {
                    public_tenant_id,
                    vocabulary,
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        Ok(page(answer.terms, answer.has_next_page, |term| term.code.clone()))
    }
}

/// Mutations of the library's branches and lists.
#[derive(Debug, Default)]
pub struct VocabularyMutation;

#[Object]
impl VocabularyMutation {
    /// Creates a branch, or renames one when `input.id` is given. Admins.
    async fn save_branch(&self, context: &Context<'_>, input: SaveBranch) -> Result<Branch> {
        let (api, call) = parts(context)?;
        api.save_branch(call, input).await.map_err(to_graphql_error)
    }

    /// Creates a shelving location, or renames one. Admins.
    async fn save_shelving_location(
        &self,
        context: &Context<'_>,
        input: SaveLocation,
    ) -> Result<ShelvingLocation> {
        let (api, call) = parts(context)?;
        api.save_location(call, input).await.map_err(to_graphql_error)
    }

    /// Creates a material type or loan type, or renames one. Admins.
    async fn save_term(&self, context: &Context<'_>, input: SaveTerm) -> Result<Term> {
        let (api, call) = parts(context)?;
        api.save_term(call, input).await.map_err(to_graphql_error)
    }
}
