//! Errors of the mail crate: bad addresses and configuration, failed templates, and the
//! database below the outbox.
//!
//! A failed delivery is not an error here: it is recorded on the outbox row and retried.

use athenaeum_db::DbError;
use athenaeum_kernel::ErrorCode;

/// The crate's result alias.
pub type Result<T, E = MailError> = std::result::Result<T, E>;

/// What can go wrong when mail is queued or the mail machinery is set up.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient is not a valid email address; nothing was queued.
    #[error("recipient address {recipient:?} is invalid: {reason}")]
    InvalidRecipient {
        /// The address as given.
        recipient: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The mail configuration cannot be used (bad sender address, missing directory,
    /// unknown relay); reported at start-up.
    #[error("mail configuration is invalid: {0}")]
    Config(String),
    /// The outbox table could not be read or written.
    #[error(transparent)]
    Database(#[from] DbError),
}

impl MailError {
    /// Returns the shared error code this error maps to.
    pub fn code(&self) -> ErrorCode {
        match self {
            MailError::InvalidRecipient { .. } => ErrorCode::Validation,
            MailError::Config(_) => ErrorCode::Internal,
            MailError::Database(error) => error.code(),
        }
    }
}

/// Why a template could not be turned into a message.
///
/// The worker records it on the outbox row as a failed attempt, so a broken template
/// ends up parked and visible to operators rather than crashing anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// No template has this name.
    #[error("template {0} does not exist")]
    UnknownTemplate(String),
    /// The template needs a parameter the message does not carry.
    #[error("template {template} needs parameter {parameter}")]
    MissingParameter {
        /// The template's name.
        template: String,
        /// The parameter missing from the message's params.
        parameter: String,
    },
    /// Anything else the renderer could not do.
    #[error("template {template} cannot be rendered: {message}")]
    Failed {
        /// The template's name.
        template: String,
        /// Why, lowercase.
        message: String,
    },
}

/// Returns a lowercase description of what is wrong with an address.
pub(crate) fn describe_address_error(error: &lettre::address::AddressError) -> &'static str {
    use lettre::address::AddressError;
    match error {
        AddressError::MissingParts => "it needs a user and a domain, as in name@example.org",
        AddressError::Unbalanced => "it has unbalanced angle brackets",
        AddressError::InvalidUser => "the part before @ is not valid",
        AddressError::InvalidDomain => "the domain is not valid",
        AddressError::InvalidInput => "it contains characters an address cannot have",
        // AddressError is non-exhaustive.
        _ => "it is not an email address",
    }
}
