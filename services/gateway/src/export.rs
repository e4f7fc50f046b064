//! `GET /export/marc`: a tenant's records (all, or those a filter picks) streamed as one
//! MARC file, for staff. Pages of stored records are fetched from the catalogue as the
//! client reads, so a whole tenant's catalogue downloads in constant memory.
//!
//! Query parameters: `syntax` (`marcxml`, default; `iso2709`; `json`), `kind`
//! (`bibliographic`, `authority`, …), `format` (a format code such as `book`),
//! `updatedSince` (RFC 3339), `importJobId`, `ids` (comma-separated record ids),
//! `normalization` (`as-received`, default, which gives an unedited record back byte for
//! byte; `nfc`; `nfd`).
//!
//! A record the syntax cannot carry is left out and named: in a MARCXML file's closing
//! comment; an ISO 2709 or JSON download that left one out ends in an error instead of
//! its last bytes, so it is never mistaken for a whole catalogue.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::ID;
use athenaeum_catalogue::api::{ExportRecords, MarcSyntax, PageRequest, RecordFilter, RecordKind};
use athenaeum_catalogue::export::MarcExport;
use athenaeum_kernel::ApiError;
use athenaeum_marc::Normalization;
use serde::Deserialize;

use crate::request::{error_body, request_call};
use crate::state::GatewayState;

/// Records fetched per page while streaming.
const PAGE: u32 = 500;

/// The query string of an export.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportQuery {
    /// `marcxml` (default), `iso2709` or `json`.
    pub syntax: Option<String>,
    /// A record kind such as `bibliographic`.
    pub kind: Option<String>,
    /// A format code such as `book`.
    pub format: Option<String>,
    /// RFC 3339.
    pub updated_since: Option<String>,
    /// The records one import wrote.
    pub import_job_id: Option<String>,
    /// Comma-separated record ids.
    pub ids: Option<String>,
    /// `as-received` (default), `nfc` or `nfd`.
    pub normalization: Option<String>,
}

fn problem(status: StatusCode, error: &ApiError) -> HttpResponse {
    HttpResponse::build(status).json(error_body(error))
}

/// What an export writes: the syntax, the Unicode form and the records.
type Parsed = (MarcSyntax, Normalization, RecordFilter);

fn parse(query: &ExportQuery) -> Result<Parsed, ApiError> {
    let syntax = match query.syntax.as_deref().unwrap_or("marcxml").to_ascii_lowercase().as_str() {
        "marcxml" | "xml" => MarcSyntax::MarcXml,
        "iso2709" | "mrc" | "marc" => MarcSyntax::Iso2709,
        "json" | "marcjson" => MarcSyntax::MarcJson,
        other => {
            return Err(ApiError::validation(
                "syntax",
                format!("syntax {other:?} is not one of marcxml, iso2709, json"),
            ));
        }
    };
    let normalization = match &query.normalization {
        None => Normalization::AsReceived,
        Some(text) => Normalization::parse(text).ok_or_else(|| {
            ApiError::validation(
                "normalization",
                format!("normalization {text:?} is not one of as-received, nfc, nfd"),
            )
        })?,
    };
    let kind = match &query.kind {
        None => None,
        Some(text) => Some(RecordKind::parse(&text.to_ascii_lowercase()).ok_or_else(|| {
            ApiError::validation(
                "kind",
                format!("kind {text:?} is not a record kind such as bibliographic"),
            )
        })?),
    };
    let updated_since = match &query.updated_since {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|error| {
                    ApiError::validation(
                        "updatedSince",
                        format!("{text:?} is not an RFC 3339 time: {error}"),
                    )
                })?
                .with_timezone(&chrono::Utc),
        ),
    };
    let ids = query.ids.as_ref().map(|text| {
        text.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| ID(id.to_string()))
            .collect()
    });
    Ok((
        syntax,
        normalization,
        RecordFilter {
            ids,
            kind,
            format: query.format.clone(),
            control_number: None,
            updated_since,
            import_job_id: query.import_job_id.clone().map(ID),
        },
    ))
}

/// Streams the export.
pub async fn export_marc(
    request: HttpRequest,
    query: web::Query<ExportQuery>,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    let (call, _) = match request_call(&request, &state) {
        Ok(found) => found,
        Err(error) => return problem(StatusCode::UNAUTHORIZED, &error),
    };
    export_as(&state, call, &query, "catalogue").await
}

/// Streams the export `query` asks for as the caller `call` carries (the website's
/// download, with its visitor's identity), as a download named `name` with the syntax's
/// extension; a refusal is answered with its status and the API's error body.
pub async fn export_as(
    state: &GatewayState,
    call: athenaeum_transport::Call,
    query: &ExportQuery,
    name: &str,
) -> HttpResponse {
    let (syntax, normalization, filter) = match parse(query) {
        Ok(parsed) => parsed,
        Err(error) => return problem(StatusCode::BAD_REQUEST, &error),
    };
    let catalogue = Arc::clone(&state.catalogue);
    // The first page is fetched before answering, so a refusal gets its own status.
    let first = catalogue
        .export_records(
            &call,
            ExportRecords {
                filter: filter.clone(),
                page: PageRequest { after: None, first: PAGE },
            },
        )
        .await;
    let first = match first {
        Ok(page) => page,
        Err(error) => {
            let status = StatusCode::from_u16(error.code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return problem(status, &error);
        }
    };
    let (content_type, extension) = match syntax {
        MarcSyntax::MarcXml => ("application/marcxml+xml", "xml"),
        MarcSyntax::Iso2709 => ("application/marc", "mrc"),
        MarcSyntax::MarcJson => ("application/json", "json"),
    };
    let body = async_stream::stream! {
        let mut export = MarcExport::new(syntax).with_normalization(normalization);
        yield Ok::<Bytes, actix_web::Error>(Bytes::from_static(export.header()));
        let mut page = first;
        loop {
            let mut out = Vec::new();
            for stored in &page.records {
                if let Err(reason) = export.write(stored, &mut out) {
                    tracing::warn!(request_id = %call.request_id, %reason, "record left out of export");
                }
            }
            yield Ok(Bytes::from(out));
            let Some(last) = page.records.last() else { break };
            if !page.has_next_page {
                break;
            }
            let next = catalogue
                .export_records(
                    &call,
                    ExportRecords {
                        filter: filter.clone(),
                        page: PageRequest { after: Some(last.id.clone()), first: PAGE },
                    },
                )
                .await;
            match next {
                Ok(next) => page = next,
                Err(error) => {
                    tracing::error!(request_id = %call.request_id, %error, "export stopped");
                    yield Err(actix_web::error::ErrorServiceUnavailable(error.message));
                    return;
                }
            }
        }
        if syntax != MarcSyntax::MarcXml && !export.left_out().is_empty() {
            let left_out = export.left_out().len();
            tracing::error!(request_id = %call.request_id, left_out, "export incomplete");
            yield Err(actix_web::error::ErrorInternalServerError(format!(
                "{left_out} records could not be written in this syntax and were left out"
            )));
            return;
        }
        yield Ok(Bytes::from(export.footer()));
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{extension}\""),
        ))
        .streaming(body)
}
