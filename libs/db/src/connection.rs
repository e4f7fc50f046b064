//! One runtime connection type over both databases.

use diesel::{PgConnection, SqliteConnection};

/// A connection to either database; diesel queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// A PostgreSQL connection whose `search_path` is the service's own schema.
    Pg(PgConnection),
    /// A SQLite connection to the service's own database file.
    Sqlite(SqliteConnection),
}

impl DbConnection {
    /// Returns which database this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// The two supported databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The embedded default: one file per service in the data directory.
    Sqlite,
    /// The production database: one schema per service.
    Postgres,
}

impl Backend {
    /// Returns the backend's lowercase name, as used in logs and test names.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}
