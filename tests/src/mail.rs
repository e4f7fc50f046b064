//! The mail the platform sends with its file transport (the embedded default): one `.eml`
//! file per message in the data folder's `mail/`, read back as a person's mail client
//! would show it (headers unfolded, quoted-printable undone).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// One message as its recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The `To` header.
    pub to: String,
    /// The `Subject` header.
    pub subject: String,
    /// The decoded text body.
    pub body: String,
    /// The file it was read from.
    pub file: PathBuf,
}

impl Mail {
    /// Returns true when the message is addressed to `address` (compared without case,
    /// as mail addresses are in practice).
    pub fn is_to(&self, address: &str) -> bool {
        self.to.to_lowercase().contains(&address.to_lowercase())
    }

    /// Returns the first link in the body whose path starts with `path`, e.g.
    /// `/accept-invitation?token=`.
    pub fn link(&self, path: &str) -> Option<String> {
        link_in(&self.body, path)
    }
}

/// Returns the first whitespace-separated word of `text` that is a link containing `path`.
pub fn link_in(text: &str, path: &str) -> Option<String> {
    text.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(path))
        .map(str::to_string)
}

/// Returns the token of a one-time link (`…?token=…`).
pub fn token_of(link: &str) -> String {
    let (_, token) =
        link.split_once("token=").unwrap_or_else(|| panic!("the link {link} carries no token"));
    token.split('&').next().unwrap_or(token).to_string()
}

/// Returns every message in `folder`, oldest first. A missing folder holds none.
pub fn read_mail_folder(folder: &Path) -> Vec<Mail> {
    let mut found: Vec<(SystemTime, Mail)> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let modified = std::fs::metadata(&path).and_then(|meta| meta.modified()).ok()?;
            Some((modified, parse_message(&text, path)))
        })
        .collect();
    found.sort_by(|left, right| left.0.cmp(&right.0).then_with(|| left.1.file.cmp(&right.1.file)));
    found.into_iter().map(|(_, mail)| mail).collect()
}

/// Waits until `folder` holds a message for which `wanted` is true and returns the newest
/// such message.
///
/// Panics after `timeout`, listing what did arrive.
pub async fn wait_for_mail(
    folder: &Path,
    timeout: Duration,
    wanted: impl Fn(&Mail) -> bool,
) -> Mail {
    let deadline = Instant::now() + timeout;
    loop {
        let mail = read_mail_folder(folder);
        if let Some(found) = mail.iter().rev().find(|message| wanted(message)) {
            return found.clone();
        }
        if Instant::now() >= deadline {
            let seen: Vec<String> = mail
                .iter()
                .map(|message| format!("{} «{}»", message.to, message.subject))
                .collect();
            panic!(
                "the expected mail did not arrive in {} within {timeout:?}; it holds: {seen:?}",
                folder.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Parses an RFC 5322 message: unfolds the headers and decodes a quoted-printable body.
pub fn parse_message(text: &str, file: PathBuf) -> Mail {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_lowercase(), value.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(found, _)| found == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let body = if header("content-transfer-encoding").eq_ignore_ascii_case("quoted-printable") {
        decode_quoted_printable(body)
    } else {
        body.to_string()
    };
    Mail { to: header("to"), subject: header("subject"), body, file }
}

/// Undoes quoted-printable encoding (RFC 2045): soft line breaks `=\n` disappear and
/// `=XX` becomes the byte XX.
pub fn decode_quoted_printable(text: &str) -> String {
    let bytes = text.replace("=\r\n", "").replace("=\n", "").into_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes.get(index + 1..index + 3).and_then(|pair| {
            std::str::from_utf8(pair).ok().and_then(|pair| u8::from_str_radix(pair, 16).ok())
        });
        match (bytes[index], hex) {
            (b'=', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_soft_wrapped_link_is_read_whole() {
        let message = "From: Athenaeum <no-reply@localhost>\nTo: ada@north.test\nSubject: You\n are invited\n\
                       Content-Transfer-Encoding: quoted-printable\n\n\
                       Choose a password:\n\nhttp://127.0.0.1:1/accept-invitation?token=3D0190=\nabc.d=C3=A9f\n";
        let mail = parse_message(message, PathBuf::from("x.eml"));
        assert_eq!(mail.to, "ada@north.test");
        assert_eq!(mail.subject, "You are invited");
        let link = mail.link("/accept-invitation?token=").unwrap();
        assert_eq!(link, "http://127.0.0.1:1/accept-invitation?token=0190abc.déf");
        assert_eq!(token_of(&link), "0190abc.déf");
    }
}
