//! A real SMTP server for tests: aiosmtpd (Python) in its own process on a free port of
//! 127.0.0.1, storing every message it accepts in a maildir that tests read back.
//!
//! Tests stop and restart it to play a mail outage. It never skips: when python3 or
//! aiosmtpd is missing it panics and says how to get them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// How long the server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads every message of a maildir with Python's own mail parser and prints them as
/// JSON, with the subject's encoded words and the body's transfer encoding undone.
const READ_MAILDIR: &str = r#"
import json, os, sys
from email import policy
from email.parser import BytesParser

root = sys.argv[1]
names = []
for folder in ("cur", "new"):
    path = os.path.join(root, folder)
    if os.path.isdir(path):
        names += [os.path.join(path, name) for name in os.listdir(path)]
# Maildir names start with the delivery time, so this is arrival order.
names.sort(key=os.path.basename)
found = []
for name in names:
    with open(name, "rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    body = message.get_body(preferencelist=("plain", "html"))
    found.append({
        "to": message.get("X-RcptTo", ""),
        "from": message.get("X-MailFrom", ""),
        "subject": str(message.get("Subject", "")),
        "message_id": str(message.get("Message-ID", "")),
        "body": body.get_content() if body is not None else "",
        "raw": open(name, "rb").read().decode("utf-8", "replace"),
    })
json.dump(found, sys.stdout)
"#;

/// A message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope recipients (`RCPT TO`), comma-separated.
    pub to: String,
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The decoded subject.
    pub subject: String,
    /// The decoded plain-text body (the HTML one if there is no plain part), with `\n`
    /// line ends and no trailing line end.
    pub body: String,
    /// The `Message-ID` header.
    pub message_id: String,
    /// The whole message as stored.
    pub raw: String,
}

/// A running aiosmtpd process; killed when dropped.
pub struct SmtpServer {
    port: u16,
    root: tempfile::TempDir,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts a server on a free port of 127.0.0.1 and returns once it greets clients.
    ///
    /// Panics when python3 or aiosmtpd is missing, or the server does not start.
    pub async fn start() -> SmtpServer {
        check_aiosmtpd_installed().await;
        let root = tempfile::Builder::new().prefix("athenaeum-smtp-").tempdir().unwrap();
        let mut server = SmtpServer { port: 0, root, child: None };
        // Another process may take the free port between picking and binding it.
        let mut last_failure = String::new();
        for _ in 0..5 {
            server.port = free_port();
            match server.launch().await {
                Ok(()) => return server,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("the test SMTP server did not start: {last_failure}");
    }

    /// Returns the port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns the host the server listens on.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// Returns the maildir the server stores messages in.
    pub fn maildir(&self) -> PathBuf {
        self.root.path().join("maildir")
    }

    /// Returns true while the server process runs.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server and waits for it to exit; connections are refused until
    /// [`start_again`](Self::start_again). Received messages are kept.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the server again on the same port, after [`stop`](Self::stop).
    ///
    /// Panics if it does not start (for instance if the port was taken meanwhile).
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "the test SMTP server is already running");
        if let Err(failure) = self.launch().await {
            panic!("the test SMTP server did not start again on port {}: {failure}", self.port);
        }
    }

    /// Returns how many messages the server has stored so far. Cheap: counts files.
    pub fn message_count(&self) -> usize {
        ["new", "cur"]
            .iter()
            .map(|folder| match std::fs::read_dir(self.maildir().join(folder)) {
                Ok(entries) => entries.filter_map(Result::ok).count(),
                Err(_) => 0,
            })
            .sum()
    }

    /// Returns every message the server has stored, in the order they arrived.
    pub async fn messages(&self) -> Vec<ReceivedMail> {
        let output = Command::new("python3")
            .arg("-c")
            .arg(READ_MAILDIR)
            .arg(self.maildir())
            .output()
            .await
            .expect("cannot run python3 to read the test SMTP server's maildir");
        assert!(
            output.status.success(),
            "reading the test SMTP server's maildir failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let text = |entry: &serde_json::Value, key: &str| {
            entry.get(key).and_then(serde_json::Value::as_str).unwrap_or_default().to_string()
        };
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| ReceivedMail {
                to: text(entry, "to"),
                from: text(entry, "from"),
                subject: text(entry, "subject"),
                body: text(entry, "body").replace("\r\n", "\n").trim_end_matches('\n').to_string(),
                message_id: text(entry, "message_id"),
                raw: text(entry, "raw"),
            })
            .collect()
    }

    /// Waits until the server has stored at least `count` messages and returns them all.
    ///
    /// Panics after `timeout`, saying how many arrived.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        while self.message_count() < count {
            if Instant::now() >= deadline {
                panic!(
                    "expected {count} messages at the test SMTP server within {timeout:?}, \
                     {} arrived",
                    self.message_count()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.messages().await
    }

    async fn launch(&mut self) -> Result<(), String> {
        let log_path = self.root.path().join(format!("aiosmtpd-{}.log", self.port));
        let log = std::fs::File::create(&log_path).unwrap();
        let mut child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("cannot run python3: {error}"))?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("aiosmtpd exited with {status}: {}", read_log(&log_path)));
            }
            if greets(self.port).await {
                self.child = Some(child);
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill().await;
                return Err(format!(
                    "aiosmtpd did not listen on port {} within {START_TIMEOUT:?}: {}",
                    self.port,
                    read_log(&log_path)
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The runtime reaps the killed process.
            let _ = child.start_kill();
        }
    }
}

/// Returns true when an SMTP server answers on the port with its `220` greeting.
async fn greets(port: u16) -> bool {
    let Ok(Ok(stream)) = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(("127.0.0.1", port)),
    )
    .await
    else {
        return false;
    };
    let mut reader = tokio::io::BufReader::new(stream);
    let mut greeting = String::new();
    matches!(
        tokio::time::timeout(Duration::from_secs(2), reader.read_line(&mut greeting)).await,
        Ok(Ok(_))
    ) && greeting.starts_with("220")
}

async fn check_aiosmtpd_installed() {
    let outcome = Command::new("python3").args(["-c", "import aiosmtpd"]).output().await;
    match outcome {
        Ok(output) if output.status.success() => {}
        Ok(_) => panic!(
            "the Python SMTP server aiosmtpd is not installed; the mail tests send through it. \
             Run the tests with ./scripts/test, which installs it (or: python3 -m pip install aiosmtpd)"
        ),
        Err(error) => panic!(
            "python3 cannot be run ({error}); the mail tests need it for the aiosmtpd SMTP \
             server. Install Python 3, then run the tests with ./scripts/test"
        ),
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default().trim().to_string()
}
