//! Identity's error type and how it is shown to callers.

use athenaeum_db::DbError;
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_mail::MailError;

/// What can go wrong inside identity.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A refusal meant for the caller as it is (validation, permission, conflict, …).
    #[error(transparent)]
    Refused(#[from] ApiError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// Queuing mail failed.
    #[error(transparent)]
    Mail(#[from] MailError),
    /// Anything else on our side (hashing, randomness, signing).
    #[error("{0}")]
    Internal(String),
}

impl IdentityError {
    /// Returns the shared error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            IdentityError::Refused(error) => error.code,
            IdentityError::Database(error) => error.code(),
            IdentityError::Mail(error) => error.code(),
            IdentityError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Turns the error into what the caller sees: refusals as they are, a mail address
    /// problem as a validation error, an unreachable database as `UNAVAILABLE`, and any
    /// other fault as `INTERNAL` with the request id (the cause is logged, not returned).
    pub fn into_api(self, request_id: &str) -> ApiError {
        match self {
            IdentityError::Refused(error) => error,
            IdentityError::Mail(MailError::InvalidRecipient { recipient, reason }) => {
                ApiError::validation(
                    "email",
                    format!("{recipient:?} cannot receive mail: {reason}"),
                )
            }
            other if other.code() == ErrorCode::Unavailable => {
                tracing::warn!(request_id, error = %other, "identity database unavailable");
                ApiError::unavailable("the account service is unavailable; try again shortly")
            }
            other => {
                tracing::error!(request_id, error = %other, "identity operation failed");
                ApiError::internal(request_id)
            }
        }
    }
}
