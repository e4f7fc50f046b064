//! File uploads (GraphQL multipart requests, as `importMarc` takes): who may send one,
//! how many may be in flight, and reading one within its limits.
//!
//! Everything that can refuse an upload looks only at the request's headers, so an
//! upload is refused before a byte of its body is read: the caller must be staff of a
//! library and there must be room for another upload from that library and in all.
//! The body is then read with limits per part: `operations` and `map` no larger than an
//! ordinary request body, one file no larger than the upload limit, spooled to a
//! temporary file as it arrives.

use std::collections::HashMap;
use std::io::Seek as _;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::http::StatusCode;
use actix_web::web;
use async_graphql::UploadValue;
use athenaeum_auth::Caller;
use athenaeum_kernel::{ApiError, ErrorCode};
use futures_util::StreamExt as _;
use tokio::io::AsyncWriteExt as _;

use crate::body_timeouts::is_timed_out;

/// How long a caller refused for want of room is told to wait.
const RETRY_AFTER_SECONDS: u64 = 10;

#[derive(Debug, Default)]
struct InFlight {
    total: usize,
    per_library: HashMap<String, usize>,
}

/// Counts uploads in flight, in all and per library, and refuses one more past the caps.
#[derive(Debug, Clone)]
pub struct UploadGate {
    total_cap: usize,
    library_cap: usize,
    in_flight: Arc<Mutex<InFlight>>,
}

/// Room for one upload, held until it has been read and handed on; dropping it frees
/// the room.
#[derive(Debug)]
pub struct UploadPermit {
    tenant_id: String,
    in_flight: Arc<Mutex<InFlight>>,
}

impl Drop for UploadPermit {
    fn drop(&mut self) {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        in_flight.total = in_flight.total.saturating_sub(1);
        if let Some(count) = in_flight.per_library.get_mut(&self.tenant_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_flight.per_library.remove(&self.tenant_id);
            }
        }
    }
}

impl UploadGate {
    /// Allows `total_cap` uploads at once in all and `library_cap` per library (each at
    /// least one).
    pub fn new(total_cap: usize, library_cap: usize) -> UploadGate {
        UploadGate {
            total_cap: total_cap.max(1),
            library_cap: library_cap.max(1),
            in_flight: Arc::default(),
        }
    }

    /// Admits an upload from `caller`, who must be staff of a library.
    ///
    /// Fails with `UNAUTHENTICATED` without a caller, `FORBIDDEN` for a caller who is not
    /// staff, and `RATE_LIMITED` (with a time to wait) when the library or the whole
    /// deployment already has as many uploads in flight as allowed.
    pub fn admit(&self, caller: Option<&Caller>) -> Result<UploadPermit, ApiError> {
        let Some(caller) = caller else {
            return Err(ApiError::unauthenticated(
                "sign in first: only library staff may upload files",
            ));
        };
        if !caller.is_staff() {
            return Err(ApiError::forbidden("only library staff may upload files"));
        }
        let tenant_id = caller.tenant_id().to_string();
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        let library = in_flight.per_library.get(&tenant_id).copied().unwrap_or(0);
        let busy = if library >= self.library_cap {
            Some(format!("your library already has {library} uploads in progress"))
        } else if in_flight.total >= self.total_cap {
            Some(format!("{} uploads are in progress", in_flight.total))
        } else {
            None
        };
        if let Some(reason) = busy {
            let mut error = ApiError::new(
                ErrorCode::RateLimited,
                format!("{reason}; try again in {RETRY_AFTER_SECONDS} seconds"),
            );
            error.retry_after_seconds = Some(RETRY_AFTER_SECONDS);
            return Err(error);
        }
        in_flight.total += 1;
        *in_flight.per_library.entry(tenant_id.clone()).or_insert(0) += 1;
        Ok(UploadPermit { tenant_id, in_flight: Arc::clone(&self.in_flight) })
    }
}

/// The largest parts of a multipart request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartLimits {
    /// `operations` and `map`, each: an ordinary request body's limit.
    pub(crate) body_bytes: usize,
    /// The one file.
    pub(crate) file_bytes: usize,
}

/// A refusal while reading: the status to answer with and the error.
pub(crate) type Refusal = (StatusCode, ApiError);

fn too_large(limit: u64, part: &str) -> Refusal {
    let error = ApiError::new(
        ErrorCode::TooLarge,
        format!("the {part} part of the upload is larger than the limit of {limit} bytes"),
    );
    (StatusCode::PAYLOAD_TOO_LARGE, error)
}

fn unreadable(problem: impl std::fmt::Display) -> Refusal {
    let error =
        ApiError::validation("body", format!("the multipart request cannot be read: {problem}"));
    (StatusCode::BAD_REQUEST, error)
}

fn refusal(error: multer::Error) -> Refusal {
    match error {
        multer::Error::FieldSizeExceeded { limit, field_name } => {
            too_large(limit, field_name.as_deref().unwrap_or("file"))
        }
        multer::Error::StreamSizeExceeded { limit } => too_large(limit, "whole"),
        multer::Error::StreamReadFailed(cause) => {
            let timed_out = cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
            if timed_out {
                let error = ApiError::validation("body", cause.to_string());
                (StatusCode::REQUEST_TIMEOUT, error)
            } else {
                unreadable(cause)
            }
        }
        other => unreadable(other),
    }
}

/// Reads a GraphQL multipart request (`operations`, then `map`, then one file) from
/// `payload` within `limits`, spooling the file to a temporary file.
///
/// Fails with 413 `TOO_LARGE` naming the part over its limit, 408 when the body came too
/// slowly, 400 `VALIDATION` for anything malformed.
pub(crate) async fn read_multipart(
    content_type: &str,
    payload: web::Payload,
    limits: PartLimits,
) -> Result<async_graphql::Request, Refusal> {
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    let body_bytes = limits.body_bytes as u64;
    let file_bytes = limits.file_bytes as u64;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(file_bytes.saturating_add(body_bytes.saturating_mul(2)))
            .per_field(file_bytes)
            .for_field("operations", body_bytes)
            .for_field("map", body_bytes),
    );
    let mut multipart =
        multer::Multipart::with_constraints(sendable(payload), boundary, constraints);
    let mut operations: Option<async_graphql::Request> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files: Vec<(String, UploadValue)> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(refusal)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "operations" => {
                let bytes = field.bytes().await.map_err(refusal)?;
                let parsed = serde_json::from_slice(&bytes).map_err(|error| {
                    unreadable(format!("operations is not a GraphQL request: {error}"))
                })?;
                operations = Some(parsed);
            }
            "map" => {
                let bytes = field.bytes().await.map_err(refusal)?;
                let parsed = serde_json::from_slice(&bytes).map_err(|error| {
                    unreadable(format!("map is not an object of lists of paths: {error}"))
                })?;
                map = Some(parsed);
            }
            _ => {
                if operations.is_none() || map.is_none() {
                    return Err(unreadable("operations and map must come before the file"));
                }
                if !files.is_empty() {
                    return Err(unreadable("send one file per request"));
                }
                let filename = field.file_name().unwrap_or("").to_string();
                let content_type = field.content_type().map(ToString::to_string);
                let spool = tempfile::tempfile().map_err(|error| {
                    tracing::error!(%error, "cannot create a temporary file for an upload");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        ApiError::unavailable(
                            "uploads cannot be received just now; try again shortly",
                        ),
                    )
                })?;
                let mut file = tokio::fs::File::from_std(spool);
                while let Some(chunk) = field.chunk().await.map_err(refusal)? {
                    file.write_all(&chunk).await.map_err(|error| {
                        tracing::error!(%error, "cannot write an upload to its temporary file");
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            ApiError::unavailable(
                                "uploads cannot be received just now; try again shortly",
                            ),
                        )
                    })?;
                }
                let mut content = file.into_std().await;
                content.rewind().map_err(unreadable)?;
                files.push((name, UploadValue { filename, content_type, content }));
            }
        }
    }
    let mut request = operations.ok_or_else(|| unreadable("the operations part is missing"))?;
    let mut map = map.ok_or_else(|| unreadable("the map part is missing"))?;
    for (name, upload) in files {
        let Some(paths) = map.remove(&name) else { continue };
        for path in paths {
            let copy = upload.try_clone().map_err(unreadable)?;
            request.set_upload(&path, copy);
        }
    }
    if let Some(name) = map.keys().next() {
        return Err(unreadable(format!("the map names a file {name:?} that was not sent")));
    }
    Ok(request)
}

/// A web page's form with one file (`multipart/form-data` as a browser sends it), read
/// within the limits of an upload to `/graphql`, with its room held until dropped.
pub struct FormUpload {
    /// The text fields, in order.
    pub fields: Vec<(String, String)>,
    /// The file field's content (`None` when the form had no file field); a browser
    /// sends an empty one with no name when no file was chosen.
    pub file: Option<UploadValue>,
    /// The file's size in bytes.
    pub file_size: u64,
    _permit: UploadPermit,
}

impl std::fmt::Debug for FormUpload {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FormUpload")
            .field("fields", &self.fields.len())
            .field("file", &self.file.as_ref().map(|file| file.filename.clone()))
            .field("file_size", &self.file_size)
            .finish_non_exhaustive()
    }
}

impl FormUpload {
    /// The first value of a text field, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Hands the file to `request` as the upload at `path` (`variables.file`); the room
    /// stays held as long as `self` lives.
    ///
    /// # Errors
    /// Fails when no file was sent or the spooled file cannot be opened again.
    pub fn attach(
        &self,
        mut request: async_graphql::Request,
        path: &str,
    ) -> Result<async_graphql::Request, ApiError> {
        let file =
            self.file.as_ref().ok_or_else(|| ApiError::validation("file", "choose a file"))?;
        let copy = file.try_clone().map_err(|error| {
            tracing::error!(%error, "cannot reopen an upload's temporary file");
            ApiError::unavailable("uploads cannot be received just now; try again shortly")
        })?;
        request.set_upload(path, copy);
        Ok(request)
    }
}

/// Reads a web form with one file, sent by `caller` (as the website knows them), through
/// the same bounds as an upload to `/graphql`: the page it came from and room for the
/// upload are decided from the headers before the body is read; text fields together no
/// larger than an ordinary request body; the file no larger than the upload limit,
/// spooled to a temporary file. A file over the limit is read on to twice the limit and
/// thrown away, so the browser gets the answer rather than a broken connection.
///
/// # Errors
/// `FORBIDDEN` from another site's page or for a caller who is not staff,
/// `UNAUTHENTICATED` without a caller, `RATE_LIMITED` without room, `TOO_LARGE` for a
/// file or fields over their limit, `VALIDATION` for a body that cannot be read.
pub async fn read_form_upload(
    state: &crate::GatewayState,
    request: &actix_web::HttpRequest,
    caller: Option<&Caller>,
    payload: web::Payload,
) -> Result<FormUpload, ApiError> {
    state.origins.check(request)?;
    let permit = state.uploads.admit(caller)?;
    let content_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let limits =
        PartLimits { body_bytes: state.limits.body_bytes, file_bytes: state.limits.upload_bytes };
    let (fields, file, file_size) =
        read_form(content_type, payload, limits).await.map_err(|(_, error)| error)?;
    Ok(FormUpload { fields, file, file_size, _permit: permit })
}

type ReadForm = (Vec<(String, String)>, Option<UploadValue>, u64);

async fn read_form(
    content_type: &str,
    payload: web::Payload,
    limits: PartLimits,
) -> Result<ReadForm, Refusal> {
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    let body_bytes = limits.body_bytes as u64;
    let file_bytes = limits.file_bytes as u64;
    let drain_to = file_bytes.saturating_mul(2);
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(drain_to.saturating_add(body_bytes.saturating_mul(2)))
            .per_field(drain_to),
    );
    let mut multipart =
        multer::Multipart::with_constraints(sendable(payload), boundary, constraints);
    let mut fields = Vec::new();
    let mut text_bytes = 0u64;
    let mut file: Option<UploadValue> = None;
    let mut file_size = 0u64;
    let mut over = false;
    while let Some(mut field) = multipart.next_field().await.map_err(refusal)? {
        let name = field.name().unwrap_or("").to_string();
        let Some(filename) = field.file_name().map(str::to_string) else {
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(refusal)? {
                text_bytes += chunk.len() as u64;
                if text_bytes > body_bytes {
                    return Err(too_large(body_bytes, "form fields"));
                }
                value.extend_from_slice(&chunk);
            }
            fields.push((name, String::from_utf8_lossy(&value).into_owned()));
            continue;
        };
        if file.is_some() {
            return Err(unreadable("send one file per form"));
        }
        let content_type = field.content_type().map(ToString::to_string);
        let spool = tempfile::tempfile().map_err(|error| {
            tracing::error!(%error, "cannot create a temporary file for an upload");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::unavailable("uploads cannot be received just now; try again shortly"),
            )
        })?;
        let mut spooled = tokio::fs::File::from_std(spool);
        while let Some(chunk) = field.chunk().await.map_err(refusal)? {
            file_size += chunk.len() as u64;
            if file_size > file_bytes {
                over = true;
                continue;
            }
            spooled.write_all(&chunk).await.map_err(|error| {
                tracing::error!(%error, "cannot write an upload to its temporary file");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ApiError::unavailable("uploads cannot be received just now; try again shortly"),
                )
            })?;
        }
        let mut content = spooled.into_std().await;
        content.rewind().map_err(unreadable)?;
        file = Some(UploadValue { filename, content_type, content });
    }
    if over {
        return Err(too_large(file_bytes, "file"));
    }
    Ok((fields, file, file_size))
}

/// Hands the body over to a stream that can cross threads, as the multipart reader
/// needs: a local task forwards its chunks (and stops when the reader is gone).
fn sendable(
    mut payload: web::Payload,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + Send + 'static {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    actix_web::rt::spawn(async move {
        while let Some(item) = payload.next().await {
            let item = item.map_err(|error| {
                let kind = if is_timed_out(&error) {
                    std::io::ErrorKind::TimedOut
                } else {
                    std::io::ErrorKind::Other
                };
                std::io::Error::new(kind, error.to_string())
            });
            let failed = item.is_err();
            if sender.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caps_per_library_and_in_all_are_kept_and_freed() {
        let people = athenaeum_testkit::TestIssuer::new();
        let staff_of = |slug: &str| people.caller(&people.library(slug).staff);
        let (north, south, west) = (staff_of("north"), staff_of("south"), staff_of("west"));
        let gate = UploadGate::new(2, 1);

        let first = gate.admit(Some(&north)).unwrap();
        let again = gate.admit(Some(&north)).unwrap_err();
        let _second = gate.admit(Some(&south)).unwrap();
        let third = gate.admit(Some(&west)).unwrap_err();
        drop(first);
        let after = gate.admit(Some(&west));

        assert_eq!(again.code, ErrorCode::RateLimited);
        assert_eq!(again.retry_after_seconds, Some(RETRY_AFTER_SECONDS));
        assert_eq!(third.code, ErrorCode::RateLimited);
        assert!(after.is_ok());
    }

    #[test]
    fn only_staff_may_upload() {
        let people = athenaeum_testkit::TestIssuer::new();
        let north = people.library("north");
        let gate = UploadGate::new(2, 1);

        let anonymous = gate.admit(None).unwrap_err();
        let patron = gate.admit(Some(&people.caller(&north.patron))).unwrap_err();
        let admin = gate.admit(Some(&people.caller(&north.admin)));

        assert_eq!(anonymous.code, ErrorCode::Unauthenticated);
        assert_eq!(patron.code, ErrorCode::Forbidden);
        assert!(admin.is_ok());
    }
}
