//! Items in GraphQL: finding copies by id or barcode, adding and changing them.

use async_graphql::{Context, ID, Object, Result};
use athenaeum_transport::graphql::{public_tenant, to_graphql_error};

use super::item_node::ItemNode;
use super::{not_found_as_none, parts};
use crate::api::*;

/// Queries about items.
#[derive(Debug, Default)]
pub struct ItemQuery;

#[Object]
impl ItemQuery {
    /// An item by id; null when there is none.
    async fn item(
        &self,
        context: &Context<'_>,
        id: ID,
        tenant: Option<String>,
    ) -> Result<Option<ItemNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let found = not_found_as_none(
            api.get_item(
                call,
                GetItem {
                    public_tenant_id: public_tenant_id.clone(),
                    id: Some(id.0),
                    barcode: None,
                },
            )
            .await,
        )?;
        Ok(found.map(|item| ItemNode { item, public_tenant_id }))
    }

    /// An item by barcode (as scanned at the desk); null when there is none.
    async fn item_by_barcode(
        &self,
        context: &Context<'_>,
        barcode: String,
        tenant: Option<String>,
    ) -> Result<Option<ItemNode>> {
        let (api, call) = parts(context)?;
        let public_tenant_id = public_tenant(context, tenant.as_deref()).await?;
        let found = not_found_as_none(
            api.get_item(
                call,
                GetItem {
                    public_tenant_id: public_tenant_id.clone(),
                    id: None,
                    barcode: Some(barcode),
                },
            )
            .await,
        )?;
        Ok(found.map(|item| ItemNode { item, public_tenant_id }))
    }
}

/// Mutations of items.
#[derive(Debug, Default)]
pub struct ItemMutation;

#[Object]
impl ItemMutation {
    /// Adds an item to a record. Staff.
    async fn create_item(
        &self,
        context: &Context<'_>,
        record_id: ID,
        input: ItemInput,
    ) -> Result<ItemNode> {
        let (api, call) = parts(context)?;
        let item = api
            .create_item(call, CreateItem { record_id: record_id.0, item: input })
            .await
            .map_err(to_graphql_error)?;
        Ok(ItemNode { item, public_tenant_id: None })
    }

    /// Changes an item's fields. `version` is the one the editor loaded. Staff.
    async fn update_item(
        &self,
        context: &Context<'_>,
        id: ID,
        version: i32,
        input: ItemInput,
    ) -> Result<ItemNode> {
        let (api, call) = parts(context)?;
        let item = api
            .update_item(call, UpdateItem { id: id.0, version, item: input })
            .await
            .map_err(to_graphql_error)?;
        Ok(ItemNode { item, public_tenant_id: None })
    }

    /// Marks an item missing, lost, withdrawn, in processing, or available again. Staff.
    async fn set_item_status(
        &self,
        context: &Context<'_>,
        id: ID,
        status: ItemStatus,
        reason: Option<String>,
    ) -> Result<ItemNode> {
        let (api, call) = parts(context)?;
        let item = api
            .set_item_status(call, SetItemStatus { id: id.0, status, reason })
            .await
            .map_err(to_graphql_error)?;
        Ok(ItemNode { item, public_tenant_id: None })
    }

    /// Deletes an item that is not on loan. Staff. Always true.
    async fn delete_item(&self, context: &Context<'_>, id: ID) -> Result<bool> {
        let (api, call) = parts(context)?;
        api.delete_item(call, ById { id: id.0 }).await.map_err(to_graphql_error).map(|_| true)
    }
}
