//! Identity's rules, with no I/O: what a valid slug, email, name, password and time zone
//! are, how passwords are hashed, how one-time secrets are made and stored, which roles
//! an account may be given, and the states tenants, accounts and links are in. Nothing
//! here reads or writes the database or sends mail.

mod password;
mod roles;
mod secret;
mod states;
mod values;

pub use password::{Argon2Settings, PasswordHasher, PasswordPolicy};
pub use roles::{check_own_roles, grantable_roles, stored_roles};
pub use secret::{Secret, hash_secret};
pub use states::{AccountState, LinkPurpose, TenantState};
pub use values::{DisplayName, EmailAddress, TenantName, TenantSlug, TimeZoneName};
