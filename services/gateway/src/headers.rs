//! [`SecurityHeaders`]: the headers every response of a process carries, whatever route
//! (or failure) made it, so that a browser never sniffs a JSON answer into a script,
//! never frames a page of ours inside another site, and never tells another site which
//! of our addresses (some carry one-time tokens) a person came from.
//!
//! A handler may set its own `Content-Security-Policy`, `X-Frame-Options` or
//! `Referrer-Policy`; this only fills in what it left out, and adds `frame-ancestors`
//! to a policy that lacks it.

use std::future::{Ready, ready};

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use futures_util::future::LocalBoxFuture;

/// The policy for responses that set none: no framing, nothing else restricted (a JSON
/// answer loads nothing).
const DEFAULT_POLICY: &str = "frame-ancestors 'none'";

/// Referrers go to this origin only: other sites never learn an address of ours (an
/// emailed link's token is in it), while a page's own form posts still carry their
/// `Origin`, which `no-referrer` would turn into `null` and the origin check would then
/// refuse.
pub const REFERRER_POLICY: &str = "same-origin";

/// Adds `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, a
/// `Content-Security-Policy` with `frame-ancestors 'none'` and a `Referrer-Policy` to
/// every response.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityHeaders;

impl<S, B> Transform<S, ServiceRequest> for SecurityHeaders
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = SecurityHeadersService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SecurityHeadersService { service }))
    }
}

/// [`SecurityHeaders`] wrapped around a service.
#[derive(Debug)]
pub struct SecurityHeadersService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for SecurityHeadersService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // The request is not kept here: routing needs it unshared. Handlers and
        // extractors turn their failures into responses, which pass through here.
        let response = self.service.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            secure(response.headers_mut());
            Ok(response)
        })
    }
}

/// Fills in the security headers a response lacks.
fn secure(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !headers.contains_key(header::X_FRAME_OPTIONS) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static(REFERRER_POLICY));
    }
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let framed = match policy {
        None => Some(DEFAULT_POLICY.to_string()),
        Some(policy) if !policy.contains("frame-ancestors") => {
            Some(format!("{}; {DEFAULT_POLICY}", policy.trim_end_matches([';', ' '])))
        }
        Some(_) => None,
    };
    if let Some(value) = framed.and_then(|text| HeaderValue::from_str(&text).ok()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    async fn headers_of(handler: fn() -> HttpResponse) -> HeaderMap {
        let app = test::init_service(
            App::new()
                .wrap(SecurityHeaders)
                .route("/", web::get().to(move || std::future::ready(handler()))),
        )
        .await;
        let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
        response.headers().clone()
    }

    fn text(headers: &HeaderMap, name: header::HeaderName) -> &str {
        headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
    }

    #[actix_web::test]
    async fn a_response_without_its_own_headers_gets_every_security_header() {
        let headers = headers_of(|| HttpResponse::Ok().json("ok")).await;

        assert_eq!(text(&headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(text(&headers, header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(text(&headers, header::CONTENT_SECURITY_POLICY), "frame-ancestors 'none'");
        assert_eq!(text(&headers, header::REFERRER_POLICY), "same-origin");
    }

    #[actix_web::test]
    async fn a_page_policy_without_frame_ancestors_gets_it_added() {
        let headers = headers_of(|| {
            HttpResponse::Ok()
                .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'self';"))
                .finish()
        })
        .await;

        assert_eq!(
            text(&headers, header::CONTENT_SECURITY_POLICY),
            "default-src 'self'; frame-ancestors 'none'"
        );
    }

    #[actix_web::test]
    async fn a_handlers_own_policies_are_kept() {
        let headers = headers_of(|| {
            HttpResponse::Ok()
                .insert_header((
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; frame-ancestors 'self'",
                ))
                .insert_header((header::REFERRER_POLICY, "no-referrer"))
                .finish()
        })
        .await;

        assert_eq!(
            text(&headers, header::CONTENT_SECURITY_POLICY),
            "default-src 'none'; frame-ancestors 'self'"
        );
        assert_eq!(text(&headers, header::REFERRER_POLICY), "no-referrer");
    }

    #[actix_web::test]
    async fn a_route_that_does_not_exist_is_answered_with_the_headers_too() {
        let app = test::init_service(App::new().wrap(SecurityHeaders)).await;

        let response =
            test::call_service(&app, test::TestRequest::get().uri("/nowhere").to_request()).await;

        assert_eq!(response.status(), 404);
        assert_eq!(text(response.headers(), header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }
}
