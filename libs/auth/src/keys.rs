//! Ed25519 keys: the private one that signs access tokens (identity only) and the public
//! one every service verifies with.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use ring::signature::{Ed25519KeyPair, KeyPair};

use crate::{AuthConfig, AuthError};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow it.
const SPKI_PREFIX: [u8; 12] =
    [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// The private key that signs access tokens.
#[derive(Clone)]
pub struct SigningKey {
    pub(crate) encoding: EncodingKey,
    pkcs8: Vec<u8>,
    public: VerificationKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SigningKey(***)")
    }
}

/// The public key that verifies access tokens; cannot sign.
#[derive(Clone)]
pub struct VerificationKey {
    pub(crate) decoding: DecodingKey,
    raw: [u8; 32],
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "VerificationKey({})", STANDARD.encode(self.raw))
    }
}

impl SigningKey {
    /// Loads the signing key named by the configuration, or generates one into the data
    /// directory on first run (and writes its public half beside it).
    ///
    /// Fails with `Key` when a configured key is unreadable or not Ed25519.
    pub fn load_or_generate(config: &AuthConfig, data_dir: &Path) -> Result<SigningKey, AuthError> {
        if !config.signing_key_pem.is_empty() {
            return SigningKey::from_pem(&config.signing_key_pem);
        }
        let path = signing_key_path(config, data_dir);
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|error| {
                AuthError::Key(format!("cannot read {}: {error}", path.display()))
            })?;
            return SigningKey::from_pem(&text)
                .map_err(|error| AuthError::Key(format!("{}: {error}", path.display())));
        }
        let key = SigningKey::generate()?;
        write_private_file(&path, &key.to_pem())?;
        let public_path = verification_key_path(config, data_dir);
        if !public_path.exists() {
            write_public_file(&public_path, &key.verification_key().to_pem())?;
        }
        tracing::info!(path = %path.display(), "generated token signing key");
        Ok(key)
    }

    /// Loads the signing key named by the configuration, never generating one: for
    /// services other than identity that sign their own background requests.
    ///
    /// Fails with `Key` when there is no key or it is unreadable.
    pub fn load(config: &AuthConfig, data_dir: &Path) -> Result<SigningKey, AuthError> {
        if !config.signing_key_pem.is_empty() {
            return SigningKey::from_pem(&config.signing_key_pem);
        }
        let path = signing_key_path(config, data_dir);
        let text = std::fs::read_to_string(&path).map_err(|error| {
            AuthError::Key(format!(
                "cannot read the token signing key {}: {error} (set auth.signing_key_file or auth.signing_key_pem)",
                path.display()
            ))
        })?;
        SigningKey::from_pem(&text)
            .map_err(|error| AuthError::Key(format!("{}: {error}", path.display())))
    }

    /// Generates a new random key.
    pub fn generate() -> Result<SigningKey, AuthError> {
        let random = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&random)
            .map_err(|_| AuthError::Key("the system random source failed".into()))?;
        SigningKey::from_pkcs8(pkcs8.as_ref())
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) Ed25519 key.
    pub fn from_pem(pem: &str) -> Result<SigningKey, AuthError> {
        let der = pem_body(pem, "PRIVATE KEY")?;
        SigningKey::from_pkcs8(&der)
    }

    fn from_pkcs8(der: &[u8]) -> Result<SigningKey, AuthError> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|_| AuthError::Key("not an Ed25519 PKCS#8 private key".into()))?;
        let raw: [u8; 32] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| AuthError::Key("unexpected public key length".into()))?;
        Ok(SigningKey {
            encoding: EncodingKey::from_ed_der(der),
            pkcs8: der.to_vec(),
            public: VerificationKey::from_raw(raw),
        })
    }

    /// Returns the key as PKCS#8 PEM; a secret.
    pub fn to_pem(&self) -> String {
        pem_encode("PRIVATE KEY", &self.pkcs8)
    }

    /// Returns the public half.
    pub fn verification_key(&self) -> VerificationKey {
        self.public.clone()
    }
}

impl VerificationKey {
    fn from_raw(raw: [u8; 32]) -> VerificationKey {
        VerificationKey { decoding: DecodingKey::from_ed_der(&raw), raw }
    }

    /// Reads an SPKI PEM (`-----BEGIN PUBLIC KEY-----`) Ed25519 key.
    pub fn from_pem(pem: &str) -> Result<VerificationKey, AuthError> {
        let der = pem_body(pem, "PUBLIC KEY")?;
        let raw = der
            .strip_prefix(&SPKI_PREFIX)
            .and_then(|rest| <[u8; 32]>::try_from(rest).ok())
            .ok_or_else(|| AuthError::Key("not an Ed25519 public key".into()))?;
        Ok(VerificationKey::from_raw(raw))
    }

    /// Loads the verification key: from the configured or default public key file, or
    /// else derived from the signing key (when this process can read it).
    pub fn load(config: &AuthConfig, data_dir: &Path) -> Result<VerificationKey, AuthError> {
        let path = verification_key_path(config, data_dir);
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|error| {
                AuthError::Key(format!("cannot read {}: {error}", path.display()))
            })?;
            return VerificationKey::from_pem(&text)
                .map_err(|error| AuthError::Key(format!("{}: {error}", path.display())));
        }
        if !config.signing_key_pem.is_empty() || signing_key_path(config, data_dir).exists() {
            return Ok(SigningKey::load_or_generate(config, data_dir)?.verification_key());
        }
        Err(AuthError::Key(format!(
            "no verification key: {} does not exist and no signing key is configured",
            path.display()
        )))
    }

    /// Returns the key as SPKI PEM.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        pem_encode("PUBLIC KEY", &der)
    }
}

fn signing_key_path(config: &AuthConfig, data_dir: &Path) -> PathBuf {
    if config.signing_key_file.is_empty() {
        data_dir.join("keys").join("token-signing.pem")
    } else {
        PathBuf::from(&config.signing_key_file)
    }
}

fn verification_key_path(config: &AuthConfig, data_dir: &Path) -> PathBuf {
    if config.verification_key_file.is_empty() {
        data_dir.join("keys").join("token-verification.pem")
    } else {
        PathBuf::from(&config.verification_key_file)
    }
}

fn pem_body(pem: &str, label: &str) -> Result<Vec<u8>, AuthError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start =
        pem.find(&begin).ok_or_else(|| AuthError::Key(format!("expected a PEM block {begin}")))?;
    let rest = &pem[start + begin.len()..];
    let stop = rest.find(&end).ok_or_else(|| AuthError::Key(format!("missing {end}")))?;
    let body: String = rest[..stop].chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(body).map_err(|error| AuthError::Key(format!("bad base64 in PEM: {error}")))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

fn write_private_file(path: &Path, contents: &str) -> Result<(), AuthError> {
    write_file(path, contents, 0o600)
}

fn write_public_file(path: &Path, contents: &str) -> Result<(), AuthError> {
    write_file(path, contents, 0o644)
}

/// Writes through a temporary file and a rename, so a crash never leaves half a key.
fn write_file(path: &Path, contents: &str, mode: u32) -> Result<(), AuthError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail =
        |error: std::io::Error| AuthError::Key(format!("cannot write {}: {error}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&temporary)
        .map_err(fail)?;
    file.write_all(contents.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(fail)
}
