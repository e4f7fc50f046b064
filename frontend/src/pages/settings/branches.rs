//! Branches (code, name, address, opening hours) and each branch's shelving locations,
//! listed, added and changed through `saveBranch` and `saveShelvingLocation`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Admin;
use crate::Web;
use crate::frame::{Field, Frame, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/settings/branches", web::get().to(branches))
        .route("/{library}/staff/settings/branches/new", web::get().to(new_branch_form))
        .route("/{library}/staff/settings/branches/new", web::post().to(add_branch))
        .route("/{library}/staff/settings/branches/{branch}", web::get().to(branch_form))
        .route("/{library}/staff/settings/branches/{branch}", web::post().to(change_branch))
        .route(
            "/{library}/staff/settings/branches/{branch}/locations/new",
            web::get().to(new_location_form),
        )
        .route(
            "/{library}/staff/settings/branches/{branch}/locations/new",
            web::post().to(add_location),
        )
        .route(
            "/{library}/staff/settings/branches/{branch}/locations/{location}",
            web::get().to(location_form),
        )
        .route(
            "/{library}/staff/settings/branches/{branch}/locations/{location}",
            web::post().to(rename_location),
        );
}

const BRANCHES: &str = include_str!("../../../templates/settings/branches.graphql");
const SAVE_BRANCH: &str = include_str!("../../../templates/settings/save-branch.graphql");
const SAVE_LOCATION: &str = include_str!("../../../templates/settings/save-location.graphql");

/// At most this many pages of branches are read (100 each).
const MOST_PAGES: usize = 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Branch {
    id: String,
    code: String,
    name: String,
    address: Option<String>,
    opening_hours: Option<String>,
    locations: Vec<Location>,
}

#[derive(Debug, Clone, Deserialize)]
struct Location {
    id: String,
    code: String,
    name: String,
}

/// Every branch of the admin's library, by code.
async fn all_branches(admin: &Admin) -> Result<Vec<Branch>, PageError> {
    admin.ctx.every_page(BRANCHES, "branches", MOST_PAGES).await
}

/// The branch with this id, or the answer when there is none.
async fn one_branch(admin: &Admin, id: &str) -> Result<Branch, HttpResponse> {
    let branches = all_branches(admin).await.map_err(|error| admin.failed(&error))?;
    branches
        .into_iter()
        .find(|branch| branch.id == id)
        .ok_or_else(|| admin.not_found("This library has no such branch"))
}

#[derive(Template)]
#[template(path = "settings/branches.html")]
struct BranchesPage {
    frame: Frame,
    branches: Vec<Branch>,
}

async fn branches(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    match all_branches(&admin).await {
        Ok(branches) => {
            let frame = admin.frame("Branches and shelving locations");
            admin.ctx.page(&BranchesPage { frame, branches })
        }
        Err(error) => admin.failed(&error),
    }
}

#[derive(Template)]
#[template(path = "settings/branch.html")]
struct BranchPage {
    frame: Frame,
    action: String,
    button: &'static str,
    code: Field,
    name: Field,
    address: Field,
    opening_hours: Field,
}

fn branch_page(frame: Frame, action: String, editing: bool, stored: Option<&Branch>) -> BranchPage {
    let text = |value: Option<&String>| value.map_or("", String::as_str).to_string();
    let fill = |field: Field, value: String| match stored {
        Some(_) => field.or_value(&value),
        None => field,
    };
    BranchPage {
        action,
        button: if editing { "Save branch" } else { "Add branch" },
        code: fill(
            frame
                .field("code", "Branch code")
                .hint("Letters, digits, - and _, at most 32 characters, for example CPL. Imports and the desk use it.")
                .required(),
            stored.map(|branch| branch.code.clone()).unwrap_or_default(),
        ),
        name: fill(
            frame.field("name", "Branch name").hint("As people know it, for example Central Library.").required(),
            stored.map(|branch| branch.name.clone()).unwrap_or_default(),
        ),
        address: fill(
            frame.field("address", "Address").hint("One line of the address to a line.").rows(5),
            text(stored.and_then(|branch| branch.address.as_ref())),
        ),
        opening_hours: fill(
            frame
                .field("openingHours", "Opening hours")
                .hint("As you would write them on a poster, for example Mon–Fri 9:00–17:00 on one line and Sat 10:00–13:00 on the next.")
                .rows(7),
            text(stored.and_then(|branch| branch.opening_hours.as_ref())),
        ),
        frame,
    }
}

const BRANCH_FIELDS: &[(&str, &str)] =
    &[("code", "code"), ("name", "name"), ("address", "address"), ("openingHours", "openingHours")];

async fn new_branch_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let frame = admin.frame("Add a branch");
    let action = admin.address("branches/new");
    admin.ctx.page(&branch_page(frame, action, false, None))
}

async fn branch_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let branch = match one_branch(&admin, &id).await {
        Ok(branch) => branch,
        Err(response) => return response,
    };
    let frame = admin.frame(format!("Change {}", branch.name));
    let action = admin.address(&format!("branches/{id}"));
    admin.ctx.page(&branch_page(frame, action, true, Some(&branch)))
}

async fn add_branch(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    save_branch(admin, posted, None, "Add a branch".to_string()).await
}

async fn change_branch(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let branch = match one_branch(&admin, &id).await {
        Ok(branch) => branch,
        Err(response) => return response,
    };
    save_branch(admin, posted, Some(id), format!("Change {}", branch.name)).await
}

async fn save_branch(
    admin: Admin,
    posted: super::Posted,
    id: Option<String>,
    title: String,
) -> HttpResponse {
    let mut frame = admin.frame(title);
    frame.values = posted.kept();
    if posted.get("code").is_empty() {
        frame.problem("code", "Enter the branch's code.");
    }
    if posted.get("name").is_empty() {
        frame.problem("name", "Enter the branch's name.");
    }
    if frame.problems.is_empty() {
        let input = json!({
            "id": id,
            "code": posted.get("code"),
            "name": posted.get("name"),
            "address": posted.raw("address").trim(),
            "openingHours": posted.raw("openingHours").trim(),
        });
        match admin.ctx.run::<Value>(SAVE_BRANCH, json!({ "input": input })).await {
            Ok(_) => {
                let notice = if id.is_some() { "saved" } else { "created" };
                return admin.ctx.redirect(&admin.address(&format!("branches?notice={notice}")));
            }
            Err(error) if error.is_about_input() => frame.api_problems(&error, BRANCH_FIELDS),
            Err(error) => return admin.failed(&error),
        }
    }
    let action = match &id {
        Some(id) => admin.address(&format!("branches/{id}")),
        None => admin.address("branches/new"),
    };
    admin.ctx.page(&branch_page(frame, action, id.is_some(), None))
}

/// The page of a form with a code and a name (a shelving location, a term).
#[derive(Template)]
#[template(path = "settings/code-name.html")]
pub(super) struct CodeNamePage {
    pub frame: Frame,
    pub lede: String,
    pub action: String,
    pub button: &'static str,
    pub back: String,
    pub code: Field,
    pub name: Field,
}

impl CodeNamePage {
    /// The form, with the stored code and name when there are some.
    pub fn new(
        frame: Frame,
        action: String,
        back: String,
        button: &'static str,
        stored: Option<(&str, &str)>,
    ) -> CodeNamePage {
        let mut code = frame.field("code", "Code").required();
        let mut name = frame.field("name", "Name").hint("As people see it.").required();
        if let Some((stored_code, stored_name)) = stored {
            code = code.or_value(stored_code);
            name = name.or_value(stored_name);
        }
        CodeNamePage { frame, lede: String::new(), action, button, back, code, name }
    }

    /// With a code hint.
    #[must_use]
    pub fn code_hint(mut self, hint: &str) -> CodeNamePage {
        self.code = self.code.hint(hint);
        self
    }

    /// With words above the form.
    #[must_use]
    pub fn lede(mut self, lede: String) -> CodeNamePage {
        self.lede = lede;
        self
    }
}

const CODE_NAME_FIELDS: &[(&str, &str)] = &[("code", "code"), ("name", "name")];

fn location_page(
    admin: &Admin,
    frame: Frame,
    branch: &Branch,
    location: Option<&Location>,
    keep_stored: bool,
) -> CodeNamePage {
    let action = match location {
        Some(location) => {
            admin.address(&format!("branches/{}/locations/{}", branch.id, location.id))
        }
        None => admin.address(&format!("branches/{}/locations/new", branch.id)),
    };
    let stored = location
        .filter(|_| keep_stored)
        .map(|location| (location.code.as_str(), location.name.as_str()));
    CodeNamePage::new(
        frame,
        action,
        admin.address("branches"),
        if location.is_some() { "Save shelving location" } else { "Add shelving location" },
        stored,
    )
    .code_hint("A short code imports use, for example JFIC.")
    .lede(format!("At {} ({}).", branch.name, branch.code))
}

/// The branch and (when `location` is given) its shelving location, or the answer
/// when there is none.
async fn branch_and_location(
    admin: &Admin,
    branch_id: &str,
    location_id: Option<&str>,
) -> Result<(Branch, Option<Location>), HttpResponse> {
    let branch = one_branch(admin, branch_id).await?;
    let location = match location_id {
        None => None,
        Some(id) => Some(
            branch
                .locations
                .iter()
                .find(|location| location.id == id)
                .cloned()
                .ok_or_else(|| admin.not_found("This branch has no such shelving location"))?,
        ),
    };
    Ok((branch, location))
}

async fn new_location_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, branch_id) = path.into_inner();
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let (branch, _) = match branch_and_location(&admin, &branch_id, None).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let frame = admin.frame("Add a shelving location");
    admin.ctx.page(&location_page(&admin, frame, &branch, None, false))
}

async fn location_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (slug, branch_id, location_id) = path.into_inner();
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let (branch, location) = match branch_and_location(&admin, &branch_id, Some(&location_id)).await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let frame = admin.frame("Rename a shelving location");
    admin.ctx.page(&location_page(&admin, frame, &branch, location.as_ref(), true))
}

async fn add_location(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, branch_id) = path.into_inner();
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    save_location(admin, posted, &branch_id, None).await
}

async fn rename_location(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, branch_id, location_id) = path.into_inner();
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    save_location(admin, posted, &branch_id, Some(&location_id)).await
}

async fn save_location(
    admin: Admin,
    posted: super::Posted,
    branch_id: &str,
    location_id: Option<&str>,
) -> HttpResponse {
    let (branch, location) = match branch_and_location(&admin, branch_id, location_id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let title =
        if location.is_some() { "Rename a shelving location" } else { "Add a shelving location" };
    let mut frame = admin.frame(title);
    frame.values = posted.kept();
    if posted.get("code").is_empty() {
        frame.problem("code", "Enter the shelving location's code.");
    }
    if posted.get("name").is_empty() {
        frame.problem("name", "Enter the shelving location's name.");
    }
    if frame.problems.is_empty() {
        let input = json!({
            "id": location_id,
            "branchId": branch.id,
            "code": posted.get("code"),
            "name": posted.get("name"),
        });
        match admin.ctx.run::<Value>(SAVE_LOCATION, json!({ "input": input })).await {
            Ok(_) => {
                let notice = if location.is_some() { "saved" } else { "created" };
                return admin.ctx.redirect(&admin.address(&format!("branches?notice={notice}")));
            }
            Err(error) if error.is_about_input() => frame.api_problems(&error, CODE_NAME_FIELDS),
            Err(error) => return admin.failed(&error),
        }
    }
    admin.ctx.page(&location_page(&admin, frame, &branch, location.as_ref(), false))
}
