//! The data layer every service shares: one connection type over SQLite and PostgreSQL,
//! a pool per service database, write transactions that take the write lock up front,
//! and the embedded migrations of each service.
//!
//! This crate knows nothing about any service's tables; services own their schemas.

mod connection;
mod database;
mod error;
mod migrations;
mod stored;

pub use connection::{Backend, DbConnection};
pub use database::{Database, DatabaseConfig, PoolStatus, SqliteSynchronous};
pub use error::{DbError, Result};
pub use migrations::ServiceMigrations;
pub use stored::UnknownStoredValue;

/// Re-exported so services name one diesel.
pub use diesel;
pub use diesel_migrations;
