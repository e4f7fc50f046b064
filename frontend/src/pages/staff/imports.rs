//! MARC imports: the upload form, the list of recent imports, and one import's page
//! with its progress, its problem report and, for a preview, what each record would
//! become with a button to import it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use async_graphql::Variables;
use athenaeum_gateway::{client_address, execute_as, read_form_upload, request_id};
use athenaeum_kernel::ErrorCode;
use athenaeum_transport::Call;
use serde::Deserialize;
use serde_json::json;

use super::{Connection, Pages, Staff, when};
use crate::Web;
use crate::frame::{Field, Frame, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/imports", web::get().to(list))
        .route("/{library}/staff/imports/new", web::get().to(new_form))
        .route("/{library}/staff/imports/new", web::post().to(upload))
        .route("/{library}/staff/imports/{id}", web::get().to(job))
        .route("/{library}/staff/imports/{id}/commit", web::post().to(commit));
}

const IMPORT_MARC: &str = include_str!("../../../templates/staff/import-marc.graphql");
const IMPORT_JOBS: &str = include_str!("../../../templates/staff/import-jobs.graphql");
const IMPORT_JOB: &str = include_str!("../../../templates/staff/import-job.graphql");
const IMPORT_DECISIONS: &str = include_str!("../../../templates/staff/import-decisions.graphql");
const COMMIT_IMPORT: &str = include_str!("../../../templates/staff/commit-import.graphql");

/// Problems or decisions shown per page.
const PER_PAGE: u32 = 50;

/// An import as the API gives it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JobData {
    id: String,
    mode: String,
    file_name: String,
    #[serde(default)]
    file_size: u64,
    #[serde(default)]
    format: Option<String>,
    status: String,
    records_read: u64,
    records_new: u64,
    records_overlaid: u64,
    records_skipped: u64,
    records_failed: u64,
    #[serde(default)]
    items_created: u64,
    #[serde(default)]
    items_failed: u64,
    #[serde(default)]
    warnings: u64,
    #[serde(default)]
    bytes_read: u64,
    #[serde(default)]
    error: Option<String>,
    created_at: String,
    #[serde(default)]
    finished_at: Option<String>,
}

/// An import as a page shows it.
#[derive(Debug)]
pub(super) struct JobRow {
    pub id: String,
    pub preview: bool,
    pub file_name: String,
    pub file_size: u64,
    pub format: String,
    pub status: &'static str,
    pub running: bool,
    pub done: bool,
    pub read: u64,
    pub new: u64,
    pub overlaid: u64,
    pub skipped: u64,
    pub failed: u64,
    pub items_created: u64,
    pub items_failed: u64,
    pub warnings: u64,
    pub percent: u64,
    pub error: String,
    pub created: String,
    pub finished: String,
}

impl From<JobData> for JobRow {
    fn from(job: JobData) -> JobRow {
        let preview = job.mode == "PREVIEW";
        let status = match (job.status.as_str(), preview) {
            ("UPLOADING", _) => "Receiving the file",
            ("QUEUED", _) => "Waiting to start",
            ("RUNNING", false) => "Importing",
            ("RUNNING", true) => "Previewing",
            ("COMPLETED", false) => "Finished",
            ("COMPLETED", true) => "Preview finished",
            ("FAILED", _) => "Stopped: the file could not be read",
            _ => "Unknown",
        };
        JobRow {
            preview,
            status,
            running: matches!(job.status.as_str(), "UPLOADING" | "QUEUED" | "RUNNING"),
            done: job.status == "COMPLETED",
            percent: (job.bytes_read.min(job.file_size) * 100)
                .checked_div(job.file_size)
                .unwrap_or(0),
            id: job.id,
            file_name: job.file_name,
            file_size: job.file_size,
            format: job.format.unwrap_or_default(),
            read: job.records_read,
            new: job.records_new,
            overlaid: job.records_overlaid,
            skipped: job.records_skipped,
            failed: job.records_failed,
            items_created: job.items_created,
            items_failed: job.items_failed,
            warnings: job.warnings,
            error: job.error.unwrap_or_default(),
            created: when(&job.created_at),
            finished: job.finished_at.as_deref().map(when).unwrap_or_default(),
        }
    }
}

impl JobRow {
    /// The file's size in words.
    pub fn size(&self) -> String {
        size(self.file_size)
    }
}

/// A size in bytes in words.
pub(super) fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} bytes")
    }
}

// ----- the upload form -----

#[derive(Template)]
#[template(path = "staff/import-new.html")]
struct NewPage {
    frame: Frame,
    file: Field,
    on_match: String,
    create_items: String,
    preview: bool,
}

fn new_page(staff: &Staff, mut frame: Frame) -> NewPage {
    let limit = staff.ctx.web.gateway.limits.upload_bytes as u64;
    let file = frame
        .field("file", "MARC file")
        .kind("file")
        .hint(&format!("ISO 2709 (.mrc) or MARCXML (.xml), up to {}", size(limit)))
        .required();
    let on_match = match frame.value("onMatch") {
        "SKIP" => "SKIP",
        _ => "OVERLAY",
    }
    .to_string();
    let create_items = if frame.value("createItems") == "no" { "no" } else { "yes" }.to_string();
    let preview = frame.value("preview") == "yes";
    frame.values.clear();
    NewPage { frame, file, on_match, create_items, preview }
}

async fn new_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let frame = staff.frame("Import a MARC file");
    staff.ctx.page(&new_page(&staff, frame))
}

async fn upload(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        import_marc: Id,
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let mut frame = staff.frame("Import a MARC file");
    let gateway = &staff.ctx.web.gateway;
    let caller = staff.ctx.visitor.caller.as_ref();
    let form = match read_form_upload(gateway, &staff.ctx.request, caller, payload).await {
        Ok(form) => form,
        Err(error) => {
            let limit = size(gateway.limits.upload_bytes as u64);
            let message = match error.code {
                ErrorCode::Forbidden | ErrorCode::Unauthenticated => return staff.refused(),
                ErrorCode::TooLarge => {
                    format!("The file is larger than {limit}. Choose a smaller file, or split it.")
                }
                ErrorCode::RateLimited => format!(
                    "Other files are being uploaded just now. {}",
                    crate::frame::sentence(error.message.split("; ").last().unwrap_or(""))
                ),
                _ => format!("The file could not be received: {}", error.message),
            };
            frame.problem("file", message);
            let page = new_page(&staff, frame);
            return staff.ctx.page_with(&page, StatusCode::BAD_REQUEST);
        }
    };
    let posted = match staff.check_token(form.fields.clone()) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    frame.values = posted.kept();
    match &form.file {
        None => frame.problem("file", "Choose a MARC file to import."),
        Some(file) if file.filename.is_empty() && form.file_size == 0 => {
            frame.problem("file", "Choose a MARC file to import.");
        }
        Some(file) if form.file_size == 0 => {
            frame.problem(
                "file",
                format!("The file {} is empty. Choose a file with records in it.", file.filename),
            );
        }
        Some(_) => {}
    }
    if frame.problems.is_empty() {
        let variables = json!({
            "file": null,
            "preview": posted.get("preview") == "yes",
            "options": {
                "onMatch": if posted.get("onMatch") == "SKIP" { "SKIP" } else { "OVERLAY" },
                "createItems": posted.get("createItems") != "no",
            },
        });
        let graphql =
            async_graphql::Request::new(IMPORT_MARC).variables(Variables::from_json(variables));
        let answer = match form.attach(graphql, "variables.file") {
            Ok(graphql) => run_request::<Data>(&staff, graphql).await,
            Err(error) => Err(PageError::internal(error.message)),
        };
        drop(form);
        match answer {
            Ok(data) => {
                return staff
                    .ctx
                    .redirect(&staff.address(&format!("imports/{}", data.import_marc.id)));
            }
            Err(error) if error.is_about_input() => {
                frame.api_problems(&error, &[("file", "file"), ("options", "file")]);
                for problem in &mut frame.problems {
                    problem.field.get_or_insert_with(|| "file".to_string());
                }
            }
            Err(error) => return staff.failed(&error),
        }
    }
    let page = new_page(&staff, frame);
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

/// Runs a prepared request (one carrying an upload) as the visitor.
async fn run_request<T: serde::de::DeserializeOwned>(
    staff: &Staff,
    graphql: async_graphql::Request,
) -> Result<T, PageError> {
    let ctx = &staff.ctx;
    let mut call = Call::new(
        ctx.visitor.access_token().map(str::to_string),
        client_address(&ctx.request, ctx.web.gateway.trust_forwarded_for),
        request_id(&ctx.request),
    );
    if let Some(caller) = &ctx.visitor.caller {
        call = call.with_verified_caller(caller.clone());
    }
    let response = execute_as(&ctx.web.gateway, call, ctx.visitor.caller.clone(), graphql).await;
    if !response.errors.is_empty() {
        return Err(PageError::from_graphql(&response.errors));
    }
    let data = response.data.into_json().map_err(|error| PageError::internal(error.to_string()))?;
    serde_json::from_value(data).map_err(|error| {
        PageError::internal(format!("the page could not read the API's answer: {error}"))
    })
}

// ----- recent imports -----

#[derive(Template)]
#[template(path = "staff/imports.html")]
struct ListPage {
    frame: Frame,
    jobs: Vec<JobRow>,
    pages: Pages,
}

async fn list(request: HttpRequest, web: web::Data<Web>, slug: web::Path<String>) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        import_jobs: Connection<JobData>,
    }
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let after = staff.ctx.query("after");
    let data = match staff.run::<Data>(IMPORT_JOBS, json!({ "after": after })).await {
        Ok(data) => data,
        Err(error) => return staff.failed(&error),
    };
    let pages = Pages::new(
        &staff.address("imports"),
        "",
        after.is_none(),
        data.import_jobs.page_info.next(),
    );
    let jobs = data.import_jobs.nodes.into_iter().map(JobRow::from).collect();
    let frame = staff.frame("Recent imports");
    staff.ctx.page(&ListPage { frame, jobs, pages })
}

// ----- one import -----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemData {
    position: u64,
    byte_offset: u64,
    control_number: Option<String>,
    severity: String,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecisionData {
    position: u64,
    control_number: Option<String>,
    title: Option<String>,
    outcome: String,
    matched_record_id: Option<String>,
    matched_title: Option<String>,
    matched_position: Option<u64>,
    items: u64,
}

struct DecisionRow {
    position: u64,
    control_number: String,
    title: String,
    outcome: &'static str,
    matched_record_id: String,
    matched: String,
    items: u64,
}

#[derive(Template)]
#[template(path = "staff/import.html")]
struct JobPage {
    frame: Frame,
    job: JobRow,
    errors_only: bool,
    problems: Vec<ProblemData>,
    problem_pages: Pages,
    decisions: Vec<DecisionRow>,
    decision_pages: Pages,
}

async fn job(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        import_job: Option<JobData>,
        import_problems: Connection<ProblemData>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Decisions {
        import_decisions: Connection<DecisionData>,
    }
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let errors_only = staff.ctx.query("show").as_deref() == Some("errors");
    let after = staff.ctx.query("after");
    let variables = json!({
        "id": id,
        "severity": if errors_only { json!("ERROR") } else { json!(null) },
        "first": PER_PAGE,
        "after": after,
    });
    let data = match staff.run::<Data>(IMPORT_JOB, variables).await {
        Ok(data) => data,
        Err(error) if error.code() == "VALIDATION" => {
            return staff.not_found("There is no import with this number");
        }
        Err(error) => return staff.failed(&error),
    };
    let Some(job) = data.import_job else {
        return staff.not_found("There is no import with this number");
    };
    let job = JobRow::from(job);
    let base = staff.address(&format!("imports/{}", job.id));
    let filter = if errors_only { "show=errors" } else { "" };
    let problem_pages =
        Pages::new(&base, filter, after.is_none(), data.import_problems.page_info.next());
    let (mut decisions, mut decision_pages) = (Vec::new(), Pages::default());
    if job.preview && job.done {
        let decisions_after = staff.ctx.query("decisions");
        let variables = json!({ "id": job.id, "first": PER_PAGE, "after": decisions_after });
        match staff.run::<Decisions>(IMPORT_DECISIONS, variables).await {
            Ok(found) => {
                decision_pages = Pages::new(&base, "", decisions_after.is_none(), None);
                if let Some(next) = found.import_decisions.page_info.next() {
                    decision_pages.next = Some(format!(
                        "{base}?{}",
                        url::form_urlencoded::Serializer::new(String::new())
                            .append_pair("decisions", next)
                            .finish()
                    ));
                }
                decisions = found.import_decisions.nodes.into_iter().map(decision_row).collect();
            }
            Err(error) => return staff.failed(&error),
        }
    }
    let title = if job.preview {
        format!("Preview of {}", job.file_name)
    } else {
        format!("Import of {}", job.file_name)
    };
    let mut frame = staff.frame(title);
    if job.running {
        frame.scripts.push("refresh.js");
    }
    let page = JobPage {
        frame,
        job,
        errors_only,
        problems: data.import_problems.nodes,
        problem_pages,
        decisions,
        decision_pages,
    };
    staff.ctx.page(&page)
}

fn decision_row(decision: DecisionData) -> DecisionRow {
    let outcome = match decision.outcome.as_str() {
        "NEW" => "New record",
        "OVERLAY" => "Replaces a record",
        "SKIP" => "Skipped: matches a record",
        "FAILED" => "Cannot be imported",
        _ => "Unknown",
    };
    let matched = match (decision.matched_title, decision.matched_position) {
        (Some(title), _) => title,
        (None, Some(position)) => format!("Record {position} of this file"),
        (None, None) if decision.matched_record_id.is_some() => "Untitled".to_string(),
        (None, None) => String::new(),
    };
    DecisionRow {
        position: decision.position,
        control_number: decision.control_number.unwrap_or_default(),
        title: decision.title.unwrap_or_else(|| "Untitled".to_string()),
        outcome,
        matched_record_id: decision.matched_record_id.unwrap_or_default(),
        matched,
        items: decision.items,
    }
}

async fn commit(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        commit_import: IdOnly,
    }
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    if let Err(refused) = staff.form(&body) {
        return refused;
    }
    match staff.run::<Data>(COMMIT_IMPORT, json!({ "id": id })).await {
        Ok(data) => {
            staff.ctx.redirect(&staff.address(&format!("imports/{}", data.commit_import.id)))
        }
        Err(error) => staff.failed(&error),
    }
}
