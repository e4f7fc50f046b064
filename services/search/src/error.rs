//! The search service's error type and how it is shown to callers.

use athenaeum_kernel::ApiError;

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

    /// Turns the error into what the caller sees: refusals as they are, any other fault
    /// as `INTERNAL` with the request id (the cause is logged, not returned).
    pub fn into_api(self, request_id: &str) -> ApiError {
        match self {
            SearchError::Refused(error) => error,
            other => {
                tracing::error!(request_id, error = %other, "search operation failed");
                ApiError::internal(request_id)
            }
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
