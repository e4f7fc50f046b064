//! The library's staff accounts: listed with their roles and status, a staff member
//! invited (`createAccount`, which emails the invitation), roles changed
//! (`setAccountRoles`), and an account disabled or enabled after a confirmation
//! (`setAccountDisabled`).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Admin, Posted};
use crate::Web;
use crate::frame::{Field, Frame, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/settings/accounts", web::get().to(accounts))
        .route("/{library}/staff/settings/accounts/new", web::get().to(invite_form))
        .route("/{library}/staff/settings/accounts/new", web::post().to(invite))
        .route("/{library}/staff/settings/accounts/{account}/roles", web::get().to(roles_form))
        .route("/{library}/staff/settings/accounts/{account}/roles", web::post().to(save_roles))
        .route(
            "/{library}/staff/settings/accounts/{account}/{change:(?:disable|enable)}",
            web::get().to(status_form),
        )
        .route(
            "/{library}/staff/settings/accounts/{account}/{change:(?:disable|enable)}",
            web::post().to(change_status),
        );
}

const ACCOUNTS: &str = include_str!("../../../templates/settings/accounts.graphql");
const CREATE_ACCOUNT: &str = include_str!("../../../templates/settings/create-account.graphql");
const SET_ROLES: &str = include_str!("../../../templates/settings/set-account-roles.graphql");
const SET_DISABLED: &str = include_str!("../../../templates/settings/set-account-disabled.graphql");

/// At most this many pages of accounts are read (100 each).
const MOST_PAGES: usize = 50;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    id: String,
    email: String,
    display_name: String,
    roles: Vec<String>,
    status: String,
}

impl Account {
    fn is_staff(&self) -> bool {
        self.roles.iter().any(|role| role == "STAFF" || role == "ADMIN")
    }

    fn has(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }

    fn role_names(&self) -> String {
        let names: Vec<&str> = self.roles.iter().map(|role| role_name(role)).collect();
        names.join(", ")
    }

    fn status_name(&self) -> &'static str {
        match self.status.as_str() {
            "INVITED" => "Invited, not yet signed in",
            "DISABLED" => "Disabled",
            _ => "Active",
        }
    }
}

fn role_name(role: &str) -> &'static str {
    match role {
        "ADMIN" => "Administrator",
        "STAFF" => "Staff",
        "PATRON" => "Reader",
        "OPERATOR" => "Operator",
        _ => "Other",
    }
}

async fn all_accounts(admin: &Admin) -> Result<Vec<Account>, PageError> {
    admin.ctx.every_page(ACCOUNTS, "accounts", MOST_PAGES).await
}

async fn one_account(admin: &Admin, id: &str) -> Result<Account, HttpResponse> {
    let accounts = all_accounts(admin).await.map_err(|error| admin.failed(&error))?;
    accounts
        .into_iter()
        .find(|account| account.id == id)
        .ok_or_else(|| admin.not_found("This library has no such account"))
}

#[derive(Template)]
#[template(path = "settings/accounts.html")]
struct AccountsPage {
    frame: Frame,
    accounts: Vec<Account>,
}

async fn accounts(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    match all_accounts(&admin).await {
        Ok(accounts) => {
            let accounts = accounts.into_iter().filter(Account::is_staff).collect();
            let frame = admin.frame("Staff accounts");
            admin.ctx.page(&AccountsPage { frame, accounts })
        }
        Err(error) => admin.failed(&error),
    }
}

/// The staff roles ticked on a posted form, in the API's names.
fn ticked_roles(posted: &Posted) -> Vec<&'static str> {
    ["STAFF", "ADMIN"].into_iter().filter(|role| posted.checked("roles", role)).collect()
}

#[derive(Template)]
#[template(path = "settings/invite.html")]
struct InvitePage {
    frame: Frame,
    display_name: Field,
    email: Field,
    staff: bool,
    admin: bool,
}

fn invite_page(frame: Frame, staff: bool, admin: bool) -> InvitePage {
    InvitePage {
        display_name: frame.field("displayName", "Full name").autocomplete("off").required(),
        email: frame
            .field("email", "Email address")
            .kind("email")
            .autocomplete("off")
            .hint("The invitation goes here. They sign in with it.")
            .required(),
        staff,
        admin,
        frame,
    }
}

async fn invite_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let frame = admin.frame("Invite a staff member");
    admin.ctx.page(&invite_page(frame, true, false))
}

async fn invite(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (admin, posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let mut frame = admin.frame("Invite a staff member");
    frame.values = posted.kept();
    let roles = ticked_roles(&posted);
    if posted.get("displayName").is_empty() {
        frame.problem("displayName", "Enter the staff member's full name.");
    }
    if posted.get("email").is_empty() {
        frame.problem("email", "Enter the staff member's email address.");
    }
    if roles.is_empty() {
        frame.problem("roles", "Choose at least one role.");
    }
    if frame.problems.is_empty() {
        let input = json!({
            "email": posted.get("email"),
            "displayName": posted.get("displayName"),
            "roles": roles,
        });
        match admin.ctx.run::<Value>(CREATE_ACCOUNT, json!({ "input": input })).await {
            Ok(_) => return admin.ctx.redirect(&admin.address("accounts?notice=invited")),
            Err(error) if error.is_about_input() => frame.api_problems(
                &error,
                &[("email", "email"), ("displayName", "displayName"), ("roles", "roles")],
            ),
            Err(error) => return admin.failed(&error),
        }
    }
    admin.ctx.page(&invite_page(frame, roles.contains(&"STAFF"), roles.contains(&"ADMIN")))
}

#[derive(Template)]
#[template(path = "settings/account-roles.html")]
struct RolesPage {
    frame: Frame,
    account: Account,
    staff: bool,
    admin: bool,
}

async fn roles_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let account = match one_account(&admin, &id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let frame = admin.frame(format!("Change the roles of {}", account.display_name));
    let (staff, is_admin) = (account.has("STAFF"), account.has("ADMIN"));
    admin.ctx.page(&RolesPage { frame, account, staff, admin: is_admin })
}

async fn save_roles(
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
    let account = match one_account(&admin, &id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let mut frame = admin.frame(format!("Change the roles of {}", account.display_name));
    let ticked = ticked_roles(&posted);
    // Roles this page does not offer (a reader's) are kept as they are.
    let mut roles: Vec<String> =
        account.roles.iter().filter(|role| *role != "STAFF" && *role != "ADMIN").cloned().collect();
    roles.extend(ticked.iter().map(|role| (*role).to_string()));
    if roles.is_empty() {
        frame.problem("roles", "Choose at least one role.");
    }
    if frame.problems.is_empty() {
        match admin
            .ctx
            .run::<Value>(SET_ROLES, json!({ "accountId": account.id, "roles": roles }))
            .await
        {
            Ok(_) => return admin.ctx.redirect(&admin.address("accounts?notice=saved")),
            Err(error) if error.is_about_input() => {
                frame.api_problems(&error, &[("roles", "roles")]);
            }
            Err(error) => return admin.failed(&error),
        }
    }
    let (staff, is_admin) = (ticked.contains(&"STAFF"), ticked.contains(&"ADMIN"));
    admin.ctx.page(&RolesPage { frame, account, staff, admin: is_admin })
}

#[derive(Template)]
#[template(path = "settings/account-status.html")]
struct StatusPage {
    frame: Frame,
    account: Account,
    disable: bool,
}

fn status_title(account: &Account, disable: bool) -> String {
    if disable {
        format!("Disable the account of {}?", account.display_name)
    } else {
        format!("Enable the account of {}?", account.display_name)
    }
}

async fn status_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (slug, id, change) = path.into_inner();
    let admin = match Admin::enter(request, web, &slug).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let account = match one_account(&admin, &id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let disable = change == "disable";
    let frame = admin.frame(status_title(&account, disable));
    admin.ctx.page(&StatusPage { frame, account, disable })
}

async fn change_status(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (slug, id, change) = path.into_inner();
    let (admin, _posted) = match Admin::post(request, web, &slug, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let account = match one_account(&admin, &id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let disable = change == "disable";
    let variables = json!({ "accountId": account.id, "disabled": disable });
    match admin.ctx.run::<Value>(SET_DISABLED, variables).await {
        Ok(_) => {
            let notice = if disable { "account-disabled" } else { "account-enabled" };
            admin.ctx.redirect(&admin.address(&format!("accounts?notice={notice}")))
        }
        Err(error) if error.is_about_input() => {
            let mut frame = admin.frame(status_title(&account, disable));
            frame.api_problems(&error, &[]);
            admin.ctx.page(&StatusPage { frame, account, disable })
        }
        Err(error) => admin.failed(&error),
    }
}
