//! The search service: tantivy indexes of every library's catalogue that follow the
//! library service's change feed, so a change is searchable within a second and
//! availability is live; searches of one library or of every library at once (one
//! result per work); facets, sorting, highlights, spelling suggestions, autocomplete.
//!
//! It owns its index folder and nothing else: it reads the catalogue only through
//! [`athenaeum_catalogue::CatalogueApi`] (the change feed and a scan for rebuilds),
//! signing those requests with a token that names the search service. A process builds
//! it with [`assemble`].

pub mod analysis;
pub mod api;
mod assembly;
mod config;
pub mod document;
mod error;
pub mod graphql;
pub mod index;
pub mod query;
pub mod searcher;
mod service;

pub use api::{SearchApi, SearchClient, search_routes};
pub use assembly::{assemble, build};
pub use config::SearchConfig;
pub use error::SearchError;
pub use service::{OpenError, SearchService};
