//! The way out: an SMTP relay in production, `.eml` files in the embedded default.
//!
//! A transport only carries a finished message; it knows nothing of the outbox.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, SmtpConfig, SmtpSecurity, TransportKind};
use crate::error::MailError;

/// Carries finished messages out of the platform. Cloning is cheap and shares the SMTP
/// connection pool.
#[derive(Clone)]
pub enum MailTransport {
    /// Writes each message as one `.eml` file into a directory.
    File {
        /// The directory written into.
        dir: PathBuf,
        /// lettre's file transport for that directory.
        transport: AsyncFileTransport<Tokio1Executor>,
    },
    /// Hands each message to an SMTP relay over a pool of connections.
    Smtp {
        /// Host and port, for logs.
        relay: String,
        /// lettre's pooled SMTP transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
    },
}

impl std::fmt::Debug for MailTransport {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.describe())
    }
}

impl MailTransport {
    /// Builds the transport `config` selects; the file transport writes into
    /// `config.dir`, or into `default_dir` (the data directory's `mail/`) when that is
    /// empty.
    ///
    /// Must run inside a tokio runtime (the SMTP pool starts a task). Blocks while it
    /// creates the mail directory; call it at start-up. Fails with `Config` when the
    /// directory cannot be created or the relay's settings are unusable; it does not
    /// connect to the relay.
    pub fn from_config(
        config: &MailConfig,
        default_dir: &Path,
    ) -> Result<MailTransport, MailError> {
        match config.transport {
            TransportKind::File => {
                let dir = if config.dir.as_os_str().is_empty() { default_dir } else { &config.dir };
                MailTransport::file(dir)
            }
            TransportKind::Smtp => MailTransport::smtp(&config.smtp),
        }
    }

    /// Builds a transport that writes one `.eml` file per message into `dir`, creating
    /// the directory if needed.
    ///
    /// Blocks while it creates the directory. Fails with `Config` if it cannot.
    pub fn file(dir: &Path) -> Result<MailTransport, MailError> {
        std::fs::create_dir_all(dir).map_err(|error| {
            MailError::Config(format!("cannot create mail directory {}: {error}", dir.display()))
        })?;
        Ok(MailTransport::File { dir: dir.to_path_buf(), transport: AsyncFileTransport::new(dir) })
    }

    /// Builds a pooled transport to the SMTP relay `config` describes.
    ///
    /// Must run inside a tokio runtime (the pool starts a task). Fails with `Config` when
    /// the host is empty or cannot be used for TLS; it does not connect.
    pub fn smtp(config: &SmtpConfig) -> Result<MailTransport, MailError> {
        if config.host.trim().is_empty() {
            return Err(MailError::Config("smtp.host is empty".to_string()));
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(MailError::Config(
                "the smtp transport must be built inside the async runtime".to_string(),
            ));
        }
        let builder = match config.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(|error| relay_error(config, &error))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|error| relay_error(config, &error))?,
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(config.timeout_seconds.max(1))));
        if !config.username.is_empty() {
            builder = builder
                .credentials(Credentials::new(config.username.clone(), config.password.clone()));
        }
        Ok(MailTransport::Smtp {
            relay: format!("{}:{}", config.host, config.port),
            transport: builder.build(),
        })
    }

    /// Returns where this transport sends mail, for logs.
    pub fn describe(&self) -> String {
        match self {
            MailTransport::File { dir, .. } => format!("files in {}", dir.display()),
            MailTransport::Smtp { relay, .. } => format!("smtp relay {relay}"),
        }
    }

    /// Returns whether this transport carries 8-bit text as it is: a file does; an SMTP
    /// relay only if it announces 8BITMIME, which is not known before connecting.
    pub(crate) fn carries_8bit(&self) -> bool {
        matches!(self, MailTransport::File { .. })
    }

    /// Sends `message`; returns once the relay has accepted it (or the file is written).
    ///
    /// Fails with the relay's or the file system's reason, lowercase.
    pub(crate) async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            MailTransport::File { transport, .. } => {
                transport.send(message).await.map(|_id| ()).map_err(|error| {
                    format!("cannot write mail file: {}", lowercase_first(&error.to_string()))
                })
            }
            MailTransport::Smtp { relay, transport } => {
                transport.send(message).await.map(|_response| ()).map_err(|error| {
                    format!(
                        "smtp relay {relay} did not take the mail: {}",
                        lowercase_first(&error.to_string())
                    )
                })
            }
        }
    }
}

fn relay_error(config: &SmtpConfig, error: &lettre::transport::smtp::Error) -> MailError {
    MailError::Config(format!(
        "cannot use smtp relay {}: {}",
        config.host,
        lowercase_first(&error.to_string())
    ))
}

/// lettre's messages sometimes start with a capital; ours never do.
fn lowercase_first(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_lowercase().chain(characters).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp_config(security: SmtpSecurity) -> MailConfig {
        MailConfig {
            transport: TransportKind::Smtp,
            smtp: SmtpConfig {
                host: "mail.library.example".to_string(),
                port: 2525,
                security,
                username: "library".to_string(),
                password: "s3cret".to_string(),
                ..SmtpConfig::default()
            },
            ..MailConfig::default()
        }
    }

    #[tokio::test]
    async fn every_smtp_security_mode_builds_a_transport_without_connecting() {
        for security in [SmtpSecurity::Starttls, SmtpSecurity::Tls, SmtpSecurity::None] {
            let transport =
                MailTransport::from_config(&smtp_config(security), Path::new("unused")).unwrap();
            assert_eq!(transport.describe(), "smtp relay mail.library.example:2525");
        }
    }

    #[tokio::test]
    async fn an_smtp_transport_without_a_host_is_refused() {
        let mut config = smtp_config(SmtpSecurity::Starttls);
        config.smtp.host = " ".to_string();
        let error = MailTransport::from_config(&config, Path::new("unused")).unwrap_err();
        assert_eq!(error.to_string(), "mail configuration is invalid: smtp.host is empty");
    }

    #[test]
    fn an_smtp_transport_built_outside_the_runtime_is_an_error_not_a_panic() {
        let error = MailTransport::smtp(&smtp_config(SmtpSecurity::None).smtp).unwrap_err();
        assert!(matches!(error, MailError::Config(_)), "{error}");
    }

    #[test]
    fn the_file_transport_uses_the_default_directory_unless_one_is_configured() {
        let root = tempfile::tempdir().unwrap();
        let default_dir = root.path().join("data").join("mail");
        let transport = MailTransport::from_config(&MailConfig::default(), &default_dir).unwrap();
        assert_eq!(transport.describe(), format!("files in {}", default_dir.display()));
        assert!(default_dir.is_dir());

        let outgoing = root.path().join("outgoing");
        let configured = MailConfig { dir: outgoing.clone(), ..MailConfig::default() };
        let transport = MailTransport::from_config(&configured, &default_dir).unwrap();
        assert_eq!(transport.describe(), format!("files in {}", outgoing.display()));
        assert!(outgoing.is_dir());
    }
}
