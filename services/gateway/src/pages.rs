//! The few pages emailed links open: accept an invitation, reset a password, confirm an
//! email address, ask for a reset link. Plain HTML forms that work without JavaScript;
//! each page does its work by executing a GraphQL document against the gateway's own
//! schema, so it can do nothing the public API cannot. A form sent from a page of
//! another site is refused (the origin check).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{Request, Variables};
use athenaeum_auth::Caller;
use athenaeum_transport::Call;
use serde_json::{Value, json};

use crate::headers::REFERRER_POLICY;
use crate::request::{client_address, request_id};
use crate::state::GatewayState;

/// Registers the pages.
pub(crate) fn page_routes(config: &mut web::ServiceConfig) {
    config
        .route("/accept-invitation", web::get().to(accept_invitation_form))
        .route("/accept-invitation", web::post().to(accept_invitation))
        .route("/reset-password", web::get().to(reset_password_form))
        .route("/reset-password", web::post().to(reset_password))
        .route("/verify-email", web::get().to(verify_email_form))
        .route("/verify-email", web::post().to(verify_email))
        .route("/forgot-password", web::get().to(forgot_password_form))
        .route("/forgot-password", web::post().to(forgot_password));
}

type Form = web::Form<HashMap<String, String>>;
type Query = web::Query<HashMap<String, String>>;

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn layout(title: &str, body: &str) -> HttpResponse {
    page(StatusCode::OK, title, body)
}

fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Athenaeum</title>
<style>
body {{ font: 1.125rem/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }}
label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input {{ font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; border: 2px solid #555; border-radius: 4px; }}
button {{ font: inherit; margin-top: 1.5rem; padding: .6rem 1.2rem; background: #0b5394; color: #fff; border: 2px solid #0b5394; border-radius: 4px; cursor: pointer; }}
:focus-visible {{ outline: 3px solid #c25e00; outline-offset: 2px; }}
.error {{ border-left: 6px solid #b00020; padding: .5rem 1rem; background: #fdecee; }}
.done {{ border-left: 6px solid #1e7b34; padding: .5rem 1rem; background: #e9f6ec; }}
.hint {{ font-weight: 400; font-size: 1rem; color: #444; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#,
        title = escape(title)
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"))
        // Not `no-referrer`: under it a browser sends `Origin: null` with the page's own
        // form, which the origin check refuses. `same-origin` still keeps the link's
        // token from every other site.
        .insert_header(("Referrer-Policy", REFERRER_POLICY))
        .insert_header(("Cache-Control", "no-store"))
        .body(html)
}

/// Refuses a form sent from a page of another site: without this, any site could have
/// its visitors' browsers post to these forms (emailed links' forms hold no cookie or
/// other secret of the visitor's for a site to be stopped by).
fn from_another_site(request: &HttpRequest, state: &GatewayState) -> Option<HttpResponse> {
    let refused = state.origins.check(request).err()?;
    Some(page(
        StatusCode::FORBIDDEN,
        "This form came from another site",
        &problem(&format!(
            "{}. Open the link from your email again and send the form from there.",
            refused.message
        )),
    ))
}

fn problem(message: &str) -> String {
    format!(r#"<div class="error" role="alert"><p>{}</p></div>"#, escape(message))
}

fn password_form(action: &str, token: &str, heading_hint: &str, error: Option<&str>) -> String {
    format!(
        r#"{error}<p>{hint}</p>
<form method="post" action="{action}">
<input type="hidden" name="token" value="{token}">
<label for="password">New password <span class="hint">(at least 10 characters)</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="10">
<label for="confirm">Type it again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="10">
<button type="submit">Save password</button>
</form>"#,
        error = error.map(problem).unwrap_or_default(),
        hint = escape(heading_hint),
        action = action,
        token = escape(token),
    )
}

/// Runs a GraphQL document against the schema as an anonymous caller; returns the data
/// or the first error's message.
async fn run(
    state: &GatewayState,
    request: &HttpRequest,
    document: &str,
    variables: Value,
) -> Result<Value, String> {
    let call =
        Call::new(None, client_address(request, state.trust_forwarded_for), request_id(request));
    let graphql = Request::new(document)
        .variables(Variables::from_json(variables))
        .data(call)
        .data(None::<Caller>);
    let response = state.schema.execute(graphql).await;
    if let Some(error) = response.errors.first() {
        return Err(error.message.clone());
    }
    response.data.into_json().map_err(|error| error.to_string())
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// A page where an emailed link's holder chooses a password.
struct PasswordPage {
    path: &'static str,
    title: &'static str,
    hint: &'static str,
    /// Takes `$token` and `$password`.
    mutation: &'static str,
    /// The page shown once the mutation succeeded, from its data.
    done: fn(&Value) -> HttpResponse,
}

const ACCEPT_INVITATION: PasswordPage = PasswordPage {
    path: "/accept-invitation",
    title: "Choose your password",
    hint: "You have been invited to Athenaeum. Choose a password to start.",
    mutation: "mutation($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { account { displayName } tenant { name slug } } }",
    done: |data| {
        let session = &data["acceptInvitation"];
        let text = |value: &Value| escape(value.as_str().unwrap_or(""));
        layout(
            "Welcome",
            &format!(
                r#"<div class="done" role="status"><p>Thank you, {}. Your password is saved and your account at {} is ready.</p></div><p>Sign in with the library code <strong>{}</strong>, your email address and your new password.</p>"#,
                text(&session["account"]["displayName"]),
                text(&session["tenant"]["name"]),
                text(&session["tenant"]["slug"]),
            ),
        )
    },
};

const RESET_PASSWORD: PasswordPage = PasswordPage {
    path: "/reset-password",
    title: "Reset your password",
    hint: "Choose a new password. You will be signed out everywhere.",
    mutation: "mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }",
    done: |_| {
        layout(
            "Password changed",
            r#"<div class="done" role="status"><p>Your password is changed. Sign in with the new one.</p></div>"#,
        )
    },
};

impl PasswordPage {
    fn form(&self, token: &str, error: Option<&str>) -> HttpResponse {
        layout(self.title, &password_form(self.path, token, self.hint, error))
    }

    async fn submit(
        &self,
        request: &HttpRequest,
        form: &HashMap<String, String>,
        state: &GatewayState,
    ) -> HttpResponse {
        let (token, password) = (field(form, "token"), field(form, "password"));
        if password != field(form, "confirm") {
            return self.form(token, Some("the two passwords are not the same; type them again"));
        }
        match run(state, request, self.mutation, json!({ "token": token, "password": password }))
            .await
        {
            Ok(data) => (self.done)(&data),
            Err(message) => self.form(token, Some(&message)),
        }
    }
}

async fn accept_invitation_form(query: Query) -> HttpResponse {
    ACCEPT_INVITATION.form(query.get("token").map_or("", String::as_str), None)
}

async fn accept_invitation(
    request: HttpRequest,
    form: Form,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    if let Some(refused) = from_another_site(&request, &state) {
        return refused;
    }
    ACCEPT_INVITATION.submit(&request, &form, &state).await
}

async fn reset_password_form(query: Query) -> HttpResponse {
    RESET_PASSWORD.form(query.get("token").map_or("", String::as_str), None)
}

async fn reset_password(
    request: HttpRequest,
    form: Form,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    if let Some(refused) = from_another_site(&request, &state) {
        return refused;
    }
    RESET_PASSWORD.submit(&request, &form, &state).await
}

async fn verify_email_form(query: Query) -> HttpResponse {
    // Confirming takes a button press: mail scanners that follow links must not use them.
    let token = query.get("token").map_or("", String::as_str);
    layout(
        "Confirm your email address",
        &format!(
            r#"<form method="post" action="/verify-email"><input type="hidden" name="token" value="{}"><p>Press the button to confirm that this address is yours.</p><button type="submit">Confirm my address</button></form>"#,
            escape(token)
        ),
    )
}

async fn verify_email(
    request: HttpRequest,
    form: Form,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    if let Some(refused) = from_another_site(&request, &state) {
        return refused;
    }
    let document = "mutation($token: String!) { verifyEmail(token: $token) { email } }";
    match run(&state, &request, document, json!({ "token": field(&form, "token") })).await {
        Ok(data) => layout(
            "Address confirmed",
            &format!(
                r#"<div class="done" role="status"><p>Thank you: {} is confirmed.</p></div>"#,
                escape(data["verifyEmail"]["email"].as_str().unwrap_or(""))
            ),
        ),
        Err(message) => layout("Confirm your email address", &problem(&message)),
    }
}

fn forgot_form(error: Option<&str>) -> String {
    format!(
        r#"{}<form method="post" action="/forgot-password">
<label for="tenant">Library code <span class="hint">(as given by your library)</span></label>
<input id="tenant" name="tenant" autocomplete="organization" required>
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required>
<button type="submit">Send me a link</button>
</form>"#,
        error.map(problem).unwrap_or_default()
    )
}

async fn forgot_password_form() -> HttpResponse {
    layout("Forgotten password", &forgot_form(None))
}

async fn forgot_password(
    request: HttpRequest,
    form: Form,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    if let Some(refused) = from_another_site(&request, &state) {
        return refused;
    }
    let document = "mutation($tenant: String!, $email: String!) { requestPasswordReset(tenant: $tenant, email: $email) }";
    match run(
        &state,
        &request,
        document,
        json!({ "tenant": field(&form, "tenant"), "email": field(&form, "email") }),
    )
    .await
    {
        Ok(_) => layout(
            "Check your mail",
            r#"<div class="done" role="status"><p>If that library has an account for this address, we have sent it a link to choose a new password. The link works once, for an hour.</p></div>"#,
        ),
        Err(message) => layout("Forgotten password", &forgot_form(Some(&message))),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(escape(r#"<script>"x"&'y'"#), "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;");
    }
}
