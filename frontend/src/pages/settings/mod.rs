//! A library's settings, for its administrators only: its public profile, branches and
//! their shelving locations, material and loan types, how imported holdings become
//! items, and its staff accounts. Nothing here runs a document before the visitor is
//! known to be an administrator of the library in the address, so a token of another
//! library never reads or changes that library's data from this library's pages.

mod accounts;
mod branches;
mod mappings;
mod profile;
mod terms;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

pub(crate) use super::Connection;
use super::{Ctx, Posted};
use crate::Web;
use crate::frame::{ApiProblem, Frame, LibraryHead, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config.route("/{library}/staff/settings/", web::get().to(index));
    profile::routes(config);
    branches::routes(config);
    terms::routes(config);
    mappings::routes(config);
    accounts::routes(config);
}

/// A request to a settings page, by an administrator of its library.
pub(super) struct Admin {
    pub ctx: Ctx,
    pub library: LibraryHead,
}

impl Admin {
    /// Lets an administrator of library `slug` in; anyone else is answered: a visitor
    /// who is not signed in is sent to sign in, anyone else is refused.
    pub async fn enter(
        request: HttpRequest,
        web: web::Data<Web>,
        slug: &str,
    ) -> Result<Admin, HttpResponse> {
        let ctx = Ctx::new(request, web).await;
        let library = ctx.library(slug).await?;
        refuse_unless_admin(&ctx, &library)?;
        Ok(Admin { ctx, library })
    }

    /// As [`Admin::enter`], for a posted form: its token is checked first.
    pub async fn post(
        request: HttpRequest,
        web: web::Data<Web>,
        slug: &str,
        body: &[u8],
    ) -> Result<(Admin, Posted), HttpResponse> {
        let ctx = Ctx::new(request, web).await;
        let posted = ctx.form(body)?;
        let library = ctx.library(slug).await?;
        refuse_unless_admin(&ctx, &library)?;
        Ok((Admin { ctx, library }, posted))
    }

    /// The frame of a settings page.
    pub fn frame(&self, title: impl Into<String>) -> Frame {
        self.ctx.frame(title, Some(&self.library))
    }

    /// The address of a settings page under `/{library}/staff/settings/`.
    pub fn address(&self, rest: &str) -> String {
        format!("/{}/staff/settings/{rest}", self.library.slug)
    }

    /// The page for a failed document.
    pub fn failed(&self, error: &PageError) -> HttpResponse {
        self.ctx.failed(error, Some(&self.library))
    }

    /// A "not found" page.
    pub fn not_found(&self, what: &str) -> HttpResponse {
        self.ctx.finish(crate::frame::not_found(self.frame("Page not found"), what))
    }
}

/// Answers a visitor who may not see a settings page of `library`.
pub(super) fn refuse_unless_admin(ctx: &Ctx, library: &LibraryHead) -> Result<(), HttpResponse> {
    if ctx.visitor.is_admin_of(&library.slug) {
        return Ok(());
    }
    let (code, message) = if ctx.visitor.caller.is_none() {
        ("UNAUTHENTICATED", "sign in to see this page")
    } else {
        ("FORBIDDEN", "only this library's administrators can change its settings")
    };
    Err(ctx.failed(&refusal(code, message), Some(library)))
}

/// An error of the site's own, in the API's terms.
pub(crate) fn refusal(code: &str, message: &str) -> PageError {
    PageError {
        problems: vec![ApiProblem {
            code: code.to_string(),
            message: message.to_string(),
            field: None,
        }],
    }
}

#[derive(Template)]
#[template(path = "settings/index.html")]
struct IndexPage {
    frame: Frame,
}

async fn index(request: HttpRequest, web: web::Data<Web>, slug: web::Path<String>) -> HttpResponse {
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let frame = admin.frame("Settings");
    admin.ctx.page(&IndexPage { frame })
}

/// A date and time as people read it, in UTC.
pub(crate) fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %B %Y, %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn times_read_as_a_day_month_year_and_utc_clock() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T09:05:00Z")
            .map(|at| at.with_timezone(&chrono::Utc));
        assert_eq!(at.as_ref().map(when).ok().as_deref(), Some("3 December 2026, 09:05 UTC"));
    }
}
