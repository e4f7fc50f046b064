//! Identity's settings and their defaults. Reading them from files and the environment
//! is the binary's work, not this room's.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::{Argon2Settings, Backoff, PasswordPolicy};

/// How identity behaves: password rules and cost, sign-in and password limits, link
/// lifetimes.
///
/// Failed sign-ins slow down the client that made them, never the account's holder
/// elsewhere: a right password from a client (an address) that has not failed is always
/// accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// What a new password must be.
    pub password: PasswordPolicy,
    /// argon2id cost.
    pub argon2: Argon2Settings,
    /// Failed sign-ins a client may make on one account before it must wait; each
    /// further failure doubles the wait.
    pub sign_in_failures_per_client: u32,
    /// Failed sign-ins on one account from every client together (many addresses
    /// guessing at one account) before each client that has failed on it must wait too.
    pub sign_in_failures_per_account: u32,
    /// The first wait, in seconds, doubled by each further failure.
    pub sign_in_first_wait_seconds: u64,
    /// The longest wait, in seconds.
    pub sign_in_longest_wait_seconds: u64,
    /// How long failed sign-ins and password changes are remembered after the last one.
    pub failure_window_seconds: u64,
    /// Failed sign-ins on one account, from every client together, at which its holder
    /// is emailed a warning (once per `failure_window_seconds`); 0 never warns.
    pub sign_in_warning_failures: u32,
    /// Failed sign-ins allowed per client address, whatever the account, within
    /// `address_window_seconds` (one address trying many accounts); successful ones do
    /// not count.
    pub attempts_per_address: u32,
    /// The window for failed sign-ins per address.
    pub address_window_seconds: u64,
    /// Wrong current passwords given to `changePassword` before the account must wait,
    /// with the sign-in waits.
    pub password_change_failures: u32,
    /// Password-reset mails sent per account within `password_reset_window_seconds`.
    pub password_resets_per_account: u32,
    /// Password-reset requests allowed per client address within
    /// `password_reset_window_seconds`.
    pub password_resets_per_address: u32,
    /// The window for password-reset limits.
    pub password_reset_window_seconds: u64,
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
            sign_in_failures_per_client: 5,
            sign_in_failures_per_account: 20,
            sign_in_first_wait_seconds: 1,
            sign_in_longest_wait_seconds: 900,
            failure_window_seconds: 3_600,
            sign_in_warning_failures: 10,
            attempts_per_address: 30,
            address_window_seconds: 60,
            password_change_failures: 5,
            password_resets_per_account: 3,
            password_resets_per_address: 10,
            password_reset_window_seconds: 3_600,
            invitation_ttl_hours: 72,
            password_reset_ttl_minutes: 60,
            email_verification_ttl_hours: 72,
        }
    }
}

impl IdentityConfig {
    /// Returns the waits of a client failing to sign in to one account, or to change its
    /// password, after `free_failures`.
    pub fn backoff(&self, free_failures: u32) -> Backoff {
        Backoff {
            free_failures,
            first_wait: Duration::from_secs(self.sign_in_first_wait_seconds.max(1)),
            longest_wait: Duration::from_secs(
                self.sign_in_longest_wait_seconds.max(self.sign_in_first_wait_seconds).max(1),
            ),
        }
    }
}
