//! The search index: its state (`searchIndexStatus`) and a rebuild of every library's
//! records or one library's (`rebuildSearchIndex`).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Connection, Operator, Posted, Tenant};
use crate::Web;
use crate::frame::{Frame, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/operator/search", web::get().to(index_status))
        .route("/operator/search/rebuild", web::post().to(rebuild));
}

const INDEX_STATUS: &str = include_str!("../../../templates/operator/index-status.graphql");
const REBUILD: &str = include_str!("../../../templates/operator/rebuild.graphql");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexStatus {
    position: i64,
    documents: i64,
    rebuilding: bool,
    last_rebuild: Option<String>,
}

#[derive(Template)]
#[template(path = "operator/search.html")]
struct SearchPage {
    frame: Frame,
    status: IndexStatus,
    tenants: Vec<Tenant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    search_index_status: IndexStatus,
    tenants: Connection<Tenant>,
}

/// The page, with the problems and values already on `frame`.
async fn search_page(operator: &Operator, frame: Frame) -> Result<SearchPage, PageError> {
    // The first page of libraries is enough to choose from; a rebuild of every
    // library covers the rest.
    let data = operator.ctx.run::<Data>(INDEX_STATUS, json!({ "after": null })).await?;
    let tenants = data.tenants.nodes.into_iter().filter(|tenant| !tenant.is_platform()).collect();
    Ok(SearchPage { frame, status: data.search_index_status, tenants })
}

async fn index_status(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let operator = match Operator::enter(request, web).await {
        Ok(operator) => operator,
        Err(response) => return response,
    };
    let frame = operator.frame("Search index");
    match search_page(&operator, frame).await {
        Ok(page) => operator.ctx.page(&page),
        Err(error) => operator.failed(&error),
    }
}

async fn rebuild(request: HttpRequest, web: web::Data<Web>, body: web::Bytes) -> HttpResponse {
    let (operator, posted): (Operator, Posted) = match Operator::post(request, web, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let tenant = posted.get("tenant");
    let variables = json!({ "tenantId": if tenant.is_empty() { None } else { Some(tenant) } });
    let mut frame = operator.frame("Search index");
    frame.values = posted.kept();
    match operator.ctx.run::<Value>(REBUILD, variables).await {
        Ok(_) => return operator.ctx.redirect("/operator/search?notice=rebuilding"),
        Err(error) if error.is_about_input() => {
            frame.api_problems(&error, &[("tenantId", "tenant")]);
            if let Some(problem) = frame.problems.first_mut() {
                problem.field = Some("tenant".to_string());
            }
        }
        Err(error) => return operator.failed(&error),
    }
    match search_page(&operator, frame).await {
        Ok(page) => operator.ctx.page(&page),
        Err(error) => operator.failed(&error),
    }
}
