//! What the gateway reads from each public request: its id, the client's address, and
//! the caller its bearer token names, verified once here and handed to every service in
//! this process with the call.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest};
use athenaeum_auth::{Caller, TokenVerifier};
use athenaeum_kernel::ApiError;
use athenaeum_transport::Call;
use serde_json::json;

use crate::GatewayState;

/// The id of the request, set by the [`crate::RequestIds`] middleware and echoed in
/// `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Returns the request's id (a fresh one if the middleware did not run).
pub fn request_id(request: &HttpRequest) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_else(athenaeum_kernel::new_id)
}

/// Returns the response header value for a request id.
pub fn request_id_header(id: &str) -> HeaderValue {
    HeaderValue::from_str(id).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Returns the client's address: the peer's, or behind a trusted proxy the one it names.
pub fn client_address(request: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        return request.connection_info().realip_remote_addr().map(str::to_string);
    }
    request.peer_addr().map(|address| address.ip().to_string())
}

/// Reads and verifies the bearer token: `(None, None)` without one, `Err` with an
/// `UNAUTHENTICATED` error when one is present but bad.
pub(crate) fn authenticate(
    request: &HttpRequest,
    verifier: &TokenVerifier,
) -> Result<(Option<String>, Option<Caller>), ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else { return Ok((None, None)) };
    let token = value
        .to_str()
        .ok()
        .and_then(|text| text.strip_prefix("Bearer ").or_else(|| text.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            ApiError::unauthenticated("the Authorization header must be \"Bearer <access token>\"")
        })?;
    let caller = verifier.verify(token).map_err(ApiError::from)?;
    Ok((Some(token.to_string()), Some(caller)))
}

/// Returns the call a request makes of the services: its token and the caller it names
/// (verified here, once, so services in this process need not verify it again), the
/// client's address and the request id; and the caller, for resolvers that check roles.
///
/// Fails with `UNAUTHENTICATED` when a token is present but bad.
pub(crate) fn request_call(
    request: &HttpRequest,
    state: &GatewayState,
) -> Result<(Call, Option<Caller>), ApiError> {
    let (token, caller) = authenticate(request, &state.verifier)?;
    let mut call =
        Call::new(token, client_address(request, state.trust_forwarded_for), request_id(request));
    if let Some(caller) = &caller {
        call = call.with_verified_caller(caller.clone());
    }
    Ok((call, caller))
}

/// The body of a GraphQL-style error answer.
pub(crate) fn error_body(error: &ApiError) -> serde_json::Value {
    let mut extensions = json!({ "code": error.code.as_str() });
    if let Some(field) = &error.field {
        extensions["field"] = json!(field);
    }
    json!({ "errors": [{ "message": error.message, "extensions": extensions }] })
}
