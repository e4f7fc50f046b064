//! The library database's handle and the write transaction both wings join.

use std::ops::{Deref, DerefMut};

use athenaeum_auth::TenantScope;
use athenaeum_db::{Backend, Database, DbConnection, DbError};
use diesel::RunQueryDsl;

use crate::feed::{Change, NewChangeEvent};
use crate::schema::change_events;

/// A key no other lock of the library database uses: the transaction-level advisory
/// lock that orders feed positions on PostgreSQL.
const FEED_LOCK: i64 = 7_262_001;

/// Rows per multi-row insert of change events on PostgreSQL: 7 bound parameters each
/// stays far under its 65,535.
const FEED_CHUNK: usize = 1_000;

/// The library database. Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct LibraryDatabase {
    database: Database,
}

impl From<Database> for LibraryDatabase {
    fn from(database: Database) -> LibraryDatabase {
        LibraryDatabase::new(database)
    }
}

impl LibraryDatabase {
    /// Wraps the opened (and migrated) library database.
    pub fn new(database: Database) -> LibraryDatabase {
        LibraryDatabase { database }
    }

    /// Returns the underlying database, for readiness checks, metrics and reads.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Returns the backend in use.
    pub fn backend(&self) -> Backend {
        self.database.backend()
    }

    /// Runs `work` with a connection outside any transaction, on a blocking thread.
    /// See [`Database::read`].
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.database.read(work).await
    }

    /// Runs `work` in one write transaction of the library database, on a blocking
    /// thread: the changes it records are appended to the change feed last, and the
    /// whole is committed if `work` returns `Ok`, rolled back if it returns `Err` or
    /// panics. Both wings' in-transaction functions take the [`LibraryTransaction`], so
    /// a checkout's loan, item status, hold queue and feed events commit or roll back
    /// together.
    ///
    /// Costs what [`Database::write`] costs, plus one insert per recorded change and, on
    /// PostgreSQL, a transaction-level advisory lock taken just before commit (so feed
    /// positions are handed out in commit order while transactions that record no
    /// change never wait for it).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut LibraryTransaction<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.database
            .write(move |connection| {
                let mut transaction = LibraryTransaction { connection, changes: Vec::new() };
                let value = work(&mut transaction)?;
                transaction.append_changes().map_err(E::from)?;
                Ok(value)
            })
            .await
    }
}

/// An open write transaction of the library database. It derefs to the connection, so
/// store functions take it as `&mut DbConnection`; changes to the feed are recorded
/// with [`LibraryTransaction::record_change`] and written when the work is done.
pub struct LibraryTransaction<'c> {
    connection: &'c mut DbConnection,
    changes: Vec<(String, Change)>,
}

impl std::fmt::Debug for LibraryTransaction<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LibraryTransaction")
            .field("recorded_changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl LibraryTransaction<'_> {
    /// Records a change of the scope's tenant, appended to the feed before commit.
    pub fn record_change(&mut self, scope: &TenantScope, change: Change) {
        self.changes.push((scope.tenant_id().to_string(), change));
    }

    /// Returns how many changes this transaction has recorded so far.
    pub fn recorded_changes(&self) -> usize {
        self.changes.len()
    }

    fn append_changes(&mut self) -> Result<(), DbError> {
        if self.changes.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewChangeEvent<'_>> = self
            .changes
            .iter()
            .map(|(tenant_id, change)| NewChangeEvent {
                tenant_id,
                entity: change.entity,
                entity_id: &change.entity_id,
                record_id: &change.record_id,
                change: change.change,
                occurred_at: change.occurred_at,
            })
            .collect();
        match &mut *self.connection {
            DbConnection::Pg(inner) => {
                diesel::sql_query(format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"))
                    .execute(inner)?;
                for chunk in rows.chunks(FEED_CHUNK) {
                    diesel::insert_into(change_events::table)
                        .values(chunk.to_vec())
                        .execute(inner)?;
                }
            }
            DbConnection::Sqlite(inner) => {
                // SQLite has one writer at a time, so positions are in commit order.
                for row in &rows {
                    diesel::insert_into(change_events::table).values(row.clone()).execute(inner)?;
                }
            }
        }
        Ok(())
    }
}

impl Deref for LibraryTransaction<'_> {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        self.connection
    }
}

impl DerefMut for LibraryTransaction<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.connection
    }
}
