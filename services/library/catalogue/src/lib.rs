//! The catalogue, the first wing of the library service: branches and shelving
//! locations, material and loan types, bibliographic and authority records kept
//! losslessly as MARC beside what is extracted from them, items, MARC21 import and
//! export, and the change feed that the search service follows.
//!
//! Other crates use it through [`CatalogueApi`]: in process as [`CatalogueService`], in
//! split mode as [`CatalogueClient`]. Circulation, the other wing, shares the library
//! database and changes items only through [`desk`]'s functions, inside its own
//! transactions. The catalogue writes only the catalogue's tables of that database.

pub mod api;
mod config;
pub mod desk;
pub mod domain;
mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod records;
mod service;
pub mod store;

pub use api::{CatalogueApi, CatalogueClient, catalogue_routes};
pub use config::CatalogueConfig;
pub use error::CatalogueError;
pub use service::CatalogueService;
