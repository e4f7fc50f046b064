//! Identity's rules, with no I/O: what a valid slug, email, name, password, time zone and
//! library profile are, how passwords are hashed, how one-time secrets are made and
//! stored, which roles an account may be given, the states tenants, accounts and links are in, and how long
//! a client that failed to sign in waits. Nothing here reads or writes the database or
//! sends mail.

mod backoff;
mod password;
mod profile;
mod roles;
mod secret;
mod states;
mod values;

pub use backoff::{Backoff, sign_in_wait};
pub use password::{Argon2Settings, PasswordHasher, PasswordPolicy};
pub use profile::{
    LibraryColour, MIN_CONTRAST_WITH_WHITE, PhoneNumber, PostalAddress, WebsiteUrl,
    contrast_with_white,
};
pub use roles::{check_own_roles, grantable_roles, stored_roles};
pub use secret::{Secret, hash_secret};
pub use states::{AccountState, LinkPurpose, TenantState};
pub use values::{DisplayName, EmailAddress, TenantName, TenantSlug, TimeZoneName};
