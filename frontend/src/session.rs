//! Who is visiting: a sealed session cookie (HttpOnly, SameSite=Lax, Secure outside
//! localhost) carrying the visitor's access and refresh tokens, refreshed transparently
//! when the access token is near its end; and a form secret cookie from which every
//! form's CSRF token is derived.
//!
//! The session cookie has no expiry date: it ends when the browser is closed, which on a
//! library's shared PC is what a patron expects. Signing out ends the refresh token's
//! session on the server too, and with it every access token of that session.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use athenaeum_auth::{Caller, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Web;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "athenaeum_session";
/// The form secret cookie's name.
pub const FORM_COOKIE: &str = "athenaeum_form";
/// The hidden field every form carries its CSRF token in.
pub const FORM_TOKEN_FIELD: &str = "csrf";

/// What the session cookie holds, sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The access token.
    pub access: String,
    /// When it ends (seconds since 1970).
    pub access_until: i64,
    /// The refresh token.
    pub refresh: String,
    /// The person's name, for the header.
    #[serde(default)]
    pub name: String,
}

/// The visitor of one request.
#[derive(Debug, Default)]
pub struct Visitor {
    /// The signed-in caller, verified.
    pub caller: Option<Caller>,
    /// Their name, for the header.
    pub display_name: String,
    session: Option<Session>,
    form_secret: String,
    /// Cookies to set on the response (a refreshed or ended session, a new form secret).
    set_cookies: Vec<String>,
}

/// The session a sign-in (or invitation acceptance) returned, as the GraphQL `Session`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedSession {
    /// The access token.
    pub access_token: String,
    /// When it ends.
    pub access_token_expires_at: DateTime<Utc>,
    /// The refresh token.
    pub refresh_token: String,
    /// Whose session it is.
    pub account: SessionAccount,
}

/// The account a session belongs to.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAccount {
    /// The person's name.
    pub display_name: String,
}

const REFRESH_DOCUMENT: &str = include_str!("../templates/account/refresh.graphql");

impl Visitor {
    /// Reads the visitor's cookies; refreshes an access token that has ended (or is about
    /// to), and forgets a session that was signed out elsewhere.
    pub async fn read(request: &HttpRequest, web: &Web) -> Visitor {
        let mut visitor = Visitor::default();
        match cookie(request, FORM_COOKIE).filter(|secret| secret.len() >= 16) {
            Some(secret) => visitor.form_secret = secret,
            None => visitor.new_form_secret(web),
        }
        let Some(sealed) = cookie(request, SESSION_COOKIE) else { return visitor };
        let Some(mut session) =
            web.keys.open(&sealed).and_then(|plain| serde_json::from_slice::<Session>(&plain).ok())
        else {
            visitor.end_session(web);
            return visitor;
        };
        if session.access_until - 30 <= Utc::now().timestamp() {
            match web
                .anonymous::<RefreshData>(
                    request,
                    REFRESH_DOCUMENT,
                    json!({ "refreshToken": session.refresh }),
                )
                .await
            {
                Ok(data) => {
                    session = Session {
                        access: data.refresh_session.access_token,
                        access_until: data.refresh_session.access_token_expires_at.timestamp(),
                        refresh: data.refresh_session.refresh_token,
                        name: data.refresh_session.account.display_name,
                    };
                    visitor.keep_session(web, &session);
                }
                // Another request of this browser may have refreshed it a moment ago (the
                // old refresh token then no longer works): the access token serves until
                // it has really ended, and the browser's newer cookie takes over.
                Err(_) if web.gateway.verifier.verify(&session.access).is_ok() => {}
                Err(_) => {
                    visitor.end_session(web);
                    return visitor;
                }
            }
        }
        match web.gateway.verifier.verify(&session.access) {
            Ok(caller) => {
                visitor.caller = Some(caller);
                visitor.display_name.clone_from(&session.name);
                visitor.session = Some(session);
            }
            Err(_) => visitor.end_session(web),
        }
        visitor
    }

    /// The access token, when signed in.
    pub fn access_token(&self) -> Option<&str> {
        self.session.as_ref().map(|session| session.access.as_str())
    }

    /// The refresh token, when signed in.
    pub fn refresh_token(&self) -> Option<&str> {
        self.session.as_ref().map(|session| session.refresh.as_str())
    }

    /// Whether the visitor is signed in to the library with this slug.
    pub fn belongs_to(&self, slug: &str) -> bool {
        self.caller.as_ref().is_some_and(|caller| caller.tenant_slug() == slug)
    }

    /// Whether the visitor is staff (or an admin) of the library with this slug.
    pub fn is_staff_of(&self, slug: &str) -> bool {
        self.belongs_to(slug) && self.caller.as_ref().is_some_and(Caller::is_staff)
    }

    /// Whether the visitor is an admin of the library with this slug.
    pub fn is_admin_of(&self, slug: &str) -> bool {
        self.belongs_to(slug)
            && self.caller.as_ref().is_some_and(|caller| caller.has_role(Role::Admin))
    }

    /// Whether the visitor is a platform operator.
    pub fn is_operator(&self) -> bool {
        self.caller.as_ref().is_some_and(|caller| caller.has_role(Role::Operator))
    }

    /// The token a form must carry back.
    pub fn form_token(&self, web: &Web) -> String {
        web.keys.form_token(&self.form_secret)
    }

    /// Whether a posted form's token is this browser's.
    pub fn form_token_matches(&self, web: &Web, token: &str) -> bool {
        !self.form_secret.is_empty() && web.keys.form_token_matches(&self.form_secret, token)
    }

    /// Starts a session from a sign-in's tokens; the form secret is renewed with it.
    pub fn start_session(&mut self, web: &Web, issued: &IssuedSession) {
        let session = Session {
            access: issued.access_token.clone(),
            access_until: issued.access_token_expires_at.timestamp(),
            refresh: issued.refresh_token.clone(),
            name: issued.account.display_name.clone(),
        };
        self.keep_session(web, &session);
        self.new_form_secret(web);
        self.display_name.clone_from(&session.name);
        self.caller = web.gateway.verifier.verify(&session.access).ok();
        self.session = Some(session);
    }

    /// Forgets the session in this browser.
    pub fn end_session(&mut self, web: &Web) {
        self.session = None;
        self.caller = None;
        self.set_cookie(
            SESSION_COOKIE,
            format!(
                "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
                web.secure_suffix()
            ),
        );
    }

    fn keep_session(&mut self, web: &Web, session: &Session) {
        let Some(sealed) = serde_json::to_vec(session).ok().and_then(|plain| web.keys.seal(&plain))
        else {
            return;
        };
        self.set_cookie(
            SESSION_COOKIE,
            format!(
                "{SESSION_COOKIE}={sealed}; Path=/; HttpOnly; SameSite=Lax{}",
                web.secure_suffix()
            ),
        );
    }

    fn new_form_secret(&mut self, web: &Web) {
        self.form_secret = web.keys.random_secret();
        self.set_cookie(
            FORM_COOKIE,
            format!(
                "{FORM_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{}",
                self.form_secret,
                web.secure_suffix()
            ),
        );
    }

    /// Sets a cookie on the response, replacing what this request set for it before (a
    /// session refreshed and then ended is sent ended, once).
    fn set_cookie(&mut self, name: &str, header: String) {
        let prefix = format!("{name}=");
        self.set_cookies.retain(|cookie| !cookie.starts_with(&prefix));
        self.set_cookies.push(header);
    }

    /// Adds the cookies this request changed to its response.
    pub fn finish(&self, mut response: HttpResponse) -> HttpResponse {
        for cookie in &self.set_cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshData {
    refresh_session: IssuedSession,
}

/// The value of a request's cookie.
pub fn cookie(request: &HttpRequest, name: &str) -> Option<String> {
    request.headers().get_all(header::COOKIE).filter_map(|value| value.to_str().ok()).find_map(
        |line| {
            line.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                (key == name).then(|| value.to_string())
            })
        },
    )
}

/// Whether an address to return to after signing in is one of this site's own: a path
/// that starts with one `/`, not `//` (another host) nor `/\` (which browsers read as
/// `//`), with no control characters.
pub fn is_own_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::is_own_path;

    #[test]
    fn only_this_sites_own_paths_are_followed_after_signing_in() {
        assert!(is_own_path("/northshire/staff/"));
        assert!(is_own_path("/northshire/search?q=a"));
        for foreign in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "evil.example",
            "javascript:alert(1)",
            "/\nLocation: x",
            "",
        ] {
            assert!(!is_own_path(foreign), "{foreign:?}");
        }
    }
}
