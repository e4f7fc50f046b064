//! One `athenaeum` process as an operator would run it: spawned with an environment of
//! `ATHENAEUM__SECTION__KEY` settings, ready once it has printed its address and `/readyz`
//! answers 200, killed when dropped.
//!
//! Nothing here knows what the process serves; that is the deployment's business.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant};

/// How long a process may take from spawn to ready (migrations on a busy machine
/// included).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variables handed to a process, e.g. `ATHENAEUM__DATA__DIR`.
pub type Environment = BTreeMap<String, String>;

/// Returns the `athenaeum` binary under test: `ATHENAEUM_BIN` (set by `./scripts/test`),
/// or else the one beside this test executable's folder (`target/debug/athenaeum`).
///
/// Panics, saying how to build it, when it does not exist.
pub fn binary() -> PathBuf {
    let path = match std::env::var_os("ATHENAEUM_BIN").filter(|value| !value.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => {
            // target/debug/deps/<test executable> → target/debug/athenaeum
            let executable = std::env::current_exe().unwrap();
            executable.parent().and_then(Path::parent).unwrap().join("athenaeum")
        }
    };
    assert!(
        path.is_file(),
        "the athenaeum binary is not at {}: build it with `cargo build -p athenaeum --bin athenaeum` \
         or run the tests with ./scripts/test (which sets ATHENAEUM_BIN)",
        path.display()
    );
    path
}

/// Returns a command running the binary with exactly `environment` as its configuration:
/// settings inherited from the test's own environment are removed, so a developer's
/// `ATHENAEUM__…` variables cannot change what a test sees.
pub fn athenaeum_command(environment: &Environment) -> Command {
    let mut command = Command::new(binary());
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("ATHENAEUM__") || text == "ATHENAEUM_CONFIG" {
            command.env_remove(&name);
        }
    }
    command.env("NO_COLOR", "1").envs(environment);
    command
}

/// A running `athenaeum serve`. Dropping it kills the process.
pub struct Process {
    name: String,
    environment: Environment,
    services: Vec<String>,
    log_dir: PathBuf,
    child: Child,
    base_url: String,
    port: u16,
    internal_url: Option<String>,
}

impl Process {
    /// Starts `athenaeum serve` (with `--service` for each of `services`; none means
    /// all) and returns once it is ready. Its log goes to `<log_dir>/<name>.log`.
    ///
    /// Panics with the process's log when it exits or is not ready within
    /// [`START_TIMEOUT`].
    pub async fn start(
        name: &str,
        environment: &Environment,
        services: &[&str],
        log_dir: &Path,
    ) -> Process {
        match Process::try_start(name, environment, services, log_dir).await {
            Ok(process) => process,
            Err(failure) => panic!("{failure}"),
        }
    }

    /// Like [`start`](Self::start), but says what went wrong instead of panicking.
    pub async fn try_start(
        name: &str,
        environment: &Environment,
        services: &[&str],
        log_dir: &Path,
    ) -> Result<Process, String> {
        let log_path = log_dir.join(format!("{name}.log"));
        let log = OpenOptions::new().create(true).append(true).open(&log_path).unwrap();
        let mut command = athenaeum_command(environment);
        command.arg("serve");
        for service in services {
            command.args(["--service", service]);
        }
        let mut child = command
            .current_dir(log_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|error| format!("cannot run {}: {error}", binary().display()))?;
        let stdout = child.stdout.take().unwrap();
        let mut process = Process {
            name: name.to_string(),
            environment: environment.clone(),
            services: services.iter().map(|service| service.to_string()).collect(),
            log_dir: log_dir.to_path_buf(),
            child,
            base_url: String::new(),
            port: 0,
            internal_url: None,
        };
        // The banner is the only thing written to stdout; a thread reads it so that a
        // full pipe can never block the server.
        let (lines, banner) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        loop {
            match banner.try_recv() {
                Ok(line) => {
                    if let Some(internal_url) = url_in_banner(&line, "internal", "") {
                        process.internal_url = Some(internal_url);
                    }
                    if let Some(base_url) = url_in_banner(&line, "health", "/healthz") {
                        process.base_url = base_url;
                        break;
                    }
                    continue;
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
            }
            process.fail_if_gone_or_late(started, "print its address")?;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        process.port =
            process.base_url.rsplit_once(':').and_then(|(_, port)| port.parse().ok()).ok_or_else(
                || format!("{name} printed an address without a port: {}", process.base_url),
            )?;

        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        loop {
            let readiness = http.get(format!("{}/readyz", process.base_url)).send().await;
            if readiness.is_ok_and(|response| response.status() == 200) {
                return Ok(process);
            }
            process.fail_if_gone_or_late(started, "become ready")?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn fail_if_gone_or_late(&mut self, started: Instant, what: &str) -> Result<(), String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Err(format!(
                "{} exited with {status} before it could {what}; its log:\n{}",
                self.name,
                self.log()
            ));
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(format!(
                "{} did not {what} within {START_TIMEOUT:?}; its log:\n{}",
                self.name,
                self.log()
            ));
        }
        Ok(())
    }

    /// Returns the name its log is kept under, e.g. `gateway`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the base URL it serves, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// Returns the port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns the base URL of its internal listener, where other processes call its
    /// services, e.g. `http://127.0.0.1:41235`; `None` when it serves no internal routes.
    pub fn internal_url(&self) -> Option<&str> {
        self.internal_url.as_deref()
    }

    /// Returns the base URL other processes call its services at.
    ///
    /// Panics when it serves no internal routes.
    pub fn service_url(&self) -> &str {
        self.internal_url().unwrap_or_else(|| panic!("{} serves no internal routes", self.name))
    }

    /// Returns its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Returns the environment it was started with.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Returns everything it has logged so far (from every start of this name).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_dir.join(format!("{}.log", self.name))).unwrap_or_default()
    }

    /// Returns true while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills it with SIGKILL, as a crash or the OOM killer would, and reaps it.
    pub fn kill(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// Sends SIGTERM, as a service manager does to stop it, and returns at once.
    pub fn send_terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("cannot run kill(1)");
        assert!(status.success(), "kill -TERM {} failed", self.pid());
    }

    /// Waits for the process to exit and returns its status.
    ///
    /// Panics, with its log, when it still runs after `timeout`.
    pub async fn wait_for_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} still runs {timeout:?} after it was told to stop; its log:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts the same process again on the same port, after it stopped or was killed,
    /// with `changes` applied to its environment. Kills it first if it still runs.
    pub async fn restart(&mut self, changes: &[(&str, &str)]) {
        self.kill();
        let mut environment = self.environment.clone();
        environment.insert("ATHENAEUM__SERVER__LISTEN".into(), format!("127.0.0.1:{}", self.port));
        // The other processes keep calling it where they did.
        if let Some(internal) = &self.internal_url {
            environment.insert(
                "ATHENAEUM__SERVER__INTERNAL_LISTEN".into(),
                internal.trim_start_matches("http://").to_string(),
            );
        }
        for (name, value) in changes {
            environment.insert(name.to_string(), value.to_string());
        }
        let services: Vec<&str> = self.services.iter().map(String::as_str).collect();
        let restarted = Process::start(&self.name, &environment, &services, &self.log_dir).await;
        *self = restarted;
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads a base URL from a line of the banner: from the health line,
/// `  health        http://127.0.0.1:PORT/healthz  …` (which every process prints), with
/// `("health", "/healthz")`; from the internal line,
/// `  internal      http://127.0.0.1:PORT  /internal/… …` (which a process that serves
/// internal routes prints), with `("internal", "")`.
fn url_in_banner(line: &str, label: &str, suffix: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix(label)?;
    let url = rest.split_whitespace().next()?.strip_prefix("http://")?;
    url.strip_suffix(suffix).map(|base| format!("http://{base}"))
}

/// Returns a port that was free a moment ago, for a process whose address must be known
/// before it starts.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[cfg(test)]
mod tests {
    use super::url_in_banner;

    #[test]
    fn the_base_url_is_read_from_the_health_line_of_the_banner() {
        let line = "  health        http://127.0.0.1:4100/healthz  http://127.0.0.1:4100/readyz  http://127.0.0.1:4100/metrics";
        assert_eq!(
            url_in_banner(line, "health", "/healthz").as_deref(),
            Some("http://127.0.0.1:4100")
        );
        assert_eq!(
            url_in_banner("  GraphQL API   http://127.0.0.1:4100/graphql", "health", "/healthz"),
            None
        );
    }

    #[test]
    fn the_internal_url_is_read_from_the_internal_line_of_the_banner() {
        let line = "  internal      http://127.0.0.1:4101  /internal/identity (for the other processes only: keep it private)";
        assert_eq!(url_in_banner(line, "internal", "").as_deref(), Some("http://127.0.0.1:4101"));
    }
}
