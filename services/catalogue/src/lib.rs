//! The catalogue, the first half of the library service: branches and shelving
//! locations, material and loan types, bibliographic and authority records kept
//! losslessly as MARC beside what is extracted from them, items, MARC21 import and
//! export, and the change feed that the search service follows.
//!
//! Other crates use it through [`CatalogueApi`]: in process as [`CatalogueService`], in
//! split mode as [`CatalogueClient`]. It owns the catalogue's tables of the `library`
//! database (which circulation will share, so that a checkout is one transaction).

pub mod api;
mod config;
pub mod domain;
mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod records;
pub mod schema;
mod service;
pub mod store;

pub use api::{CatalogueApi, CatalogueClient, catalogue_routes};
pub use config::CatalogueConfig;
pub use error::CatalogueError;
pub use service::CatalogueService;

use athenaeum_db::ServiceMigrations;
use athenaeum_db::diesel_migrations::embed_migrations;

/// The library database's migrations for both backends.
pub static MIGRATIONS: ServiceMigrations = ServiceMigrations {
    service: "library",
    postgres: embed_migrations!("../../schema/migrations/library/postgres"),
    sqlite: embed_migrations!("../../schema/migrations/library/sqlite"),
};
