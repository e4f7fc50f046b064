//! Each service's migrations, embedded in the binary, one set per backend with identical
//! version names.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::{DbConnection, DbError, Result};

/// The migrations of one service for both backends.
pub struct ServiceMigrations {
    /// The service name: its SQLite file name and its PostgreSQL schema.
    pub service: &'static str,
    /// Migrations from `schema/migrations/<service>/postgres`.
    pub postgres: EmbeddedMigrations,
    /// Migrations from `schema/migrations/<service>/sqlite`.
    pub sqlite: EmbeddedMigrations,
}

impl ServiceMigrations {
    /// Applies every pending migration, each in its own transaction.
    ///
    /// Returns the versions applied. Fails with `Migration` if one does not apply; the
    /// ones before it stay applied.
    pub fn run_pending(&self, connection: &mut DbConnection) -> Result<Vec<String>> {
        let outcome = match connection {
            DbConnection::Pg(inner) => inner
                .run_pending_migrations(Borrowed(&self.postgres))
                .map(|versions| versions.iter().map(ToString::to_string).collect()),
            DbConnection::Sqlite(inner) => inner
                .run_pending_migrations(Borrowed(&self.sqlite))
                .map(|versions| versions.iter().map(ToString::to_string).collect()),
        };
        outcome.map_err(|error| self.error(error))
    }

    /// Returns the versions not yet applied to this database.
    pub fn pending(&self, connection: &mut DbConnection) -> Result<Vec<String>> {
        let outcome = match connection {
            DbConnection::Pg(inner) => {
                inner.pending_migrations(Borrowed(&self.postgres)).map(|pending| {
                    pending.iter().map(|migration| migration.name().version().to_string()).collect()
                })
            }
            DbConnection::Sqlite(inner) => {
                inner.pending_migrations(Borrowed(&self.sqlite)).map(|pending| {
                    pending.iter().map(|migration| migration.name().version().to_string()).collect()
                })
            }
        };
        outcome.map_err(|error| self.error(error))
    }

    /// Returns the migration names (version and description) of one backend, in order.
    pub fn names(&self, backend: crate::Backend) -> Result<Vec<String>> {
        let names: std::result::Result<Vec<String>, _> = match backend {
            crate::Backend::Postgres => MigrationSource::<Pg>::migrations(&self.postgres)
                .map(|list| list.iter().map(|migration| migration.name().to_string()).collect()),
            crate::Backend::Sqlite => MigrationSource::<Sqlite>::migrations(&self.sqlite)
                .map(|list| list.iter().map(|migration| migration.name().to_string()).collect()),
        };
        names.map_err(|error| self.error(error))
    }

    fn error(&self, error: impl std::fmt::Display) -> DbError {
        DbError::Migration { service: self.service.to_string(), message: error.to_string() }
    }
}

/// Lets the harness read a static set of embedded migrations without owning it.
struct Borrowed<'a>(&'a EmbeddedMigrations);

impl<DB: diesel::backend::Backend> MigrationSource<DB> for Borrowed<'_>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>> {
        MigrationSource::<DB>::migrations(self.0)
    }
}
