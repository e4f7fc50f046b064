//! Who is calling, and within which tenant: signing and verifying access tokens, the
//! verified [`Caller`], and the [`TenantScope`] that every query on tenant-owned tables
//! takes.
//!
//! Scopes are made only here. A [`TenantScope`], which writing queries take, comes from
//! a verified [`Caller`] (an operator's may name another tenant), from the token issuer
//! for the credentials an unauthenticated request presents (identity's sign-in and
//! one-time links), or from the verifier for stored work a service resumes. A
//! [`PublicScope`], which only reading queries take, is what an anonymous [`Reader`]
//! gets for the tenant it named. So a store query without a tenant does not compile,
//! and an anonymous reader cannot reach a query that writes. The command line acts
//! through a short-lived operator token it signs with the key it can read.
//!
//! A verifier can consult a [`RevocationList`]: identity's facts about accounts and
//! sessions signed out and libraries suspended, which end tokens before they expire.
//! This crate does no I/O beyond reading and writing key files.

mod caller;
mod config;
mod error;
mod keys;
mod revocation;
mod token;

pub use caller::{Caller, PublicScope, ReadScope, Reader, ReaderScope, Role, TenantScope};
pub use config::AuthConfig;
pub use error::AuthError;
pub use keys::{SigningKey, VerificationKey};
pub use revocation::{RevocationList, Revocations, RevokedAccount, SuspendedTenant};
pub use token::{AccessClaims, IssuedToken, TokenIssuer, TokenSession, TokenVerifier};
