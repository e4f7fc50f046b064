//! The library database: the one database both wings of the library service (the
//! catalogue, and circulation beside it) live in, so that a desk action is one
//! transaction. It owns the database's migrations, its diesel schema, the change feed,
//! and the write transaction both wings join.
//!
//! It holds no rules of either wing: the catalogue's tables are written by the
//! catalogue's store, circulation's by circulation's; a wing changes the other's rows
//! only through that wing's in-transaction functions, which take the open
//! [`LibraryTransaction`].

pub mod feed;
pub mod schema;
mod transaction;

pub use transaction::{LibraryDatabase, LibraryTransaction};

use athenaeum_db::ServiceMigrations;
use athenaeum_db::diesel_migrations::embed_migrations;

/// The library database's migrations for both backends.
pub static MIGRATIONS: ServiceMigrations = ServiceMigrations {
    service: "library",
    postgres: embed_migrations!("../../../schema/migrations/library/postgres"),
    sqlite: embed_migrations!("../../../schema/migrations/library/sqlite"),
};
