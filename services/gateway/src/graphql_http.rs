//! GraphQL over HTTP, as the GraphQL-over-HTTP specification describes it: POST with
//! `application/json`, GET for queries only, answers in
//! `application/graphql-response+json` (400 for a request that cannot be executed) or
//! `application/json` (always 200 for a well-formed request) as the client accepts;
//! graphql-ws subscriptions on the same path; GraphiQL for a browser.

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Data;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_actix_web::GraphQLSubscription;
use athenaeum_kernel::{ApiError, ErrorCode};
use athenaeum_transport::Call;
use serde_json::json;

use crate::body_timeouts::is_timed_out;
use crate::graphiql;
use crate::request::{client_address, error_body, request_call, request_id};
use crate::state::GatewayState;
use crate::uploads::{PartLimits, read_multipart};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn name(self) -> &'static str {
        match self {
            MediaType::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            MediaType::Json => JSON,
        }
    }
}

/// Picks the response media type from `Accept`; `None` when the client accepts neither.
fn negotiate(request: &HttpRequest) -> Option<MediaType> {
    let Some(accept) = request.headers().get(header::ACCEPT).and_then(|value| value.to_str().ok())
    else {
        // No Accept header: the specification says to answer as application/json.
        return Some(MediaType::Json);
    };
    let mut best: Option<(MediaType, f32)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|value| value.parse::<f32>().ok())
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON | "application/*" | "*/*" => MediaType::GraphqlResponseJson,
            JSON => MediaType::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(_, best_quality)| quality > best_quality) {
            best = Some((candidate, quality));
        }
    }
    best.map(|(media, _)| media)
}

fn refuse(status: StatusCode, media: MediaType, error: &ApiError) -> HttpResponse {
    HttpResponse::build(status).content_type(media.name()).json(error_body(error))
}

pub(crate) async fn graphql_post(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    let Some(media) = negotiate(&request) else { return not_acceptable() };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return upload(&request, payload, &state, media, &content_type).await;
    }
    let limit = state.limits.body_bytes;
    let body = match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => body,
        Ok(Err(error)) if error.as_error::<PayloadError>().is_some_and(is_timed_out) => {
            let error = ApiError::validation("body", error.to_string());
            return refuse(StatusCode::REQUEST_TIMEOUT, media, &error);
        }
        Ok(Err(error)) => {
            let problem = format!("the request body could not be read: {error}");
            return refuse(StatusCode::BAD_REQUEST, media, &ApiError::validation("body", problem));
        }
        Err(_) => {
            let problem = format!("the request body is larger than the limit of {limit} bytes");
            let error = ApiError::new(ErrorCode::TooLarge, problem);
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, media, &error);
        }
    };
    if !content_type.starts_with(JSON) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            &ApiError::validation(
                "Content-Type",
                format!(
                    "send the request as application/json (or multipart/form-data with a file), not {content_type:?}"
                ),
            ),
        );
    }
    let graphql_request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(parsed) => parsed,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                &ApiError::validation(
                    "body",
                    format!("the body is not a GraphQL request: {error}"),
                ),
            );
        }
    };
    execute(&request, &state, media, graphql_request).await
}

/// A file upload (a GraphQL multipart request). Everything that can refuse it is decided
/// from the headers before the body is read: the page it came from, the caller (staff of
/// a library) and room for another upload. The body is then read with a limit per part,
/// and the room held until the file has been handed on.
async fn upload(
    request: &HttpRequest,
    payload: web::Payload,
    state: &GatewayState,
    media: MediaType,
    content_type: &str,
) -> HttpResponse {
    if let Err(error) = state.origins.check(request) {
        return refuse(StatusCode::FORBIDDEN, media, &error);
    }
    let (call, caller) = match request_call(request, state) {
        Ok(found) => found,
        Err(error) => return refuse(StatusCode::UNAUTHORIZED, media, &error),
    };
    let permit = match state.uploads.admit(caller.as_ref()) {
        Ok(permit) => permit,
        Err(error) => {
            let status =
                StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::FORBIDDEN);
            let mut response = refuse(status, media, &error);
            if let Some(seconds) = error.retry_after_seconds {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return response;
        }
    };
    let limits =
        PartLimits { body_bytes: state.limits.body_bytes, file_bytes: state.limits.upload_bytes };
    let graphql_request = match read_multipart(content_type, payload, limits).await {
        Ok(parsed) => parsed,
        Err((status, error)) => return refuse(status, media, &error),
    };
    let response = run(state, media, call, caller, graphql_request).await;
    drop(permit);
    response
}

pub(crate) async fn graphql_get(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    if request
        .headers()
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
    {
        // A page of another site could open a socket in its visitor's browser.
        if let Err(error) = state.origins.check(&request) {
            return HttpResponse::Forbidden().json(error_body(&error));
        }
        return subscribe(&request, payload, &state);
    }
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && request.query_string().is_empty() && state.limits.graphiql {
        return graphiql::page();
    }
    let Some(media) = negotiate(&request) else { return not_acceptable() };
    let graphql_request = match async_graphql::http::parse_query_string(request.query_string()) {
        Ok(parsed) => parsed,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                &ApiError::validation(
                    "query",
                    format!("the query string is not a GraphQL request: {error}"),
                ),
            );
        }
    };
    if let Ok(document) = async_graphql::parser::parse_query(&graphql_request.query) {
        let operation_type = match (&document.operations, graphql_request.operation_name.as_deref())
        {
            (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
            (DocumentOperations::Multiple(operations), Some(name)) => operations
                .iter()
                .find(|(operation_name, _)| operation_name.as_str() == name)
                .map(|(_, operation)| operation.node.ty),
            (DocumentOperations::Multiple(_), None) => None,
        };
        if matches!(operation_type, Some(OperationType::Mutation | OperationType::Subscription)) {
            let mut response = refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                &ApiError::new(
                    ErrorCode::Validation,
                    "only queries may be sent with GET; send mutations with POST",
                ),
            );
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    execute(&request, &state, media, graphql_request).await
}

pub(crate) async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .json(error_body(&ApiError::new(ErrorCode::Validation, "use GET or POST on /graphql")))
}

fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable().content_type(JSON).json(error_body(&ApiError::new(
        ErrorCode::Validation,
        "accept application/graphql-response+json or application/json",
    )))
}

async fn execute(
    request: &HttpRequest,
    state: &GatewayState,
    media: MediaType,
    graphql_request: async_graphql::Request,
) -> HttpResponse {
    let (call, caller) = match request_call(request, state) {
        Ok(found) => found,
        Err(error) => return refuse(StatusCode::UNAUTHORIZED, media, &error),
    };
    run(state, media, call, caller, graphql_request).await
}

/// Executes a request as the caller `call` carries and answers it.
async fn run(
    state: &GatewayState,
    media: MediaType,
    call: Call,
    caller: Option<athenaeum_auth::Caller>,
    graphql_request: async_graphql::Request,
) -> HttpResponse {
    let response = execute_as(state, call, caller, graphql_request).await;
    let request_error = is_request_error(&response);
    if request_error {
        let status = if media == MediaType::GraphqlResponseJson {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        return HttpResponse::build(status)
            .content_type(media.name())
            .json(json!({ "errors": response.errors }));
    }
    HttpResponse::Ok().content_type(media.name()).json(&response)
}

/// Executes a GraphQL request against the gateway's schema as `caller`, exactly as
/// `/graphql` does: the website runs its pages' documents through this, so a page can do
/// nothing the public API cannot. Every error carries its `code` extension.
pub async fn execute_as(
    state: &GatewayState,
    call: Call,
    caller: Option<athenaeum_auth::Caller>,
    graphql_request: async_graphql::Request,
) -> async_graphql::Response {
    // Loaders live for this request only: they carry its caller and cache nothing beyond it.
    let loaders = athenaeum_catalogue::graphql::CatalogueLoaders::new(
        std::sync::Arc::clone(&state.catalogue),
        call.clone(),
    );
    let mut response =
        state.schema.execute(graphql_request.data(call).data(caller).data(loaders)).await;
    let request_error = is_request_error(&response);
    label_errors(&mut response.errors, request_error, state.limits.complexity);
    response
}

/// A request that never reached execution (unparsable, invalid, over a limit) has no data
/// and only errors without a path.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// Gives every error a `code` extension: services set theirs; errors the GraphQL layer
/// raises itself are `VALIDATION` (bad document or variables), `TOO_LARGE` (over the
/// depth or complexity limit) or, during execution, `INTERNAL`.
fn label_errors(
    errors: &mut [async_graphql::ServerError],
    request_error: bool,
    complexity_limit: usize,
) {
    for error in errors {
        if request_error && error.message.contains("too complex") {
            error.message = format!(
                "the query asks for too much at once: it costs more than the {complexity_limit} one request may \
                 (each result of a page or search costs what its fields cost, and running a search or \
                 writing a record as MARC costs more); ask for fewer results, or split it"
            );
        }
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_some() {
            continue;
        }
        let code = if error.message.contains("nested too deep")
            || error.message.contains("too much at once")
        {
            ErrorCode::TooLarge
        } else if request_error || is_argument_error(&error.message) {
            ErrorCode::Validation
        } else {
            ErrorCode::Internal
        };
        extensions.set("code", code.as_str());
    }
}

/// Returns true for the message async-graphql gives an argument that does not parse as
/// its type (`first: 2147483648` for an `Int`), raised when the field runs: the caller's
/// mistake, not the server's.
fn is_argument_error(message: &str) -> bool {
    message.starts_with("Failed to parse") || message.starts_with("Invalid value for argument")
}

fn subscribe(request: &HttpRequest, payload: web::Payload, state: &GatewayState) -> HttpResponse {
    let verifier = state.verifier.clone();
    let address = client_address(request, state.trust_forwarded_for);
    let request_id = request_id(request);
    let outcome = GraphQLSubscription::new(state.schema.clone())
        .on_connection_init(move |init: serde_json::Value| async move {
            let token = ["Authorization", "authorization"]
                .iter()
                .find_map(|key| init.get(*key).and_then(serde_json::Value::as_str))
                .map(|value| value.trim_start_matches("Bearer ").trim().to_string())
                .or_else(|| {
                    init.get("authToken").and_then(serde_json::Value::as_str).map(str::to_string)
                });
            let caller = match &token {
                Some(token) => Some(
                    verifier
                        .verify(token)
                        .map_err(|error| async_graphql::Error::new(error.to_string()))?,
                ),
                None => None,
            };
            let mut call = Call::new(token, address, request_id);
            if let Some(caller) = &caller {
                call = call.with_verified_caller(caller.clone());
            }
            let mut data = Data::default();
            data.insert(call);
            data.insert(caller);
            Ok(data)
        })
        .start(request, payload);
    match outcome {
        Ok(response) => response,
        Err(error) => HttpResponse::BadRequest()
            .json(error_body(&ApiError::validation("Sec-WebSocket-Protocol", error.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn accept_header_picks_the_response_media_type() {
        let pick = |accept: Option<&str>| {
            let mut request = TestRequest::default().method(Method::POST);
            if let Some(accept) = accept {
                request = request.insert_header((header::ACCEPT, accept));
            }
            negotiate(&request.to_http_request())
        };
        assert_eq!(pick(None), Some(MediaType::Json));
        assert_eq!(
            pick(Some("application/graphql-response+json, application/json;q=0.9")),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(pick(Some("application/json")), Some(MediaType::Json));
        assert_eq!(pick(Some("text/html")), None);
    }
}
