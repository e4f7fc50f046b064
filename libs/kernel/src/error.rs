//! The closed set of error codes and the error value services hand to their callers.
//!
//! Policy: inside a crate, errors are a `thiserror` enum with a `code()` into [`ErrorCode`];
//! at a service boundary they become an [`ApiError`]; `anyhow` is used only at the edges
//! (command line, start-up).

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. Clients match on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The input is malformed or breaks a rule; the message names the field.
    Validation,
    /// No credentials, or credentials that are invalid or expired.
    Unauthenticated,
    /// The caller is known but may not do this.
    Forbidden,
    /// The thing asked for does not exist, or the caller may not know that it exists.
    NotFound,
    /// The change clashes with the current state (a duplicate, a stale version).
    Conflict,
    /// Too many attempts; the caller should wait before trying again.
    RateLimited,
    /// The request is too large or too complex to be served.
    TooLarge,
    /// A dependency (database, another service) is unreachable; retrying later may work.
    Unavailable,
    /// A fault on our side; details are logged under the request id, never returned.
    Internal,
}

impl ErrorCode {
    /// Returns the code as it appears in the GraphQL `code` extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::TooLarge => "TOO_LARGE",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// Returns the HTTP status that the internal service routes use for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Validation => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// An error as a caller of a service sees it: a stable code, a message a person can act
/// on, and where it applies the input field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// Lowercase, no trailing period, names the offending value.
    pub message: String,
    /// The input field the error is about, in the API's own spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `RATE_LIMITED`: how long to wait before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    /// Creates an error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), field: None, retry_after_seconds: None }
    }

    /// Creates a `VALIDATION` error about one input field.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { field: Some(field.into()), ..ApiError::new(ErrorCode::Validation, message) }
    }

    /// Creates an `INTERNAL` error whose message points at the request id; the cause must
    /// be logged by the caller, never returned.
    pub fn internal(request_id: &str) -> Self {
        ApiError::new(
            ErrorCode::Internal,
            format!(
                "something went wrong on our side; quote request id {request_id} if you report it"
            ),
        )
    }

    /// Returns the same error with another code (a duplicate reported against a field is
    /// a `CONFLICT` that still names the field).
    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = code;
        self
    }

    /// Creates a `NOT_FOUND` error.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// Creates a `FORBIDDEN` error.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    /// Creates an `UNAUTHENTICATED` error.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unauthenticated, message)
    }

    /// Creates a `CONFLICT` error.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Conflict, message)
    }

    /// Creates an `UNAVAILABLE` error.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unavailable, message)
    }
}

/// What every service's error enum implements: the shared code of each error, which of
/// its errors are refusals meant for the caller as they are, and (provided) the one
/// conversion into what callers see.
///
/// Policy: a refusal (validation, permission, conflict, …) reaches the caller unchanged;
/// an unreachable dependency becomes `UNAVAILABLE` with a message naming the service; any
/// other fault becomes `INTERNAL` with the request id, and its cause is logged under that
/// id, never returned.
pub trait ServiceError: std::error::Error + Sized {
    /// What callers call this service in messages ("the catalogue", "the account service").
    const SERVICE: &'static str;

    /// Returns the shared error code.
    fn code(&self) -> ErrorCode;

    /// Returns the refusal this error carries for the caller as it is, or gives the error
    /// back when it is a fault on our side.
    fn into_refusal(self) -> Result<ApiError, Self>;

    /// Turns the error into what the caller sees, logging faults under `request_id`.
    fn into_api(self, request_id: &str) -> ApiError {
        let fault = match self.into_refusal() {
            Ok(refusal) => return refusal,
            Err(fault) => fault,
        };
        if fault.code() == ErrorCode::Unavailable {
            tracing::warn!(request_id, service = Self::SERVICE, error = %fault, "dependency unavailable");
            return ApiError::unavailable(format!(
                "{} is unavailable; try again shortly",
                Self::SERVICE
            ));
        }
        tracing::error!(request_id, service = Self::SERVICE, error = %fault, "operation failed");
        ApiError::internal(request_id)
    }
}
