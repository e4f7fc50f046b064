//! The website assembled in this process without a server, over the same services the
//! application gives it, so that a benchmark can time a page's parts with no HTTP in
//! between; and the length a page would have gzip-compressed by actix-web's own
//! `Compress` middleware. Nothing here measures.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::middleware::Compress;
use actix_web::{App, HttpResponse, test, web};
use athenaeum::Config;
use athenaeum_catalogue::CatalogueApi;
use athenaeum_gateway::{GatewaySettings, Metrics, Services};
use athenaeum_web::Web;

/// Builds the website's state on `config` as the application does (identity, the
/// catalogue and search in this process, the gateway over them), as if it listened on
/// `port`. Its background workers are not started: the search index is used as it is.
///
/// Fails when a service cannot open its database or index, e.g. while a running
/// application still holds the index.
pub async fn assemble_website(config: &Config, port: u16) -> anyhow::Result<Web> {
    let context = config.process_context();
    let public_url = config.public_url(port);
    let (identity, _mail_worker) =
        athenaeum_identity::build(&context, &config.identity, &config.mail, &public_url).await?;
    let library = athenaeum::app::command_line_library(config).await?;
    let catalogue = library.catalogue;
    let search = athenaeum_search::build(
        &context,
        &config.search,
        Arc::clone(&catalogue) as Arc<dyn CatalogueApi>,
    )
    .await?;
    let services = Services {
        identity,
        catalogue,
        circulation: library.circulation,
        search,
        dependencies: Arc::new(Vec::new()),
    };
    let settings = GatewaySettings {
        limits: config.graphql.clone(),
        trust_forwarded_for: config.server.trust_forwarded_for,
        public_url: config.server.public_url.clone(),
    };
    let (_routes, gateway) =
        athenaeum_gateway::assemble(&context, services, &settings, Arc::new(Metrics::default()))
            .await?;
    Web::new(gateway, &config.web_settings(port))
}

/// Returns the length of `body` as an HTML page gzip-compressed by actix-web's
/// `Compress` middleware (what the server would send were it enabled), or says why it
/// was not compressed.
pub async fn gzip_length(body: Vec<u8>) -> Result<usize, String> {
    let body = web::Bytes::from(body);
    let service = test::init_service(App::new().wrap(Compress::default()).default_service(
        web::to(move || {
            let body = body.clone();
            async move { HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body) }
        }),
    ))
    .await;
    let request = test::TestRequest::get().insert_header((header::ACCEPT_ENCODING, "gzip"));
    let response = test::call_service(&service, request.to_request()).await;
    let encoding = response.headers().get(header::CONTENT_ENCODING).cloned();
    if encoding.as_ref().and_then(|value| value.to_str().ok()) != Some("gzip") {
        return Err(format!("Compress answered with content-encoding {encoding:?}, not gzip"));
    }
    Ok(test::read_body(response).await.len())
}
