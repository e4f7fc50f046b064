//! An item as GraphQL shows it.

use async_graphql::{Context, ID, Object, Result};
use athenaeum_transport::graphql::to_graphql_error;

use super::loaders::loaders;
use super::record_node::RecordNode;
use crate::api::*;
use crate::domain::format_price;

/// An item: a copy of a record's resource.
pub struct ItemNode {
    pub(super) item: Item,
    pub(super) public_tenant_id: Option<String>,
}

#[Object(name = "Item")]
impl ItemNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.item.id.clone())
    }
    /// Barcode.
    async fn barcode(&self) -> &str {
        &self.item.barcode
    }
    /// The record it is a copy of.
    async fn record(&self, context: &Context<'_>) -> Result<Option<RecordNode>> {
        let key = (self.public_tenant_id.clone(), self.item.record_id.clone());
        let found = loaders(context)?.records.load_one(key).await.map_err(to_graphql_error)?;
        Ok(found
            .map(|record| RecordNode { record, public_tenant_id: self.public_tenant_id.clone() }))
    }
    /// The record's id.
    async fn record_id(&self) -> ID {
        ID(self.item.record_id.clone())
    }
    /// The owning branch.
    async fn branch_id(&self) -> ID {
        ID(self.item.branch_id.clone())
    }
    /// Its shelving location.
    async fn location_id(&self) -> Option<ID> {
        self.item.location_id.clone().map(ID)
    }
    /// Call number.
    async fn call_number(&self) -> Option<&str> {
        self.item.call_number.as_deref()
    }
    /// Material type.
    async fn material_type_id(&self) -> Option<ID> {
        self.item.material_type_id.clone().map(ID)
    }
    /// Loan type.
    async fn loan_type_id(&self) -> Option<ID> {
        self.item.loan_type_id.clone().map(ID)
    }
    /// Copy number.
    async fn copy_number(&self) -> Option<&str> {
        self.item.copy_number.as_deref()
    }
    /// Volume or part.
    async fn volume(&self) -> Option<&str> {
        self.item.volume.as_deref()
    }
    /// Replacement price, e.g. "12.99".
    async fn price(&self) -> Option<String> {
        self.item.price_minor.map(format_price)
    }
    /// Where it is in its life.
    async fn status(&self) -> ItemStatus {
        self.item.status
    }
    /// When the status last changed.
    async fn status_changed_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.item.status_changed_at
    }
    /// Why the status last changed (staff only).
    async fn status_reason(&self) -> Option<&str> {
        self.item.status_reason.as_deref()
    }
    /// Note for everyone.
    async fn public_note(&self) -> Option<&str> {
        self.item.public_note.as_deref()
    }
    /// Note for staff (null for everyone else).
    async fn staff_note(&self) -> Option<&str> {
        self.item.staff_note.as_deref()
    }
    /// Increases with every change; pass it back when editing.
    async fn version(&self) -> i32 {
        self.item.version
    }
    /// When it was added.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.item.created_at
    }
}
