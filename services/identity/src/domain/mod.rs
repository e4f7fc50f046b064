//! Identity's rules, with no I/O: what a valid slug, email, name, password and time zone
//! are, how passwords are hashed, and how one-time secrets are made and stored.

mod password;
mod secret;
mod values;

pub use password::{Argon2Settings, PasswordHasher, PasswordPolicy};
pub use secret::{Secret, hash_secret};
pub use values::{DisplayName, EmailAddress, TenantName, TenantSlug, TimeZoneName};
