//! Turning a template name and its parameters into a subject and a body, and into the
//! copy kept for operators to read, with its secrets withheld.
//!
//! The templates themselves belong to the services that send mail; this room only says
//! what a renderer must provide.

use crate::error::RenderError;

/// A message's text, ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// The subject line.
    pub subject: String,
    /// The plain-text body, always sent.
    pub text_body: String,
    /// An HTML alternative, sent beside the text when present.
    pub html_body: Option<String>,
}

/// Renders the templates of the mail a service sends.
///
/// Called on a blocking thread, once per attempt. An error (or a panic) counts as a
/// failed attempt, so a broken template ends up parked where operators see it.
pub trait MailRenderer: Send + Sync {
    /// Returns the subject and body of `template` filled in with `params`.
    fn render(
        &self,
        template: &str,
        params: &serde_json::Value,
    ) -> Result<RenderedMail, RenderError>;

    /// Returns the names of `template`'s parameters that only the recipient may see,
    /// such as a one-time link. The copy of each message kept in the outbox for
    /// operators to read is rendered with these replaced by [`WITHHELD`].
    fn secret_parameters(&self, template: &str) -> &'static [&'static str];
}

/// What the kept copy of a message shows in place of a secret parameter.
pub const WITHHELD: &str = "[withheld: only the recipient may see this]";

/// Returns `params` with each parameter named in `secrets` replaced by [`WITHHELD`].
pub(crate) fn withhold_secrets(params: &serde_json::Value, secrets: &[&str]) -> serde_json::Value {
    let mut withheld = params.clone();
    if let Some(object) = withheld.as_object_mut() {
        for name in secrets {
            if let Some(value) = object.get_mut(*name) {
                *value = serde_json::Value::String(WITHHELD.to_string());
            }
        }
    }
    withheld
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_withheld_and_the_other_parameters_kept() {
        let params =
            serde_json::json!({ "name": "Ada", "link": "https://x.example/?token=s3cret" });
        let withheld = withhold_secrets(&params, &["link", "absent"]);
        assert_eq!(withheld, serde_json::json!({ "name": "Ada", "link": WITHHELD }));
    }
}
