//! The mail circulation sends patrons: courtesy reminders, overdue notices, holds ready
//! and expired, and a blocked account. The outbox stores each template's name and
//! parameters; this room turns them into plain English with the library's and branch's
//! names. It only renders: what is sent, and when, is the notice job's decision.

use athenaeum_mail::{MailRenderer, RenderError, RenderedMail};
use serde_json::Value;

/// A loan falls due soon.
pub const COURTESY: &str = "courtesy";
/// A loan is overdue.
pub const OVERDUE_FIRST: &str = "overdue_first";
/// A loan is still overdue.
pub const OVERDUE_SECOND: &str = "overdue_second";
/// A hold waits on the holds shelf.
pub const HOLD_READY: &str = "hold_ready";
/// A hold ended without the patron getting the item.
pub const HOLD_EXPIRED: &str = "hold_expired";
/// Staff blocked the account.
pub const ACCOUNT_BLOCKED: &str = "account_blocked";

/// Renders circulation's templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct CirculationMail;

impl MailRenderer for CirculationMail {
    fn render(&self, template: &str, params: &Value) -> Result<RenderedMail, RenderError> {
        let text = |name: &str| {
            params.get(name).and_then(Value::as_str).map(str::to_string).ok_or_else(|| {
                RenderError::MissingParameter { template: template.into(), parameter: name.into() }
            })
        };
        let name = text("patron_name")?;
        let library = text("library_name")?;
        let branch = text("branch_name")?;
        let signature = format!("\n{branch}\n{library}\n");
        let (subject, body) = match template {
            COURTESY => (
                format!("Due soon: {}", text("title")?),
                format!(
                    "Hello {name},\n\n“{title}” (item {barcode}), borrowed from {branch}, is due back on {due}.\n\n\
                     You can renew it online from your account, or return it to any of our branches.\n",
                    title = text("title")?,
                    barcode = text("barcode")?,
                    due = text("due")?,
                ),
            ),
            OVERDUE_FIRST | OVERDUE_SECOND => (
                if template == OVERDUE_FIRST {
                    format!("Overdue: {}", text("title")?)
                } else {
                    format!("Still overdue: {}", text("title")?)
                },
                format!(
                    "Hello {name},\n\n“{title}” (item {barcode}), borrowed from {branch}, was due back on {due}.\n\n\
                     Please return it to any of our branches, or renew it online if you may. {fine}\n",
                    title = text("title")?,
                    barcode = text("barcode")?,
                    due = text("due")?,
                    fine = text("fine")?,
                ),
            ),
            HOLD_READY => (
                format!("Ready to collect: {}", text("title")?),
                format!(
                    "Hello {name},\n\n“{title}”, which you asked for, is waiting for you at {branch}. \
                     Please collect it by {pickup_by}; after that it goes to the next person waiting.\n",
                    title = text("title")?,
                    pickup_by = text("pickup_by")?,
                ),
            ),
            HOLD_EXPIRED => (
                format!("Your hold has ended: {}", text("title")?),
                format!(
                    "Hello {name},\n\nYour hold on “{title}” at {branch} has ended: it was {reason}. \
                     You can place a new hold from the catalogue at any time.\n",
                    title = text("title")?,
                    reason = text("reason")?,
                ),
            ),
            ACCOUNT_BLOCKED => (
                "Your library account is blocked".to_string(),
                format!(
                    "Hello {name},\n\nYour account has been blocked, so you cannot borrow or renew for now. \
                     The reason given: {reason}.\n\nPlease speak to us at {branch} or any of our branches to sort it out.\n",
                    reason = text("reason")?,
                ),
            ),
            other => return Err(RenderError::UnknownTemplate(other.to_string())),
        };
        Ok(RenderedMail { subject, text_body: format!("{body}{signature}"), html_body: None })
    }

    fn secret_parameters(&self, _template: &str) -> &'static [&'static str] {
        &[]
    }
}
