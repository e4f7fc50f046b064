//! How long a client that failed must wait before it is heard again: the rules behind
//! the sign-in and password-change limits, as functions of failure counts. Counting the
//! failures is `rate_limit`'s work, and asking at the right moment the service's.

use std::time::Duration;

/// Failures allowed without waiting, and how the wait grows after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed without any wait.
    pub free_failures: u32,
    /// The wait after the first failure beyond them; each further failure doubles it.
    pub first_wait: Duration,
    /// The longest wait.
    pub longest_wait: Duration,
}

impl Backoff {
    /// Returns how long to wait after `failures` failures: nothing within the free ones,
    /// then the first wait, doubled with each further failure up to the longest.
    pub fn wait_after(&self, failures: u32) -> Duration {
        let beyond = failures.saturating_sub(self.free_failures);
        if beyond == 0 {
            return Duration::ZERO;
        }
        let doublings = (beyond - 1).min(20);
        self.first_wait.saturating_mul(1 << doublings).min(self.longest_wait)
    }
}

/// Returns how long after its own last failure a client must wait before its next
/// sign-in to an account is heard, given its failures on that account (`client`) and
/// the failures of every client on it (`account`).
///
/// A client that has not failed on the account never waits, so the account's holder,
/// signing in from elsewhere while someone guesses at the account, always gets in. A
/// client that has failed waits for its own failures, and also, once the account has
/// drawn more failures than `per_account` allows from everyone, for those: so guessing
/// from many addresses at once earns each of them a long wait after its first failure.
pub fn sign_in_wait(
    client: u32,
    account: u32,
    per_client: &Backoff,
    per_account: &Backoff,
) -> Duration {
    if client == 0 {
        return Duration::ZERO;
    }
    per_client.wait_after(client).max(per_account.wait_after(account))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(free_failures: u32) -> Backoff {
        Backoff {
            free_failures,
            first_wait: Duration::from_secs(1),
            longest_wait: Duration::from_secs(900),
        }
    }

    #[test]
    fn the_wait_doubles_with_each_failure_beyond_the_free_ones_up_to_the_longest() {
        let rule = backoff(3);
        let waits: Vec<u64> =
            (0..=15).map(|failures| rule.wait_after(failures).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(rule.wait_after(u32::MAX), Duration::from_secs(900));
    }

    #[test]
    fn a_client_that_has_not_failed_never_waits_whatever_the_account_has_drawn() {
        assert_eq!(sign_in_wait(0, 10_000, &backoff(5), &backoff(20)), Duration::ZERO);
    }

    #[test]
    fn a_client_waits_for_its_own_failures_and_for_the_accounts_once_it_has_failed_too() {
        let (per_client, per_account) = (backoff(5), backoff(20));
        assert_eq!(sign_in_wait(6, 6, &per_client, &per_account), Duration::from_secs(1));
        assert_eq!(sign_in_wait(1, 20, &per_client, &per_account), Duration::ZERO);
        assert_eq!(sign_in_wait(1, 25, &per_client, &per_account), Duration::from_secs(16));
    }
}
