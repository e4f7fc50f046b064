//! Requests written by hand on a TCP connection, for what an HTTP client library will
//! not do: send a request's head and only part of its body, slowly or never, and read
//! the answer a server gives before the body is done.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// One connection carrying one request written by hand.
#[derive(Debug)]
pub struct RawRequest {
    stream: TcpStream,
    received: Vec<u8>,
    closed: bool,
}

impl RawRequest {
    /// Connects to `base_url` (`http://host:port`) and sends the head of `method path`
    /// with `headers` (the `Host` header is added), then `body_start`.
    ///
    /// Panics when the connection cannot be made.
    pub async fn start(
        base_url: &str,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body_start: &[u8],
    ) -> RawRequest {
        let host = base_url.trim_start_matches("http://").trim_end_matches('/');
        let stream = TcpStream::connect(host)
            .await
            .unwrap_or_else(|error| panic!("connecting to {host}: {error}"));
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = RawRequest { stream, received: Vec::new(), closed: false };
        request.send(head.as_bytes()).await;
        request.send(body_start).await;
        request
    }

    /// Sends more of the body; returns false when the server no longer takes it (it
    /// answered and closed the connection, or cut it).
    pub async fn send(&mut self, bytes: &[u8]) -> bool {
        if self.closed {
            return false;
        }
        if bytes.is_empty() {
            return true;
        }
        let sent = self.stream.write_all(bytes).await.is_ok() && self.stream.flush().await.is_ok();
        if !sent {
            self.closed = true;
        }
        sent
    }

    /// Waits up to `limit` for the answer's status line and returns its status; `None`
    /// when none came in that time or the connection closed without one.
    pub async fn status_within(&mut self, limit: Duration) -> Option<u16> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.status() {
                return Some(status);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let mut buffer = [0_u8; 4096];
            match tokio::time::timeout(left, self.stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.closed = true;
                    return self.status();
                }
                Ok(Ok(read)) => self.received.extend_from_slice(&buffer[..read]),
                Err(_) => return None,
            }
        }
    }

    /// Returns what has been received of the answer so far, as text.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }

    fn status(&self) -> Option<u16> {
        let text = std::str::from_utf8(&self.received).ok()?;
        let line = text.split("\r\n").next().filter(|_| text.contains("\r\n"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

/// The start of a GraphQL multipart request (`importMarc` of one file) whose file part is
/// left open, for a body that continues with the file's bytes; its boundary is
/// [`MULTIPART_BOUNDARY`].
pub fn multipart_upload_start() -> Vec<u8> {
    let operations = r#"{"query":"mutation($file: Upload!) { importMarc(file: $file) { id } }","variables":{"file":null}}"#;
    format!(
        "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n\
         --{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"records.mrc\"\r\n\
         Content-Type: application/marc\r\n\r\n"
    )
    .into_bytes()
}

/// The boundary of [`multipart_upload_start`]'s body.
pub const MULTIPART_BOUNDARY: &str = "athenaeum-test-boundary";
