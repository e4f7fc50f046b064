//! A signed-in person's own borrowing, under `/{library}/account`: their loans (renew one
//! or all), holds (cancel, change where to collect), money owed, and their loan history
//! with the choice to keep it, delete it or download it as CSV; someone who is not a
//! patron yet may register. Holds are placed from a record's page.
//!
//! Every page calls the API as the visitor and only for themselves (no patron id is ever
//! sent), so one person's pages can show no one else's borrowing.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::circulation::{
    self, BranchChoice, HoldData, HoldRow, LoanData, LoanRow, Outcome, address, at,
};
use super::{Connection, Ctx, Posted};
use crate::Web;
use crate::frame::{self, ApiProblem, Frame, LibraryHead, PageError};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/account", web::get().to(account))
        .route("/{library}/account/register", web::post().to(register))
        .route("/{library}/account/renew", web::post().to(renew))
        .route("/{library}/account/renew-all", web::post().to(renew_all))
        .route("/{library}/account/holds/cancel", web::post().to(cancel_hold))
        .route("/{library}/account/holds/pickup", web::post().to(change_pickup))
        .route("/{library}/account/history", web::get().to(history))
        .route("/{library}/account/history.csv", web::get().to(export_history))
        .route("/{library}/account/history/keep", web::post().to(keep_history))
        .route("/{library}/account/history/delete", web::post().to(delete_history))
        .route("/{library}/records/{id}/hold", web::post().to(place_hold));
}

const ME: &str = include_str!("../../templates/my-account/me.graphql");
const ACCOUNT: &str = include_str!("../../templates/my-account/account.graphql");
const HISTORY: &str = include_str!("../../templates/my-account/history.graphql");
const RENEW_LOAN: &str = include_str!("../../templates/my-account/renew-loan.graphql");
const RENEW_ALL_LOANS: &str = include_str!("../../templates/my-account/renew-all-loans.graphql");
const CANCEL_HOLD: &str = include_str!("../../templates/my-account/cancel-hold.graphql");
const CHANGE_PICKUP: &str = include_str!("../../templates/my-account/change-pickup.graphql");
const KEEP_HISTORY: &str = include_str!("../../templates/my-account/keep-history.graphql");
const DELETE_HISTORY: &str = include_str!("../../templates/my-account/delete-history.graphql");
const REGISTER: &str = include_str!("../../templates/my-account/register.graphql");
const PLACE_HOLD: &str = include_str!("../../templates/my-account/place-hold.graphql");

/// Most pages of history the CSV download reads (a hundred loans each).
const MOST_HISTORY_PAGES: usize = 100;

/// A request of a signed-in person of the page's library.
struct Reader {
    ctx: Ctx,
    library: LibraryHead,
}

impl Reader {
    /// Checks the visitor: "not found" for no such library, a 303 to its sign-in page
    /// for someone not signed in, 403 for someone signed in to another library.
    async fn of(
        request: HttpRequest,
        web: web::Data<Web>,
        slug: &str,
    ) -> Result<Reader, HttpResponse> {
        let ctx = Ctx::new(request, web).await;
        let library = ctx.library(slug).await?;
        if ctx.visitor.caller.is_none() {
            return Err(ctx.redirect(&ctx.sign_in_address(&library.slug)));
        }
        if !ctx.visitor.belongs_to(&library.slug) {
            let error = PageError {
                problems: vec![ApiProblem {
                    code: "FORBIDDEN".to_string(),
                    message: format!("this is the account page of {}'s members", library.name),
                    field: None,
                }],
            };
            return Err(ctx.failed(&error, Some(&library)));
        }
        Ok(Reader { ctx, library })
    }

    async fn run<T: serde::de::DeserializeOwned>(
        &self,
        document: &str,
        variables: Value,
    ) -> Result<T, PageError> {
        self.ctx.run(document, variables).await
    }

    fn frame(&self, title: &str) -> Frame {
        self.ctx.frame(title, Some(&self.library))
    }

    fn failed(&self, error: &PageError) -> HttpResponse {
        self.ctx.failed(error, Some(&self.library))
    }

    fn address(&self, path: &str) -> String {
        format!("/{}/account{path}", self.library.slug)
    }

    /// The 303 to an account page (`path` after `/account`) with `outcome`.
    fn answer(&self, path: &str, outcome: &Outcome) -> HttpResponse {
        let sealed = outcome.seal(&self.ctx.web);
        self.ctx.redirect(&address(&self.address(path), &[("done", &sealed)]))
    }

    /// The outcome of an action the API refused as about its input (or not allowed),
    /// or the error page.
    fn problem(&self, error: &PageError) -> Result<Outcome, HttpResponse> {
        if error.is_about_input() || matches!(error.code(), "NOT_FOUND" | "FORBIDDEN") {
            let reasons = error.problems.iter().map(|problem| problem.message.clone()).collect();
            Ok(Outcome::refused("Nothing was changed", reasons))
        } else {
            Err(self.failed(error))
        }
    }

    /// The outcome the address carries, if any.
    fn outcome(&self) -> Option<Outcome> {
        self.ctx.query("done").and_then(|sealed| Outcome::open(&self.ctx.web, &sealed))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatronData {
    name: String,
    keep_history: bool,
    status: String,
}

/// The visitor's patron record (if they are one) and the library's branches.
async fn me(reader: &Reader) -> Result<(Option<PatronData>, Vec<BranchChoice>), PageError> {
    #[derive(Deserialize)]
    struct Data {
        patron: Option<PatronData>,
        branches: Connection<BranchChoice>,
    }
    let data = reader.run::<Data>(ME, json!({})).await?;
    Ok((data.patron, data.branches.nodes))
}

struct AccountLine {
    when: String,
    description: String,
    amount: String,
}

struct Borrowing {
    name: String,
    provisional: bool,
    keep_history: bool,
    loans: Vec<LoanRow>,
    more_loans: bool,
    holds: Vec<HoldRow>,
    owes: String,
    accruing: bool,
    lines: Vec<AccountLine>,
}

#[derive(Template)]
#[template(path = "my-account/account.html")]
struct AccountPage {
    frame: Frame,
    outcome: Option<Outcome>,
    borrowing: Option<Borrowing>,
    branches: Vec<BranchChoice>,
}

async fn account(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Loans {
        loans: Vec<LoanData>,
        has_next_page: bool,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Line {
        description: String,
        amount_text: String,
        created_at: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Account {
        balance: i64,
        balance_text: String,
        accruing: i64,
        lines: Vec<Line>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        loans: Loans,
        holds: Vec<HoldData>,
        patron_account: Account,
    }
    let reader = match Reader::of(request, web, &slug).await {
        Ok(reader) => reader,
        Err(response) => return response,
    };
    let (patron, branches) = match me(&reader).await {
        Ok(found) => found,
        Err(error) => return reader.failed(&error),
    };
    let outcome = reader.outcome();
    let mut frame =
        reader.frame(if patron.is_some() { "Your account" } else { "Register as a patron" });
    if let Some(outcome) = &outcome {
        outcome.show_problems(&mut frame);
    }
    let Some(patron) = patron else {
        frame.values.insert("name".to_string(), reader.ctx.visitor.display_name.clone());
        return reader.ctx.page(&AccountPage { frame, outcome, borrowing: None, branches });
    };
    let data = match reader.run::<Data>(ACCOUNT, json!({})).await {
        Ok(data) => data,
        Err(error) => return reader.failed(&error),
    };
    let borrowing = Borrowing {
        name: patron.name,
        provisional: patron.status == "PROVISIONAL",
        keep_history: patron.keep_history,
        loans: data.loans.loans.into_iter().map(LoanRow::from).collect(),
        more_loans: data.loans.has_next_page,
        holds: data
            .holds
            .into_iter()
            .map(|hold| HoldRow::new(hold, |id| circulation::branch_name(&branches, id)))
            .collect(),
        owes: if data.patron_account.balance > 0 {
            data.patron_account.balance_text
        } else {
            String::new()
        },
        accruing: data.patron_account.accruing > 0,
        lines: data
            .patron_account
            .lines
            .into_iter()
            .take(20)
            .map(|line| AccountLine {
                when: at(&line.created_at),
                description: line.description,
                amount: line.amount_text,
            })
            .collect(),
    };
    reader.ctx.page(&AccountPage { frame, outcome, borrowing: Some(borrowing), branches })
}

/// Reads a form posted to an account page.
async fn posted(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: &str,
    body: &[u8],
) -> Result<(Reader, Posted), HttpResponse> {
    let reader = Reader::of(request, web, slug).await?;
    let posted = reader.ctx.form(body)?;
    Ok((reader, posted))
}

async fn register(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (reader, posted) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let optional = |name: &str| {
        let value = posted.get(name);
        if value.is_empty() { Value::Null } else { json!(value) }
    };
    if posted.get("name").is_empty() {
        return reader.answer("", &Outcome::problem("name", "Enter your full name"));
    }
    if posted.get("homeBranchId").is_empty() {
        return reader
            .answer("", &Outcome::problem("homeBranchId", "Choose the branch you will use most"));
    }
    let input = json!({
        "name": posted.get("name"),
        "email": optional("email"),
        "phone": optional("phone"),
        "address": optional("address"),
        "homeBranchId": posted.get("homeBranchId"),
    });
    let outcome = match reader.run::<Value>(REGISTER, json!({ "input": input })).await {
        Ok(_) => Outcome {
            headline: "You are registered as a patron.".to_string(),
            ..Outcome::default()
        },
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("", &outcome)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReasonData {
    message: String,
}

#[derive(Debug, Deserialize)]
struct DecisionData {
    reasons: Vec<ReasonData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RenewedLoan {
    title: Option<String>,
    item_barcode: String,
    due_at: String,
}

#[derive(Debug, Deserialize)]
struct RenewData {
    renewed: bool,
    loan: RenewedLoan,
    decision: DecisionData,
}

impl RenewData {
    fn named(&self) -> String {
        self.loan.title.clone().unwrap_or_else(|| self.loan.item_barcode.clone())
    }

    fn reasons(&self) -> Vec<String> {
        self.decision.reasons.iter().map(|reason| reason.message.clone()).collect()
    }
}

async fn renew(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        renew_loan: RenewData,
    }
    let (reader, posted) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let input = json!({ "loanId": posted.get("loanId") });
    let outcome = match reader.run::<Data>(RENEW_LOAN, json!({ "input": input })).await {
        Ok(Data { renew_loan: result }) if result.renewed => Outcome {
            headline: format!("Renewed: {}, now due {}", result.named(), at(&result.loan.due_at)),
            ..Outcome::default()
        },
        Ok(Data { renew_loan: result }) => {
            Outcome::refused(format!("Not renewed: {}", result.named()), result.reasons())
        }
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("", &outcome)
}

async fn renew_all(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Result {
        renewed: i64,
        results: Vec<RenewData>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        renew_all_loans: Result,
    }
    let (reader, _) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let outcome = match reader.run::<Data>(RENEW_ALL_LOANS, json!({})).await {
        Ok(Data { renew_all_loans: result }) => {
            let results: Vec<(String, bool, Vec<String>)> = result
                .results
                .iter()
                .map(|one| (one.named(), one.renewed, one.reasons()))
                .collect();
            circulation::renewed_all(result.renewed, &results)
        }
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("", &outcome)
}

#[derive(Debug, Deserialize)]
struct HoldTitle {
    title: Option<String>,
}

async fn cancel_hold(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        cancel_hold: HoldTitle,
    }
    let (reader, posted) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let variables = json!({ "holdId": posted.get("holdId") });
    let outcome = match reader.run::<Data>(CANCEL_HOLD, variables).await {
        Ok(Data { cancel_hold: hold }) => Outcome {
            headline: format!(
                "Your hold on {} is cancelled.",
                hold.title.unwrap_or_else(|| "this title".to_string())
            ),
            ..Outcome::default()
        },
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("", &outcome)
}

async fn change_pickup(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        change_hold_pickup: HoldTitle,
    }
    let (reader, posted) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let input = json!({
        "holdId": posted.get("holdId"),
        "pickupBranchId": posted.get("pickupBranchId"),
    });
    let outcome = match reader.run::<Data>(CHANGE_PICKUP, json!({ "input": input })).await {
        Ok(Data { change_hold_pickup: hold }) => Outcome {
            headline: format!(
                "You will collect {} at the branch you chose.",
                hold.title.unwrap_or_else(|| "this title".to_string())
            ),
            ..Outcome::default()
        },
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("", &outcome)
}

async fn place_hold(
    request: HttpRequest,
    web: web::Data<Web>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    struct Placed {
        title: Option<String>,
        position: Option<i64>,
    }
    #[derive(Deserialize)]
    struct Result {
        hold: Option<Placed>,
        decision: DecisionData,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        place_hold: Result,
    }
    let (slug, record_id) = path.into_inner();
    let (reader, posted) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let input = json!({ "recordId": record_id, "pickupBranchId": posted.get("pickupBranchId") });
    let outcome = match reader.run::<Data>(PLACE_HOLD, json!({ "input": input })).await {
        Ok(Data { place_hold: Result { hold: Some(hold), .. } }) => Outcome {
            headline: format!(
                "Your hold on {} is placed{}.",
                hold.title.unwrap_or_else(|| "this title".to_string()),
                hold.position
                    .map(|at| format!(": you are number {at} in the queue"))
                    .unwrap_or_default()
            ),
            ..Outcome::default()
        },
        Ok(Data { place_hold: Result { hold: None, decision } }) => Outcome::refused(
            "Your hold was not placed",
            decision.reasons.into_iter().map(|reason| reason.message).collect(),
        ),
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("", &outcome)
}

// ----- loan history -----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PastLoan {
    item_barcode: String,
    title: Option<String>,
    author: Option<String>,
    checked_out_at: String,
    returned_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryPage {
    loans: Vec<PastLoan>,
    has_next_page: bool,
    end_cursor: Option<String>,
}

async fn history_page(reader: &Reader, after: Option<&str>) -> Result<HistoryPage, PageError> {
    #[derive(Deserialize)]
    struct Data {
        loans: HistoryPage,
    }
    Ok(reader.run::<Data>(HISTORY, json!({ "after": after })).await?.loans)
}

struct PastLoanRow {
    title: String,
    author: String,
    borrowed: String,
    returned: String,
}

#[derive(Template)]
#[template(path = "my-account/history.html")]
struct HistoryView {
    frame: Frame,
    outcome: Option<Outcome>,
    keep_history: bool,
    loans: Vec<PastLoanRow>,
    next: Option<String>,
    first: Option<String>,
}

async fn history(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let reader = match Reader::of(request, web, &slug).await {
        Ok(reader) => reader,
        Err(response) => return response,
    };
    let patron = match me(&reader).await {
        Ok((Some(patron), _)) => patron,
        Ok((None, _)) => return reader.ctx.redirect(&reader.address("")),
        Err(error) => return reader.failed(&error),
    };
    let after = reader.ctx.query("after");
    let page = match history_page(&reader, after.as_deref()).await {
        Ok(page) => page,
        Err(error) => return reader.failed(&error),
    };
    let outcome = reader.outcome();
    let mut frame = reader.frame("Your loan history");
    if let Some(outcome) = &outcome {
        outcome.show_problems(&mut frame);
    }
    let here = reader.address("/history");
    let next = page
        .has_next_page
        .then_some(page.end_cursor.as_deref())
        .flatten()
        .map(|cursor| address(&here, &[("after", cursor)]));
    let view = HistoryView {
        frame,
        outcome,
        keep_history: patron.keep_history,
        loans: page
            .loans
            .into_iter()
            .map(|loan| PastLoanRow {
                title: loan.title.unwrap_or_else(|| loan.item_barcode.clone()),
                author: loan.author.unwrap_or_default(),
                borrowed: at(&loan.checked_out_at),
                returned: loan.returned_at.as_deref().map(at).unwrap_or_default(),
            })
            .collect(),
        next,
        first: after.map(|_| here),
    };
    reader.ctx.page(&view)
}

async fn keep_history(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (reader, posted) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let keep = match posted.get("keep") {
        "yes" => true,
        "no" => false,
        _ => {
            return reader.answer(
                "/history",
                &Outcome::problem("keep-yes", "Choose whether to keep your loan history"),
            );
        }
    };
    let outcome = match reader.run::<Value>(KEEP_HISTORY, json!({ "keep": keep })).await {
        Ok(_) if keep => Outcome {
            headline: "Your loan history will be kept from now on.".to_string(),
            ..Outcome::default()
        },
        Ok(_) => Outcome {
            headline: "Your loan history is no longer kept, and what was kept is deleted."
                .to_string(),
            ..Outcome::default()
        },
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("/history", &outcome)
}

async fn delete_history(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (reader, _) = match posted(request, web, &slug, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let outcome = match reader.run::<Value>(DELETE_HISTORY, json!({})).await {
        Ok(_) => {
            Outcome { headline: "Your loan history is deleted.".to_string(), ..Outcome::default() }
        }
        Err(error) => match reader.problem(&error) {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    reader.answer("/history", &outcome)
}

/// One CSV field: quoted when it holds a comma, quote or line break, and with a leading
/// `'` when a spreadsheet would read it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The loan history as CSV, read page by page (at most [`MOST_HISTORY_PAGES`] pages of
/// a hundred loans).
async fn export_history(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
) -> HttpResponse {
    let reader = match Reader::of(request, web, &slug).await {
        Ok(reader) => reader,
        Err(response) => return response,
    };
    let mut csv = String::from("title,author,barcode,borrowed,returned\r\n");
    let mut after: Option<String> = None;
    for _ in 0..MOST_HISTORY_PAGES {
        let page = match history_page(&reader, after.as_deref()).await {
            Ok(page) => page,
            Err(error) => return reader.failed(&error),
        };
        for loan in &page.loans {
            let fields = [
                loan.title.as_deref().unwrap_or(""),
                loan.author.as_deref().unwrap_or(""),
                loan.item_barcode.as_str(),
                loan.checked_out_at.as_str(),
                loan.returned_at.as_deref().unwrap_or(""),
            ];
            csv.push_str(&fields.map(csv_field).join(","));
            csv.push_str("\r\n");
        }
        match (page.has_next_page, page.end_cursor) {
            (true, Some(cursor)) => after = Some(cursor),
            _ => break,
        }
    }
    reader.ctx.finish(
        HttpResponse::build(StatusCode::OK)
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"loan-history-{}.csv\"", reader.library.slug),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("Content-Security-Policy", frame::CONTENT_SECURITY_POLICY))
            .body(csv),
    )
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn a_csv_field_is_quoted_when_it_must_be_and_never_read_as_a_formula() {
        assert_eq!(csv_field("The Hobbit"), "The Hobbit");
        assert_eq!(csv_field("Tolkien, J. R. R."), "\"Tolkien, J. R. R.\"");
        assert_eq!(csv_field("The \"real\" Kruger"), "\"The \"\"real\"\" Kruger\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
