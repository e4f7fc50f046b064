//! Errors of the data layer.

use athenaeum_kernel::ErrorCode;

/// The crate's result alias.
pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// What can go wrong below a service's store.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had from the pool within its timeout.
    #[error("database {service} is unreachable: {source}")]
    Pool {
        /// The service whose database it is.
        service: String,
        /// The pool's error.
        source: diesel::r2d2::PoolError,
    },
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// The database URL or file could not be opened.
    #[error("cannot open database {target}: {message}")]
    Open {
        /// The URL (password masked) or file.
        target: String,
        /// Why.
        message: String,
    },
    /// Applying migrations failed.
    #[error("migrating database {service} failed: {message}")]
    Migration {
        /// The service whose database it is.
        service: String,
        /// Why.
        message: String,
    },
    /// The blocking task running the query was cancelled or panicked.
    #[error("database task did not complete: {0}")]
    Task(String),
}

impl DbError {
    /// Returns the shared error code this error maps to.
    pub fn code(&self) -> ErrorCode {
        match self {
            DbError::Pool { .. } | DbError::Open { .. } => ErrorCode::Unavailable,
            DbError::Query(diesel::result::Error::NotFound) => ErrorCode::NotFound,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => ErrorCode::Conflict,
            DbError::Query(_) | DbError::Migration { .. } | DbError::Task(_) => ErrorCode::Internal,
        }
    }

    /// Returns true when the error is a unique-key violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))
        )
    }
}
