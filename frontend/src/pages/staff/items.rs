//! Copies (items): added to a record, edited, their status changed with a reason, and
//! deleted after a confirmation page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Connection, Staff, when};
use crate::Web;
use crate::frame::{Field, Frame, PageError};
use crate::pages::Posted;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/records/{id}/items/new", web::get().to(new_form))
        .route("/{library}/staff/records/{id}/items/new", web::post().to(create))
        .route("/{library}/staff/items/{id}", web::get().to(edit_form))
        .route("/{library}/staff/items/{id}", web::post().to(update))
        .route("/{library}/staff/items/{id}/status", web::post().to(set_status))
        .route("/{library}/staff/items/{id}/delete", web::get().to(confirm_delete))
        .route("/{library}/staff/items/{id}/delete", web::post().to(delete));
}

const ITEM_OPTIONS: &str = include_str!("../../../templates/staff/item-options.graphql");
const ITEM: &str = include_str!("../../../templates/staff/item.graphql");
const CREATE_ITEM: &str = include_str!("../../../templates/staff/create-item.graphql");
const UPDATE_ITEM: &str = include_str!("../../../templates/staff/update-item.graphql");
const SET_ITEM_STATUS: &str = include_str!("../../../templates/staff/set-item-status.graphql");
const DELETE_ITEM: &str = include_str!("../../../templates/staff/delete-item.graphql");

/// The statuses staff may set by hand, with their words.
const STATUSES: &[(&str, &str)] = &[
    ("AVAILABLE", "Available"),
    ("MISSING", "Missing"),
    ("LOST", "Lost"),
    ("WITHDRAWN", "Withdrawn"),
    ("IN_PROCESSING", "In processing"),
];

/// Text fields of the copy form: id (the API's name), label, hint.
const TEXT_FIELDS: &[(&str, &str, &str)] = &[
    ("callNumber", "Call number", ""),
    ("copyNumber", "Copy number", ""),
    ("volume", "Volume or part", ""),
    ("price", "Replacement price", "For example 12.99"),
    ("publicNote", "Public note", "Shown to everyone"),
    ("staffNote", "Staff note", "Shown to staff only"),
];

#[derive(Debug, Deserialize)]
struct Branch {
    id: String,
    name: String,
    locations: Vec<Location>,
}

#[derive(Debug, Deserialize)]
struct Location {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct Term {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct RecordTitle {
    id: String,
    title: Option<String>,
}

/// What the selects offer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    branches: Connection<Branch>,
    material_types: Connection<Term>,
    loan_types: Connection<Term>,
}

/// One option of a select.
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub group: String,
}

/// A select with its field (label, hint, error, value).
pub(super) struct Select {
    pub field: Field,
    pub choices: Vec<Choice>,
    pub empty: &'static str,
}

impl Select {
    /// Whether `choice` is the one chosen.
    pub fn chosen(&self, choice: &Choice) -> bool {
        choice.value == self.field.value
    }

    /// The option groups, in order.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for choice in &self.choices {
            if !groups.contains(&choice.group) {
                groups.push(choice.group.clone());
            }
        }
        groups
    }
}

#[derive(Template)]
#[template(path = "staff/item-form.html")]
struct ItemPage {
    frame: Frame,
    record_id: String,
    record_title: String,
    action: String,
    button: &'static str,
    version: String,
    barcode: Field,
    selects: Vec<Select>,
    fields: Vec<Field>,
    item: Option<ItemView>,
    status: Select,
    reason: Field,
}

struct ItemView {
    id: String,
    status: &'static str,
    changed: String,
    reason: String,
}

fn item_page(
    frame: Frame,
    options: Options,
    record: RecordTitle,
    action: String,
    version: String,
    item: Option<ItemView>,
) -> ItemPage {
    let barcode = frame.field("barcode", "Barcode").required();
    let terms = |list: Connection<Term>| {
        list.nodes
            .into_iter()
            .map(|term| Choice { value: term.id, label: term.name, group: String::new() })
            .collect::<Vec<_>>()
    };
    let mut locations = Vec::new();
    let mut branches = Vec::new();
    for branch in options.branches.nodes {
        for location in branch.locations {
            locations.push(Choice {
                value: location.id,
                label: location.name,
                group: branch.name.clone(),
            });
        }
        branches.push(Choice { value: branch.id, label: branch.name, group: String::new() });
    }
    let selects = vec![
        Select {
            field: frame.field("branchId", "Branch").required(),
            choices: branches,
            empty: "Choose a branch",
        },
        Select {
            field: frame
                .field("locationId", "Shelving location")
                .hint("It must be in the branch chosen above"),
            choices: locations,
            empty: "None",
        },
        Select {
            field: frame.field("materialTypeId", "Material type"),
            choices: terms(options.material_types),
            empty: "None",
        },
        Select {
            field: frame.field("loanTypeId", "Loan type"),
            choices: terms(options.loan_types),
            empty: "None",
        },
    ];
    let fields =
        TEXT_FIELDS.iter().map(|(id, label, hint)| frame.field(id, label).hint(hint)).collect();
    let status = Select {
        field: frame.field("status", "New status"),
        choices: STATUSES
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).to_string(),
                label: (*label).to_string(),
                group: String::new(),
            })
            .collect(),
        empty: "",
    };
    let reason =
        frame.field("reason", "Reason").hint("For staff, for example: not found at stocktake");
    let button = if item.is_some() { "Save the copy" } else { "Add the copy" };
    ItemPage {
        record_title: record.title.unwrap_or_else(|| "Untitled".to_string()),
        record_id: record.id,
        action,
        button,
        version,
        barcode,
        selects,
        fields,
        item,
        status,
        reason,
        frame,
    }
}

fn item_input(posted: &Posted) -> Value {
    let mut input = Map::new();
    input.insert("barcode".to_string(), json!(posted.get("barcode")));
    input.insert("branchId".to_string(), json!(posted.get("branchId")));
    for id in ["locationId", "materialTypeId", "loanTypeId"] {
        let value = posted.get(id);
        input.insert(id.to_string(), if value.is_empty() { Value::Null } else { json!(value) });
    }
    for (id, _, _) in TEXT_FIELDS {
        let value = posted.get(id);
        input.insert((*id).to_string(), if value.is_empty() { Value::Null } else { json!(value) });
    }
    Value::Object(input)
}

const ITEM_FIELDS: &[(&str, &str)] = &[
    ("barcode", "barcode"),
    ("branchId", "branchId"),
    ("locationId", "locationId"),
    ("materialTypeId", "materialTypeId"),
    ("loanTypeId", "loanTypeId"),
    ("callNumber", "callNumber"),
    ("copyNumber", "copyNumber"),
    ("volume", "volume"),
    ("price", "price"),
    ("publicNote", "publicNote"),
    ("staffNote", "staffNote"),
    ("reason", "reason"),
    ("status", "status"),
];

fn show_problems(frame: &mut Frame, error: &PageError, fallback: &str) {
    let mut error = error.clone();
    for problem in &mut error.problems {
        problem.field = problem
            .field
            .as_deref()
            .map(|field| field.strip_prefix("input.").unwrap_or(field).to_string());
        if problem.code == "CONFLICT" && problem.message.contains("someone") {
            problem.message = "Someone else saved this copy while you were editing it, so your changes are not saved. Reload the page to see theirs, then make your changes again".to_string();
        }
    }
    frame.api_problems(&error, ITEM_FIELDS);
    for problem in &mut frame.problems {
        problem.field.get_or_insert_with(|| fallback.to_string());
    }
}

fn check(frame: &mut Frame, posted: &Posted) {
    if posted.get("barcode").is_empty() {
        frame.problem("barcode", "Enter the barcode.");
    }
    if posted.get("branchId").is_empty() {
        frame.problem("branchId", "Choose the branch.");
    }
}

async fn options(
    staff: &Staff,
    record_id: &str,
) -> Result<(Options, Option<RecordTitle>), HttpResponse> {
    #[derive(Deserialize)]
    struct Data {
        record: Option<RecordTitle>,
        #[serde(flatten)]
        options: Options,
    }
    match staff.run::<Data>(ITEM_OPTIONS, json!({ "id": record_id })).await {
        Ok(data) => Ok((data.options, data.record)),
        Err(error) if error.code() == "VALIDATION" => {
            Err(staff.not_found("There is no record with this number"))
        }
        Err(error) => Err(staff.failed(&error)),
    }
}

async fn new_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let (options, record) = match options(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(record) = record else {
        return staff.not_found("There is no record with this number");
    };
    let mut frame = staff.frame("Add a copy");
    if options.branches.nodes.len() == 1
        && let Some(branch) = options.branches.nodes.first()
    {
        frame.values.insert("branchId".to_string(), branch.id.clone());
    }
    let action = staff.address(&format!("records/{}/items/new", record.id));
    staff.ctx.page(&item_page(frame, options, record, action, String::new(), None))
}

async fn create(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let posted = match staff.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let mut frame = staff.frame("Add a copy");
    frame.values = posted.kept();
    check(&mut frame, &posted);
    if frame.problems.is_empty() {
        let variables = json!({ "recordId": id, "input": item_input(&posted) });
        match staff.run::<Value>(CREATE_ITEM, variables).await {
            Ok(_) => {
                return staff
                    .ctx
                    .redirect(&format!("/{}/records/{id}?notice=created", staff.library.slug));
            }
            Err(error) if error.is_about_input() => show_problems(&mut frame, &error, "barcode"),
            Err(error) => return staff.failed(&error),
        }
    }
    let (options, record) = match options(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(record) = record else {
        return staff.not_found("There is no record with this number");
    };
    let action = staff.address(&format!("records/{}/items/new", record.id));
    let page = item_page(frame, options, record, action, String::new(), None);
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemData {
    id: String,
    barcode: String,
    record_id: String,
    branch_id: String,
    location_id: Option<String>,
    call_number: Option<String>,
    material_type_id: Option<String>,
    loan_type_id: Option<String>,
    copy_number: Option<String>,
    volume: Option<String>,
    price: Option<String>,
    status: String,
    status_changed_at: String,
    status_reason: Option<String>,
    public_note: Option<String>,
    staff_note: Option<String>,
    version: i64,
}

impl ItemData {
    fn view(&self) -> ItemView {
        ItemView {
            id: self.id.clone(),
            status: crate::pages::display::item_status(&self.status),
            changed: when(&self.status_changed_at),
            reason: self.status_reason.clone().unwrap_or_default(),
        }
    }

    fn values(&self) -> std::collections::HashMap<String, String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        [
            ("barcode", self.barcode.clone()),
            ("branchId", self.branch_id.clone()),
            ("locationId", text(&self.location_id)),
            ("callNumber", text(&self.call_number)),
            ("materialTypeId", text(&self.material_type_id)),
            ("loanTypeId", text(&self.loan_type_id)),
            ("copyNumber", text(&self.copy_number)),
            ("volume", text(&self.volume)),
            ("price", text(&self.price)),
            ("publicNote", text(&self.public_note)),
            ("staffNote", text(&self.staff_note)),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
    }
}

async fn load_item(
    staff: &Staff,
    id: &str,
) -> Result<(ItemData, Options, RecordTitle), HttpResponse> {
    #[derive(Deserialize)]
    struct Data {
        item: Option<ItemData>,
    }
    let item = match staff.run::<Data>(ITEM, json!({ "id": id })).await {
        Ok(Data { item: Some(item) }) => item,
        Ok(Data { item: None }) => return Err(staff.not_found("There is no copy with this number")),
        Err(error) if error.code() == "VALIDATION" => {
            return Err(staff.not_found("There is no copy with this number"));
        }
        Err(error) => return Err(staff.failed(&error)),
    };
    let (options, record) = options(staff, &item.record_id).await?;
    let record = record.unwrap_or(RecordTitle { id: item.record_id.clone(), title: None });
    Ok((item, options, record))
}

async fn edit_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let (item, options, record) = match load_item(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut frame = staff.frame(format!("Copy {}", item.barcode));
    frame.values = item.values();
    let action = staff.address(&format!("items/{}", item.id));
    let page =
        item_page(frame, options, record, action, item.version.to_string(), Some(item.view()));
    staff.ctx.page(&page)
}

async fn update(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let posted = match staff.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let (item, options, record) = match load_item(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut frame = staff.frame(format!("Copy {}", item.barcode));
    frame.values = posted.kept();
    check(&mut frame, &posted);
    let version: i64 = posted.get("version").parse().unwrap_or(item.version);
    if frame.problems.is_empty() {
        let variables = json!({ "id": item.id, "version": version, "input": item_input(&posted) });
        match staff.run::<Value>(UPDATE_ITEM, variables).await {
            Ok(_) => {
                return staff.ctx.redirect(&format!(
                    "/{}/records/{}?notice=saved",
                    staff.library.slug, item.record_id
                ));
            }
            Err(error) if error.is_about_input() => show_problems(&mut frame, &error, "barcode"),
            Err(error) => return staff.failed(&error),
        }
    }
    let action = staff.address(&format!("items/{}", item.id));
    let page = item_page(frame, options, record, action, version.to_string(), Some(item.view()));
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

async fn set_status(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let posted = match staff.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let status = posted.get("status");
    let problem;
    if !STATUSES.iter().any(|(known, _)| *known == status) {
        problem = Some(PageError {
            problems: vec![crate::frame::ApiProblem {
                code: "VALIDATION".to_string(),
                message: "Choose the new status".to_string(),
                field: Some("status".to_string()),
            }],
        });
    } else {
        let reason = posted.get("reason");
        let variables = json!({ "id": id, "status": status, "reason": if reason.is_empty() { Value::Null } else { json!(reason) } });
        match staff.run::<Value>(SET_ITEM_STATUS, variables).await {
            Ok(_) => {
                return staff.ctx.redirect(&staff.address(&format!("items/{id}?notice=saved")));
            }
            Err(error) if error.is_about_input() => problem = Some(error),
            Err(error) => return staff.failed(&error),
        }
    }
    let (item, options, record) = match load_item(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut frame = staff.frame(format!("Copy {}", item.barcode));
    if let Some(error) = problem {
        show_problems(&mut frame, &error, "status");
    }
    let mut values = item.values();
    values.extend(posted.kept());
    frame.values = values;
    let action = staff.address(&format!("items/{}", item.id));
    let page =
        item_page(frame, options, record, action, item.version.to_string(), Some(item.view()));
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

#[derive(Template)]
#[template(path = "staff/item-delete.html")]
struct DeletePage {
    frame: Frame,
    item_id: String,
    record_id: String,
    record_title: String,
}

async fn confirm_delete(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let (item, _, record) = match load_item(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let frame = staff.frame(format!("Are you sure you want to delete copy {}?", item.barcode));
    staff.ctx.page(&DeletePage {
        frame,
        item_id: item.id,
        record_id: record.id,
        record_title: record.title.unwrap_or_else(|| "Untitled".to_string()),
    })
}

async fn delete(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    if let Err(refused) = staff.form(&body) {
        return refused;
    }
    let (item, _, record) = match load_item(&staff, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match staff.run::<Value>(DELETE_ITEM, json!({ "id": item.id })).await {
        Ok(_) => staff
            .ctx
            .redirect(&format!("/{}/records/{}?notice=deleted", staff.library.slug, record.id)),
        Err(error) if error.code() == "CONFLICT" => {
            let mut frame =
                staff.frame(format!("Are you sure you want to delete copy {}?", item.barcode));
            frame.api_problems(&error, &[]);
            let page = DeletePage {
                frame,
                item_id: item.id,
                record_id: record.id,
                record_title: record.title.unwrap_or_else(|| "Untitled".to_string()),
            };
            staff.ctx.page_with(&page, StatusCode::CONFLICT)
        }
        Err(error) => staff.failed(&error),
    }
}
