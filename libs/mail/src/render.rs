//! Turning a template name and its parameters into a subject and a body.
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
}
