//! Records in GraphQL: reading them (public readers name the library), and creating,
//! replacing and deleting them.

use async_graphql::{Context, ID, Object, Result};
use athenaeum_kernel::ApiError;
use athenaeum_transport::graphql::{Page, cost, page, page_size, public_tenant, to_graphql_error};

use super::record_node::RecordNode;
use super::{not_found_as_none, parts};
use crate::api::*;

/// Queries about records.
#[derive(Debug, Default)]
pub struct RecordQuery;

#[Object]
impl RecordQuery {
    /// A catalogue record by id; null when the library has none with that id.
    async fn record(
        &self,
        context: &Context<'_>,
        id: ID,
        tenant: Option<String>,
    ) -> Result<Option<RecordNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let found = not_found_as_none(
            api.get_record(
                call,
                GetRecord { public_tenant_id: public_tenant_id.clone(), id: id.0 },
            )
            .await,
        )?;
        Ok(found.map(|record| RecordNode { record, public_tenant_id }))
    }

    /// Catalogue records, oldest first.
    #[graphql(complexity = "cost::page(first, 20, child_complexity)")]
    async fn records(
        &self,
        context: &Context<'_>,
        filter: Option<RecordFilter>,
        tenant: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<RecordNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let answer = api
            .list_records(
                call,
                ListRecords {
                    public_tenant_id: public_tenant_id.clone(),
                    filter: filter.unwrap_or_default(),
                    page: PageRequest { after, first: page_size(first)? },
                },
            )
            .await
            .map_err(to_graphql_error)?;
        let nodes = answer
            .records
            .into_iter()
            .map(|record| RecordNode { record, public_tenant_id: public_tenant_id.clone() })
            .collect();
        Ok(page(nodes, answer.has_next_page, |node| node.record.id.clone()))
    }
}

/// Mutations of records.
#[derive(Debug, Default)]
pub struct RecordMutation;

#[Object]
impl RecordMutation {
    /// Creates a record from MARC (`marc` in `syntax`) or from the simple `form`; give
    /// exactly one. Staff.
    async fn create_record(
        &self,
        context: &Context<'_>,
        marc: Option<String>,
        #[graphql(default_with = "MarcSyntax::MarcXml")] syntax: MarcSyntax,
        form: Option<RecordForm>,
    ) -> Result<RecordNode> {
        let (api, call) = parts(context)?;
        let content = content(marc, syntax, form)?;
        let record =
            api.create_record(call, CreateRecord { content }).await.map_err(to_graphql_error)?;
        Ok(RecordNode { record, public_tenant_id: None })
    }

    /// Replaces a record's content with MARC or with the simple form (which keeps the
    /// fields it does not cover). `version` is the one the editor loaded. Staff.
    async fn update_record(
        &self,
        context: &Context<'_>,
        id: ID,
        version: i32,
        marc: Option<String>,
        #[graphql(default_with = "MarcSyntax::MarcXml")] syntax: MarcSyntax,
        form: Option<RecordForm>,
    ) -> Result<RecordNode> {
        let (api, call) = parts(context)?;
        let content = content(marc, syntax, form)?;
        let record = api
            .update_record(call, UpdateRecord { id: id.0, version, content })
            .await
            .map_err(to_graphql_error)?;
        Ok(RecordNode { record, public_tenant_id: None })
    }

    /// Deletes a record that has no items. Staff. Always true.
    async fn delete_record(&self, context: &Context<'_>, id: ID) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.delete_record(call, ById { id: id.0 }).await.map_err(to_graphql_error).map(|_| true)
    }
}

fn content(
    marc: Option<String>,
    syntax: MarcSyntax,
    form: Option<RecordForm>,
) -> Result<RecordContent> {
    match (marc, form) {
        (Some(text), None) => Ok(RecordContent::Marc { syntax, text }),
        (None, Some(form)) => Ok(RecordContent::Form(Box::new(form))),
        _ => Err(to_graphql_error(ApiError::validation(
            "marc",
            "give either `marc` or `form`, not both or neither",
        ))),
    }
}
