//! GraphiQL, served from the binary itself: no request leaves for another host.

use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("../../../frontend/graphiql/index.html");

/// The GraphiQL page.
pub(crate) fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; font-src 'self' data:; frame-ancestors 'none'"))
        .body(INDEX)
}

/// GraphiQL's scripts and styles.
pub(crate) async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, content_type): (&'static [u8], &str) = match name.as_str() {
        "react.production.min.js" => (
            include_bytes!("../../../frontend/graphiql/react.production.min.js"),
            "text/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../../frontend/graphiql/react-dom.production.min.js"),
            "text/javascript",
        ),
        "graphiql.min.js" => {
            (include_bytes!("../../../frontend/graphiql/graphiql.min.js"), "text/javascript")
        }
        "graphiql.min.css" => {
            (include_bytes!("../../../frontend/graphiql/graphiql.min.css"), "text/css")
        }
        "start.js" => (include_bytes!("../../../frontend/graphiql/start.js"), "text/javascript"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(format!("{content_type}; charset=utf-8"))
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(body)
}
