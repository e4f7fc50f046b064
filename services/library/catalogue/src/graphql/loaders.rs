//! Look-ups one request makes many of, batched per request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Result};
use athenaeum_kernel::ApiError;
use athenaeum_transport::Call;
use athenaeum_transport::graphql::to_graphql_error;

use crate::api::*;

/// Look-ups one request makes many of, batched: a page of records asks for their
/// availability in one call, items for their records in one call, and the branch names
/// once. Made per request by the gateway (they carry the caller's call), so nothing is
/// cached across requests or tenants.
pub struct CatalogueLoaders {
    pub(super) availability: DataLoader<AvailabilityLoader>,
    pub(super) records: DataLoader<RecordLoader>,
    pub(super) branches: DataLoader<BranchLoader>,
}

impl CatalogueLoaders {
    /// Creates the loaders of one request.
    pub fn new(api: Arc<dyn CatalogueApi>, call: Call) -> CatalogueLoaders {
        CatalogueLoaders {
            availability: DataLoader::new(
                AvailabilityLoader { api: Arc::clone(&api), call: call.clone() },
                tokio::spawn,
            ),
            records: DataLoader::new(
                RecordLoader { api: Arc::clone(&api), call: call.clone() },
                tokio::spawn,
            ),
            branches: DataLoader::new(BranchLoader { api, call }, tokio::spawn),
        }
    }
}

/// Returns the request's loaders.
pub(super) fn loaders<'ctx>(context: &Context<'ctx>) -> Result<&'ctx CatalogueLoaders> {
    context.data::<CatalogueLoaders>().map_err(|_| {
        to_graphql_error(ApiError::new(
            athenaeum_kernel::ErrorCode::Internal,
            "catalogue loaders missing from the request",
        ))
    })
}

/// A look-up key: the tenant an anonymous reader named (none for a signed-in caller), and
/// an id.
pub(super) type Scoped = (Option<String>, String);

/// Groups keys by the tenant they are read in.
fn by_tenant(keys: &[Scoped]) -> BTreeMap<Option<String>, Vec<String>> {
    let mut grouped: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (tenant, id) in keys {
        grouped.entry(tenant.clone()).or_default().push(id.clone());
    }
    grouped
}

pub(super) struct AvailabilityLoader {
    api: Arc<dyn CatalogueApi>,
    call: Call,
}

impl Loader<Scoped> for AvailabilityLoader {
    type Value = Vec<BranchAvailability>;
    type Error = ApiError;

    async fn load(&self, keys: &[Scoped]) -> Result<HashMap<Scoped, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for (tenant, ids) in by_tenant(keys) {
            for chunk in ids.chunks(500) {
                let request = GetAvailability {
                    public_tenant_id: tenant.clone(),
                    record_ids: chunk.to_vec(),
                };
                for record in self.api.get_availability(&self.call, request).await?.records {
                    found.insert((tenant.clone(), record.record_id), record.branches);
                }
            }
        }
        Ok(found)
    }
}

pub(super) struct RecordLoader {
    api: Arc<dyn CatalogueApi>,
    call: Call,
}

impl Loader<Scoped> for RecordLoader {
    type Value = CatalogueRecord;
    type Error = ApiError;

    async fn load(&self, keys: &[Scoped]) -> Result<HashMap<Scoped, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for (tenant, ids) in by_tenant(keys) {
            for chunk in ids.chunks(500) {
                let request = GetRecords { public_tenant_id: tenant.clone(), ids: chunk.to_vec() };
                for record in self.api.get_records(&self.call, request).await?.records {
                    found.insert((tenant.clone(), record.id.clone()), record);
                }
            }
        }
        Ok(found)
    }
}

pub(super) struct BranchLoader {
    api: Arc<dyn CatalogueApi>,
    call: Call,
}

impl Loader<Option<String>> for BranchLoader {
    type Value = Vec<Branch>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[Option<String>],
    ) -> Result<HashMap<Option<String>, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for tenant in keys {
            let mut branches = Vec::new();
            let mut after = None;
            loop {
                let request = ListBranches {
                    public_tenant_id: tenant.clone(),
                    page: PageRequest { after, first: 100 },
                };
                let page = self.api.list_branches(&self.call, request).await?;
                after = page.branches.last().map(|branch| branch.code.clone());
                branches.extend(page.branches);
                if !page.has_next_page {
                    break;
                }
            }
            found.insert(tenant.clone(), branches);
        }
        Ok(found)
    }
}
