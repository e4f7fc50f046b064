//! One-time secrets (refresh tokens, invitation and reset links): random, shown once,
//! stored only as a SHA-256 hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SecureRandom;

/// A freshly made secret: `text` goes to the person, `hash` to the database.
#[derive(Debug, Clone)]
pub struct Secret {
    /// What the person holds: `<tenant id>.<32 random bytes, base64url>`.
    pub text: String,
    /// What the database keeps.
    pub hash: String,
}

impl Secret {
    /// Makes a secret bound to a tenant. The tenant id in front lets a presented secret be
    /// looked up within its own tenant only.
    pub fn generate(tenant_id: &str) -> Result<Secret, ring::error::Unspecified> {
        let mut bytes = [0_u8; 32];
        ring::rand::SystemRandom::new().fill(&mut bytes)?;
        let text = format!("{tenant_id}.{}", URL_SAFE_NO_PAD.encode(bytes));
        let hash = hash_secret(&text);
        Ok(Secret { text, hash })
    }

    /// Returns the tenant id a presented secret names, if it is well-formed.
    pub fn tenant_of(text: &str) -> Option<&str> {
        let (tenant_id, random) = text.split_once('.')?;
        (tenant_id.len() == 36 && random.len() == 43).then_some(tenant_id)
    }
}

/// Returns the hex SHA-256 of a secret.
pub fn hash_secret(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_name_their_tenant_and_are_stored_hashed() {
        let tenant = "0192f0c4-8a2e-7c3b-9d1e-5f6a7b8c9d0e";
        let secret = Secret::generate(tenant).unwrap();
        assert_eq!(Secret::tenant_of(&secret.text), Some(tenant));
        assert_eq!(secret.hash, hash_secret(&secret.text));
        assert!(!secret.hash.contains(&secret.text[37..]));
        assert_eq!(Secret::tenant_of("garbage"), None);
    }
}
