//! The libraries on the platform: the list with suspend and reactivate (after a
//! confirmation, through `setTenantStatus`), and onboarding a library authority
//! (`onboardTenant`, which invites its first administrator).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Value, json};

use super::{Operator, Tenant, all_tenants};
use crate::Web;
use crate::frame::{Field, Frame};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/operator/", web::get().to(index))
        .route("/operator/libraries/new", web::get().to(onboard_form))
        .route("/operator/libraries/new", web::post().to(onboard))
        .route(
            "/operator/libraries/{tenant}/{change:(?:suspend|reactivate)}",
            web::get().to(status_form),
        )
        .route(
            "/operator/libraries/{tenant}/{change:(?:suspend|reactivate)}",
            web::post().to(change_status),
        );
}

const SET_STATUS: &str = include_str!("../../../templates/operator/set-tenant-status.graphql");
const ONBOARD: &str = include_str!("../../../templates/operator/onboard.graphql");

/// The time zones offered when onboarding, the usual one first.
const TIME_ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Dublin",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Brussels",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Oslo",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Atlantic/Reykjavik",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Halifax",
    "America/St_Johns",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Africa/Johannesburg",
    "UTC",
];

#[derive(Template)]
#[template(path = "operator/index.html")]
struct IndexPage {
    frame: Frame,
    tenants: Vec<Tenant>,
}

async fn index(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let operator = match Operator::enter(request, web).await {
        Ok(operator) => operator,
        Err(response) => return response,
    };
    match all_tenants(&operator).await {
        Ok(tenants) => {
            let frame = operator.frame("Operating the platform");
            operator.ctx.page(&IndexPage { frame, tenants })
        }
        Err(error) => operator.failed(&error),
    }
}

async fn one_tenant(operator: &Operator, id: &str) -> Result<Tenant, HttpResponse> {
    let tenants = all_tenants(operator).await.map_err(|error| operator.failed(&error))?;
    tenants
        .into_iter()
        .find(|tenant| tenant.id == id && !tenant.is_platform())
        .ok_or_else(|| operator.not_found("There is no such library"))
}

#[derive(Template)]
#[template(path = "operator/tenant-status.html")]
struct StatusPage {
    frame: Frame,
    tenant: Tenant,
    suspend: bool,
}

fn status_title(tenant: &Tenant, suspend: bool) -> String {
    if suspend {
        format!("Suspend {}?", tenant.name)
    } else {
        format!("Reactivate {}?", tenant.name)
    }
}

async fn status_form(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (id, change) = path.into_inner();
    let operator = match Operator::enter(request, web).await {
        Ok(operator) => operator,
        Err(response) => return response,
    };
    let tenant = match one_tenant(&operator, &id).await {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    let suspend = change == "suspend";
    let frame = operator.frame(status_title(&tenant, suspend));
    operator.ctx.page(&StatusPage { frame, tenant, suspend })
}

async fn change_status(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (id, change) = path.into_inner();
    let (operator, _posted) = match Operator::post(request, web, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let tenant = match one_tenant(&operator, &id).await {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    let suspend = change == "suspend";
    let status = if suspend { "SUSPENDED" } else { "ACTIVE" };
    match operator
        .ctx
        .run::<Value>(SET_STATUS, json!({ "tenantId": tenant.id, "status": status }))
        .await
    {
        Ok(_) => {
            let notice = if suspend { "suspended" } else { "reactivated" };
            operator.ctx.redirect(&format!("/operator/?notice={notice}"))
        }
        Err(error) if error.is_about_input() => {
            let mut frame = operator.frame(status_title(&tenant, suspend));
            frame.api_problems(&error, &[]);
            operator.ctx.page(&StatusPage { frame, tenant, suspend })
        }
        Err(error) => operator.failed(&error),
    }
}

#[derive(Template)]
#[template(path = "operator/onboard.html")]
struct OnboardPage {
    frame: Frame,
    name: Field,
    slug: Field,
    time_zones: &'static [&'static str],
    time_zone: String,
    time_zone_error: String,
    contact_email: Field,
    admin_name: Field,
    admin_email: Field,
}

fn onboard_page(frame: Frame) -> OnboardPage {
    let time_zone = match frame.value("timeZone") {
        "" => TIME_ZONES[0].to_string(),
        typed => typed.to_string(),
    };
    OnboardPage {
        name: frame
            .field("name", "Library authority's name")
            .hint("As the public knows it, for example North Yorkshire Libraries.")
            .required(),
        slug: frame
            .field("slug", "Short name for addresses")
            .hint("Lower-case letters, digits and hyphens, for example north-yorkshire. Its pages will be at /north-yorkshire/ and its people sign in with it. It cannot be changed later.")
            .autocomplete("off")
            .required(),
        time_zones: TIME_ZONES,
        time_zone_error: frame.error("timeZone").to_string(),
        time_zone,
        contact_email: frame
            .field("contactEmail", "Authority's contact email address")
            .kind("email")
            .hint("The platform writes to the authority here. It is shown to the public.")
            .autocomplete("off")
            .required(),
        admin_name: frame.field("adminDisplayName", "Full name").autocomplete("off").required(),
        admin_email: frame
            .field("adminEmail", "Email address")
            .kind("email")
            .hint("The invitation goes here.")
            .autocomplete("off")
            .required(),
        frame,
    }
}

const ONBOARD_FIELDS: &[(&str, &str)] = &[
    ("slug", "slug"),
    ("name", "name"),
    ("timeZone", "timeZone"),
    ("contactEmail", "contactEmail"),
    ("adminEmail", "adminEmail"),
    ("adminDisplayName", "adminDisplayName"),
];

async fn onboard_form(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let operator = match Operator::enter(request, web).await {
        Ok(operator) => operator,
        Err(response) => return response,
    };
    let frame = operator.frame("Onboard a library authority");
    operator.ctx.page(&onboard_page(frame))
}

async fn onboard(request: HttpRequest, web: web::Data<Web>, body: web::Bytes) -> HttpResponse {
    let (operator, posted) = match Operator::post(request, web, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let mut frame = operator.frame("Onboard a library authority");
    frame.values = posted.kept();
    let required = [
        ("name", "Enter the library authority's name."),
        ("slug", "Enter a short name for its addresses."),
        ("timeZone", "Choose its time zone."),
        ("contactEmail", "Enter the authority's contact email address."),
        ("adminDisplayName", "Enter the administrator's full name."),
        ("adminEmail", "Enter the administrator's email address."),
    ];
    for (field, message) in required {
        if posted.get(field).is_empty() {
            frame.problem(field, message);
        }
    }
    if frame.problems.is_empty() {
        let input = json!({
            "slug": posted.get("slug"),
            "name": posted.get("name"),
            "timeZone": posted.get("timeZone"),
            "contactEmail": posted.get("contactEmail"),
            "adminEmail": posted.get("adminEmail"),
            "adminDisplayName": posted.get("adminDisplayName"),
        });
        match operator.ctx.run::<Value>(ONBOARD, json!({ "input": input })).await {
            Ok(_) => return operator.ctx.redirect("/operator/?notice=onboarded"),
            Err(error) if error.is_about_input() => frame.api_problems(&error, ONBOARD_FIELDS),
            Err(error) => return operator.failed(&error),
        }
    }
    operator.ctx.page(&onboard_page(frame))
}
