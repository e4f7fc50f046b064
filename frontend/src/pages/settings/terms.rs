//! Material types and loan types: the two lists a library names its own terms in,
//! listed, added and renamed through `saveTerm`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::branches::CodeNamePage;
use super::{Admin, Connection, Posted};
use crate::Web;
use crate::frame::{Frame, PageError};

/// The address segment of the two lists.
const LIST_PATH: &str = "{list:(?:material|loan)-types}";

pub(super) fn routes(config: &mut web::ServiceConfig) {
    let list = format!("/{{library}}/staff/settings/{LIST_PATH}");
    config
        .route(&list, web::get().to(terms))
        .route(&format!("{list}/new"), web::get().to(new_term_form))
        .route(&format!("{list}/new"), web::post().to(add_term))
        .route(&format!("{list}/{{term}}"), web::get().to(term_form))
        .route(&format!("{list}/{{term}}"), web::post().to(rename_term));
}

const TERMS: &str = include_str!("../../../templates/settings/terms.graphql");
const SAVE_TERM: &str = include_str!("../../../templates/settings/save-term.graphql");

/// One of the lists, as its pages name it.
#[derive(Debug)]
struct List {
    vocabulary: &'static str,
    path: &'static str,
    plural: &'static str,
    plural_lower: &'static str,
    singular: &'static str,
    description: &'static str,
    code_hint: &'static str,
}

const MATERIAL_TYPES: List = List {
    vocabulary: "MATERIAL_TYPE",
    path: "material-types",
    plural: "Material types",
    plural_lower: "material types",
    singular: "material type",
    description: "What an item physically is, such as a book or a DVD. Loan rules depend on it.",
    code_hint: "A short code imports use, for example BK.",
};

const LOAN_TYPES: List = List {
    vocabulary: "LOAN_TYPE",
    path: "loan-types",
    plural: "Loan types",
    plural_lower: "loan types",
    singular: "loan type",
    description: "How an item may be lent, such as a normal loan, a short loan or reference only.",
    code_hint: "A short code imports use, for example NORMAL.",
};

fn list_of(path: &str) -> &'static List {
    if path == LOAN_TYPES.path { &LOAN_TYPES } else { &MATERIAL_TYPES }
}

#[derive(Debug, Clone, Deserialize)]
struct Term {
    id: String,
    code: String,
    name: String,
}

/// At most this many pages of terms are read (100 each).
const MOST_PAGES: usize = 20;

async fn all_terms(admin: &Admin, list: &List) -> Result<Vec<Term>, PageError> {
    #[derive(Deserialize)]
    struct Data {
        terms: Connection<Term>,
    }
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MOST_PAGES {
        let variables = json!({ "vocabulary": list.vocabulary, "after": after });
        let data = admin.ctx.run::<Data>(TERMS, variables).await?;
        found.extend(data.terms.nodes);
        match (data.terms.page_info.has_next_page, data.terms.page_info.end_cursor) {
            (true, Some(cursor)) => after = Some(cursor),
            _ => break,
        }
    }
    Ok(found)
}

async fn one_term(admin: &Admin, list: &List, id: &str) -> Result<Term, HttpResponse> {
    let terms = all_terms(admin, list).await.map_err(|error| admin.failed(&error))?;
    terms
        .into_iter()
        .find(|term| term.id == id)
        .ok_or_else(|| admin.not_found(&format!("This library has no such {}", list.singular)))
}

#[derive(Template)]
#[template(path = "settings/terms.html")]
struct TermsPage {
    frame: Frame,
    list: &'static List,
    terms: Vec<Term>,
}

async fn terms(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, list) = path.into_inner();
    let list = list_of(&list);
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    match all_terms(&admin, list).await {
        Ok(terms) => {
            let frame = admin.frame(list.plural);
            admin.ctx.page(&TermsPage { frame, list, terms })
        }
        Err(error) => admin.failed(&error),
    }
}

fn term_page(
    admin: &Admin,
    frame: Frame,
    list: &List,
    term: Option<&Term>,
    keep: bool,
) -> CodeNamePage {
    let action = match term {
        Some(term) => admin.address(&format!("{}/{}", list.path, term.id)),
        None => admin.address(&format!("{}/new", list.path)),
    };
    let button = match (term.is_some(), list.vocabulary) {
        (true, _) => "Save name",
        (false, "LOAN_TYPE") => "Add loan type",
        (false, _) => "Add material type",
    };
    let stored = term.filter(|_| keep).map(|term| (term.code.as_str(), term.name.as_str()));
    CodeNamePage::new(frame, action, admin.address(list.path), button, stored)
        .code_hint(list.code_hint)
}

fn term_title(list: &List, renaming: bool) -> String {
    if renaming {
        format!("Rename a {}", list.singular)
    } else {
        format!("Add a {}", list.singular)
    }
}

async fn new_term_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, list) = path.into_inner();
    let list = list_of(&list);
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let frame = admin.frame(term_title(list, false));
    admin.ctx.page(&term_page(&admin, frame, list, None, false))
}

async fn term_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (slug, list, id) = path.into_inner();
    let list = list_of(&list);
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let term = match one_term(&admin, list, &id).await {
        Ok(term) => term,
        Err(response) => return response,
    };
    let frame = admin.frame(term_title(list, true));
    admin.ctx.page(&term_page(&admin, frame, list, Some(&term), true))
}

async fn add_term(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, list) = path.into_inner();
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    save_term(admin, posted, list_of(&list), None).await
}

async fn rename_term(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, list, id) = path.into_inner();
    let list = list_of(&list);
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let term = match one_term(&admin, list, &id).await {
        Ok(term) => term,
        Err(response) => return response,
    };
    save_term(admin, posted, list, Some(term)).await
}

async fn save_term(admin: Admin, posted: Posted, list: &List, term: Option<Term>) -> HttpResponse {
    let mut frame = admin.frame(term_title(list, term.is_some()));
    frame.values = posted.kept();
    if posted.get("code").is_empty() {
        frame.problem("code", format!("Enter the {}'s code.", list.singular));
    }
    if posted.get("name").is_empty() {
        frame.problem("name", format!("Enter the {}'s name.", list.singular));
    }
    if frame.problems.is_empty() {
        let input = json!({
            "id": term.as_ref().map(|term| term.id.clone()),
            "vocabulary": list.vocabulary,
            "code": posted.get("code"),
            "name": posted.get("name"),
        });
        match admin.ctx.run::<Value>(SAVE_TERM, json!({ "input": input })).await {
            Ok(_) => {
                let notice = if term.is_some() { "saved" } else { "created" };
                return admin
                    .ctx
                    .redirect(&admin.address(&format!("{}?notice={notice}", list.path)));
            }
            Err(error) if error.is_about_input() => {
                frame.api_problems(&error, &[("code", "code"), ("name", "name")]);
            }
            Err(error) => return admin.failed(&error),
        }
    }
    admin.ctx.page(&term_page(&admin, frame, list, term.as_ref(), false))
}
