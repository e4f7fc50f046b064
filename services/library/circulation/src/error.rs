//! The circulation's error type and how it is shown to callers.

use athenaeum_db::DbError;
use athenaeum_kernel::{ApiError, ErrorCode, ServiceError};

/// What can go wrong inside circulation.
#[derive(Debug, thiserror::Error)]
pub enum CirculationError {
    /// A refusal meant for the caller as it is (validation, permission, conflict, …).
    #[error(transparent)]
    Refused(#[from] ApiError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// Anything else on our side (stored terms that no longer parse, a task that
    /// panicked).
    #[error("{0}")]
    Internal(String),
}

impl ServiceError for CirculationError {
    const SERVICE: &'static str = "circulation";

    fn code(&self) -> ErrorCode {
        match self {
            CirculationError::Refused(error) => error.code,
            CirculationError::Database(error) => error.code(),
            CirculationError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn into_refusal(self) -> Result<ApiError, Self> {
        match self {
            CirculationError::Refused(error) => Ok(error),
            fault => Err(fault),
        }
    }
}

impl From<athenaeum_auth::AuthError> for CirculationError {
    fn from(error: athenaeum_auth::AuthError) -> Self {
        CirculationError::Refused(error.into())
    }
}

impl From<athenaeum_catalogue::CatalogueError> for CirculationError {
    fn from(error: athenaeum_catalogue::CatalogueError) -> Self {
        match error {
            athenaeum_catalogue::CatalogueError::Refused(refusal) => {
                CirculationError::Refused(refusal)
            }
            athenaeum_catalogue::CatalogueError::Database(fault) => {
                CirculationError::Database(fault)
            }
            other => CirculationError::Internal(other.to_string()),
        }
    }
}
