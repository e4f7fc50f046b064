//! The pages, by who they are for, and what every page handler shares: [`Ctx`] (the
//! request, the visitor, the frame), posted forms with their CSRF check, and the
//! library a page belongs to.
//!
//! A new page is a template in `templates/` that extends `base.html`, a GraphQL document
//! beside it, and a handler that runs the document with [`Ctx::run`] (or
//! [`Ctx::for_library`]) and renders with [`Ctx::page`]; forms are posted, checked with
//! [`Ctx::form`], and answered with [`Ctx::redirect`] (303) or the same page with its
//! problems.

mod account;
mod circulation;
mod display;
mod my_account;
mod operator;
mod public;
mod settings;
mod staff;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::Web;
use crate::frame::{self, Frame, LibraryHead, PageError, ProblemPage};
use crate::session::{FORM_TOKEN_FIELD, Visitor};

pub(crate) fn routes(config: &mut web::ServiceConfig) {
    account::routes(config);
    my_account::routes(config);
    operator::routes(config);
    settings::routes(config);
    staff::routes(config);
    public::routes(config);
}

/// Confirmations a redirect can ask the next page to show, by key; a key names fixed
/// words, so no text from an address is ever shown.
const NOTICES: &[(&str, &str)] = &[
    ("signed-in", "You are signed in."),
    ("signed-out", "You are signed out."),
    ("welcome", "Welcome. Your password is saved and you are signed in."),
    ("password-changed", "Your password is changed. Sign in with the new one."),
    ("saved", "Your changes are saved."),
    ("created", "Created."),
    ("deleted", "Deleted."),
    ("invited", "The invitation is sent."),
    ("retried", "The mail is back in the queue."),
    ("rebuilding", "The search index is being rebuilt. Searches keep working meanwhile."),
    ("onboarded", "The library is set up and its administrator is invited."),
    ("account-disabled", "The account is disabled and signed out everywhere."),
    ("account-enabled", "The account is enabled. The person can sign in again."),
    ("suspended", "The library is suspended. Nobody can sign in to it until it is reactivated."),
    ("reactivated", "The library is back in service."),
];

/// One request to a page: the request, its visitor and the website.
pub(crate) struct Ctx {
    pub web: Web,
    pub request: HttpRequest,
    pub visitor: Visitor,
}

/// A form as posted: every field, in order (fields may repeat).
#[derive(Debug, Default)]
pub(crate) struct Posted {
    pairs: Vec<(String, String)>,
}

impl Posted {
    fn parse(body: &[u8]) -> Posted {
        Posted { pairs: url::form_urlencoded::parse(body).into_owned().collect() }
    }

    /// A field's value, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.trim())
    }

    /// A field's value as typed, untrimmed (passwords, MARC text).
    pub fn raw(&self, name: &str) -> &str {
        self.pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
    }

    /// Whether a checkbox with this name and value was ticked.
    pub fn checked(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(key, posted)| key == name && posted == value)
    }

    /// The fields to show again on a form that comes back with problems (never
    /// passwords or the form token).
    pub fn kept(&self) -> HashMap<String, String> {
        self.pairs
            .iter()
            .filter(|(key, _)| {
                key != FORM_TOKEN_FIELD && !key.contains("password") && key != "confirm"
            })
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

impl Ctx {
    pub async fn new(request: HttpRequest, web: web::Data<Web>) -> Ctx {
        let web = web.get_ref().clone();
        let visitor = Visitor::read(&request, &web).await;
        Ctx { web, request, visitor }
    }

    /// The frame for a page of `library` (or a national page), with any confirmation
    /// the address asks for.
    pub fn frame(&self, title: impl Into<String>, library: Option<&LibraryHead>) -> Frame {
        let mut frame = Frame::new(&self.web, &self.visitor, title, library.cloned());
        frame.notice = self.query("notice").and_then(|key| {
            NOTICES.iter().find(|(known, _)| *known == key).map(|(_, text)| (*text).to_string())
        });
        frame
    }

    /// The first value of a query-string parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.request.query_string().as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// Every value of a repeated query-string parameter.
    pub fn query_all(&self, name: &str) -> Vec<String> {
        url::form_urlencoded::parse(self.request.query_string().as_bytes())
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .collect()
    }

    /// Runs a document as the visitor (signed in or not).
    pub async fn run<T: DeserializeOwned>(
        &self,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        self.web.run(&self.request, &self.visitor, document, variables).await
    }

    /// Runs a document for a page of library `slug` (as the visitor when they belong to
    /// it, otherwise as anyone).
    pub async fn for_library<T: DeserializeOwned>(
        &self,
        slug: &str,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        self.web.for_library(&self.request, &self.visitor, slug, document, variables).await
    }

    /// Every node of the connection `field` that `document` (taking `$after`) answers,
    /// read page by page as the visitor, at most `most_pages` pages.
    pub async fn every_page<T: DeserializeOwned>(
        &self,
        document: &str,
        field: &str,
        most_pages: usize,
    ) -> Result<Vec<T>, PageError> {
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..most_pages {
            let mut data: serde_json::Map<String, Value> =
                self.run(document, json!({ "after": after })).await?;
            let page: Connection<T> = serde_json::from_value(
                data.remove(field).unwrap_or(Value::Null),
            )
            .map_err(|error| {
                PageError::internal(format!("the page could not read the API's {field}: {error}"))
            })?;
            found.extend(page.nodes);
            match page.page_info.next() {
                Some(cursor) => after = Some(cursor.to_string()),
                None => break,
            }
        }
        Ok(found)
    }

    /// The library with this slug, as a page's header shows it; `Err` with the answer
    /// (a "not found" page) when there is none.
    pub async fn library(&self, slug: &str) -> Result<LibraryHead, HttpResponse> {
        #[derive(Deserialize)]
        struct Data {
            library: Option<LibraryHead>,
        }
        match self.web.anonymous::<Data>(&self.request, LIBRARY_HEAD, json!({ "slug": slug })).await
        {
            Ok(Data { library: Some(library) }) => Ok(library),
            Ok(Data { library: None }) => Err(self.no_such_library(slug)),
            Err(error) => Err(self.finish(frame::error_page(self.frame("", None), &error, None))),
        }
    }

    /// The library whose sign-in and forgotten-password pages these are: as
    /// [`Ctx::library`], and also the platform's own tenant, which the directory hides but
    /// whose operators sign in at `/platform/sign-in`.
    pub async fn sign_in_library(&self, slug: &str) -> Result<LibraryHead, HttpResponse> {
        if slug == PLATFORM_SLUG {
            return Ok(LibraryHead {
                slug: PLATFORM_SLUG.to_string(),
                name: "Athenaeum platform".to_string(),
            });
        }
        self.library(slug).await
    }

    /// The "not found" page for an address whose first part names no library in service.
    pub fn no_such_library(&self, slug: &str) -> HttpResponse {
        self.finish(frame::not_found(
            self.frame("Page not found", None),
            &format!("There is no library at /{slug}/. Check the address, or search every library"),
        ))
    }

    /// Reads a posted form and checks its CSRF token and origin; `Err` with a refusal
    /// page when the form did not come from this browser's own page of this site.
    pub fn form(&self, body: &[u8]) -> Result<Posted, HttpResponse> {
        let posted = Posted::parse(body);
        let from_another_site = self.web.gateway.origins.check(&self.request).is_err();
        if from_another_site
            || !self.visitor.form_token_matches(&self.web, posted.get(FORM_TOKEN_FIELD))
        {
            let page = ProblemPage {
                frame: self.frame("This form could not be sent", None),
                explanation: "The form was out of date or came from another site, so nothing was changed. Go back, reload the page and send the form again.".to_string(),
                next: None,
            };
            return Err(self.finish(frame::render(&page, StatusCode::FORBIDDEN)));
        }
        Ok(posted)
    }

    /// Draws a page.
    pub fn page(&self, template: &impl Template) -> HttpResponse {
        self.finish(frame::render(template, StatusCode::OK))
    }

    /// Draws a page with a status.
    pub fn page_with(&self, template: &impl Template, status: StatusCode) -> HttpResponse {
        self.finish(frame::render(template, status))
    }

    /// A 303 to `location`.
    pub fn redirect(&self, location: &str) -> HttpResponse {
        self.finish(frame::see_other(location))
    }

    /// The page for a failed document; a visitor who must sign in is sent to `slug`'s
    /// sign-in page and back here afterwards.
    pub fn failed(&self, error: &PageError, library: Option<&LibraryHead>) -> HttpResponse {
        let sign_in = library.map(|library| self.sign_in_address(&library.slug));
        self.finish(frame::error_page(self.frame("", library), error, sign_in.as_deref()))
    }

    /// The sign-in page of `slug` that returns here.
    pub fn sign_in_address(&self, slug: &str) -> String {
        let here = match self.request.query_string() {
            "" => self.request.path().to_string(),
            query => format!("{}?{query}", self.request.path()),
        };
        let mut address = format!("/{slug}/sign-in?");
        address.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return", &here)
                .finish(),
        );
        address
    }

    /// Adds the cookies this request changed.
    pub fn finish(&self, response: HttpResponse) -> HttpResponse {
        self.visitor.finish(response)
    }
}

/// The slug of the built-in tenant whose accounts are the platform's operators.
pub(crate) const PLATFORM_SLUG: &str = "platform";

/// A page of a connection, as the API gives it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
}

/// Where a connection's page is, and whether it has more.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The cursor of the next page, when there is one.
    pub fn next(&self) -> Option<&str> {
        if self.has_next_page { self.end_cursor.as_deref() } else { None }
    }
}

const LIBRARY_HEAD: &str = include_str!("../../templates/library-head.graphql");
