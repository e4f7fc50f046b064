//! The middleware every route of a process runs through: [`RequestIds`] gives each
//! request an id (the client's `X-Request-Id` when it is sane) that log lines and
//! internal calls carry and the response echoes; [`HttpMetrics`] records each request's
//! route, status and time for `/metrics`.

use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::HeaderName;
use actix_web::{Error, HttpMessage};
use futures_util::future::LocalBoxFuture;

use crate::Metrics;
use crate::request::{RequestId, request_id_header};

const REQUEST_ID: &str = "x-request-id";

/// Returns the client's request id when it is one we can carry (1 to 64 letters, digits
/// and hyphens), otherwise a fresh one.
fn chosen_request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            !value.is_empty()
                && value.len() <= 64
                && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        })
        .map_or_else(athenaeum_kernel::new_id, str::to_string)
}

/// Gives every request an id and echoes it in the response's `X-Request-Id`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIds;

impl<S, B> Transform<S, ServiceRequest> for RequestIds
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestIdsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestIdsService { service }))
    }
}

/// [`RequestIds`] wrapped around a service.
#[derive(Debug)]
pub struct RequestIdsService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for RequestIdsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let request_id = chosen_request_id(&request);
        request.extensions_mut().insert(RequestId(request_id.clone()));
        let response = self.service.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            response
                .headers_mut()
                .insert(HeaderName::from_static(REQUEST_ID), request_id_header(&request_id));
            Ok(response)
        })
    }
}

/// Records each request's route pattern, status and time in the process's metrics.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    metrics: Arc<Metrics>,
}

impl HttpMetrics {
    /// Records into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> HttpMetrics {
        HttpMetrics { metrics }
    }
}

impl<S, B> Transform<S, ServiceRequest> for HttpMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = HttpMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(HttpMetricsService { service, metrics: Arc::clone(&self.metrics) }))
    }
}

/// [`HttpMetrics`] wrapped around a service.
#[derive(Debug)]
pub struct HttpMetricsService<S> {
    service: S,
    metrics: Arc<Metrics>,
}

impl<S, B> Service<ServiceRequest> for HttpMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let metrics = Arc::clone(&self.metrics);
        let response = self.service.call(request);
        Box::pin(async move {
            let response = response.await?;
            let route =
                response.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
            let status = response.status().as_u16();
            let elapsed = started.elapsed();
            metrics.observe_http(&route, status, elapsed.as_secs_f64());
            let request_id =
                response.request().extensions().get::<RequestId>().map(|id| id.0.clone());
            tracing::debug!(%route, status, elapsed_ms = elapsed.as_secs_f64() * 1000.0, request_id = ?request_id, "request served");
            Ok(response)
        })
    }
}
