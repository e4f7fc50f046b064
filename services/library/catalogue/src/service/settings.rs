//! The tenant's catalogue settings: how embedded holdings become items.

use athenaeum_auth::TenantScope;
use athenaeum_kernel::now;
use athenaeum_transport::Call;

use super::{CatalogueService, Outcome, refusal};
use crate::api::*;
use crate::domain::{check_mapping, default_item_mappings};
use crate::error::CatalogueError;
use crate::store;

impl CatalogueService {
    /// Returns the tenant's item mappings (the defaults until an admin sets them).
    pub async fn item_mappings(&self, scope: &TenantScope) -> Outcome<Vec<ItemMapping>> {
        let scope = scope.clone();
        let row = self
            .library
            .read(move |connection| {
                Ok::<_, CatalogueError>(store::find_settings(connection, &scope)?)
            })
            .await?;
        match row {
            None => Ok(default_item_mappings()),
            Some(row) => serde_json::from_str(&row.item_mappings).map_err(|error| {
                CatalogueError::Internal(format!("stored item mappings do not parse: {error}"))
            }),
        }
    }

    pub(super) async fn get_settings_as(
        &self,
        call: &Call,
        _request: GetSettings,
    ) -> Outcome<CatalogueSettings> {
        let (_, scope) = self.staff(call)?;
        Ok(CatalogueSettings { item_mappings: self.item_mappings(&scope).await? })
    }

    pub(super) async fn set_item_mappings_as(
        &self,
        call: &Call,
        request: SetItemMappings,
    ) -> Outcome<CatalogueSettings> {
        let scope = self.admin(call)?;
        for (index, mapping) in request.item_mappings.iter().enumerate() {
            check_mapping(mapping)
                .map_err(|problem| refusal(format!("itemMappings[{index}]"), problem))?;
        }
        let text = serde_json::to_string(&request.item_mappings)
            .map_err(|error| CatalogueError::Internal(error.to_string()))?;
        let at = now();
        self.library
            .write(move |transaction| {
                Ok::<_, CatalogueError>(store::save_settings(transaction, &scope, &text, at)?)
            })
            .await?;
        Ok(CatalogueSettings { item_mappings: request.item_mappings })
    }
}
