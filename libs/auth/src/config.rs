//! Settings for tokens.

use serde::{Deserialize, Serialize};

/// How access tokens are made and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The `iss` claim written and required.
    pub issuer: String,
    /// The `aud` claim written and required.
    pub audience: String,
    /// Lifetime of an access token.
    pub access_token_ttl_seconds: u64,
    /// Lifetime of a refresh token (each use rotates it and restarts the clock).
    pub refresh_token_ttl_days: u64,
    /// Clock skew tolerated when checking `exp` and `nbf`.
    pub leeway_seconds: u64,
    /// PKCS#8 PEM file of the Ed25519 signing key. Empty: `<data dir>/keys/token-signing.pem`,
    /// generated on first run. Only the identity service needs it.
    pub signing_key_file: String,
    /// The signing key itself as PEM (takes precedence over the file); a secret.
    pub signing_key_pem: String,
    /// SPKI PEM file of the public key that services verify with. Empty:
    /// `<data dir>/keys/token-verification.pem`, written beside a generated signing key.
    pub verification_key_file: String,
    /// How often, in milliseconds, a process re-reads the revocation list (accounts and
    /// sessions signed out, libraries suspended): from identity's database where
    /// identity runs, from the identity service elsewhere. The longest a signed-out token
    /// keeps working in another process is about this long.
    pub revocation_refresh_ms: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: "athenaeum".into(),
            audience: "athenaeum".into(),
            access_token_ttl_seconds: 900,
            refresh_token_ttl_days: 30,
            leeway_seconds: 30,
            signing_key_file: String::new(),
            signing_key_pem: String::new(),
            verification_key_file: String::new(),
            revocation_refresh_ms: 1_000,
        }
    }
}

impl AuthConfig {
    /// Returns how often the revocation list is re-read (at least every 50 ms apart).
    pub fn revocation_refresh(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.revocation_refresh_ms.max(50))
    }

    /// Returns a copy with secrets replaced by `***`.
    pub fn masked(&self) -> AuthConfig {
        let mut copy = self.clone();
        if !copy.signing_key_pem.is_empty() {
            copy.signing_key_pem = "***".into();
        }
        copy
    }
}
