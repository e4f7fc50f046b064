//! The website's secret: one random key, kept in a file beside the data (or named in the
//! configuration), from which the session cookie's encryption key and the form tokens'
//! signing key are derived. Every gateway process of a deployment must share it.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// The keys the website seals its cookies and signs its form tokens with.
pub struct WebKeys {
    sealing: LessSafeKey,
    forms: hmac::Key,
    random: SystemRandom,
}

impl std::fmt::Debug for WebKeys {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("WebKeys(..)")
    }
}

const SECRET_BYTES: usize = 32;

impl WebKeys {
    /// Reads the secret at `path`, or makes one there (readable by its owner only) when
    /// the file does not exist yet.
    ///
    /// Fails when the file cannot be read or written, or holds no usable secret.
    pub fn load_or_generate(path: &Path) -> anyhow::Result<WebKeys> {
        let secret = match std::fs::read_to_string(path) {
            Ok(text) => URL_SAFE_NO_PAD.decode(text.trim()).map_err(|error| {
                anyhow::anyhow!("{} does not hold a website secret: {error}", path.display())
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = vec![0_u8; SECRET_BYTES];
                SystemRandom::new()
                    .fill(&mut secret)
                    .map_err(|_| anyhow::anyhow!("no random numbers for the website secret"))?;
                write_private(path, &URL_SAFE_NO_PAD.encode(&secret))?;
                tracing::info!(path = %path.display(), "generated the website's secret");
                secret
            }
            Err(error) => anyhow::bail!("cannot read {}: {error}", path.display()),
        };
        if secret.len() < SECRET_BYTES {
            anyhow::bail!(
                "{} holds a website secret of {} bytes; it needs at least {SECRET_BYTES}",
                path.display(),
                secret.len()
            );
        }
        Ok(WebKeys::from_secret(&secret))
    }

    /// Derives the keys from a secret.
    pub fn from_secret(secret: &[u8]) -> WebKeys {
        let root = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derive = |purpose: &[u8]| hmac::sign(&root, purpose);
        let sealing = derive(b"athenaeum web: session cookie sealing");
        #[allow(clippy::expect_used, reason = "a SHA-256 tag is exactly a ChaCha20 key long")]
        let sealing = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, sealing.as_ref()).expect("32-byte key"),
        );
        let forms =
            hmac::Key::new(hmac::HMAC_SHA256, derive(b"athenaeum web: form tokens").as_ref());
        WebKeys { sealing, forms, random: SystemRandom::new() }
    }

    /// Encrypts and authenticates `plain` for a cookie (URL-safe base64).
    pub fn seal(&self, plain: &[u8]) -> Option<String> {
        let mut nonce = [0_u8; NONCE_LEN];
        self.random.fill(&mut nonce).ok()?;
        let mut sealed = plain.to_vec();
        self.sealing
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::empty(),
                &mut sealed,
            )
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`WebKeys::seal`] made; `None` when it was altered or sealed with
    /// another key.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = body.to_vec();
        let plain = self.sealing.open_in_place(nonce, ring::aead::Aad::empty(), &mut body).ok()?;
        Some(plain.to_vec())
    }

    /// The form token for a browser's form secret, masked afresh each time it is written
    /// into a page (a random pad, then the tag XOR the pad), so that a compressed page
    /// that also shows text from its address never repeats the same secret bytes for an
    /// observer of response sizes to guess at (BREACH).
    pub fn form_token(&self, secret: &str) -> String {
        let tag = hmac::sign(&self.forms, secret.as_bytes());
        let tag = tag.as_ref();
        let mut pad = vec![0_u8; tag.len()];
        if self.random.fill(&mut pad).is_err() {
            return String::new();
        }
        let mut token = pad.clone();
        token.extend(tag.iter().zip(&pad).map(|(byte, mask)| byte ^ mask));
        URL_SAFE_NO_PAD.encode(token)
    }

    /// Whether `token` is a form token for `secret` (compared in constant time).
    pub fn form_token_matches(&self, secret: &str, token: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else { return false };
        if bytes.is_empty() || bytes.len() % 2 != 0 {
            return false;
        }
        let (pad, masked) = bytes.split_at(bytes.len() / 2);
        let tag: Vec<u8> = masked.iter().zip(pad).map(|(byte, mask)| byte ^ mask).collect();
        hmac::verify(&self.forms, secret.as_bytes(), &tag).is_ok()
    }

    /// A fresh random value for a form secret.
    pub fn random_secret(&self) -> String {
        let mut bytes = [0_u8; 18];
        // Without randomness there is no safe secret; an empty one matches no token.
        if self.random.fill(&mut bytes).is_err() {
            return String::new();
        }
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
    use super::WebKeys;

    #[test]
    fn a_sealed_cookie_opens_only_unaltered_and_with_its_key() {
        let keys = WebKeys::from_secret(&[7; 32]);
        let sealed = keys.seal(b"session").unwrap();
        assert_eq!(keys.open(&sealed).unwrap(), b"session");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(keys.open(&String::from_utf8(altered).unwrap()).is_none());
        assert!(WebKeys::from_secret(&[8; 32]).open(&sealed).is_none());
    }

    #[test]
    fn a_form_token_matches_only_its_own_secret() {
        let keys = WebKeys::from_secret(&[7; 32]);
        let token = keys.form_token("abc");
        assert!(keys.form_token_matches("abc", &token));
        assert!(!keys.form_token_matches("abd", &token));
        assert!(!keys.form_token_matches("abc", ""));
        // Masked afresh each time, and each mask works.
        let again = keys.form_token("abc");
        assert_ne!(token, again);
        assert!(keys.form_token_matches("abc", &again));
        let mut tampered = token.into_bytes();
        tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
        assert!(!keys.form_token_matches("abc", &String::from_utf8(tampered).unwrap()));
    }
}
