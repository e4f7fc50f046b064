//! A service's database: where it is, how connections are made and tuned, and how work
//! is run on it off the async threads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use serde::{Deserialize, Serialize};

use crate::{Backend, DbConnection, DbError, Result, ServiceMigrations};

/// Where the databases are and how connections to them behave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty for the embedded default (one SQLite file per service in the data
    /// directory), or a `postgres://` URL (one schema per service in that database).
    pub url: String,
    /// Most connections each service's pool keeps open.
    pub pool_size: u32,
    /// How long a request waits for a free connection before failing with `UNAVAILABLE`.
    pub acquire_timeout_seconds: u64,
    /// SQLite durability: `full` (a committed transaction survives power loss) or
    /// `normal` (faster; a power cut may lose the last transactions, never corrupts).
    pub sqlite_synchronous: SqliteSynchronous,
    /// How long a SQLite writer waits for another writer before failing.
    pub sqlite_busy_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: String::new(),
            pool_size: 8,
            acquire_timeout_seconds: 10,
            sqlite_synchronous: SqliteSynchronous::Full,
            sqlite_busy_timeout_ms: 5_000,
        }
    }
}

impl DatabaseConfig {
    /// Returns which backend this configuration selects.
    pub fn backend(&self) -> Backend {
        if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Returns the URL with any password replaced by `***`, for logs and `config` output.
    pub fn masked_url(&self) -> String {
        mask_password(&self.url)
    }
}

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// Every commit is on disk before it returns.
    Full,
    /// Commits are durable at WAL checkpoints; safe from corruption, not from loss.
    Normal,
}

impl SqliteSynchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Normal => "NORMAL",
        }
    }
}

/// How many connections a pool holds, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open now.
    pub open: u32,
    /// Of those, how many are idle.
    pub idle: u32,
    /// The most the pool will open.
    pub max: u32,
}

/// One service's database: a pool of tuned connections and the service's migrations.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Database {
    service: &'static str,
    backend: Backend,
    pool: Pool<ConnectionManager>,
    migrations: &'static ServiceMigrations,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Database")
            .field("service", &self.service)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens the service's database: creates its SQLite file (in `data_dir`) or its
    /// PostgreSQL schema if missing, and builds the pool. Does not migrate.
    ///
    /// Blocks while it connects; call it at start-up or off the async threads.
    pub fn open(
        config: &DatabaseConfig,
        data_dir: &Path,
        migrations: &'static ServiceMigrations,
    ) -> Result<Database> {
        let service = migrations.service;
        let target = match config.backend() {
            Backend::Sqlite => {
                std::fs::create_dir_all(data_dir).map_err(|error| DbError::Open {
                    target: data_dir.display().to_string(),
                    message: error.to_string(),
                })?;
                Target::Sqlite {
                    path: data_dir.join(format!("{service}.db")),
                    synchronous: config.sqlite_synchronous,
                    busy_timeout_ms: config.sqlite_busy_timeout_ms,
                }
            }
            Backend::Postgres => {
                let mut connection = PgConnection::establish(&config.url).map_err(|error| {
                    DbError::Open { target: config.masked_url(), message: error.to_string() }
                })?;
                connection
                    .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{service}\""))
                    .map_err(DbError::Query)?;
                Target::Postgres { url: config.url.clone(), schema: service.to_string() }
            }
        };
        let pool = Pool::builder()
            .max_size(config.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(config.acquire_timeout_seconds.max(1)))
            .build(ConnectionManager { target })
            .map_err(|source| DbError::Pool { service: service.to_string(), source })?;
        Ok(Database { service, backend: config.backend(), pool, migrations })
    }

    /// Opens the service's database (see [`Database::open`]) off the async threads and
    /// applies its pending migrations: what a process does at start-up for each database
    /// it owns.
    ///
    /// Fails with `Open` or `Pool` when the database cannot be reached, `Migration` when a
    /// migration fails.
    pub async fn open_and_migrate(
        config: &DatabaseConfig,
        data_dir: &Path,
        migrations: &'static ServiceMigrations,
    ) -> Result<Database> {
        let config = config.clone();
        let data_dir = data_dir.to_path_buf();
        let database =
            tokio::task::spawn_blocking(move || Database::open(&config, &data_dir, migrations))
                .await
                .map_err(|error| DbError::Task(error.to_string()))??;
        let applied = database.migrate().await?;
        if !applied.is_empty() {
            tracing::info!(service = database.service, backend = %database.backend, migrations = ?applied, "database migrated");
        }
        Ok(database)
    }

    /// Returns the service this database belongs to.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Returns the backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations and returns the versions applied.
    ///
    /// On PostgreSQL an advisory lock makes concurrent starts of the same service wait for
    /// each other instead of racing.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        let migrations = self.migrations;
        let service = self.service;
        self.with_connection(move |connection| {
            if let DbConnection::Pg(inner) = connection {
                inner.batch_execute(&format!(
                    "SELECT pg_advisory_lock(hashtext('athenaeum-migrate-{service}'))"
                ))?;
            }
            let applied = migrations.run_pending(connection);
            if let DbConnection::Pg(inner) = connection {
                inner.batch_execute(&format!(
                    "SELECT pg_advisory_unlock(hashtext('athenaeum-migrate-{service}'))"
                ))?;
            }
            applied
        })
        .await
    }

    /// Checks that the database answers and that every migration is applied; returns a
    /// sentence saying what is wrong otherwise.
    pub async fn readiness(&self) -> std::result::Result<(), String> {
        let migrations = self.migrations;
        let outcome = self
            .with_connection(move |connection| {
                connection.batch_execute("SELECT 1")?;
                migrations.pending(connection)
            })
            .await;
        match outcome {
            Ok(pending) if pending.is_empty() => Ok(()),
            Ok(pending) => Err(format!(
                "database {} has {} migrations not applied: {}",
                self.service,
                pending.len(),
                pending.join(", ")
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Returns the pool's current size.
    pub fn pool_status(&self) -> PoolStatus {
        let state = self.pool.state();
        PoolStatus {
            open: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Runs `work` with a connection, outside any transaction, on a blocking thread.
    ///
    /// Use it for reads that need no consistent snapshot across statements. Fails with
    /// `Pool` when no connection frees up within the acquire timeout.
    pub async fn read<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.with_connection(work).await
    }

    /// Runs `work` in one write transaction on a blocking thread: committed if it returns
    /// `Ok`, rolled back if it returns `Err` or panics.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock up
    /// front so two writers never deadlock upgrading read locks; it waits up to the busy
    /// timeout for another writer. On PostgreSQL it runs at READ COMMITTED: make a
    /// read-then-write safe with a conditional update (`UPDATE … WHERE status = 'available'`
    /// and check the row count) or a `SELECT … FOR UPDATE`. `work` must not open
    /// transactions of its own.
    pub async fn write<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.with_connection(move |connection| write_transaction(connection, work)).await
    }

    async fn with_connection<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let service = self.service;
        let task = tokio::task::spawn_blocking(move || {
            let mut connection = pool
                .get()
                .map_err(|source| DbError::Pool { service: service.to_string(), source })?;
            work(&mut connection)
        });
        match task.await {
            Ok(outcome) => outcome,
            Err(join_error) => Err(E::from(DbError::Task(join_error.to_string()))),
        }
    }
}

fn write_transaction<T, E, F>(connection: &mut DbConnection, work: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<DbError>,
{
    let begun = match connection {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        DbConnection::Pg(inner) => AnsiTransactionManager::begin_transaction(inner),
    };
    begun.map_err(DbError::Query)?;
    match work(connection) {
        Ok(value) => {
            let committed = match connection {
                DbConnection::Sqlite(inner) => AnsiTransactionManager::commit_transaction(inner),
                DbConnection::Pg(inner) => AnsiTransactionManager::commit_transaction(inner),
            };
            if let Err(error) = committed {
                rollback(connection);
                return Err(E::from(DbError::Query(error)));
            }
            Ok(value)
        }
        Err(error) => {
            rollback(connection);
            Err(error)
        }
    }
}

fn rollback(connection: &mut DbConnection) {
    let rolled_back = match connection {
        DbConnection::Sqlite(inner) => AnsiTransactionManager::rollback_transaction(inner),
        DbConnection::Pg(inner) => AnsiTransactionManager::rollback_transaction(inner),
    };
    if let Err(error) = rolled_back {
        // The pool discards a connection still inside a transaction, so nothing leaks.
        tracing::warn!(%error, "rollback failed");
    }
}

/// Where connections go and how each is tuned when it is made.
#[derive(Debug)]
enum Target {
    Sqlite { path: PathBuf, synchronous: SqliteSynchronous, busy_timeout_ms: u64 },
    Postgres { url: String, schema: String },
}

#[derive(Debug)]
struct ConnectionManager {
    target: Target,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection> {
        match &self.target {
            Target::Sqlite { path, synchronous, busy_timeout_ms } => {
                let path_text = path.display().to_string();
                let mut connection = SqliteConnection::establish(&path_text).map_err(|error| {
                    DbError::Open { target: path_text.clone(), message: error.to_string() }
                })?;
                // busy_timeout first, so the switch to WAL waits for other connections.
                connection.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy_timeout_ms};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = {};
                     PRAGMA foreign_keys = ON;",
                    synchronous.pragma_value()
                ))?;
                Ok(DbConnection::Sqlite(connection))
            }
            Target::Postgres { url, schema } => {
                let mut connection = PgConnection::establish(url).map_err(|error| {
                    DbError::Open { target: mask_password(url), message: error.to_string() }
                })?;
                connection.batch_execute(&format!(
                    "SET search_path TO \"{schema}\"; SET TIME ZONE 'UTC'"
                ))?;
                Ok(DbConnection::Pg(connection))
            }
        }
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<()> {
        connection.ping().map_err(DbError::Query)
    }

    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        connection.is_broken()
    }
}

fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_url_hides_the_password_and_keeps_the_rest() {
        let config = DatabaseConfig {
            url: "postgres://athenaeum:s3cret@db.example:5432/athenaeum".into(),
            ..DatabaseConfig::default()
        };
        assert_eq!(config.masked_url(), "postgres://athenaeum:***@db.example:5432/athenaeum");
        assert_eq!(config.backend(), Backend::Postgres);
        assert_eq!(DatabaseConfig::default().backend(), Backend::Sqlite);
    }
}
