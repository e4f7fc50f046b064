//! The identity service: tenants, accounts, roles, sign-in and sessions, and the mail
//! those cause (invitations, password resets, email verification).
//!
//! Other crates use it through [`IdentityApi`]: in process as [`IdentityService`], in
//! split mode as [`IdentityClient`]. It owns the `identity` database and no other.

pub mod api;
mod assembly;
mod config;
pub mod domain;
mod error;
pub mod graphql;
pub mod http;
pub mod mail;
mod rate_limit;
pub mod schema;
mod service;
pub mod store;

pub use api::{IdentityApi, IdentityClient, identity_routes};
pub use assembly::{assemble, build, follow_revocations};
pub use config::IdentityConfig;
pub use error::IdentityError;
pub use service::{IdentityService, PLATFORM_TENANT_ID, PLATFORM_TENANT_SLUG};

use athenaeum_db::ServiceMigrations;
use athenaeum_db::diesel_migrations::embed_migrations;

/// Identity's migrations for both backends.
pub static MIGRATIONS: ServiceMigrations = ServiceMigrations {
    service: "identity",
    postgres: embed_migrations!("../../schema/migrations/identity/postgres"),
    sqlite: embed_migrations!("../../schema/migrations/identity/sqlite"),
};
