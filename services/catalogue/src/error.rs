//! The catalogue's error type and how it is shown to callers.

use athenaeum_db::DbError;
use athenaeum_kernel::{ApiError, ErrorCode};

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

impl CatalogueError {
    /// Returns the shared error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            CatalogueError::Refused(error) => error.code,
            CatalogueError::Database(error) => error.code(),
            CatalogueError::File { .. } | CatalogueError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Turns the error into what the caller sees: refusals as they are, an unreachable
    /// database as `UNAVAILABLE`, and any other fault as `INTERNAL` with the request id
    /// (the cause is logged, not returned).
    pub fn into_api(self, request_id: &str) -> ApiError {
        match self {
            CatalogueError::Refused(error) => error,
            other if other.code() == ErrorCode::Unavailable => {
                tracing::warn!(request_id, error = %other, "catalogue database unavailable");
                ApiError::unavailable("the catalogue is unavailable; try again shortly")
            }
            other => {
                tracing::error!(request_id, error = %other, "catalogue operation failed");
                ApiError::internal(request_id)
            }
        }
    }
}

impl From<athenaeum_auth::AuthError> for CatalogueError {
    fn from(error: athenaeum_auth::AuthError) -> Self {
        CatalogueError::Refused(error.into())
    }
}
