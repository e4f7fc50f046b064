//! Identity's error type and how it is shown to callers. A fault on our side reaches a
//! caller only as its code and the request id, never with its cause.

use athenaeum_db::DbError;
use athenaeum_kernel::{ApiError, ErrorCode, ServiceError};
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

impl ServiceError for IdentityError {
    const SERVICE: &'static str = "the account service";

    fn code(&self) -> ErrorCode {
        match self {
            IdentityError::Refused(error) => error.code,
            IdentityError::Database(error) => error.code(),
            IdentityError::Mail(error) => error.code(),
            IdentityError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Refusals as they are, and a mail address that cannot receive mail as a
    /// validation error about the email.
    fn into_refusal(self) -> Result<ApiError, Self> {
        match self {
            IdentityError::Refused(error) => Ok(error),
            IdentityError::Mail(MailError::InvalidRecipient { recipient, reason }) => {
                Ok(ApiError::validation(
                    "email",
                    format!("{recipient:?} cannot receive mail: {reason}"),
                ))
            }
            fault => Err(fault),
        }
    }
}

impl From<athenaeum_auth::AuthError> for IdentityError {
    fn from(error: athenaeum_auth::AuthError) -> Self {
        IdentityError::Refused(error.into())
    }
}
