//! The catalogue's part of the public GraphQL schema. Resolvers only translate: every
//! rule lives behind `CatalogueApi`, which verifies the caller's token itself.
//!
//! Readers who are not signed in name the library with `tenant: "slug"`; signed-in
//! callers always read their own library.

mod imports;
mod item_node;
mod items;
mod loaders;
mod record_node;
mod records;
mod vocabularies;

use std::sync::Arc;

use async_graphql::{Context, MergedObject, Result};
use athenaeum_kernel::ApiError;
use athenaeum_transport::Call;
use athenaeum_transport::graphql::{request_call, to_graphql_error};

pub use item_node::ItemNode;
pub use loaders::CatalogueLoaders;
pub use record_node::RecordNode;

use crate::api::CatalogueApi;

/// The catalogue's queries, merged from its areas in the order the schema lists them.
#[derive(MergedObject, Default)]
pub struct CatalogueQuery(
    vocabularies::VocabularyQuery,
    records::RecordQuery,
    items::ItemQuery,
    imports::ImportQuery,
);

/// The catalogue's mutations, merged from its areas.
#[derive(MergedObject, Default)]
pub struct CatalogueMutation(
    vocabularies::VocabularyMutation,
    records::RecordMutation,
    items::ItemMutation,
    imports::ImportMutation,
);

/// Bytes per chunk when an uploaded file is handed to the catalogue.
const UPLOAD_CHUNK: usize = 4 << 20;

fn parts<'ctx>(context: &Context<'ctx>) -> Result<(&'ctx Arc<dyn CatalogueApi>, &'ctx Call)> {
    let api = context.data::<Arc<dyn CatalogueApi>>()?;
    Ok((api, request_call(context)?))
}

fn not_found_as_none<T>(outcome: Result<T, ApiError>) -> Result<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.code == athenaeum_kernel::ErrorCode::NotFound => Ok(None),
        Err(error) => Err(to_graphql_error(error)),
    }
}
