//! Passwords: the policy a new one must meet and argon2id hashing.
//!
//! Parameters (configurable, defaults per OWASP's password storage guidance): argon2id,
//! 19 MiB of memory, 2 passes, 1 lane, 16-byte random salt, 32-byte output, stored as a
//! PHC string so older hashes keep verifying after the parameters change. A hash takes
//! about 25 ms on one core of a 2-core machine; it runs off the async threads.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use athenaeum_kernel::ApiError;
use serde::{Deserialize, Serialize};

/// What a new password must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Fewest characters.
    pub min_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 10 }
    }
}

impl PasswordPolicy {
    /// Checks a new password given in `field`; the account's email must not be it.
    pub fn check(&self, field: &str, password: &str, email: &str) -> Result<(), ApiError> {
        let length = password.chars().count();
        if length < self.min_length {
            return Err(ApiError::validation(
                field,
                format!("the password must be at least {} characters long", self.min_length),
            ));
        }
        if length > 1024 {
            return Err(ApiError::validation(
                field,
                "the password must be at most 1024 characters",
            ));
        }
        if password.trim().eq_ignore_ascii_case(email.trim()) {
            return Err(ApiError::validation(field, "the password must not be the email address"));
        }
        Ok(())
    }
}

/// Hashes and verifies passwords with argon2id.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when no account matches so that a
    /// failed sign-in takes the same time whether or not the email exists.
    decoy: String,
}

/// The argon2id cost settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Settings {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Argon2Settings { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

impl PasswordHasher {
    /// Creates a hasher with the given cost; fails when the settings are out of argon2's
    /// range.
    pub fn new(settings: &Argon2Settings) -> Result<PasswordHasher, String> {
        let params =
            Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
                .map_err(|error| format!("argon2 settings: {error}"))?;
        let mut hasher = PasswordHasher { params, decoy: String::new() };
        hasher.decoy = hasher.hash("decoy password that is never anyone's")?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Returns the PHC string of a new hash with a fresh salt. CPU-heavy: call it off the
    /// async threads.
    pub fn hash(&self, password: &str) -> Result<String, String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| format!("hashing failed: {error}"))
    }

    /// Returns true when `password` matches the stored hash; `None` as the stored hash
    /// still does the work of a verification and returns false. CPU-heavy.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let (hash_text, real) = match stored {
            Some(hash) => (hash, true),
            None => (self.decoy.as_str(), false),
        };
        let Ok(hash) = PasswordHash::new(hash_text) else { return false };
        self.argon2().verify_password(password.as_bytes(), &hash).is_ok() && real
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hasher = PasswordHasher::new(&Argon2Settings::default()).unwrap();
        let hash = hasher.hash("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery staple", Some(&hash)));
        assert!(!hasher.verify("Correct horse battery staple", Some(&hash)));
        assert!(!hasher.verify("decoy password that is never anyone's", None));
    }

    #[test]
    fn short_passwords_and_the_email_itself_are_refused() {
        let policy = PasswordPolicy::default();
        assert!(policy.check("password", "short", "a@b.org").is_err());
        assert!(policy.check("password", "ada@example.org", "ada@example.org").is_err());
        assert!(policy.check("password", "a long enough passphrase", "ada@example.org").is_ok());
    }
}
