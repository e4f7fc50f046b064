//! Athenaeum's website: server-rendered pages, mounted in the gateway process.
//!
//! Every page gets its data by executing a GraphQL document, kept beside its template in
//! `templates/`, against the gateway's own schema with the visitor's identity
//! ([`Web::run`]), into typed values; so the site can do nothing the public API cannot,
//! and a test fails when a document no longer validates against the schema.
//!
//! Templates are askama's: compiled into the binary and checked when it is built, with
//! HTML escaping on by default. Every page extends `base.html`, which gives it the
//! document language, the title, the skip link, the header with the library's name, one
//! `<h1>`, the error summary and the footer; form fields come from `macros.html`, which
//! always gives a field its label, hint and linked error. Pages work without JavaScript;
//! small ES modules in `static/` enhance some where it runs.

#![allow(
    clippy::result_large_err,
    reason = "a page handler's early answer is a whole response, made once per request"
)]

mod assets;
mod frame;
mod keys;
mod pages;
mod session;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::{HttpRequest, web};
use async_graphql::Variables;
use athenaeum_gateway::{GatewayState, client_address, execute_as, request_id};
use athenaeum_transport::Call;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use frame::{Frame, PageError};
pub use keys::WebKeys;
pub use session::{FORM_COOKIE, FORM_TOKEN_FIELD, SESSION_COOKIE, Visitor, is_own_path};

/// How the website is set up.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The file holding the website's secret (made when missing).
    pub secret_file: PathBuf,
    /// Where people reach the platform (`server.public_url`); cookies are `Secure`
    /// unless it is plain `http://` on localhost.
    pub public_url: String,
}

/// The website's state, shared by every page.
#[derive(Clone)]
pub struct Web {
    /// The gateway: its schema, token verifier and origin check.
    pub gateway: GatewayState,
    /// Cookie sealing and form-token keys.
    pub keys: Arc<WebKeys>,
    secure_cookies: bool,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Web").field("secure_cookies", &self.secure_cookies).finish()
    }
}

impl Web {
    /// Builds the website's state over the gateway.
    ///
    /// Fails when the secret cannot be read or made.
    pub fn new(gateway: GatewayState, settings: &WebSettings) -> anyhow::Result<Web> {
        let keys = WebKeys::load_or_generate(&settings.secret_file)?;
        Ok(Web {
            gateway,
            keys: Arc::new(keys),
            secure_cookies: secure_cookies(&settings.public_url),
        })
    }

    fn secure_suffix(&self) -> &'static str {
        if self.secure_cookies { "; Secure" } else { "" }
    }

    /// Runs `document` as the visitor (signed in or not) into `T`.
    ///
    /// Fails with the errors the API answered.
    pub async fn run<T: DeserializeOwned>(
        &self,
        request: &HttpRequest,
        visitor: &Visitor,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        self.execute(request, visitor.access_token(), visitor.caller.clone(), document, variables)
            .await
    }

    /// Runs `document` as a visitor who is not signed in.
    ///
    /// Fails with the errors the API answered.
    pub async fn anonymous<T: DeserializeOwned>(
        &self,
        request: &HttpRequest,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        self.execute(request, None, None, document, variables).await
    }

    /// Runs `document` for a page of the library `slug`: as the visitor when they are
    /// signed in to it (staff see what staff may), otherwise as a reader who is not
    /// signed in, so that a patron of one library reads another's public catalogue as
    /// anyone would.
    ///
    /// Fails with the errors the API answered.
    pub async fn for_library<T: DeserializeOwned>(
        &self,
        request: &HttpRequest,
        visitor: &Visitor,
        slug: &str,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        if visitor.belongs_to(slug) {
            self.run(request, visitor, document, variables).await
        } else {
            self.anonymous(request, document, variables).await
        }
    }

    async fn execute<T: DeserializeOwned>(
        &self,
        request: &HttpRequest,
        token: Option<&str>,
        caller: Option<athenaeum_auth::Caller>,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        let mut call = Call::new(
            token.map(str::to_string),
            client_address(request, self.gateway.trust_forwarded_for),
            request_id(request),
        );
        if let Some(caller) = &caller {
            call = call.with_verified_caller(caller.clone());
        }
        let graphql =
            async_graphql::Request::new(document).variables(Variables::from_json(variables));
        let response = execute_as(&self.gateway, call, caller, graphql).await;
        if !response.errors.is_empty() {
            return Err(PageError::from_graphql(&response.errors));
        }
        let data =
            response.data.into_json().map_err(|error| PageError::internal(error.to_string()))?;
        serde_json::from_value(data).map_err(|error| {
            PageError::internal(format!("the page could not read the API's answer: {error}"))
        })
    }
}

fn secure_cookies(public_url: &str) -> bool {
    let Ok(url) = url::Url::parse(public_url) else { return false };
    if url.scheme() == "https" {
        return true;
    }
    !matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]" | "::1") | None)
}

/// Registers the website's pages and assets.
pub fn routes(web_state: Web) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |config: &mut web::ServiceConfig| {
        config.app_data(web::Data::new(web_state.clone()));
        assets::routes(config);
        pages::routes(config);
    }
}

#[cfg(test)]
mod tests {
    use super::secure_cookies;

    #[test]
    fn cookies_are_secure_everywhere_but_plain_http_on_localhost() {
        assert!(!secure_cookies("http://127.0.0.1:8080"));
        assert!(!secure_cookies("http://localhost:8080/"));
        assert!(secure_cookies("https://127.0.0.1:8080"));
        assert!(secure_cookies("https://libraries.example"));
        assert!(secure_cookies("http://libraries.example"));
    }
}
