//! The export: the whole catalogue, or the records a search finds, downloaded as MARCXML,
//! ISO 2709 or MARC-in-JSON through the gateway's own export with the visitor's
//! identity.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use athenaeum_gateway::{ExportQuery, client_address, export_as, request_id};
use athenaeum_transport::Call;
use serde::Deserialize;
use serde_json::json;

use super::Staff;
use crate::Web;
use crate::frame::{Field, Frame};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/export", web::get().to(form))
        .route("/{library}/staff/export/download", web::get().to(download));
}

const SEARCH_IDS: &str = include_str!("../../../templates/staff/export-search.graphql");

/// The most records a search's export holds (what one export may name).
const MOST_FOUND: usize = 500;
/// Search results fetched per request.
const PER_SEARCH: usize = 100;

const SYNTAXES: &[(&str, &str)] = &[
    ("marcxml", "MARCXML (.xml)"),
    ("iso2709", "ISO 2709 (.mrc)"),
    ("json", "MARC-in-JSON (.json)"),
];

#[derive(Template)]
#[template(path = "staff/export.html")]
struct ExportPage {
    frame: Frame,
    which: String,
    query: Field,
    syntax: String,
    syntaxes: &'static [(&'static str, &'static str)],
    most: usize,
}

impl ExportPage {
    fn is_syntax(&self, value: &str) -> bool {
        self.syntax == value
    }
}

fn export_page(mut frame: Frame) -> ExportPage {
    let query =
        frame.field("q", "Search words").hint("As on the search page, for example: author:austen");
    let which = if frame.value("which") == "search" { "search" } else { "all" }.to_string();
    let syntax = match frame.value("syntax") {
        known @ ("iso2709" | "json") => known,
        _ => "marcxml",
    }
    .to_string();
    frame.values.clear();
    ExportPage { frame, which, query, syntax, syntaxes: SYNTAXES, most: MOST_FOUND }
}

async fn form(request: HttpRequest, web: web::Data<Web>, slug: web::Path<String>) -> HttpResponse {
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let frame = staff.frame("Export records");
    staff.ctx.page(&export_page(frame))
}

async fn download(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        search: Found,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Found {
        hits: Vec<Hit>,
        end_cursor: Option<String>,
        has_next_page: bool,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Hit {
        record_id: String,
    }
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let which = staff.ctx.query("which").unwrap_or_default();
    let words = staff.ctx.query("q").unwrap_or_default().trim().to_string();
    let syntax = staff.ctx.query("syntax").unwrap_or_default();
    let mut frame = staff.frame("Export records");
    for (name, value) in [("which", &which), ("q", &words), ("syntax", &syntax)] {
        frame.values.insert(name.to_string(), value.clone());
    }
    if !SYNTAXES.iter().any(|(known, _)| *known == syntax) {
        frame.problem("syntax-marcxml", "Choose the kind of MARC file.");
    }
    let from_search = which == "search";
    if from_search && words.is_empty() {
        frame.problem("q", "Enter the search words, or choose the whole catalogue.");
    }
    let mut ids = Vec::new();
    if from_search && frame.problems.is_empty() {
        let mut after: Option<String> = None;
        loop {
            let variables = json!({ "query": words, "first": PER_SEARCH, "after": after });
            let found = match staff.run::<Data>(SEARCH_IDS, variables).await {
                Ok(data) => data.search,
                Err(error) => return staff.failed(&error),
            };
            ids.extend(found.hits.into_iter().map(|hit| hit.record_id));
            if !found.has_next_page || ids.len() >= MOST_FOUND || found.end_cursor.is_none() {
                break;
            }
            after = found.end_cursor;
        }
        ids.truncate(MOST_FOUND);
        if ids.is_empty() {
            frame.problem("q", "The search found no records. Try other words.");
        }
    }
    if !frame.problems.is_empty() {
        let page = export_page(frame);
        return staff.ctx.page_with(&page, StatusCode::BAD_REQUEST);
    }
    let ctx = &staff.ctx;
    let mut call = Call::new(
        ctx.visitor.access_token().map(str::to_string),
        client_address(&ctx.request, ctx.web.gateway.trust_forwarded_for),
        request_id(&ctx.request),
    );
    if let Some(caller) = &ctx.visitor.caller {
        call = call.with_verified_caller(caller.clone());
    }
    let query = ExportQuery {
        syntax: Some(syntax),
        ids: from_search.then(|| ids.join(",")),
        ..ExportQuery::default()
    };
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let name = format!(
        "{}-{}-{date}",
        staff.library.slug,
        if from_search { "search" } else { "catalogue" }
    );
    let response = export_as(&ctx.web.gateway, call, &query, &name).await;
    ctx.finish(response)
}
