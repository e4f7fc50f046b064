//! The catalogue's error type and how it is shown to callers.

use athenaeum_db::DbError;
use athenaeum_kernel::{ApiError, ErrorCode, ServiceError};

/// What can go wrong inside the catalogue.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// A refusal meant for the caller as it is (validation, permission, conflict, …).
    #[error(transparent)]
    Refused(#[from] ApiError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// Reading or writing a spooled import file failed.
    #[error("import file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Anything else on our side (a stored record that no longer parses, a task that
    /// panicked).
    #[error("{0}")]
    Internal(String),
}

impl ServiceError for CatalogueError {
    const SERVICE: &'static str = "the catalogue";

    fn code(&self) -> ErrorCode {
        match self {
            CatalogueError::Refused(error) => error.code,
            CatalogueError::Database(error) => error.code(),
            CatalogueError::File { .. } | CatalogueError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn into_refusal(self) -> Result<ApiError, Self> {
        match self {
            CatalogueError::Refused(error) => Ok(error),
            fault => Err(fault),
        }
    }
}

impl From<athenaeum_auth::AuthError> for CatalogueError {
    fn from(error: athenaeum_auth::AuthError) -> Self {
        CatalogueError::Refused(error.into())
    }
}
