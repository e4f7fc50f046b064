//! How mail leaves the platform: which transport, the sender address, and the retry
//! policy of the outbox worker.
//!
//! Only plain data and defaults live here; nothing here opens a connection.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where mail goes and how the outbox worker retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `file` (the embedded default: one `.eml` file per message) or `smtp`.
    pub transport: TransportKind,
    /// The `From` header of every message, e.g. `Athenaeum <no-reply@library.example>`.
    pub from: String,
    /// The directory the file transport writes into; empty means the data directory's
    /// `mail/`, which the caller passes when building the transport.
    pub dir: PathBuf,
    /// The SMTP relay, used when `transport` is `smtp`.
    pub smtp: SmtpConfig,
    /// Failed attempts after which a message is parked for an operator instead of retried.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles with every further failure.
    ///
    /// Zero retries on the worker's next pass (useful in tests only).
    pub retry_base_seconds: u64,
    /// The longest wait between two attempts.
    pub retry_max_seconds: u64,
    /// How often the worker looks for due messages when nobody wakes it.
    pub poll_interval_ms: u64,
    /// The most messages one pass of the worker sends.
    pub batch_size: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: TransportKind::File,
            from: "Athenaeum <no-reply@localhost>".to_string(),
            dir: PathBuf::new(),
            smtp: SmtpConfig::default(),
            max_attempts: 10,
            retry_base_seconds: 30,
            retry_max_seconds: 3_600,
            poll_interval_ms: 1_000,
            batch_size: 50,
        }
    }
}

impl MailConfig {
    /// Returns a copy with every secret replaced by `***`, for logs and `config` output.
    pub fn masked(&self) -> MailConfig {
        let mut masked = self.clone();
        if !masked.smtp.password.is_empty() {
            masked.smtp.password = "***".to_string();
        }
        masked
    }
}

/// Which transport carries the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// `.eml` files in a directory; nothing leaves the machine.
    File,
    /// An SMTP relay.
    Smtp,
}

/// An SMTP relay and how to reach it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// The relay's host name (checked against its certificate when TLS is used).
    pub host: String,
    /// The relay's port: usually 587 for STARTTLS, 465 for TLS, 25 without encryption.
    pub port: u16,
    /// How the connection is encrypted.
    pub security: SmtpSecurity,
    /// The user to authenticate as; empty sends without authenticating.
    pub username: String,
    /// The password; shown as `***` by `Debug` and [`MailConfig::masked`].
    pub password: String,
    /// How long each step of the SMTP conversation may take before the attempt fails.
    pub timeout_seconds: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "localhost".to_string(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: String::new(),
            password: String::new(),
            timeout_seconds: 30,
        }
    }
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let password = if self.password.is_empty() { "" } else { "***" };
        formatter
            .debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &password)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: only for a relay on the same host or in tests.
    None,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_config_gives_the_embedded_defaults() {
        let config: MailConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, MailConfig::default());
        assert_eq!(config.transport, TransportKind::File);
        assert_eq!(config.from, "Athenaeum <no-reply@localhost>");
        assert_eq!(config.smtp.port, 587);
        assert_eq!(config.smtp.security, SmtpSecurity::Starttls);
        assert_eq!(config.max_attempts, 10);
        assert_eq!(config.retry_base_seconds, 30);
        assert_eq!(config.retry_max_seconds, 3_600);
        assert_eq!(config.poll_interval_ms, 1_000);
        assert_eq!(config.batch_size, 50);
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let error = serde_json::from_str::<MailConfig>(r#"{"smtp": {"hots": "x"}}"#).unwrap_err();
        assert!(error.to_string().contains("hots"), "{error}");
    }

    #[test]
    fn masked_config_and_debug_output_hide_the_password() {
        let config: MailConfig = serde_json::from_str(
            r#"{"transport": "smtp", "smtp": {"host": "mail.example", "security": "tls",
                "username": "library", "password": "s3cret"}}"#,
        )
        .unwrap();
        assert_eq!(config.smtp.security, SmtpSecurity::Tls);
        let masked = config.masked();
        assert_eq!(masked.smtp.password, "***");
        assert_eq!(masked.smtp.username, "library");
        assert!(!format!("{config:?}").contains("s3cret"));
        assert_eq!(MailConfig::default().masked().smtp.password, "");
    }
}
