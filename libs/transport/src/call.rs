//! The context every service call carries.

use actix_web::HttpRequest;
use athenaeum_auth::{AuthError, Caller, Reader, TokenVerifier};

/// Header carrying the original client's address between processes.
pub const CLIENT_ADDRESS_HEADER: &str = "x-athenaeum-client-address";
/// Header carrying the request id between processes.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Who asked, from where, under which request id. The token is passed on untouched to
/// services in other processes, which verify it themselves; within one process the
/// gateway hands on the caller it verified, so a request's token is verified once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Call {
    /// The caller's bearer access token, if any.
    pub token: Option<String>,
    /// The client's network address, for rate limits and logs.
    pub client_address: Option<String>,
    /// The id that ties log lines of one request together across services.
    pub request_id: String,
    /// The caller the token names, once verified in this process; never sent to another.
    verified: Option<Caller>,
}

impl Call {
    /// Creates a call with a token (if any), a client address (if known) and a request id.
    pub fn new(token: Option<String>, client_address: Option<String>, request_id: String) -> Call {
        Call { token, client_address, request_id, verified: None }
    }

    /// Creates a call with a fresh request id and no token.
    pub fn anonymous() -> Call {
        Call::new(None, None, athenaeum_kernel::new_id())
    }

    /// Returns a copy carrying `token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Call {
        self.token = Some(token.into());
        self.verified = None;
        self
    }

    /// Returns a copy carrying the client's address.
    pub fn with_client_address(mut self, address: impl Into<String>) -> Call {
        self.client_address = Some(address.into());
        self
    }

    /// Returns a copy carrying the caller its token names, verified by the gateway, so
    /// that services in this process need not verify the token again. A [`Caller`] is
    /// only ever made by verifying a token, so this cannot lend a call an identity.
    pub fn with_verified_caller(mut self, caller: Caller) -> Call {
        self.verified = Some(caller);
        self
    }

    /// Returns the verified caller: the one the gateway verified in this process, or the
    /// token's, verified now with `verifier`.
    ///
    /// Fails with `MissingToken` without a token, `InvalidToken` for a bad one. Costs a
    /// signature check (tens of microseconds) when the caller was not verified yet.
    pub fn caller(&self, verifier: &TokenVerifier) -> Result<Caller, AuthError> {
        if let Some(caller) = &self.verified {
            return Ok(caller.clone());
        }
        let token = self.token.as_deref().ok_or(AuthError::MissingToken)?;
        verifier.verify(token)
    }

    /// Returns who reads: the verified caller when the call has a token, otherwise an
    /// anonymous reader of `named_tenant_id` (the library a reader who is not signed in
    /// named).
    ///
    /// Fails with `MissingToken` when there is neither, `InvalidToken` for a bad token,
    /// and `OutOfService` when the named library is suspended.
    pub fn reader(
        &self,
        verifier: &TokenVerifier,
        named_tenant_id: Option<&str>,
    ) -> Result<Reader, AuthError> {
        let caller = if self.token.is_some() { Some(self.caller(verifier)?) } else { None };
        let reader = Reader::resolve(caller, named_tenant_id)?;
        if let Reader::Public(scope) = &reader {
            verifier.check_tenant(athenaeum_auth::ReadScope::tenant_id(scope))?;
        }
        Ok(reader)
    }

    /// Reads the call context from a request on the internal routes: the bearer token,
    /// the client address and the request id.
    ///
    /// The client address another process forwards (`x-athenaeum-client-address`) is
    /// believed only on the internal listener (an app marked with [`InternalListener`]),
    /// which is reachable only from the deployment's private network; anywhere else the
    /// header is ignored and the peer's address is the client's.
    pub fn from_internal_request(request: &HttpRequest) -> Call {
        let header = |name: &str| {
            request.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_string)
        };
        let forwarded = if request.app_data::<InternalListener>().is_some() {
            header(CLIENT_ADDRESS_HEADER)
        } else {
            None
        };
        Call::new(
            header("authorization")
                .and_then(|value| value.strip_prefix("Bearer ").map(str::to_string)),
            forwarded.or_else(|| request.peer_addr().map(|address| address.ip().to_string())),
            header(REQUEST_ID_HEADER).unwrap_or_else(athenaeum_kernel::new_id),
        )
    }
}

/// Marks the app of a process's internal listener (`app.app_data(InternalListener)`),
/// where other processes of the deployment call its services: only there is the client
/// address they forward believed.
#[derive(Debug, Clone, Copy, Default)]
pub struct InternalListener;

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn forged(request: TestRequest) -> Call {
        let request = request
            .peer_addr("192.0.2.7:50000".parse().unwrap())
            .insert_header((CLIENT_ADDRESS_HEADER, "203.0.113.99"))
            .to_http_request();
        Call::from_internal_request(&request)
    }

    #[test]
    fn the_forwarded_client_address_is_ignored_off_the_internal_listener() {
        let call = forged(TestRequest::post());

        assert_eq!(call.client_address.as_deref(), Some("192.0.2.7"));
    }

    #[test]
    fn the_forwarded_client_address_is_believed_on_the_internal_listener() {
        let call = forged(TestRequest::post().app_data(InternalListener));

        assert_eq!(call.client_address.as_deref(), Some("203.0.113.99"));
    }
}
