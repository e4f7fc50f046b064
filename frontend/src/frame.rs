//! What every page shares: the frame around it (title, library, visitor, form token,
//! error summary), form fields that always carry their label, hint and error, the
//! responses (a page, a 303 redirect, an error page) and their headers.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use askama::Template;
use async_graphql::ServerError;
use serde::Deserialize;

use crate::Web;
use crate::session::Visitor;

/// The policy of every page: scripts, styles and images from this site only, no inline
/// script or style, forms post here only, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The library a page belongs to, as its header shows it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LibraryHead {
    /// Its slug, the first part of its addresses.
    pub slug: String,
    /// Its name.
    pub name: String,
}

/// One problem to show in the error summary, linked to its field when it has one.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The field's id (`None`: a problem with the whole form or page).
    pub field: Option<String>,
    /// What is wrong and how to put it right.
    pub message: String,
}

/// The frame every page is drawn in.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// The page's title, also its one `<h1>`.
    pub title: String,
    /// The library whose page this is.
    pub library: Option<LibraryHead>,
    /// Who is signed in: their name.
    pub signed_in_as: Option<String>,
    /// The visitor's library's slug, when signed in.
    pub home_slug: String,
    /// Signed in to this page's library: the link to their own account shows.
    pub member: bool,
    /// Staff of this page's library: the staff link shows.
    pub staff: bool,
    /// An admin of this page's library: the settings link shows.
    pub admin: bool,
    /// An operator: the operator link shows.
    pub operator: bool,
    /// The form token forms carry back.
    pub token: String,
    /// The error summary.
    pub problems: Vec<Problem>,
    /// A confirmation to show at the top.
    pub notice: Option<String>,
    /// Module scripts that enhance this page, by file name under `/assets/`.
    pub scripts: Vec<&'static str>,
    /// The submitted values of the page's form, kept when it comes back with errors.
    pub values: HashMap<String, String>,
}

impl Frame {
    /// A frame for a page titled `title`, for this visitor, of `library` (if any).
    pub fn new(
        web: &Web,
        visitor: &Visitor,
        title: impl Into<String>,
        library: Option<LibraryHead>,
    ) -> Frame {
        let slug = library.as_ref().map(|library| library.slug.clone());
        let caller = visitor.caller.as_ref();
        Frame {
            title: title.into(),
            member: slug.as_deref().is_some_and(|slug| visitor.belongs_to(slug)),
            staff: slug.as_deref().is_some_and(|slug| visitor.is_staff_of(slug)),
            admin: slug.as_deref().is_some_and(|slug| visitor.is_admin_of(slug)),
            operator: visitor.is_operator(),
            signed_in_as: caller.map(|_| visitor.display_name.clone()),
            home_slug: caller.map(|caller| caller.tenant_slug().to_string()).unwrap_or_default(),
            library,
            token: visitor.form_token(web),
            ..Frame::default()
        }
    }

    /// Adds a problem with a field.
    pub fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem { field: Some(field.to_string()), message: message.into() });
    }

    /// Adds the errors an API call answered; each names its field where the API did
    /// (`fields` maps the API's field names to the form's).
    pub fn api_problems(&mut self, error: &PageError, fields: &[(&str, &str)]) {
        for problem in &error.problems {
            let field = problem.field.as_deref().and_then(|api| {
                fields.iter().find(|(name, _)| *name == api).map(|(_, form)| (*form).to_string())
            });
            self.problems.push(Problem { field, message: sentence(&problem.message) });
        }
    }

    /// The value typed into a field, to show it again.
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// The problem with a field, if any.
    pub fn error(&self, field: &str) -> &str {
        self.problems
            .iter()
            .find(|problem| problem.field.as_deref() == Some(field))
            .map_or("", |problem| problem.message.as_str())
    }

    /// A text field of this page's form, with its value and error.
    pub fn field(&self, id: &str, label: &str) -> Field {
        Field {
            id: id.to_string(),
            label: label.to_string(),
            value: self.value(id).to_string(),
            error: self.error(id).to_string(),
            kind: "text",
            ..Field::default()
        }
    }

    /// The page's library when it has public pages (not the platform's own sign-in).
    pub fn public_library(&self) -> Option<&LibraryHead> {
        self.library.as_ref().filter(|library| library.slug != crate::pages::PLATFORM_SLUG)
    }

    /// The page's library's slug ("" on national pages).
    pub fn slug(&self) -> &str {
        self.library.as_ref().map_or("", |library| library.slug.as_str())
    }
}

/// Capitalises a message's first letter and ends it with a full stop.
pub fn sentence(message: &str) -> String {
    let mut text = message.trim().to_string();
    if let Some(first) = text.chars().next() {
        let upper: String = first.to_uppercase().collect();
        text.replace_range(..first.len_utf8(), &upper);
    }
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// One form field, drawn by the `input` and `textarea` macros with its label, hint and
/// error always linked.
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// Its id and name.
    pub id: String,
    /// Its label.
    pub label: String,
    /// A hint under the label.
    pub hint: String,
    /// Its current value.
    pub value: String,
    /// What is wrong with it.
    pub error: String,
    /// The input type.
    pub kind: &'static str,
    /// The `autocomplete` token.
    pub autocomplete: &'static str,
    /// Whether it must be filled in.
    pub required: bool,
    /// Rows, for a text area.
    pub rows: u32,
}

impl Field {
    /// With a hint.
    #[must_use]
    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = hint.to_string();
        self
    }

    /// Of an input type.
    #[must_use]
    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    /// With an `autocomplete` token.
    #[must_use]
    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = token;
        self
    }

    /// Required.
    #[must_use]
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// With this value unless one was typed.
    #[must_use]
    pub fn or_value(mut self, value: &str) -> Field {
        if self.value.is_empty() {
            self.value = value.to_string();
        }
        self
    }

    /// A text area of `rows` rows.
    #[must_use]
    pub fn rows(mut self, rows: u32) -> Field {
        self.rows = rows;
        self
    }

    /// The ids of what describes it (hint, error), for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if !self.error.is_empty() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// One error the API answered.
#[derive(Debug, Clone)]
pub struct ApiProblem {
    /// Its `code` extension (`VALIDATION`, `FORBIDDEN`, `NOT_FOUND`, …).
    pub code: String,
    /// Its message.
    pub message: String,
    /// The input field it is about.
    pub field: Option<String>,
}

/// Why a page's GraphQL document failed.
#[derive(Debug, Clone)]
pub struct PageError {
    /// Every error, in order.
    pub problems: Vec<ApiProblem>,
}

impl PageError {
    pub(crate) fn from_graphql(errors: &[ServerError]) -> PageError {
        let problems = errors
            .iter()
            .map(|error| {
                let extension = |name: &str| {
                    error.extensions.as_ref().and_then(|extensions| extensions.get(name)).and_then(
                        |value| match value {
                            async_graphql::Value::String(text) => Some(text.clone()),
                            async_graphql::Value::Enum(name) => Some(name.to_string()),
                            _ => None,
                        },
                    )
                };
                ApiProblem {
                    code: extension("code").unwrap_or_else(|| "INTERNAL".to_string()),
                    message: error.message.clone(),
                    field: extension("field"),
                }
            })
            .collect();
        PageError { problems }
    }

    pub(crate) fn internal(message: String) -> PageError {
        PageError {
            problems: vec![ApiProblem { code: "INTERNAL".to_string(), message, field: None }],
        }
    }

    /// The first error's code.
    pub fn code(&self) -> &str {
        self.problems.first().map_or("INTERNAL", |problem| problem.code.as_str())
    }

    /// The first error's message.
    pub fn message(&self) -> &str {
        self.problems.first().map_or("", |problem| problem.message.as_str())
    }

    /// Whether the errors are about the input (to show on the form) rather than about
    /// the page (to show as an error page).
    pub fn is_about_input(&self) -> bool {
        matches!(self.code(), "VALIDATION" | "CONFLICT" | "TOO_LARGE")
    }
}

/// Draws a page with the website's headers.
pub fn render(template: &impl Template, status: StatusCode) -> HttpResponse {
    match template.render() {
        Ok(html) => html_response(status, html),
        Err(error) => {
            tracing::error!(%error, "a page could not be drawn");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><html lang=\"en\"><title>Something went wrong</title><h1>Something went wrong</h1><p>This page could not be drawn. Try again in a moment.</p></html>".to_string(),
            )
        }
    }
}

fn html_response(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", athenaeum_gateway::REFERRER_POLICY))
        .body(html)
}

/// A 303 to `location` (after a form was sent).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The page shown when something stops a page (not found, not allowed, unavailable).
#[derive(Template)]
#[template(path = "problem.html")]
pub struct ProblemPage {
    /// The frame.
    pub frame: Frame,
    /// What happened, in words.
    pub explanation: String,
    /// What the visitor can do.
    pub next: Option<(String, String)>,
}

/// The answer for a page whose document failed: sign in, not allowed, not found, or
/// unavailable, each as a page that says what happened.
pub fn error_page(frame: Frame, error: &PageError, sign_in_to: Option<&str>) -> HttpResponse {
    let (status, title, next) = match error.code() {
        "UNAUTHENTICATED" => {
            if let Some(location) = sign_in_to {
                return see_other(location);
            }
            (StatusCode::UNAUTHORIZED, "Sign in to see this page", None)
        }
        "FORBIDDEN" => (StatusCode::FORBIDDEN, "You cannot see this page", None),
        "NOT_FOUND" => (
            StatusCode::NOT_FOUND,
            "Page not found",
            Some(("/".to_string(), "Search every library".to_string())),
        ),
        "UNAVAILABLE" => {
            (StatusCode::SERVICE_UNAVAILABLE, "This part of the service is unavailable", None)
        }
        "RATE_LIMITED" | "TOO_MANY_REQUESTS" => {
            (StatusCode::TOO_MANY_REQUESTS, "Too many requests", None)
        }
        "VALIDATION" => (StatusCode::BAD_REQUEST, "There is a problem with this address", None),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", None),
    };
    let explanation = sentence(error.message());
    let page =
        ProblemPage { frame: Frame { title: title.to_string(), ..frame }, explanation, next };
    render(&page, status)
}

/// A plain "not found" page.
pub fn not_found(frame: Frame, what: &str) -> HttpResponse {
    let page = ProblemPage {
        frame: Frame { title: "Page not found".to_string(), ..frame },
        explanation: sentence(what),
        next: Some(("/".to_string(), "Search every library".to_string())),
    };
    render(&page, StatusCode::NOT_FOUND)
}
