//! The whole application, started in this process on port 0 on a benchmark's databases,
//! and the library the benchmarks onboard.

use std::collections::BTreeMap;
use std::path::Path;

use std::sync::Arc;

use athenaeum::{Application, Config};
use athenaeum_identity::IdentityService;
use athenaeum_identity::api::OnboardTenant;
use athenaeum_mail::MailWorker;
use athenaeum_testkit::TestDatabases;

/// The library's slug.
pub const TENANT_SLUG: &str = "northshire";
/// The library's first administrator, who is invited by email.
pub const ADMIN_EMAIL: &str = "admin@northshire.example";

/// Returns the library the benchmarks onboard, with its first administrator.
pub fn library() -> OnboardTenant {
    OnboardTenant {
        slug: TENANT_SLUG.into(),
        name: "Northshire Libraries".into(),
        time_zone: "Europe/London".into(),
        contact_email: "libraries@northshire.example".into(),
        admin_email: ADMIN_EMAIL.into(),
        admin_display_name: "Ada Administrator".into(),
    }
}

/// Returns the configuration of every service on `databases`, listening on a free
/// loopback port, with `settings` (`ATHENAEUM__…` variables and their values) on top.
pub fn bench_config(databases: &TestDatabases, settings: &[(&str, &str)]) -> Config {
    config_on(&databases.config.url, &databases.data_path(), settings)
}

/// Returns the configuration of every service on the database at `url` (empty for
/// SQLite files in `data_dir`), with its data in `data_dir`, listening on a free loopback
/// port, with `settings` (`ATHENAEUM__…` variables and their values) on top. The
/// application migrates the databases when it starts.
pub fn config_on(url: &str, data_dir: &Path, settings: &[(&str, &str)]) -> Config {
    let environment: BTreeMap<String, String> = [
        ("ATHENAEUM__SERVER__LISTEN", "127.0.0.1:0".to_string()),
        ("ATHENAEUM__DATA__DIR", data_dir.display().to_string()),
        ("ATHENAEUM__DATABASE__URL", url.to_string()),
    ]
    .into_iter()
    .chain(settings.iter().map(|&(name, value)| (name, value.to_string())))
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    Config::load(None, &environment).expect("the benchmark's configuration loads")
}

/// Builds identity on `config` beside the application, as the command line does, with
/// `public_url` in the links it mails; its mail worker is returned, not started.
pub async fn identity(config: &Config, public_url: &str) -> (Arc<IdentityService>, MailWorker) {
    athenaeum_identity::build(&config.process_context(), &config.identity, &config.mail, public_url)
        .await
        .expect("the identity service opens")
}

/// The application running in this process.
pub struct RunningApp {
    /// Where it listens: `http://127.0.0.1:<port>`.
    pub base: String,
    pub config: Config,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningApp {
    /// Builds the application with every service on `config` and serves it on a task.
    pub async fn start(config: &Config) -> RunningApp {
        let application =
            Application::build(config.clone(), &[]).await.expect("the application starts");
        let base = format!("http://127.0.0.1:{}", application.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(application.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        RunningApp { base, config: config.clone(), stop, running }
    }

    /// Stops the server and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.running.await.expect("the server task ends").expect("the server stops cleanly");
    }
}
