//! The catalogue's internal HTTP binding (split mode). The routes are derived from
//! `api.rs` by `service_api!`; this room only names them for the process that serves
//! them.

pub use crate::api::{CatalogueClient, catalogue_routes};
