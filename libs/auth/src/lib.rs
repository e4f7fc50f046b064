//! Who is calling, and within which tenant: signing and verifying access tokens, the
//! verified [`Caller`], and the [`TenantScope`] that every query on tenant-owned tables
//! takes.
//!
//! A `TenantScope` can only be made here, from a verified token (an operator's may name
//! another tenant), for an anonymous request that names its own tenant, or for stored
//! work a service resumes ([`ResumedWork`]), so a store query without a tenant does not
//! compile. The command line acts through a short-lived
//! operator token it signs with the key it can read. This crate does
//! no I/O beyond reading and writing key files.

mod caller;
mod config;
mod error;
mod keys;
mod token;

pub use caller::{Anonymous, Caller, ResumedWork, Role, TenantScope};
pub use config::AuthConfig;
pub use error::AuthError;
pub use keys::{SigningKey, VerificationKey};
pub use token::{AccessClaims, IssuedToken, TokenIssuer, TokenVerifier};
