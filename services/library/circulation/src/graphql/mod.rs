//! Circulation's part of the public GraphQL schema. Resolvers only translate: every rule
//! lives behind `CirculationApi`, which verifies the caller's token itself. Nothing here
//! is readable without signing in: patrons, loans and holds are never public.

mod mutations;
mod queries;

use std::sync::Arc;

use async_graphql::{Context, Result};
use athenaeum_transport::Call;
use athenaeum_transport::graphql::request_call;

pub use mutations::CirculationMutation;
pub use queries::CirculationQuery;

use crate::api::CirculationApi;

fn parts<'ctx>(context: &Context<'ctx>) -> Result<(&'ctx Arc<dyn CirculationApi>, &'ctx Call)> {
    let api = context.data::<Arc<dyn CirculationApi>>()?;
    Ok((api, request_call(context)?))
}
