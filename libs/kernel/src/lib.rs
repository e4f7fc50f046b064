//! The small vocabulary every Athenaeum crate shares: the closed set of error codes, the
//! error value that crosses service boundaries, identifiers and clock helpers.
//!
//! This crate holds no I/O and no business rules; anything that needs a database, a
//! network or a tenant belongs elsewhere.

mod error;
mod id;
mod time;

pub use error::{ApiError, ErrorCode, ServiceError};
pub use id::new_id;
pub use time::{Timestamp, now};
