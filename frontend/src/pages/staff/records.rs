//! Records: added or edited with the simple form (the API's `RecordForm`), or as MARC
//! text ([`super::marc_text`]) sent as MARC-in-JSON.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Staff, lines, marc_text};
use crate::Web;
use crate::frame::{Field, Frame, PageError};
use crate::pages::Posted;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/records/new", web::get().to(new_form))
        .route("/{library}/staff/records/new", web::post().to(create))
        .route("/{library}/staff/records/new-marc", web::get().to(new_marc_form))
        .route("/{library}/staff/records/new-marc", web::post().to(create_marc))
        .route("/{library}/staff/records/{id}/edit", web::get().to(edit_form))
        .route("/{library}/staff/records/{id}/edit", web::post().to(update))
        .route("/{library}/staff/records/{id}/marc", web::get().to(marc_form))
        .route("/{library}/staff/records/{id}/marc", web::post().to(update_marc));
}

const RECORD_FORM: &str = include_str!("../../../templates/staff/record-form.graphql");
const RECORD_MARC: &str = include_str!("../../../templates/staff/record-marc.graphql");
const CREATE_RECORD: &str = include_str!("../../../templates/staff/create-record.graphql");
const UPDATE_RECORD: &str = include_str!("../../../templates/staff/update-record.graphql");

/// The form's fields: id (also the API's name), label, hint, whether one a line.
const FIELDS: &[(&str, &str, &str, bool)] = &[
    ("title", "Title", "The title proper, without the subtitle", false),
    ("subtitle", "Subtitle", "", false),
    (
        "statementOfResponsibility",
        "Statement of responsibility",
        "As on the title page, for example: by Jane Austen ; edited by Ann Smith",
        false,
    ),
    ("author", "Author", "Surname, Forename", false),
    ("otherContributors", "Other contributors", "One a line, Surname, Forename", true),
    ("isbns", "ISBNs", "One a line", true),
    ("edition", "Edition", "", false),
    ("place", "Place of publication", "", false),
    ("publisher", "Publisher", "", false),
    ("year", "Year of publication", "Four digits, for example 2024", false),
    ("language", "Language", "A three-letter code, for example eng for English", false),
    ("extent", "Extent", "For example: 320 pages", false),
    ("subjects", "Subjects", "One a line", true),
    ("series", "Series", "", false),
    ("summary", "Summary", "", false),
    ("note", "Note", "", false),
];

#[derive(Template)]
#[template(path = "staff/record-form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    version: String,
    fields: Vec<Field>,
    cancel: String,
    button: &'static str,
}

fn form_page(
    frame: Frame,
    action: String,
    version: String,
    cancel: String,
    button: &'static str,
) -> FormPage {
    let fields = FIELDS
        .iter()
        .map(|(id, label, hint, many)| {
            let mut field = frame.field(id, label).hint(hint);
            if *id == "title" {
                field = field.required();
            }
            if *many || *id == "summary" || *id == "note" {
                field = field.rows(if *many { 3 } else { 4 });
                field.kind = "textarea";
            }
            if *id == "year" {
                field = field.kind("text");
            }
            field
        })
        .collect();
    FormPage { frame, action, version, fields, cancel, button }
}

/// A record as the form shows it.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RecordData {
    id: String,
    version: i64,
    title: Option<String>,
    subtitle: Option<String>,
    statement_of_responsibility: Option<String>,
    primary_author: Option<String>,
    contributors: Vec<Contributor>,
    isbns: Vec<Isbn>,
    invalid_isbns: Vec<String>,
    edition: Option<String>,
    places_of_publication: Vec<String>,
    publishers: Vec<String>,
    publication_year: Option<i64>,
    languages: Vec<String>,
    physical_description: Vec<String>,
    subjects: Vec<Subject>,
    series: Vec<String>,
    summaries: Vec<String>,
    notes: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Contributor {
    name: String,
    primary: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Isbn {
    isbn13: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Subject {
    heading: String,
}

/// Trailing ISBD punctuation a catalogued value may carry.
fn bare(text: &str) -> String {
    text.trim().trim_end_matches([' ', ':', '/', ';', '=', ',']).trim().to_string()
}

impl RecordData {
    /// The form's values for this record.
    fn values(&self) -> HashMap<String, String> {
        let mut title = self.title.clone().unwrap_or_default();
        if let Some(subtitle) = &self.subtitle
            && let Some(cut) = title.strip_suffix(subtitle.as_str())
        {
            title = cut.to_string();
        }
        let first = |list: &[String]| list.first().map(|text| bare(text)).unwrap_or_default();
        let mut isbns: Vec<String> = self.isbns.iter().map(|isbn| isbn.isbn13.clone()).collect();
        isbns.extend(self.invalid_isbns.iter().cloned());
        [
            ("title", bare(&title)),
            ("subtitle", self.subtitle.as_deref().map(bare).unwrap_or_default()),
            (
                "statementOfResponsibility",
                self.statement_of_responsibility
                    .as_deref()
                    .map(|text| text.trim().trim_end_matches('.').to_string())
                    .unwrap_or_default(),
            ),
            ("author", self.primary_author.as_deref().map(bare).unwrap_or_default()),
            (
                "otherContributors",
                self.contributors
                    .iter()
                    .filter(|contributor| !contributor.primary)
                    .map(|contributor| bare(&contributor.name))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("isbns", isbns.join("\n")),
            ("edition", self.edition.clone().unwrap_or_default()),
            ("place", first(&self.places_of_publication)),
            ("publisher", first(&self.publishers)),
            ("year", self.publication_year.map(|year| year.to_string()).unwrap_or_default()),
            ("language", self.languages.first().cloned().unwrap_or_default()),
            ("extent", first(&self.physical_description)),
            (
                "subjects",
                self.subjects
                    .iter()
                    .map(|subject| subject.heading.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("series", first(&self.series)),
            ("summary", self.summaries.first().cloned().unwrap_or_default()),
            ("note", self.notes.first().cloned().unwrap_or_default()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
    }
}

/// The `RecordForm` for what was posted: every field when `loaded` is `None` (a new
/// record); otherwise the title and the fields typed differently from what was loaded,
/// so a field the form shows only roughly is kept as catalogued unless changed.
fn record_form(
    posted: &Posted,
    loaded: Option<&HashMap<String, String>>,
) -> Result<Value, (String, String)> {
    let mut form = Map::new();
    let unchanged = |id: &str| {
        loaded.is_some_and(|loaded| {
            normalise(posted.get(id)) == normalise(loaded.get(id).map_or("", String::as_str))
        })
    };
    // The API builds 264 from place, publisher and year together.
    let publication_unchanged = PUBLICATION.iter().all(|id| unchanged(id));
    for (id, _, _, many) in FIELDS {
        let typed = posted.get(id);
        let always = matches!(*id, "title" | "subtitle" | "statementOfResponsibility");
        let kept = if PUBLICATION.contains(id) { publication_unchanged } else { unchanged(id) };
        if !always && kept {
            continue;
        }
        let value = if *many {
            Value::Array(lines(typed).into_iter().map(Value::String).collect())
        } else if *id == "year" {
            if typed.is_empty() {
                Value::Null
            } else {
                match typed.parse::<i64>() {
                    Ok(year) => json!(year),
                    Err(_) => {
                        return Err((
                            "year".to_string(),
                            "Enter the year of publication as four digits, for example 2024."
                                .to_string(),
                        ));
                    }
                }
            }
        } else {
            Value::String(typed.to_string())
        };
        form.insert((*id).to_string(), value);
    }
    Ok(Value::Object(form))
}

/// The fields the API writes into one field (264) together.
const PUBLICATION: &[&str] = &["place", "publisher", "year"];

fn normalise(text: &str) -> String {
    lines(text).join("\n")
}

/// The API's field (`isbns[2]`, `form.year`) as the form's field id.
fn form_field(api: &str) -> String {
    let name = api.strip_prefix("form.").unwrap_or(api);
    name.split('[').next().unwrap_or(name).to_string()
}

fn show_api_problems(
    frame: &mut Frame,
    error: &PageError,
    fields: &[(&str, &str)],
    fallback: &str,
) {
    let mut error = error.clone();
    for problem in &mut error.problems {
        problem.field = problem.field.as_deref().map(form_field);
        if problem.code == "CONFLICT" && problem.message.contains("someone") {
            problem.message = "Someone else saved this record while you were editing it, so your changes are not saved. Your changes are below: reload the page to see theirs, then make your changes again".to_string();
        }
    }
    frame.api_problems(&error, fields);
    for problem in &mut frame.problems {
        problem.field.get_or_insert_with(|| fallback.to_string());
    }
}

const FORM_FIELDS: &[(&str, &str)] = &[
    ("title", "title"),
    ("subtitle", "subtitle"),
    ("statementOfResponsibility", "statementOfResponsibility"),
    ("author", "author"),
    ("otherContributors", "otherContributors"),
    ("isbns", "isbns"),
    ("edition", "edition"),
    ("place", "place"),
    ("publisher", "publisher"),
    ("year", "year"),
    ("language", "language"),
    ("extent", "extent"),
    ("subjects", "subjects"),
    ("series", "series"),
    ("summary", "summary"),
    ("note", "note"),
];

#[derive(Deserialize)]
struct Saved {
    id: String,
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
    let frame = staff.frame("Add a record");
    let page = form_page(
        frame,
        staff.address("records/new"),
        String::new(),
        staff.address(""),
        "Add the record",
    );
    staff.ctx.page(&page)
}

async fn create(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        create_record: Saved,
    }
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let posted = match staff.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let mut frame = staff.frame("Add a record");
    frame.values = posted.kept();
    if posted.get("title").is_empty() {
        frame.problem("title", "Enter the title.");
    }
    if frame.problems.is_empty() {
        match record_form(&posted, None) {
            Err((field, message)) => frame.problem(&field, message),
            Ok(form) => {
                let variables = json!({ "form": form, "marc": null, "syntax": "MARC_JSON" });
                match staff.run::<Data>(CREATE_RECORD, variables).await {
                    Ok(data) => {
                        return staff.ctx.redirect(&format!(
                            "/{}/records/{}?notice=created",
                            staff.library.slug, data.create_record.id
                        ));
                    }
                    Err(error) if error.is_about_input() => {
                        show_api_problems(&mut frame, &error, FORM_FIELDS, "title");
                    }
                    Err(error) => return staff.failed(&error),
                }
            }
        }
    }
    let page = form_page(
        frame,
        staff.address("records/new"),
        String::new(),
        staff.address(""),
        "Add the record",
    );
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

async fn load(staff: &Staff, id: &str) -> Result<RecordData, HttpResponse> {
    #[derive(Deserialize)]
    struct Data {
        record: Option<RecordData>,
    }
    match staff.run::<Data>(RECORD_FORM, json!({ "id": id })).await {
        Ok(Data { record: Some(record) }) => Ok(record),
        Ok(Data { record: None }) => Err(staff.not_found("There is no record with this number")),
        Err(error) if error.code() == "VALIDATION" => {
            Err(staff.not_found("There is no record with this number"))
        }
        Err(error) => Err(staff.failed(&error)),
    }
}

fn record_address(staff: &Staff, id: &str) -> String {
    format!("/{}/records/{id}", staff.library.slug)
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
    let record = match load(&staff, &id).await {
        Ok(record) => record,
        Err(response) => return response,
    };
    let mut frame = staff.frame("Edit the record");
    frame.values = record.values();
    let action = staff.address(&format!("records/{}/edit", record.id));
    let page = form_page(
        frame,
        action,
        record.version.to_string(),
        record_address(&staff, &record.id),
        "Save the record",
    );
    staff.ctx.page(&page)
}

async fn update(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        update_record: Saved,
    }
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let posted = match staff.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let record = match load(&staff, &id).await {
        Ok(record) => record,
        Err(response) => return response,
    };
    let mut frame = staff.frame("Edit the record");
    frame.values = posted.kept();
    if posted.get("title").is_empty() {
        frame.problem("title", "Enter the title.");
    }
    let version: i64 = posted.get("version").parse().unwrap_or(record.version);
    if frame.problems.is_empty() {
        let loaded = (version == record.version).then(|| record.values());
        match record_form(&posted, loaded.as_ref()) {
            Err((field, message)) => frame.problem(&field, message),
            Ok(form) => {
                let variables = json!({ "id": id, "version": version, "form": form, "marc": null, "syntax": "MARC_JSON" });
                match staff.run::<Data>(UPDATE_RECORD, variables).await {
                    Ok(data) => {
                        return staff.ctx.redirect(&format!(
                            "{}?notice=saved",
                            record_address(&staff, &data.update_record.id)
                        ));
                    }
                    Err(error) if error.is_about_input() => {
                        show_api_problems(&mut frame, &error, FORM_FIELDS, "title");
                    }
                    Err(error) => return staff.failed(&error),
                }
            }
        }
    }
    let action = staff.address(&format!("records/{id}/edit"));
    let page = form_page(
        frame,
        action,
        version.to_string(),
        record_address(&staff, &id),
        "Save the record",
    );
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

// ----- MARC text -----

#[derive(Template)]
#[template(path = "staff/record-marc.html")]
struct MarcPage {
    frame: Frame,
    action: String,
    version: String,
    marc: Field,
    cancel: String,
    button: &'static str,
}

fn marc_page(
    frame: Frame,
    action: String,
    version: String,
    cancel: String,
    button: &'static str,
) -> MarcPage {
    let mut marc = frame
        .field("marc", "MARC record")
        .hint("One field a line: = and the tag, two spaces, then the value. In data fields, two indicators (\\ for a blank) and subfields, each $ and its code, for example =245  10$aTitle :$bsubtitle /$cby X. Write a $ in text as {dollar}; in the leader and control fields, write a blank as \\.")
        .rows(24)
        .required();
    marc.kind = "marc";
    MarcPage { frame, action, version, marc, cancel, button }
}

async fn new_marc_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let mut frame = staff.frame("Add a record as MARC");
    frame.values.insert("marc".to_string(), marc_text::NEW_RECORD.to_string());
    let page = marc_page(
        frame,
        staff.address("records/new-marc"),
        String::new(),
        staff.address(""),
        "Add the record",
    );
    staff.ctx.page(&page)
}

async fn marc_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Data {
        record: Option<MarcData>,
    }
    #[derive(Deserialize)]
    struct MarcData {
        id: String,
        version: i64,
        marc: String,
    }
    let (slug, id) = path.into_inner();
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let record = match staff.run::<Data>(RECORD_MARC, json!({ "id": id })).await {
        Ok(Data { record: Some(record) }) => record,
        Ok(Data { record: None }) => return staff.not_found("There is no record with this number"),
        Err(error) if error.code() == "VALIDATION" => {
            return staff.not_found("There is no record with this number");
        }
        Err(error) => return staff.failed(&error),
    };
    let text = match marc_text::to_text(&record.marc) {
        Ok(text) => text,
        Err(problem) => {
            return staff.failed(&PageError::internal(format!(
                "the record's MARC could not be shown as text: {problem}"
            )));
        }
    };
    let mut frame = staff.frame("Edit the record as MARC");
    frame.values.insert("marc".to_string(), text);
    let action = staff.address(&format!("records/{}/marc", record.id));
    let page = marc_page(
        frame,
        action,
        record.version.to_string(),
        record_address(&staff, &record.id),
        "Save the record",
    );
    staff.ctx.page(&page)
}

async fn create_marc(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let slug = slug.into_inner();
    save_marc(request, web, slug, None, body).await
}

async fn update_marc(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    save_marc(request, web, slug, Some(id), body).await
}

async fn save_marc(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: String,
    id: Option<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        #[serde(alias = "updateRecord")]
        create_record: Saved,
    }
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let posted = match staff.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let title = if id.is_some() { "Edit the record as MARC" } else { "Add a record as MARC" };
    let mut frame = staff.frame(title);
    frame.values = posted.kept();
    let text = posted.raw("marc");
    let version = posted.get("version").to_string();
    if text.trim().is_empty() {
        frame.problem("marc", "Enter the record as MARC text.");
    } else {
        match marc_text::from_text(text) {
            Err(problem) => frame.problem("marc", problem.message),
            Ok(marc) => {
                let answer = match &id {
                    None => {
                        let variables =
                            json!({ "marc": marc, "syntax": "MARC_JSON", "form": null });
                        staff.run::<Data>(CREATE_RECORD, variables).await
                    }
                    Some(id) => {
                        let variables = json!({ "id": id, "version": version.parse::<i64>().unwrap_or(0), "marc": marc, "syntax": "MARC_JSON", "form": null });
                        staff.run::<Data>(UPDATE_RECORD, variables).await
                    }
                };
                match answer {
                    Ok(data) => {
                        let notice = if id.is_some() { "saved" } else { "created" };
                        return staff.ctx.redirect(&format!(
                            "{}?notice={notice}",
                            record_address(&staff, &data.create_record.id)
                        ));
                    }
                    Err(error) if error.is_about_input() => {
                        let mut error = error;
                        for problem in &mut error.problems {
                            if let Some(field) = &problem.field
                                && field != "marc"
                            {
                                problem.message = format!("{field}: {}", problem.message);
                            }
                            problem.field = Some("marc".to_string());
                        }
                        show_api_problems(&mut frame, &error, &[("marc", "marc")], "marc");
                    }
                    Err(error) => return staff.failed(&error),
                }
            }
        }
    }
    let (action, cancel) = match &id {
        Some(id) => (staff.address(&format!("records/{id}/marc")), record_address(&staff, id)),
        None => (staff.address("records/new-marc"), staff.address("")),
    };
    let button = if id.is_some() { "Save the record" } else { "Add the record" };
    let page = marc_page(frame, action, version, cancel, button);
    staff.ctx.page_with(&page, StatusCode::BAD_REQUEST)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted {
            pairs: pairs
                .iter()
                .map(|(key, value)| ((*key).to_string(), (*value).to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_new_record_sends_every_field_with_lists_one_a_line() {
        let form = record_form(
            &posted(&[("title", "Cats"), ("isbns", " 9780141439518 \n\n123\n"), ("year", "2020")]),
            None,
        )
        .unwrap();
        assert_eq!(form["title"], "Cats");
        assert_eq!(form["isbns"], json!(["9780141439518", "123"]));
        assert_eq!(form["year"], 2020);
        assert_eq!(form["subjects"], json!([]));
        let refused = record_form(&posted(&[("title", "Cats"), ("year", "20x")]), None);
        assert_eq!(refused.unwrap_err().0, "year");
    }

    #[test]
    fn an_edit_sends_the_title_and_what_changed_with_the_publication_together() {
        let loaded: HashMap<String, String> = [
            ("title", "Cats"),
            ("subjects", "Pets\nCats"),
            ("place", "London"),
            ("publisher", "Pub"),
            ("year", "2020"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
        let form = record_form(
            &posted(&[
                ("title", "Cats"),
                ("subjects", "Pets\r\nCats\r\n"),
                ("place", "London"),
                ("publisher", "Pub"),
                ("year", "2021"),
            ]),
            Some(&loaded),
        )
        .unwrap();
        assert_eq!(form["title"], "Cats");
        assert!(form.get("subjects").is_none(), "{form}");
        assert_eq!(form["place"], "London");
        assert_eq!(form["publisher"], "Pub");
        assert_eq!(form["year"], 2021);
        assert!(form.get("note").is_none(), "{form}");
    }
}
