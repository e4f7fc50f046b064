//! The mail identity sends: invitations, password resets, email verification and the
//! warning that someone keeps failing to sign in to an account. The
//! outbox stores the template name and parameters; these templates turn them into text
//! when the worker sends. They only render: what is queued, and when, is the service's
//! decision.

use athenaeum_mail::{MailRenderer, RenderError, RenderedMail};
use serde_json::Value;

/// The template of an invitation to choose a password.
pub const INVITATION: &str = "invitation";
/// The template of a password-reset link.
pub const PASSWORD_RESET: &str = "password_reset";
/// The template of an email-verification link.
pub const EMAIL_VERIFICATION: &str = "email_verification";
/// The template of the warning that someone keeps failing to sign in to an account.
pub const SIGN_IN_WARNING: &str = "sign_in_warning";

/// Renders identity's templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityMail;

impl MailRenderer for IdentityMail {
    fn render(&self, template: &str, params: &Value) -> Result<RenderedMail, RenderError> {
        let text = |name: &str| {
            params.get(name).and_then(Value::as_str).map(str::to_string).ok_or_else(|| {
                RenderError::MissingParameter { template: template.into(), parameter: name.into() }
            })
        };
        let (subject, text_body) = match template {
            INVITATION => {
                let library = text("tenant_name")?;
                (
                    format!("You are invited to {library} on Athenaeum"),
                    format!(
                        "Hello {name},\n\n\
                         You have been given an account at {library}. To start, choose your \
                         password here:\n\n{link}\n\n\
                         The link works once and expires in {hours} hours. If you did not \
                         expect this, you can ignore this message.\n",
                        name = text("display_name")?,
                        link = text("link")?,
                        hours = text("expires_in_hours")?,
                    ),
                )
            }
            PASSWORD_RESET => (
                "Reset your Athenaeum password".to_string(),
                format!(
                    "Hello {name},\n\n\
                     Someone asked to reset the password of your account at {library}. To \
                     choose a new password, open:\n\n{link}\n\n\
                     The link works once and expires in {minutes} minutes. If it was not you, \
                     ignore this message: your password has not changed.\n",
                    name = text("display_name")?,
                    library = text("tenant_name")?,
                    link = text("link")?,
                    minutes = text("expires_in_minutes")?,
                ),
            ),
            EMAIL_VERIFICATION => (
                "Confirm your email address".to_string(),
                format!(
                    "Hello {name},\n\n\
                     Please confirm that this is your address for your account at {library}:\
                     \n\n{link}\n\nThe link works once and expires in {hours} hours.\n",
                    name = text("display_name")?,
                    library = text("tenant_name")?,
                    link = text("link")?,
                    hours = text("expires_in_hours")?,
                ),
            ),
            SIGN_IN_WARNING => (
                "Someone is trying to sign in to your account".to_string(),
                format!(
                    "Hello {name},\n\n\
                     Someone has tried {failures} times to sign in to your account at \
                     {library} with a wrong password. Each further wrong try makes them \
                     wait longer, and your own sign-ins keep working.\n\n\
                     If it was you, there is nothing to do. If it was not, make sure your \
                     password is long and used nowhere else, and change it once you are \
                     signed in.\n",
                    name = text("display_name")?,
                    failures = text("failures")?,
                    library = text("tenant_name")?,
                ),
            ),
            other => return Err(RenderError::UnknownTemplate(other.to_string())),
        };
        Ok(RenderedMail { subject, text_body, html_body: None })
    }

    fn secret_parameters(&self, template: &str) -> &'static [&'static str] {
        match template {
            // Whoever holds the link can set the account's password or confirm its address.
            INVITATION | PASSWORD_RESET | EMAIL_VERIFICATION => &["link"],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_names_the_library_and_carries_the_link() {
        let params = serde_json::json!({
            "tenant_name": "Northshire Libraries",
            "display_name": "Ada",
            "link": "http://127.0.0.1:8080/accept-invitation?token=abc",
            "expires_in_hours": "72",
        });
        let mail = IdentityMail.render(INVITATION, &params).unwrap();
        assert!(mail.subject.contains("Northshire Libraries"));
        assert!(mail.text_body.contains("http://127.0.0.1:8080/accept-invitation?token=abc"));
        let missing = IdentityMail.render(PASSWORD_RESET, &params).unwrap_err();
        assert!(matches!(missing, RenderError::MissingParameter { .. }), "{missing:?}");
    }

    #[test]
    fn the_sign_in_warning_says_how_often_and_where() {
        let params = serde_json::json!({
            "tenant_name": "Northshire Libraries",
            "display_name": "Ada",
            "failures": "10",
        });
        let mail = IdentityMail.render(SIGN_IN_WARNING, &params).unwrap();
        assert!(mail.text_body.contains("tried 10 times"), "{}", mail.text_body);
        assert!(mail.text_body.contains("Northshire Libraries"), "{}", mail.text_body);
    }
}
