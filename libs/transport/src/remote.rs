//! Both ends of a call over HTTP: the client half used by generated clients, and the
//! responder used by generated routes.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use athenaeum_kernel::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Call;
use crate::call::{CLIENT_ADDRESS_HEADER, REQUEST_ID_HEADER};

/// A service running in another process, reached at a base URL.
#[derive(Debug, Clone)]
pub struct RemoteService {
    name: String,
    base_url: String,
    http: reqwest::Client,
}

impl RemoteService {
    /// Creates a handle on the service `name` at `base_url` (for example
    /// `http://10.0.0.5:8081`); calls time out after `timeout`.
    pub fn new(name: &str, base_url: &str, timeout: Duration) -> Result<RemoteService, ApiError> {
        let parsed = url::Url::parse(base_url).map_err(|error| {
            ApiError::validation(
                "url",
                format!("service {name} url {base_url:?} is invalid: {error}"),
            )
        })?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|error| ApiError::unavailable(format!("http client: {error}")))?;
        Ok(RemoteService {
            name: name.to_string(),
            base_url: parsed.as_str().trim_end_matches('/').to_string(),
            http,
        })
    }

    /// Returns the base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Posts `request` to `path` and decodes the response or the service's error.
    ///
    /// Fails with `UNAVAILABLE` when the service cannot be reached or answers with
    /// something that is not ours.
    pub async fn call<Request, Response>(
        &self,
        call: &Call,
        path: &str,
        request: &Request,
    ) -> Result<Response, ApiError>
    where
        Request: Serialize + ?Sized,
        Response: DeserializeOwned,
    {
        let mut builder = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header(REQUEST_ID_HEADER, &call.request_id)
            .json(request);
        if let Some(token) = &call.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(address) = &call.client_address {
            builder = builder.header(CLIENT_ADDRESS_HEADER, address);
        }
        let unreachable = |error: reqwest::Error| {
            tracing::warn!(service = %self.name, %error, request_id = %call.request_id, "service call failed");
            ApiError::unavailable(format!(
                "the {} service is unreachable; try again shortly",
                self.name
            ))
        };
        let response = builder.send().await.map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|error| {
                tracing::error!(service = %self.name, %error, "undecodable service response");
                ApiError::unavailable(format!("the {} service answered unexpectedly", self.name))
            });
        }
        Err(serde_json::from_slice::<ApiError>(&body).unwrap_or_else(|_| {
            ApiError::unavailable(format!(
                "the {} service answered with status {}",
                self.name,
                status.as_u16()
            ))
        }))
    }

    /// Returns true when the service's `/readyz` answers 200.
    pub async fn is_ready(&self) -> Result<(), String> {
        let response = self
            .http
            .get(format!("{}/readyz", self.base_url))
            .send()
            .await
            .map_err(|error| format!("{} service unreachable: {error}", self.name))?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(format!("{} service not ready (status {})", self.name, response.status().as_u16()))
    }
}

/// Turns a service result into the internal route's HTTP response.
pub fn respond<Response: Serialize>(outcome: Result<Response, ApiError>) -> HttpResponse {
    match outcome {
        Ok(value) => HttpResponse::Ok().json(value),
        Err(error) => {
            let status = StatusCode::from_u16(error.code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            HttpResponse::build(status).json(error)
        }
    }
}

/// Answers an undecodable request body on an internal route with a `VALIDATION` error.
pub fn route_error(
    error: actix_web::error::JsonPayloadError,
    _request: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api_error = ApiError::new(ErrorCode::Validation, format!("request body: {error}"));
    actix_web::error::InternalError::from_response(error, respond::<()>(Err(api_error))).into()
}
