//! The mail outbox: what the platform sends, filtered by status, one message read with
//! its subject and text (one-time links withheld by the API), and parked mail put back
//! in the queue (`retryMail`).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Connection, Operator};
use crate::Web;
use crate::frame::{Frame, Problem};
use crate::pages::settings::when;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/operator/mail", web::get().to(outbox))
        .route("/operator/mail/{mail}", web::get().to(one_mail))
        .route("/operator/mail/{mail}/retry", web::post().to(retry));
}

const OUTBOX: &str = include_str!("../../../templates/operator/outbox.graphql");
const MAIL: &str = include_str!("../../../templates/operator/mail.graphql");
const RETRY: &str = include_str!("../../../templates/operator/retry-mail.graphql");

/// The filter's choices: the API's status, and what the page calls it.
const STATUSES: &[(&str, &str)] = &[
    ("", "All mail"),
    ("PARKED", "Parked mail"),
    ("PENDING", "Mail waiting to be sent"),
    ("SENT", "Sent mail"),
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    id: String,
    recipient: String,
    template: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    subject: Option<String>,
    #[serde(default)]
    text_body: Option<String>,
}

impl Mail {
    fn is_parked(&self) -> bool {
        self.status == "PARKED"
    }

    fn status_name(&self) -> &'static str {
        match self.status.as_str() {
            "PARKED" => "Parked",
            "SENT" => "Sent",
            _ => "Waiting",
        }
    }

    fn title(&self) -> String {
        self.subject.clone().unwrap_or_else(|| self.template.replace('_', " "))
    }

    fn written(&self) -> String {
        when(&self.created_at)
    }

    fn next_attempt(&self) -> String {
        when(&self.next_attempt_at)
    }

    fn sent(&self) -> Option<String> {
        self.sent_at.as_ref().map(when)
    }
}

#[derive(Template)]
#[template(path = "operator/outbox.html")]
struct OutboxPage {
    frame: Frame,
    statuses: &'static [(&'static str, &'static str)],
    status: String,
    caption: &'static str,
    mails: Vec<Mail>,
    next: Option<String>,
}

async fn outbox(request: HttpRequest, web: web::Data<Web>) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        mail_outbox: Connection<Mail>,
    }
    let operator = match Operator::enter(request, web).await {
        Ok(operator) => operator,
        Err(response) => return response,
    };
    let chosen = operator.ctx.query("status").unwrap_or_default();
    let (status, caption) =
        STATUSES.iter().find(|(value, _)| *value == chosen).map_or(STATUSES[0], |choice| *choice);
    let after = operator.ctx.query("after");
    let variables = json!({
        "status": if status.is_empty() { None } else { Some(status) },
        "after": after,
    });
    let data = match operator.ctx.run::<Data>(OUTBOX, variables).await {
        Ok(data) => data,
        Err(error) => return operator.failed(&error),
    };
    let next =
        match (data.mail_outbox.page_info.has_next_page, data.mail_outbox.page_info.end_cursor) {
            (true, Some(cursor)) => Some(format!(
                "/operator/mail?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("status", status)
                    .append_pair("after", &cursor)
                    .finish()
            )),
            _ => None,
        };
    let frame = operator.frame("Mail outbox");
    operator.ctx.page(&OutboxPage {
        frame,
        statuses: STATUSES,
        status: status.to_string(),
        caption,
        mails: data.mail_outbox.nodes,
        next,
    })
}

#[derive(Template)]
#[template(path = "operator/mail.html")]
struct MailPage {
    frame: Frame,
    mail: Mail,
}

/// The mail with this id; `None` when there is none (or the id is not one).
async fn find_mail(operator: &Operator, id: &str) -> Result<Option<Mail>, HttpResponse> {
    #[derive(Deserialize)]
    struct Data {
        mail: Option<Mail>,
    }
    match operator.ctx.run::<Data>(MAIL, json!({ "id": id })).await {
        Ok(data) => Ok(data.mail),
        Err(error) if error.code() == "VALIDATION" => Ok(None),
        Err(error) => Err(operator.failed(&error)),
    }
}

fn mail_page(operator: &Operator, mail: Mail) -> MailPage {
    MailPage { frame: operator.frame(format!("Mail to {}", mail.recipient)), mail }
}

async fn one_mail(
    request: HttpRequest,
    web: web::Data<Web>,
    id: web::Path<String>,
) -> HttpResponse {
    let operator = match Operator::enter(request, web).await {
        Ok(operator) => operator,
        Err(response) => return response,
    };
    match find_mail(&operator, &id).await {
        Ok(Some(mail)) => operator.ctx.page(&mail_page(&operator, mail)),
        Ok(None) => operator.not_found("There is no mail at this address"),
        Err(response) => response,
    }
}

async fn retry(
    request: HttpRequest,
    web: web::Data<Web>,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (operator, _posted) = match Operator::post(request, web, &body).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    match operator.ctx.run::<Value>(RETRY, json!({ "mailId": id.as_str() })).await {
        Ok(_) => operator.ctx.redirect("/operator/mail?notice=retried"),
        // Another operator tried it again first, or it was sent meanwhile.
        Err(error) if error.code() == "NOT_FOUND" || error.is_about_input() => {
            match find_mail(&operator, &id).await {
                Ok(Some(mail)) => {
                    let mut page = mail_page(&operator, mail);
                    page.frame.problems.push(Problem {
                        field: None,
                        message:
                            "This mail is no longer parked, so it was not put back in the queue."
                                .to_string(),
                    });
                    operator.ctx.page(&page)
                }
                Ok(None) => operator.not_found("There is no mail at this address"),
                Err(response) => response,
            }
        }
        Err(error) => operator.failed(&error),
    }
}
