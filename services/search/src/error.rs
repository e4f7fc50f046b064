//! The search service's error type and how it is shown to callers.

use athenaeum_kernel::{ApiError, ErrorCode, ServiceError};

/// What can go wrong inside the search service.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A refusal meant for the caller as it is.
    #[error(transparent)]
    Refused(#[from] ApiError),
    /// The index failed.
    #[error("search index: {0}")]
    Index(String),
    /// Another process holds the index's writer.
    #[error("another process is using the search index in {0}")]
    Busy(String),
    /// A file or folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl SearchError {
    /// An I/O failure on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> SearchError {
        SearchError::Io { path: path.display().to_string(), source }
    }
}

impl ServiceError for SearchError {
    const SERVICE: &'static str = "search";

    fn code(&self) -> ErrorCode {
        match self {
            SearchError::Refused(error) => error.code,
            SearchError::Index(_) | SearchError::Busy(_) | SearchError::Io { .. } => {
                ErrorCode::Internal
            }
        }
    }

    fn into_refusal(self) -> Result<ApiError, Self> {
        match self {
            SearchError::Refused(error) => Ok(error),
            fault => Err(fault),
        }
    }
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        SearchError::Index(error.to_string())
    }
}

impl From<std::io::Error> for SearchError {
    fn from(error: std::io::Error) -> Self {
        SearchError::Index(error.to_string())
    }
}

impl From<athenaeum_auth::AuthError> for SearchError {
    fn from(error: athenaeum_auth::AuthError) -> Self {
        SearchError::Refused(error.into())
    }
}
