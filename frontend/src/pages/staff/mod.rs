//! The library staff's catalogue pages, under `/{library}/staff/`: the start page, MARC
//! imports with their progress and problem reports, records edited with the simple
//! form or as MARC text, copies, and the export download.
//!
//! Every handler first checks that the visitor is staff of the page's library (before
//! running anything, since a token of another library would run against that library's
//! data): a visitor who is not signed in is sent to sign in, anyone else gets 403.

mod desk;
mod export;
mod imports;
mod items;
pub(crate) mod marc_text;
mod records;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub(super) use super::Connection;
use super::{Ctx, Posted};
use crate::Web;
use crate::frame::{self, ApiProblem, Frame, LibraryHead, PageError, ProblemPage};
use crate::session::FORM_TOKEN_FIELD;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config.route("/{library}/staff/", web::get().to(start));
    imports::routes(config);
    records::routes(config);
    items::routes(config);
    export::routes(config);
    desk::routes(config);
}

const START: &str = include_str!("../../../templates/staff/start.graphql");

/// A staff page's request, after the visitor was found to be staff of its library.
pub(super) struct Staff {
    pub ctx: Ctx,
    pub library: LibraryHead,
}

impl Staff {
    /// Checks the visitor of a page of library `slug`.
    ///
    /// `Err` with the answer: "not found" for no such library, a 303 to its sign-in page
    /// for a visitor who is not signed in, 403 for anyone who is not its staff.
    pub async fn of(
        request: HttpRequest,
        web: web::Data<Web>,
        slug: &str,
    ) -> Result<Staff, HttpResponse> {
        let ctx = Ctx::new(request, web).await;
        let library = ctx.library(slug).await?;
        if ctx.visitor.caller.is_none() {
            return Err(ctx.redirect(&ctx.sign_in_address(&library.slug)));
        }
        if !ctx.visitor.is_staff_of(&library.slug) {
            let error = PageError {
                problems: vec![ApiProblem {
                    code: "FORBIDDEN".to_string(),
                    message: format!("only the staff of {} can see this page", library.name),
                    field: None,
                }],
            };
            return Err(ctx.failed(&error, Some(&library)));
        }
        Ok(Staff { ctx, library })
    }

    /// The frame for a page titled `title`.
    pub fn frame(&self, title: impl Into<String>) -> Frame {
        self.ctx.frame(title, Some(&self.library))
    }

    /// Runs a document as the visitor (staff of this library).
    pub async fn run<T: DeserializeOwned>(
        &self,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        self.ctx.web.run(&self.ctx.request, &self.ctx.visitor, document, variables).await
    }

    /// The page for a failed document.
    pub fn failed(&self, error: &PageError) -> HttpResponse {
        self.ctx.failed(error, Some(&self.library))
    }

    /// A "not found" page saying what was not found.
    pub fn not_found(&self, what: &str) -> HttpResponse {
        self.ctx.finish(frame::not_found(self.frame("Page not found"), what))
    }

    /// The address of a page of this library's staff area (`path` after `/staff/`).
    pub fn address(&self, path: &str) -> String {
        format!("/{}/staff/{path}", self.library.slug)
    }

    /// Reads a posted form with its token check.
    pub fn form(&self, body: &[u8]) -> Result<Posted, HttpResponse> {
        self.ctx.form(body)
    }

    /// Checks the token of a form read some other way (a file upload), whose origin
    /// was already checked.
    pub fn check_token(&self, pairs: Vec<(String, String)>) -> Result<Posted, HttpResponse> {
        let posted = Posted { pairs };
        if self.ctx.visitor.form_token_matches(&self.ctx.web, posted.get(FORM_TOKEN_FIELD)) {
            Ok(posted)
        } else {
            Err(self.refused())
        }
    }

    /// The answer to a form that did not come from this browser's page of this site.
    pub fn refused(&self) -> HttpResponse {
        let page = ProblemPage {
            frame: self.ctx.frame("This form could not be sent", None),
            explanation: "The form was out of date or came from another site, so nothing was changed. Go back, reload the page and send the form again.".to_string(),
            next: None,
        };
        self.ctx.finish(frame::render(&page, StatusCode::FORBIDDEN))
    }
}

/// Links to the first and next page of a list paged by cursors.
#[derive(Debug, Default)]
pub(super) struct Pages {
    /// Back to the first page (when not on it).
    pub first: Option<String>,
    /// The next page.
    pub next: Option<String>,
}

impl Pages {
    /// The links for a page of `base` (an address without `after`; `base_query` its
    /// other parameters, already encoded, or "").
    pub fn new(base: &str, base_query: &str, on_first: bool, next_cursor: Option<&str>) -> Pages {
        let join = |extra: &str| {
            let query = [base_query, extra]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("&");
            if query.is_empty() { base.to_string() } else { format!("{base}?{query}") }
        };
        Pages {
            first: (!on_first).then(|| join("")),
            next: next_cursor.map(|cursor| {
                join(
                    &url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("after", cursor)
                        .finish(),
                )
            }),
        }
    }
}

/// A time as a page shows it: "3 December 2026, 17:10 UTC".
pub(super) fn when(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time).map_or_else(
        |_| time.to_string(),
        |time| time.with_timezone(&chrono::Utc).format("%-d %B %Y, %H:%M UTC").to_string(),
    )
}

/// Lines of a text area, trimmed, without empty ones.
pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_string).collect()
}

// ----- the start page -----

#[derive(Template)]
#[template(path = "staff/start.html")]
struct StartPage {
    frame: Frame,
    imports: Vec<imports::JobRow>,
}

async fn start(request: HttpRequest, web: web::Data<Web>, slug: web::Path<String>) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        import_jobs: Connection<imports::JobData>,
    }
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let data = match staff.run::<Data>(START, json!({})).await {
        Ok(data) => data,
        Err(error) => return staff.failed(&error),
    };
    let frame = staff.frame("Catalogue work");
    let imports = data.import_jobs.nodes.into_iter().map(imports::JobRow::from).collect();
    staff.ctx.page(&StartPage { frame, imports })
}
