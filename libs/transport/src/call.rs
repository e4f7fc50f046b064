//! The context every service call carries.

use actix_web::HttpRequest;

/// Header carrying the original client's address between processes.
pub const CLIENT_ADDRESS_HEADER: &str = "x-athenaeum-client-address";
/// Header carrying the request id between processes.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Who asked, from where, under which request id. The token is passed on untouched and
/// verified by each service itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Call {
    /// The caller's bearer access token, if any.
    pub token: Option<String>,
    /// The client's network address, for rate limits and logs.
    pub client_address: Option<String>,
    /// The id that ties log lines of one request together across services.
    pub request_id: String,
}

impl Call {
    /// Creates a call with a fresh request id and no token.
    pub fn anonymous() -> Call {
        Call { token: None, client_address: None, request_id: athenaeum_kernel::new_id() }
    }

    /// Returns a copy carrying `token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Call {
        self.token = Some(token.into());
        self
    }

    /// Reads the call context from a request on the internal routes: the bearer token,
    /// the forwarded client address (internal routes are reachable only from the
    /// gateway's network) and the request id.
    pub fn from_internal_request(request: &HttpRequest) -> Call {
        let header = |name: &str| {
            request.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_string)
        };
        Call {
            token: header("authorization")
                .and_then(|value| value.strip_prefix("Bearer ").map(str::to_string)),
            client_address: header(CLIENT_ADDRESS_HEADER)
                .or_else(|| request.peer_addr().map(|address| address.ip().to_string())),
            request_id: header(REQUEST_ID_HEADER).unwrap_or_else(athenaeum_kernel::new_id),
        }
    }
}
