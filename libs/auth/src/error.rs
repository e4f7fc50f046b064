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
    /// The token was valid when issued, but its account or session has been signed out
    /// since; the message says which.
    #[error("{0}")]
    Revoked(String),
    /// The caller is signed in but lacks the role the operation needs.
    #[error("{0}")]
    Forbidden(String),
    /// The library (named by its name) is suspended: its people's tokens are refused and
    /// its catalogue is shown to nobody.
    #[error("{0} is not in service at the moment; its accounts and catalogue return when it does")]
    OutOfService(String),
    /// This process has not yet received identity's revocation list, so it cannot tell
    /// whether a token has been signed out.
    #[error(
        "signed-in requests cannot be checked yet: this server is still receiving the list of \
         signed-out sessions; try again in a few seconds"
    )]
    RevocationsUnknown,
    /// A key file is missing, unreadable or not an Ed25519 key.
    #[error("signing key problem: {0}")]
    Key(String),
}

impl AuthError {
    /// Returns the shared error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::MissingToken | AuthError::InvalidToken(_) | AuthError::Revoked(_) => {
                ErrorCode::Unauthenticated
            }
            AuthError::Forbidden(_) | AuthError::OutOfService(_) => ErrorCode::Forbidden,
            AuthError::RevocationsUnknown => ErrorCode::Unavailable,
            AuthError::Key(_) => ErrorCode::Internal,
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::new(error.code(), error.to_string())
    }
}
