//! [`BodyTimeouts`]: a request body must keep arriving. A client that pauses mid-body,
//! or trickles a body a byte at a time, would otherwise hold its connection (and the
//! buffer its body fills) for as long as it likes; here its body fails with a
//! `TimedOut` error, the handler answers 408, and the connection is closed.
//!
//! An ordinary body (at most `graphql.body_bytes`) must arrive whole within a fixed
//! time; a file upload, which may be large, must instead keep up a minimum average
//! rate. Either must never pause longer than the idle time. A WebSocket's frames are
//! not a body and are left alone.

use std::future::{Ready, ready};
use std::time::{Duration, Instant};

use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;

/// How long request bodies may take (the settings `server.body_*` and
/// `server.upload_min_bytes_per_second`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeoutSettings {
    /// Longest pause in a request body, in seconds, before the connection is cut.
    pub body_idle_timeout_seconds: u64,
    /// Longest a whole request body (a file upload excepted) may take to arrive, in
    /// seconds.
    pub body_timeout_seconds: u64,
    /// Slowest a file upload may arrive on average, in bytes per second, once it has had
    /// one idle time to get going.
    pub upload_min_bytes_per_second: u64,
}

impl Default for BodyTimeoutSettings {
    fn default() -> Self {
        BodyTimeoutSettings {
            body_idle_timeout_seconds: 10,
            body_timeout_seconds: 30,
            upload_min_bytes_per_second: 16 * 1024,
        }
    }
}

/// Returns true when a payload error is a body cut for being too slow.
pub fn is_timed_out(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// Puts the [`BodyTimeoutSettings`] on every request body.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeouts {
    settings: BodyTimeoutSettings,
}

impl BodyTimeouts {
    /// Times bodies as `settings` say.
    pub fn new(settings: BodyTimeoutSettings) -> BodyTimeouts {
        BodyTimeouts { settings }
    }
}

impl<S, B> Transform<S, ServiceRequest> for BodyTimeouts
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = BodyTimeoutsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BodyTimeoutsService { service, settings: self.settings }))
    }
}

/// [`BodyTimeouts`] wrapped around a service.
#[derive(Debug)]
pub struct BodyTimeoutsService<S> {
    service: S,
    settings: BodyTimeoutSettings,
}

impl<S, B> Service<ServiceRequest> for BodyTimeoutsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        if !request.head().upgrade() {
            let payload = request.take_payload();
            if !matches!(payload, Payload::None) {
                let pace = if request.content_type().eq_ignore_ascii_case("multipart/form-data") {
                    Pace::Upload { min_bytes_per_second: self.settings.upload_min_bytes_per_second }
                } else {
                    Pace::Whole { within: Duration::from_secs(self.settings.body_timeout_seconds) }
                };
                let idle = Duration::from_secs(self.settings.body_idle_timeout_seconds.max(1));
                request.set_payload(Payload::from(timed(payload, idle, pace)));
            }
        }
        Box::pin(self.service.call(request))
    }
}

/// What a body must keep up besides never pausing longer than the idle time.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Arrive whole within this time.
    Whole { within: Duration },
    /// Keep at least this average rate once it has had one idle time to start.
    Upload { min_bytes_per_second: u64 },
}

fn timed_out(message: String) -> PayloadError {
    PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, message))
}

/// The body as a stream that fails with a `TimedOut` error when it falls behind `pace`
/// or pauses longer than `idle`.
fn timed(
    mut payload: Payload,
    idle: Duration,
    pace: Pace,
) -> std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>> {
    Box::pin(async_stream::stream! {
        let started = Instant::now();
        let mut received: u64 = 0;
        loop {
            let wait = match pace {
                Pace::Whole { within } => idle.min(within.saturating_sub(started.elapsed())),
                Pace::Upload { .. } => idle,
            };
            match tokio::time::timeout(wait, payload.next()).await {
                Ok(Some(Ok(chunk))) => {
                    received = received.saturating_add(chunk.len() as u64);
                    if let Pace::Upload { min_bytes_per_second } = pace {
                        let elapsed = started.elapsed();
                        let expected = min_bytes_per_second
                            .saturating_mul(elapsed.saturating_sub(idle).as_secs());
                        if received < expected {
                            yield Err(timed_out(format!(
                                "the upload arrived at {} bytes per second, slower than the {min_bytes_per_second} allowed",
                                received / elapsed.as_secs().max(1)
                            )));
                            break;
                        }
                    }
                    yield Ok(chunk);
                }
                Ok(Some(Err(error))) => {
                    yield Err(error);
                    break;
                }
                Ok(None) => break,
                Err(_) => {
                    let message = match pace {
                        Pace::Whole { within } if started.elapsed() >= within => format!(
                            "the request body did not arrive within {} seconds",
                            within.as_secs()
                        ),
                        _ => format!(
                            "the request body paused for more than {} seconds",
                            idle.as_secs()
                        ),
                    };
                    yield Err(timed_out(message));
                    break;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use actix_web::HttpResponse;
    use actix_web::dev::fn_service;
    use actix_web::http::{StatusCode, header};
    use actix_web::test::TestRequest;
    use futures_util::stream;

    use super::*;

    /// Reads the whole body: 200, or 408 when it was cut for being too slow.
    async fn read_whole(request: ServiceRequest) -> Result<ServiceResponse, Error> {
        let (http_request, mut payload) = request.into_parts();
        let mut status = StatusCode::OK;
        while let Some(chunk) = payload.next().await {
            if let Err(error) = chunk {
                status = if is_timed_out(&error) {
                    StatusCode::REQUEST_TIMEOUT
                } else {
                    StatusCode::BAD_REQUEST
                };
                break;
            }
        }
        Ok(ServiceResponse::new(http_request, HttpResponse::new(status)))
    }

    /// A body of `chunks` bytes, one every `gap`.
    fn trickle(chunks: usize, gap: Duration) -> Payload {
        let body = stream::iter(0..chunks).then(move |_| async move {
            tokio::time::sleep(gap).await;
            Ok::<Bytes, PayloadError>(Bytes::from_static(b"x"))
        });
        Payload::from(Box::pin(body)
            as std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>>)
    }

    async fn status_of(
        settings: BodyTimeoutSettings,
        content_type: &str,
        body: Payload,
    ) -> StatusCode {
        let service =
            BodyTimeouts::new(settings).new_transform(fn_service(read_whole)).await.unwrap();
        let mut request = TestRequest::post()
            .insert_header((header::CONTENT_TYPE, content_type))
            .to_srv_request();
        request.set_payload(body);
        service.call(request).await.unwrap().status()
    }

    fn settings(idle: u64, whole: u64, rate: u64) -> BodyTimeoutSettings {
        BodyTimeoutSettings {
            body_idle_timeout_seconds: idle,
            body_timeout_seconds: whole,
            upload_min_bytes_per_second: rate,
        }
    }

    #[actix_web::test]
    async fn a_body_that_arrives_in_time_is_read_whole() {
        let status =
            status_of(settings(1, 2, 1), "application/json", trickle(3, Duration::from_millis(10)))
                .await;

        assert_eq!(status, StatusCode::OK);
    }

    #[actix_web::test]
    async fn a_body_that_pauses_longer_than_the_idle_time_is_cut() {
        let status =
            status_of(settings(1, 60, 1), "application/json", trickle(2, Duration::from_secs(3)))
                .await;

        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    }

    #[actix_web::test]
    async fn a_body_trickled_without_pausing_is_cut_when_its_time_is_up() {
        let started = Instant::now();
        let status = status_of(
            settings(1, 2, 1),
            "application/json",
            trickle(1000, Duration::from_millis(200)),
        )
        .await;

        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    }

    #[actix_web::test]
    async fn an_upload_slower_than_the_minimum_rate_is_cut() {
        let started = Instant::now();
        let status = status_of(
            settings(1, 60, 100),
            "multipart/form-data; boundary=x",
            trickle(1000, Duration::from_millis(200)),
        )
        .await;

        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    }

    #[actix_web::test]
    async fn an_upload_at_a_steady_pace_is_not_held_to_the_whole_body_time() {
        let status = status_of(
            settings(1, 1, 1),
            "multipart/form-data; boundary=x",
            trickle(12, Duration::from_millis(200)),
        )
        .await;

        assert_eq!(status, StatusCode::OK);
    }
}
