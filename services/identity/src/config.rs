//! Identity's settings and their defaults. Reading them from files and the environment
//! is the binary's work, not this room's.

use serde::{Deserialize, Serialize};

use crate::domain::{Argon2Settings, PasswordPolicy};

/// How identity behaves: password rules and cost, sign-in limits, link lifetimes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// What a new password must be.
    pub password: PasswordPolicy,
    /// argon2id cost.
    pub argon2: Argon2Settings,
    /// Failed sign-ins allowed per account within `failure_window_seconds`.
    pub sign_in_failures_per_account: u32,
    /// The window for failed sign-ins per account.
    pub failure_window_seconds: u64,
    /// Sign-in and reset attempts allowed per client address within
    /// `address_window_seconds`.
    pub attempts_per_address: u32,
    /// The window for attempts per address.
    pub address_window_seconds: u64,
    /// How long an invitation link works.
    pub invitation_ttl_hours: u64,
    /// How long a password-reset link works.
    pub password_reset_ttl_minutes: u64,
    /// How long an email-verification link works.
    pub email_verification_ttl_hours: u64,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            password: PasswordPolicy::default(),
            argon2: Argon2Settings::default(),
            sign_in_failures_per_account: 5,
            failure_window_seconds: 900,
            attempts_per_address: 30,
            address_window_seconds: 60,
            invitation_ttl_hours: 72,
            password_reset_ttl_minutes: 60,
            email_verification_ttl_hours: 72,
        }
    }
}
