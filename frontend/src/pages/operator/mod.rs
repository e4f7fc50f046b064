//! The platform operators' pages under `/operator/`: the libraries on the platform
//! (onboarding one, suspending and reactivating), the mail outbox, and the search
//! index. Operators are the accounts of the built-in tenant `platform` and sign in at
//! `/platform/sign-in`; nobody else gets past [`Operator::enter`], and nothing runs a
//! document before it.

mod libraries;
mod mail;
mod search;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::settings::{Connection, refusal};
use super::{Ctx, PLATFORM_SLUG, Posted};
use crate::Web;
use crate::frame::{Frame, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/operator", web::get().to(to_index))
        .route(&format!("/{PLATFORM_SLUG}/"), web::get().to(to_index));
    libraries::routes(config);
    mail::routes(config);
    search::routes(config);
}

/// `/operator` and the platform's own home page lead to the operators' index.
async fn to_index(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    ctx.redirect("/operator/")
}

/// A request to an operator's page, by an operator.
pub(super) struct Operator {
    pub ctx: Ctx,
}

impl Operator {
    /// Lets an operator in; a visitor who is not signed in is sent to the platform's
    /// sign-in page, anyone else is refused.
    pub async fn enter(
        request: HttpRequest,
        web: web::Data<Web>,
    ) -> Result<Operator, HttpResponse> {
        let ctx = Ctx::new(request, web).await;
        refuse_unless_operator(&ctx)?;
        Ok(Operator { ctx })
    }

    /// As [`Operator::enter`], for a posted form: its token is checked first.
    pub async fn post(
        request: HttpRequest,
        web: web::Data<Web>,
        body: &[u8],
    ) -> Result<(Operator, Posted), HttpResponse> {
        let ctx = Ctx::new(request, web).await;
        let posted = ctx.form(body)?;
        refuse_unless_operator(&ctx)?;
        Ok((Operator { ctx }, posted))
    }

    /// The frame of an operator's page.
    pub fn frame(&self, title: impl Into<String>) -> Frame {
        self.ctx.frame(title, None)
    }

    /// The page for a failed document.
    pub fn failed(&self, error: &PageError) -> HttpResponse {
        if error.code() == "UNAUTHENTICATED" {
            return self.ctx.redirect(&self.ctx.sign_in_address(PLATFORM_SLUG));
        }
        self.ctx.failed(error, None)
    }

    /// A "not found" page.
    pub fn not_found(&self, what: &str) -> HttpResponse {
        self.ctx.finish(crate::frame::not_found(self.frame("Page not found"), what))
    }
}

fn refuse_unless_operator(ctx: &Ctx) -> Result<(), HttpResponse> {
    if ctx.visitor.is_operator() {
        return Ok(());
    }
    if ctx.visitor.caller.is_none() {
        return Err(ctx.redirect(&ctx.sign_in_address(PLATFORM_SLUG)));
    }
    Err(ctx.failed(&refusal("FORBIDDEN", "only the platform's operators can see this page"), None))
}

/// A library (tenant) as operators see it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Tenant {
    pub fn is_platform(&self) -> bool {
        self.slug == PLATFORM_SLUG
    }

    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }

    pub fn created(&self) -> String {
        super::settings::when(&self.created_at)
    }
}

const TENANTS: &str = include_str!("../../../templates/operator/tenants.graphql");

/// At most this many pages of tenants are read (100 each).
const MOST_PAGES: usize = 50;

/// Every tenant, oldest first.
pub(super) async fn all_tenants(operator: &Operator) -> Result<Vec<Tenant>, PageError> {
    operator.ctx.every_page(TENANTS, "tenants", MOST_PAGES).await
}
