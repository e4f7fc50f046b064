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
        }
    }
}

impl AuthConfig {
    /// Returns a copy with secrets replaced by `***`.
    pub fn masked(&self) -> AuthConfig {
        let mut copy = self.clone();
        if !copy.signing_key_pem.is_empty() {
            copy.signing_key_pem = "***".into();
        }
        copy
    }
}
