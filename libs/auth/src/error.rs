//! Errors of authentication and authorisation.

use athenaeum_kernel::{ApiError, ErrorCode};

/// Why a caller was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The operation needs a signed-in caller and no token came with the request.
    #[error("sign in first: this operation needs an access token")]
    MissingToken,
    /// The token is malformed, tampered with, expired, not yet valid, or meant for
    /// another audience or issuer; the reason says which.
    #[error("the access token is not valid ({0}); sign in again")]
    InvalidToken(String),
    /// The caller is signed in but lacks the role the operation needs.
    #[error("{0}")]
    Forbidden(String),
    /// A key file is missing, unreadable or not an Ed25519 key.
    #[error("signing key problem: {0}")]
    Key(String),
}

impl AuthError {
    /// Returns the shared error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::MissingToken | AuthError::InvalidToken(_) => ErrorCode::Unauthenticated,
            AuthError::Forbidden(_) => ErrorCode::Forbidden,
            AuthError::Key(_) => ErrorCode::Internal,
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::new(error.code(), error.to_string())
    }
}
