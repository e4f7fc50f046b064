//! Limits that slow down guessing and mail flooding without turning on an account's
//! holder: failed sign-ins per client and account (waits that double), per address (one
//! address trying many accounts), wrong current passwords given to `changePassword`, and
//! password-reset mail per account and per address; and the warning mailed to a holder
//! whose account is being guessed at. A client here is the caller's address. The waits
//! are decided in `domain::backoff` and counted in `rate_limit`; this room asks them at
//! the right moments.

use std::time::{Duration, Instant};

use athenaeum_auth::TenantScope;
use athenaeum_db::DbConnection;
use athenaeum_kernel::ApiError;
use athenaeum_transport::Call;
use serde_json::json;

use super::{
    IdentityService, Outcome, Rules, in_seconds, rate_limited, rate_limited_with, wait_seconds,
};
use crate::IdentityConfig;
use crate::domain::{Backoff, sign_in_wait};
use crate::mail;
use crate::rate_limit::{FailureLog, RateLimiter};
use crate::store::{AccountRow, TenantRow};

/// The counters behind every limit, in this process's memory.
#[derive(Debug)]
pub(super) struct AttemptLimits {
    per_client: Backoff,
    per_account: Backoff,
    password_change: Backoff,
    warning_failures: u32,
    /// Failed sign-ins per account and client.
    client_failures: FailureLog,
    /// Failed sign-ins per account, from every client.
    account_failures: FailureLog,
    /// Failed sign-ins per address, whatever the account.
    address_failures: RateLimiter,
    /// Wrong current passwords per account.
    password_changes: FailureLog,
    resets_per_account: RateLimiter,
    resets_per_address: RateLimiter,
}

/// A failed sign-in as counted: whether the account's holder should be warned now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CountedFailure {
    /// The account's failures from every client, when they just reached the warning
    /// threshold.
    pub(super) warn_after: Option<u32>,
}

impl AttemptLimits {
    pub(super) fn new(config: &IdentityConfig) -> AttemptLimits {
        let memory = Duration::from_secs(config.failure_window_seconds.max(1));
        let reset_window = Duration::from_secs(config.password_reset_window_seconds.max(1));
        AttemptLimits {
            per_client: config.backoff(config.sign_in_failures_per_client),
            per_account: config.backoff(config.sign_in_failures_per_account),
            password_change: config.backoff(config.password_change_failures),
            warning_failures: config.sign_in_warning_failures,
            client_failures: FailureLog::new(memory),
            account_failures: FailureLog::new(memory),
            address_failures: RateLimiter::new(
                config.attempts_per_address,
                Duration::from_secs(config.address_window_seconds.max(1)),
            ),
            password_changes: FailureLog::new(memory),
            resets_per_account: RateLimiter::new(config.password_resets_per_account, reset_window),
            resets_per_address: RateLimiter::new(config.password_resets_per_address, reset_window),
        }
    }

    /// Refuses with `RATE_LIMITED` a sign-in to `account` (tenant slug and normalised
    /// email) from a client that must still wait after its failures. A client that has
    /// not failed is always heard.
    pub(super) fn check_sign_in(&self, call: &Call, account: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        if let Some(address) = address(call)
            && let Some(wait) = self.address_failures.wait_time(address)
        {
            return Err(rate_limited(wait));
        }
        let Some(client) = self.client_failures.failures(&client_key(call, account), now) else {
            return Ok(());
        };
        let account_failures =
            self.account_failures.failures(account, now).map_or(0, |failures| failures.count);
        let wait =
            sign_in_wait(client.count, account_failures, &self.per_client, &self.per_account);
        let remaining = wait.saturating_sub(now.saturating_duration_since(client.last));
        if remaining.is_zero() {
            return Ok(());
        }
        Err(rate_limited(remaining))
    }

    /// Counts a failed sign-in to `account` from the call's client.
    pub(super) fn sign_in_failed(&self, call: &Call, account: &str) -> CountedFailure {
        let now = Instant::now();
        if let Some(address) = address(call) {
            self.address_failures.record(address);
        }
        self.client_failures.record(&client_key(call, account), now);
        let failures = self.account_failures.record(account, now).count;
        let warn = self.warning_failures > 0 && failures == self.warning_failures;
        CountedFailure { warn_after: warn.then_some(failures) }
    }

    /// Forgets the client's failures on `account` once it signed in.
    pub(super) fn sign_in_succeeded(&self, call: &Call, account: &str) {
        self.client_failures.clear(&client_key(call, account));
    }

    /// Refuses with `RATE_LIMITED` a password change of `account_id` while it must wait
    /// after wrong current passwords.
    pub(super) fn check_password_change(&self, account_id: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let Some(failures) = self.password_changes.failures(account_id, now) else {
            return Ok(());
        };
        let wait = self.password_change.wait_after(failures.count);
        let remaining = wait.saturating_sub(now.saturating_duration_since(failures.last));
        if remaining.is_zero() {
            return Ok(());
        }
        Err(rate_limited_with(
            remaining,
            format!(
                "the current password was wrong too often; try again in {}",
                in_seconds(remaining)
            ),
        ))
    }

    /// Counts a wrong current password given to change `account_id`'s password.
    pub(super) fn password_change_failed(&self, account_id: &str) {
        self.password_changes.record(account_id, Instant::now());
    }

    /// Forgets the wrong current passwords once the password was changed.
    pub(super) fn password_change_succeeded(&self, account_id: &str) {
        self.password_changes.clear(account_id);
    }

    /// Counts a request for a reset link for `account` (tenant slug and normalised email,
    /// whether or not such an account exists, so the answer tells nothing), refusing it
    /// with `RATE_LIMITED` when the address or the account asked too often.
    pub(super) fn check_password_reset(&self, call: &Call, account: &str) -> Result<(), ApiError> {
        if let Some(address) = address(call) {
            if let Some(wait) = self.resets_per_address.wait_time(address) {
                return Err(rate_limited(wait));
            }
            self.resets_per_address.record(address);
        }
        if let Some(wait) = self.resets_per_account.wait_time(account) {
            let minutes = wait_seconds(wait).div_ceil(60);
            return Err(rate_limited_with(
                wait,
                format!(
                    "reset links for this account were sent several times a short while ago; \
                     look for them in your mail (and its spam folder), or ask again in {minutes} minutes"
                ),
            ));
        }
        self.resets_per_account.record(account);
        Ok(())
    }
}

/// Returns the client's address, when the call knows it.
fn address(call: &Call) -> Option<&str> {
    call.client_address.as_deref().filter(|address| !address.is_empty())
}

/// Returns the key of a client's failures on an account; calls without an address count
/// as one client.
fn client_key(call: &Call, account: &str) -> String {
    format!("{account}\u{0}{}", address(call).unwrap_or_default())
}

impl Rules {
    /// Queues the warning to an account's holder that someone keeps failing to sign in
    /// to it, inside the caller's transaction.
    fn queue_sign_in_warning_in(
        &self,
        connection: &mut DbConnection,
        scope: &TenantScope,
        account: &AccountRow,
        tenant: &TenantRow,
        failures: u32,
    ) -> Outcome<()> {
        athenaeum_mail::enqueue(
            connection,
            Some(scope),
            &athenaeum_mail::OutgoingMail {
                recipient: account.email.clone(),
                template: mail::SIGN_IN_WARNING.to_string(),
                params: json!({
                    "tenant_name": tenant.name,
                    "display_name": account.display_name,
                    "failures": failures.to_string(),
                }),
            },
        )?;
        Ok(())
    }
}

impl IdentityService {
    /// Emails the holder of `account` that someone keeps failing to sign in to it. A
    /// failure to queue the mail is logged, not returned: the sign-in's answer must not
    /// depend on it.
    pub(super) async fn warn_of_guessing(
        &self,
        tenant: TenantRow,
        account: AccountRow,
        failures: u32,
    ) {
        let scope = self.issuer.credential_scope(&tenant.id);
        let account_id = account.id.clone();
        let queued = self
            .write(move |rules, connection| {
                rules.queue_sign_in_warning_in(connection, &scope, &account, &tenant, failures)
            })
            .await;
        match queued {
            Ok(()) => {
                tracing::warn!(account = %account_id, failures, "repeated failed sign-ins; holder warned");
                self.mail.wake();
            }
            Err(error) => {
                tracing::error!(account = %account_id, %error, "the sign-in warning could not be queued");
            }
        }
    }
}
