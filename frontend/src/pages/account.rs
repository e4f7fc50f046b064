//! Signing in and out, and the pages emailed links open: accept an invitation, reset a
//! forgotten password, confirm an email address.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use super::{Ctx, Posted};
use crate::Web;
use crate::frame::{Field, Frame, LibraryHead};
use crate::session::{IssuedSession, is_own_path};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/accept-invitation", web::get().to(accept_invitation_form))
        .route("/accept-invitation", web::post().to(accept_invitation))
        .route("/reset-password", web::get().to(reset_password_form))
        .route("/reset-password", web::post().to(reset_password))
        .route("/verify-email", web::get().to(verify_email_form))
        .route("/verify-email", web::post().to(verify_email))
        .route("/forgot-password", web::get().to(forgot_password_form))
        .route("/forgot-password", web::post().to(forgot_password))
        .route("/{library}/forgot-password", web::get().to(library_forgot_password_form))
        .route("/{library}/forgot-password", web::post().to(library_forgot_password))
        .route("/{library}/sign-in", web::get().to(sign_in_form))
        .route("/{library}/sign-in", web::post().to(sign_in))
        .route("/{library}/sign-out", web::post().to(sign_out));
}

const SIGN_IN: &str = include_str!("../../templates/account/sign-in.graphql");
const SIGN_OUT: &str = include_str!("../../templates/account/sign-out.graphql");
const FORGOT_PASSWORD: &str = include_str!("../../templates/account/forgot-password.graphql");
const ACCEPT_INVITATION: &str = include_str!("../../templates/account/accept-invitation.graphql");
const RESET_PASSWORD: &str = include_str!("../../templates/account/reset-password.graphql");
const VERIFY_EMAIL: &str = include_str!("../../templates/account/verify-email.graphql");

#[derive(Template)]
#[template(path = "account/sign-in.html")]
struct SignInPage {
    frame: Frame,
    email: Field,
    password: Field,
    return_to: String,
}

fn sign_in_page(mut frame: Frame, return_to: String) -> SignInPage {
    if frame.title.is_empty() {
        frame.title = "Sign in".to_string();
    }
    SignInPage {
        email: frame
            .field("email", "Email address")
            .kind("email")
            .autocomplete("username")
            .required(),
        password: frame
            .field("password", "Password")
            .kind("password")
            .autocomplete("current-password")
            .required(),
        return_to: if is_own_path(&return_to) { return_to } else { String::new() },
        frame,
    }
}

async fn sign_in_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let library = match ctx.sign_in_library(&slug).await {
        Ok(library) => library,
        Err(response) => return response,
    };
    let frame = ctx.frame("Sign in", Some(&library));
    let page = sign_in_page(frame, ctx.query("return").unwrap_or_default());
    ctx.page(&page)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignedIn {
    sign_in: IssuedSession,
}

async fn sign_in(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(request, web).await;
    let posted = match ctx.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let library = match ctx.sign_in_library(&slug).await {
        Ok(library) => library,
        Err(response) => return response,
    };
    let mut frame = ctx.frame("Sign in", Some(&library));
    frame.values = posted.kept();
    if posted.get("email").is_empty() {
        frame.problem("email", "Enter your email address.");
    }
    if posted.raw("password").is_empty() {
        frame.problem("password", "Enter your password.");
    }
    if frame.problems.is_empty() {
        let variables = json!({ "tenant": library.slug, "email": posted.get("email"), "password": posted.raw("password") });
        match ctx.web.anonymous::<SignedIn>(&ctx.request, SIGN_IN, variables).await {
            Ok(signed_in) => {
                ctx.visitor.start_session(&ctx.web, &signed_in.sign_in);
                let return_to = posted.get("return");
                let target = if is_own_path(return_to) {
                    return_to.to_string()
                } else if ctx.visitor.is_staff_of(&library.slug) {
                    format!("/{}/staff/?notice=signed-in", library.slug)
                } else if ctx.visitor.is_operator() {
                    "/operator/?notice=signed-in".to_string()
                } else {
                    format!("/{}/?notice=signed-in", library.slug)
                };
                return ctx.redirect(&target);
            }
            // A disabled account is refused with FORBIDDEN: said on the form, like a
            // wrong password, so that the person can put it right or ask their library.
            Err(error)
                if error.is_about_input()
                    || error.code() == "UNAUTHENTICATED"
                    || error.code() == "FORBIDDEN" =>
            {
                frame.api_problems(&error, &[("email", "email"), ("password", "password")]);
                if frame.problems.iter().all(|problem| problem.field.is_none()) {
                    // The API does not say which of the two was wrong, and neither may we.
                    if let Some(problem) = frame.problems.first_mut() {
                        problem.field = Some("email".to_string());
                    }
                }
            }
            Err(error) => return ctx.failed(&error, None),
        }
    }
    let page = sign_in_page(frame, posted.get("return").to_string());
    ctx.page_with(&page, StatusCode::OK)
}

async fn sign_out(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(request, web).await;
    if let Err(refused) = ctx.form(&body) {
        return refused;
    }
    if let Some(refresh) = ctx.visitor.refresh_token().map(str::to_string) {
        // Ends the session on the server (its refresh token and its access tokens);
        // the browser forgets it whatever the answer.
        if let Err(error) = ctx
            .web
            .anonymous::<serde_json::Value>(
                &ctx.request,
                SIGN_OUT,
                json!({ "refreshToken": refresh }),
            )
            .await
        {
            tracing::warn!(error = error.message(), "signing out on the server failed");
        }
    }
    ctx.visitor.end_session(&ctx.web);
    let slug = slug.into_inner();
    // The platform has no public pages: its operators land on the front page.
    let target = if slug != super::PLATFORM_SLUG
        && slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("/{slug}/?notice=signed-out")
    } else {
        "/?notice=signed-out".to_string()
    };
    ctx.redirect(&target)
}

#[derive(Template)]
#[template(path = "account/forgot-password.html")]
struct ForgotPage {
    frame: Frame,
    tenant: Option<Field>,
    email: Field,
    sent: bool,
}

fn forgot_page(frame: Frame, ask_library: bool, sent: bool) -> ForgotPage {
    ForgotPage {
        tenant: ask_library.then(|| {
            frame
                .field("tenant", "Library code")
                .hint("As your library gave it to you, for example northshire")
                .autocomplete("organization")
                .required()
        }),
        email: frame.field("email", "Email address").kind("email").autocomplete("email").required(),
        sent,
        frame,
    }
}

async fn forgot_password_form(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let sent = ctx.query("sent").is_some();
    let frame = ctx.frame(if sent { "Check your email" } else { "Forgotten password" }, None);
    ctx.page(&forgot_page(frame, true, sent))
}

async fn library_forgot_password_form(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let library = match ctx.sign_in_library(&slug).await {
        Ok(library) => library,
        Err(response) => return response,
    };
    let sent = ctx.query("sent").is_some();
    let frame =
        ctx.frame(if sent { "Check your email" } else { "Forgotten password" }, Some(&library));
    ctx.page(&forgot_page(frame, false, sent))
}

async fn forgot_password(
    request: HttpRequest,
    web: web::Data<Web>,
    body: web::Bytes,
) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let posted = match ctx.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let tenant = posted.get("tenant").to_string();
    request_reset(&ctx, &posted, &tenant, None).await
}

async fn library_forgot_password(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let posted = match ctx.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let library = match ctx.sign_in_library(&slug).await {
        Ok(library) => library,
        Err(response) => return response,
    };
    let tenant = library.slug.clone();
    request_reset(&ctx, &posted, &tenant, Some(library)).await
}

async fn request_reset(
    ctx: &Ctx,
    posted: &Posted,
    tenant: &str,
    library: Option<LibraryHead>,
) -> HttpResponse {
    let mut frame = ctx.frame("Forgotten password", library.as_ref());
    frame.values = posted.kept();
    if library.is_none() && tenant.is_empty() {
        frame.problem("tenant", "Enter your library's code.");
    }
    if posted.get("email").is_empty() {
        frame.problem("email", "Enter your email address.");
    }
    if frame.problems.is_empty() {
        let variables = json!({ "tenant": tenant, "email": posted.get("email") });
        match ctx.web.anonymous::<serde_json::Value>(&ctx.request, FORGOT_PASSWORD, variables).await
        {
            Ok(_) => {
                let target = match &library {
                    Some(library) => format!("/{}/forgot-password?sent=1", library.slug),
                    None => "/forgot-password?sent=1".to_string(),
                };
                return ctx.redirect(&target);
            }
            Err(error) if error.is_about_input() => {
                frame.api_problems(&error, &[("tenant", "tenant"), ("email", "email")]);
            }
            Err(error) => return ctx.failed(&error, None),
        }
    }
    let ask_library = library.is_none();
    ctx.page(&forgot_page(frame, ask_library, false))
}

#[derive(Template)]
#[template(path = "account/choose-password.html")]
struct PasswordPage {
    frame: Frame,
    action: &'static str,
    lede: &'static str,
    token: String,
    password: Field,
    confirm: Field,
    done: bool,
}

/// A page where an emailed link's holder chooses a password.
struct PasswordKind {
    action: &'static str,
    title: &'static str,
    lede: &'static str,
}

const INVITATION: PasswordKind = PasswordKind {
    action: "/accept-invitation",
    title: "Choose your password",
    lede: "You have been invited to Athenaeum. Choose a password to start.",
};

const RESET: PasswordKind = PasswordKind {
    action: "/reset-password",
    title: "Reset your password",
    lede: "Choose a new password. You will be signed out everywhere else.",
};

fn password_page(kind: &PasswordKind, frame: Frame, token: String, done: bool) -> PasswordPage {
    PasswordPage {
        action: kind.action,
        lede: kind.lede,
        token,
        password: frame.field("password", "New password").kind("password").hint("At least 10 characters. A few unrelated words are easy to remember and hard to guess.").autocomplete("new-password").required(),
        confirm: frame.field("confirm", "Type the new password again").kind("password").autocomplete("new-password").required(),
        done,
        frame,
    }
}

async fn accept_invitation_form(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let frame = ctx.frame(INVITATION.title, None);
    ctx.page(&password_page(&INVITATION, frame, ctx.query("token").unwrap_or_default(), false))
}

async fn reset_password_form(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let done = ctx.query("done").is_some();
    let frame = ctx.frame(if done { "Password changed" } else { RESET.title }, None);
    ctx.page(&password_page(&RESET, frame, ctx.query("token").unwrap_or_default(), done))
}

/// Checks the two typed passwords; the problems go on the frame.
fn check_passwords(frame: &mut Frame, posted: &Posted) {
    let password = posted.raw("password");
    if password.is_empty() {
        frame.problem("password", "Enter a new password.");
    } else if password.chars().count() < 10 {
        frame.problem("password", "The password must be at least 10 characters long.");
    } else if password != posted.raw("confirm") {
        frame.problem("confirm", "The two passwords are not the same. Type them again.");
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accepted {
    accept_invitation: AcceptedSession,
}

#[derive(Deserialize)]
struct AcceptedSession {
    #[serde(flatten)]
    session: IssuedSession,
    tenant: LibraryHead,
}

async fn accept_invitation(
    request: HttpRequest,
    web: web::Data<Web>,
    body: web::Bytes,
) -> HttpResponse {
    let mut ctx = Ctx::new(request, web).await;
    let posted = match ctx.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let mut frame = ctx.frame(INVITATION.title, None);
    check_passwords(&mut frame, &posted);
    let token = posted.get("token").to_string();
    if frame.problems.is_empty() {
        let variables = json!({ "token": token, "password": posted.raw("password") });
        match ctx.web.anonymous::<Accepted>(&ctx.request, ACCEPT_INVITATION, variables).await {
            Ok(accepted) => {
                let accepted = accepted.accept_invitation;
                ctx.visitor.start_session(&ctx.web, &accepted.session);
                let slug = accepted.tenant.slug;
                let target = if ctx.visitor.is_staff_of(&slug) {
                    format!("/{slug}/staff/?notice=welcome")
                } else if ctx.visitor.is_operator() {
                    "/operator/?notice=welcome".to_string()
                } else {
                    format!("/{slug}/?notice=welcome")
                };
                return ctx.redirect(&target);
            }
            Err(error)
                if error.is_about_input()
                    || error.code() == "UNAUTHENTICATED"
                    || error.code() == "NOT_FOUND" =>
            {
                frame
                    .api_problems(&error, &[("password", "password"), ("newPassword", "password")]);
            }
            Err(error) => return ctx.failed(&error, None),
        }
    }
    ctx.page(&password_page(&INVITATION, frame, token, false))
}

async fn reset_password(
    request: HttpRequest,
    web: web::Data<Web>,
    body: web::Bytes,
) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let posted = match ctx.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let mut frame = ctx.frame(RESET.title, None);
    check_passwords(&mut frame, &posted);
    let token = posted.get("token").to_string();
    if frame.problems.is_empty() {
        let variables = json!({ "token": token, "password": posted.raw("password") });
        match ctx.web.anonymous::<serde_json::Value>(&ctx.request, RESET_PASSWORD, variables).await
        {
            Ok(_) => return ctx.redirect("/reset-password?done=1"),
            Err(error)
                if error.is_about_input()
                    || error.code() == "UNAUTHENTICATED"
                    || error.code() == "NOT_FOUND" =>
            {
                frame.api_problems(&error, &[("password", "password")]);
            }
            Err(error) => return ctx.failed(&error, None),
        }
    }
    ctx.page(&password_page(&RESET, frame, token, false))
}

#[derive(Template)]
#[template(path = "account/verify-email.html")]
struct VerifyPage {
    frame: Frame,
    token: String,
    done: bool,
}

async fn verify_email_form(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    // Confirming takes a button press: mail scanners that follow links must not use them.
    let ctx = Ctx::new(request, web).await;
    let done = ctx.query("done").is_some();
    let frame =
        ctx.frame(if done { "Address confirmed" } else { "Confirm your email address" }, None);
    ctx.page(&VerifyPage { frame, token: ctx.query("token").unwrap_or_default(), done })
}

async fn verify_email(request: HttpRequest, web: web::Data<Web>, body: web::Bytes) -> HttpResponse {
    let ctx = Ctx::new(request, web).await;
    let posted = match ctx.form(&body) {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let token = posted.get("token").to_string();
    match ctx
        .web
        .anonymous::<serde_json::Value>(&ctx.request, VERIFY_EMAIL, json!({ "token": token }))
        .await
    {
        Ok(_) => ctx.redirect("/verify-email?done=1"),
        Err(error) => {
            let mut frame = ctx.frame("Confirm your email address", None);
            frame.api_problems(&error, &[]);
            ctx.page(&VerifyPage { frame, token, done: false })
        }
    }
}
