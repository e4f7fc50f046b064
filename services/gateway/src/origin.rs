//! [`OriginGuard`]: refuses requests that a page of another site could make a visitor's
//! browser send without the visitor meaning to: form posts, WebSocket upgrades and
//! multipart posts all go cross-site without a CORS preflight, so the server itself
//! must check where they come from.
//!
//! It does not authenticate anything: a request that passes still needs its token, and
//! clients that are not browsers (which send no `Origin`) pass untouched, because a
//! page of another site cannot drive them.

use actix_web::HttpRequest;
use actix_web::http::header;
use athenaeum_kernel::ApiError;

/// Decides whether a request comes from one of our own pages.
#[derive(Debug, Clone, Default)]
pub struct OriginGuard {
    /// The origin of `server.public_url` (e.g. `https://library.example`), when set.
    public_origin: Option<String>,
}

impl OriginGuard {
    /// Creates a guard that accepts the origin of `public_url` (empty: none) besides the
    /// origin of the address each request was sent to (its `Host`).
    pub fn new(public_url: &str) -> OriginGuard {
        let public_origin = url::Url::parse(public_url.trim())
            .ok()
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null");
        OriginGuard { public_origin }
    }

    /// Checks where a request comes from: its `Origin` must be ours (the public URL's, or
    /// the one its `Host` names); without an `Origin`, a browser's `Sec-Fetch-Site` must
    /// not say it was sent from another site.
    ///
    /// Fails with `FORBIDDEN` naming the origin that was refused.
    pub fn check(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let text = |name: header::HeaderName| {
            request.headers().get(name).and_then(|value| value.to_str().ok()).map(str::trim)
        };
        let Some(origin) = text(header::ORIGIN) else {
            return match text(header::HeaderName::from_static("sec-fetch-site")) {
                Some(site)
                    if site.eq_ignore_ascii_case("cross-site")
                        || site.eq_ignore_ascii_case("same-site") =>
                {
                    Err(refusal("another site"))
                }
                _ => Ok(()),
            };
        };
        let Some(origin_url) = url::Url::parse(origin).ok().filter(|url| url.has_host()) else {
            return Err(refusal(origin));
        };
        let serialized = origin_url.origin().ascii_serialization();
        if self.public_origin.as_deref() == Some(serialized.as_str()) {
            return Ok(());
        }
        // The address the request was sent to, read with the origin's scheme: behind a
        // proxy that ends TLS the page is https while this connection is not, and a
        // default port written or left out compares equal. Only this host and port can
        // serve a page with that origin, under either scheme.
        let addressed = text(header::HOST)
            .and_then(|host| url::Url::parse(&format!("{}://{host}", origin_url.scheme())).ok())
            .map(|url| url.origin().ascii_serialization());
        if addressed.as_deref() == Some(serialized.as_str()) {
            return Ok(());
        }
        Err(refusal(origin))
    }
}

fn refusal(origin: &str) -> ApiError {
    ApiError::forbidden(format!(
        "this request came from a page of {origin:?}, not of this site, and is refused"
    ))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn check(guard: &OriginGuard, headers: &[(&str, &str)]) -> Result<(), ApiError> {
        let mut request = TestRequest::post().insert_header(("Host", "127.0.0.1:8080"));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        guard.check(&request.to_http_request())
    }

    #[test]
    fn a_page_of_the_address_the_request_was_sent_to_passes() {
        let guard = OriginGuard::new("");

        assert!(check(&guard, &[("Origin", "http://127.0.0.1:8080")]).is_ok());
    }

    #[test]
    fn a_page_of_the_public_url_passes_behind_a_proxy() {
        let guard = OriginGuard::new("https://library.example/");

        assert!(check(&guard, &[("Origin", "https://library.example")]).is_ok());
        assert!(check(&guard, &[("Origin", "https://library.example:443")]).is_ok());
    }

    #[test]
    fn a_page_of_another_site_is_refused_as_forbidden() {
        let guard = OriginGuard::new("https://library.example");

        let refused = check(&guard, &[("Origin", "https://evil.example")]).unwrap_err();

        assert_eq!(refused.code, athenaeum_kernel::ErrorCode::Forbidden);
        assert!(refused.message.contains("evil.example"), "{}", refused.message);
    }

    #[test]
    fn another_port_or_host_is_another_site() {
        let guard = OriginGuard::new("");

        assert!(check(&guard, &[("Origin", "http://127.0.0.1:9999")]).is_err());
        assert!(check(&guard, &[("Origin", "http://localhost:8080")]).is_err());
    }

    #[test]
    fn an_opaque_origin_is_refused() {
        let guard = OriginGuard::new("");

        assert!(check(&guard, &[("Origin", "null")]).is_err());
    }

    #[test]
    fn a_browser_that_says_the_request_is_cross_site_is_refused_without_an_origin() {
        let guard = OriginGuard::new("");

        assert!(check(&guard, &[("Sec-Fetch-Site", "cross-site")]).is_err());
        assert!(check(&guard, &[("Sec-Fetch-Site", "same-origin")]).is_ok());
    }

    #[test]
    fn a_client_that_is_not_a_browser_passes() {
        let guard = OriginGuard::new("https://library.example");

        assert!(check(&guard, &[]).is_ok());
    }
}
