//! The website's static files, served from the binary: one stylesheet, an icon and small
//! ES modules that enhance pages where JavaScript runs. No build step: they are served as
//! written in `static/`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Changes with every release, so a new stylesheet or script is fetched at once.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "site.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/site.css"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/icon.svg"),
    },
    Asset {
        name: "autocomplete.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/autocomplete.js"),
    },
    Asset {
        name: "desk.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/desk.js"),
    },
    Asset {
        name: "refresh.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/refresh.js"),
    },
];

pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/assets/{name}", web::get().to(asset))
        .route("/favicon.ico", web::get().to(favicon));
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|asset| asset.name == name.as_str()) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; frame-ancestors 'none'",
            ))
            .body(asset.body),
        None => {
            HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("no such file")
        }
    }
}

async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, format!("/assets/icon.svg?v={VERSION}")))
        .finish()
}
