//! The effective configuration: built-in defaults, then an optional TOML file, then the
//! environment (`ATHENAEUM__SECTION__KEY=value`). The loader takes the environment as an
//! argument, so tests need no process-wide state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use athenaeum_auth::AuthConfig;
use athenaeum_catalogue::CatalogueConfig;
use athenaeum_db::DatabaseConfig;
use athenaeum_gateway::{BodyTimeoutSettings, GraphqlLimits};
use athenaeum_identity::IdentityConfig;
use athenaeum_mail::MailConfig;
use athenaeum_search::SearchConfig;
use athenaeum_transport::ProcessContext;
use serde::{Deserialize, Serialize};

/// Prefix of configuration environment variables.
pub const ENV_PREFIX: &str = "ATHENAEUM__";

/// Everything Athenaeum can be told.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The HTTP server.
    pub server: ServerConfig,
    /// Where local state lives.
    pub data: DataConfig,
    /// The databases.
    pub database: DatabaseConfig,
    /// Access tokens.
    pub auth: AuthConfig,
    /// Accounts and sign-in.
    pub identity: IdentityConfig,
    /// The catalogue: MARC import batching and upload limits.
    pub catalogue: CatalogueConfig,
    /// The search index: how it follows the catalogue's changes.
    pub search: SearchConfig,
    /// Outgoing mail.
    pub mail: MailConfig,
    /// GraphQL limits.
    pub graphql: GraphqlLimits,
    /// Where services of other processes are (split mode).
    pub services: RemoteServices,
    /// The website.
    pub web: WebConfig,
    /// Logging.
    pub log: LogConfig,
}

/// The website.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// The file holding the secret that seals session cookies and signs form tokens;
    /// made when missing. Every gateway process of a deployment must share it. Empty:
    /// `web-secret` in the data folder.
    pub secret_file: String,
}

/// The HTTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on; port 0 picks a free one.
    pub listen: String,
    /// Address and port of the internal listener, where the other processes of a split
    /// deployment call this one's services (`/internal/…`); keep it on a private
    /// network. Needed by a process that runs some services but not all; a process
    /// that runs every service serves no internal routes. Port 0 picks a free one.
    pub internal_listen: String,
    /// The address people use to reach the platform; emailed links point here. Empty:
    /// `http://` + the listen address.
    pub public_url: String,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// How long in-flight requests may take to finish after SIGINT/SIGTERM.
    pub shutdown_timeout_seconds: u64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Longest pause in a request body, in seconds, before the connection is cut.
    pub body_idle_timeout_seconds: u64,
    /// Longest a whole request body (a file upload excepted) may take to arrive.
    pub body_timeout_seconds: u64,
    /// Slowest average rate a file upload may arrive at, in bytes per second, once it
    /// has had one idle timeout to get going.
    pub upload_min_bytes_per_second: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let body = BodyTimeoutSettings::default();
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            internal_listen: String::new(),
            public_url: String::new(),
            workers: 0,
            shutdown_timeout_seconds: 30,
            trust_forwarded_for: false,
            body_idle_timeout_seconds: body.body_idle_timeout_seconds,
            body_timeout_seconds: body.body_timeout_seconds,
            upload_min_bytes_per_second: body.upload_min_bytes_per_second,
        }
    }
}

/// Where local state lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// The data folder: SQLite files, the search index, mail files, the generated key.
    pub dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig { dir: PathBuf::from("./data") }
    }
}

/// Base URLs of services running in other processes. Empty: the service runs here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteServices {
    /// The identity service, e.g. `http://10.0.0.5:8081`.
    pub identity_url: String,
    /// The library service (catalogue), e.g. `http://10.0.0.6:8082`.
    pub library_url: String,
    /// The search service, e.g. `http://10.0.0.7:8083`.
    pub search_url: String,
    /// Time-out of one call to another service.
    pub timeout_seconds: u64,
}

impl Default for RemoteServices {
    fn default() -> Self {
        RemoteServices {
            identity_url: String::new(),
            library_url: String::new(),
            search_url: String::new(),
            timeout_seconds: 30,
        }
    }
}

/// Logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `athenaeum=debug,info`. `RUST_LOG` overrides it.
    pub filter: String,
    /// `text` for people, `json` for log collectors.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { filter: "info".into(), format: "text".into() }
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` if given, then every
    /// `ATHENAEUM__SECTION__KEY` variable in `environment`.
    ///
    /// Fails naming the file, the variable or the key that is wrong (an unknown key is an
    /// error, so a typo never goes unnoticed).
    pub fn load(
        file: Option<&Path>,
        environment: &BTreeMap<String, String>,
    ) -> anyhow::Result<Config> {
        let mut merged =
            toml::Value::try_from(Config::default()).context("serialising the defaults")?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read configuration file {}", path.display()))?;
            let from_file: toml::Value = toml::from_str(&text).with_context(|| {
                format!("configuration file {} is not valid TOML", path.display())
            })?;
            merge(&mut merged, from_file);
        }
        for (name, value) in environment {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else { continue };
            let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
            if keys.iter().any(String::is_empty) {
                bail!("environment variable {name} names an empty key");
            }
            set_path(&mut merged, &keys, parse_scalar(value))
                .with_context(|| format!("environment variable {name}"))?;
        }
        let config: Config = merged.try_into().map_err(|error: toml::de::Error| {
            anyhow::anyhow!("invalid configuration: {}", error.message())
        })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "server.listen {:?} is not an address such as 127.0.0.1:8080",
                self.server.listen
            );
        }
        if !self.server.internal_listen.is_empty()
            && self.server.internal_listen.parse::<std::net::SocketAddr>().is_err()
        {
            bail!(
                "server.internal_listen {:?} is not an address such as 10.0.0.5:8081",
                self.server.internal_listen
            );
        }
        if !self.database.url.is_empty() && self.database.backend() == athenaeum_db::Backend::Sqlite
        {
            bail!(
                "database.url must be empty (SQLite in the data folder) or a postgres:// URL, not {:?}",
                self.database.masked_url()
            );
        }
        if !self.server.public_url.is_empty() {
            url::Url::parse(&self.server.public_url)
                .with_context(|| format!("server.public_url {:?}", self.server.public_url))?;
        }
        Ok(())
    }

    /// The website's settings, for a process listening on `port`.
    pub fn web_settings(&self, port: u16) -> athenaeum_web::WebSettings {
        let secret_file = if self.web.secret_file.is_empty() {
            self.data.dir.join("web-secret")
        } else {
            PathBuf::from(&self.web.secret_file)
        };
        athenaeum_web::WebSettings { secret_file, public_url: self.public_url(port) }
    }

    /// Returns the URL emailed links point at: `server.public_url`, or else the listen
    /// address (with the port actually bound when it was 0).
    pub fn public_url(&self, bound_port: u16) -> String {
        if !self.server.public_url.is_empty() {
            return self.server.public_url.trim_end_matches('/').to_string();
        }
        let host = self.server.listen.rsplit_once(':').map_or("127.0.0.1", |(host, _)| host);
        format!("http://{host}:{bound_port}")
    }

    /// Returns the public address emailed links point at, for commands that run without
    /// a server (on the configured listen port).
    ///
    /// Fails when the listen port is 0 and no `server.public_url` is set.
    pub fn command_line_public_url(&self) -> anyhow::Result<String> {
        let port = self
            .server
            .listen
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .unwrap_or(8080);
        if port == 0 && self.server.public_url.is_empty() {
            bail!(
                "server.listen has port 0, so emailed links would have no address: set server.public_url (ATHENAEUM__SERVER__PUBLIC_URL)"
            );
        }
        Ok(self.public_url(port))
    }

    /// Returns what every service of a process is built from, with a new revocation list
    /// for its verifiers to share.
    pub fn process_context(&self) -> ProcessContext {
        ProcessContext {
            database: self.database.clone(),
            data_dir: self.data.dir.clone(),
            auth: self.auth.clone(),
            revocations: athenaeum_auth::RevocationList::new(),
        }
    }

    /// Returns how long request bodies may take.
    pub fn body_timeouts(&self) -> BodyTimeoutSettings {
        BodyTimeoutSettings {
            body_idle_timeout_seconds: self.server.body_idle_timeout_seconds,
            body_timeout_seconds: self.server.body_timeout_seconds,
            upload_min_bytes_per_second: self.server.upload_min_bytes_per_second,
        }
    }

    /// Returns how long a call to a service in another process may take.
    pub fn service_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.services.timeout_seconds.max(1))
    }

    /// Returns the configuration as TOML with every secret replaced by `***`.
    pub fn to_masked_toml(&self) -> anyhow::Result<String> {
        let mut masked = self.clone();
        masked.database.url = self.database.masked_url();
        masked.auth = self.auth.masked();
        masked.mail = self.mail.masked();
        Ok(toml::to_string_pretty(&masked)?)
    }
}

fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

fn set_path(root: &mut toml::Value, keys: &[String], value: toml::Value) -> anyhow::Result<()> {
    let Some((last, parents)) = keys.split_last() else { bail!("no key") };
    let mut node = root;
    for key in parents {
        let table = node.as_table_mut().with_context(|| format!("{key} is not a section"))?;
        node =
            table.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::map::Map::new()));
    }
    let table =
        node.as_table_mut().with_context(|| format!("{last} is inside a value, not a section"))?;
    table.insert(last.clone(), value);
    Ok(())
}

/// Reads an environment value as a TOML number, boolean or array when it is one, and as
/// a string otherwise.
fn parse_scalar(text: &str) -> toml::Value {
    let parsed = toml::from_str::<toml::Value>(&format!("v = {text}")).ok();
    match parsed.as_ref().and_then(|document| document.get("v")) {
        Some(value) if !matches!(value, toml::Value::Table(_) | toml::Value::Datetime(_)) => {
            value.clone()
        }
        _ => toml::Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn environment_overrides_file_and_file_overrides_defaults() {
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("athenaeum.toml");
        std::fs::write(&file, "[server]\nlisten = \"0.0.0.0:9000\"\nworkers = 4\n").unwrap();
        let config = Config::load(
            Some(&file),
            &environment(&[
                ("ATHENAEUM__SERVER__WORKERS", "2"),
                ("ATHENAEUM__DATABASE__URL", "postgres://a:b@h/db"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.server.listen, "0.0.0.0:9000");
        assert_eq!(config.server.workers, 2);
        assert_eq!(config.database.url, "postgres://a:b@h/db");
        assert_eq!(config.mail, MailConfig::default());
    }

    #[test]
    fn a_misspelt_variable_is_an_error_that_names_it() {
        let error = Config::load(None, &environment(&[("ATHENAEUM__SERVER__LISTN", "1.2.3.4:1")]))
            .unwrap_err();
        assert!(format!("{error:#}").contains("listn"), "{error:#}");
    }

    #[test]
    fn secrets_are_masked_when_printed() {
        let config = Config::load(
            None,
            &environment(&[
                ("ATHENAEUM__DATABASE__URL", "postgres://user:hunter2@db/athenaeum"),
                ("ATHENAEUM__MAIL__SMTP__PASSWORD", "hunter3"),
            ]),
        )
        .unwrap();
        let printed = config.to_masked_toml().unwrap();
        assert!(!printed.contains("hunter2") && !printed.contains("hunter3"), "{printed}");
        assert!(printed.contains("postgres://user:***@db/athenaeum"), "{printed}");
    }

    #[test]
    fn the_example_file_in_infra_matches_the_defaults() {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../infra/config/athenaeum.example.toml");
        let text = std::fs::read_to_string(&example).unwrap();
        let parsed: Config =
            toml::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", example.display()));
        assert_eq!(
            parsed,
            Config::default(),
            "infra/config/athenaeum.example.toml has drifted from the built-in defaults; regenerate it with `athenaeum config --defaults`"
        );
    }
}
