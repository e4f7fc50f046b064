//! The circulation desk, `/{library}/staff/desk`: made for a barcode scanner, which types
//! a barcode and presses Enter. Staff choose their branch (kept in the address), scan a
//! patron's card to see them at a glance, then scan copies one after another to lend
//! them; in check-in mode each scanned copy is taken back and the page says, large,
//! where it goes next.
//!
//! Every action is a plain form post answered with a redirect to the desk, whose address
//! carries the action's sealed outcome; `desk.js` makes the same posts in place where
//! JavaScript runs. The desk only calls the API as the visitor, which refuses what they
//! may not do.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Staff;
use crate::Web;
use crate::frame::{Frame, PageError};
use crate::pages::circulation::{
    self, BranchChoice, HoldData, HoldRow, LoanData, LoanRow, Outcome, address, at, day,
};
use crate::pages::{Connection, Posted};

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{library}/staff/desk", web::get().to(desk))
        .route("/{library}/staff/desk/checkout", web::post().to(checkout))
        .route("/{library}/staff/desk/checkin", web::post().to(checkin))
        .route("/{library}/staff/desk/renew", web::post().to(renew))
        .route("/{library}/staff/desk/renew-all", web::post().to(renew_all));
}

const DESK_BRANCHES: &str = include_str!("../../../templates/staff/desk-branches.graphql");
const DESK_FIND_PATRON: &str = include_str!("../../../templates/staff/desk-find-patron.graphql");
const DESK: &str = include_str!("../../../templates/staff/desk.graphql");
const CHECKOUT: &str = include_str!("../../../templates/staff/checkout.graphql");
const CHECKIN: &str = include_str!("../../../templates/staff/checkin.graphql");
const RENEW_LOAN: &str = include_str!("../../../templates/staff/renew-loan.graphql");
const RENEW_ALL_LOANS: &str = include_str!("../../../templates/staff/renew-all-loans.graphql");

/// The patron being served, at a glance.
struct PatronView {
    id: String,
    name: String,
    cards: String,
    /// Anything staff must notice first: blocks, status, an expired card, money owed.
    warnings: Vec<String>,
    balance: String,
    loans: Vec<LoanRow>,
    more_loans: bool,
    overdue: usize,
    holds: Vec<HoldRow>,
}

/// A patron whose card or name matched, to choose from.
struct PatronMatch {
    name: String,
    cards: String,
    link: String,
}

#[derive(Template)]
#[template(path = "staff/desk.html")]
struct DeskPage {
    frame: Frame,
    branches: Vec<BranchChoice>,
    branch: Option<BranchChoice>,
    checkin: bool,
    outcome: Option<Outcome>,
    patron: Option<PatronView>,
    matches: Vec<PatronMatch>,
    checkout_link: String,
    checkin_link: String,
    done_link: String,
}

impl DeskPage {
    fn override_barcode(&self) -> &str {
        self.outcome.as_ref().map_or("", |outcome| outcome.override_barcode.as_str())
    }
}

async fn branches(staff: &Staff) -> Result<Vec<BranchChoice>, PageError> {
    #[derive(Deserialize)]
    struct Data {
        branches: Connection<BranchChoice>,
    }
    Ok(staff.run::<Data>(DESK_BRANCHES, json!({})).await?.branches.nodes)
}

async fn desk(request: HttpRequest, web: web::Data<Web>, slug: web::Path<String>) -> HttpResponse {
    let staff = match Staff::of(request, web, &slug).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let branches = match branches(&staff).await {
        Ok(branches) => branches,
        Err(error) => return staff.failed(&error),
    };
    let asked = staff.ctx.query("branch").unwrap_or_default();
    let branch = branches
        .iter()
        .find(|branch| branch.id == asked)
        .or(if branches.len() == 1 { branches.first() } else { None })
        .cloned();
    let checkin = staff.ctx.query("mode").as_deref() == Some("checkin");
    let outcome = staff.ctx.query("done").and_then(|sealed| Outcome::open(&staff.ctx.web, &sealed));
    let branch_id = branch.as_ref().map_or("", |branch| branch.id.as_str()).to_string();
    let path = staff.address("desk");
    let title = match (&branch, checkin) {
        (None, _) => "Desk: choose your branch",
        (Some(_), true) => "Desk: check in",
        (Some(_), false) => "Desk: check out",
    };
    let mut frame = staff.frame(title);
    frame.scripts.push("desk.js");
    if let Some(outcome) = &outcome {
        outcome.show_problems(&mut frame);
    }
    let mut page = DeskPage {
        checkout_link: address(&path, &[("branch", &branch_id)]),
        checkin_link: address(&path, &[("branch", &branch_id), ("mode", "checkin")]),
        done_link: address(&path, &[("branch", &branch_id)]),
        frame,
        branches,
        branch,
        checkin,
        outcome,
        patron: None,
        matches: Vec::new(),
    };
    if page.branch.is_none() || checkin {
        return staff.ctx.page(&page);
    }
    let card = staff.ctx.query("card").unwrap_or_default();
    let card = card.trim();
    if !card.is_empty() {
        page.frame.values.insert("card".to_string(), card.to_string());
        match find_patron(&staff, card).await {
            Ok(found) if found.len() == 1 => {
                let link = address(&path, &[("branch", &branch_id), ("patron", &found[0].id)]);
                return staff.ctx.redirect(&link);
            }
            Ok(found) if found.is_empty() => {
                page.frame.problem("card", format!("No patron has the card or name {card}."));
            }
            Ok(found) => {
                page.matches = found
                    .into_iter()
                    .map(|patron| PatronMatch {
                        link: address(&path, &[("branch", &branch_id), ("patron", &patron.id)]),
                        name: patron.name,
                        cards: patron.cards.join(", "),
                    })
                    .collect();
            }
            Err(error) if error.is_about_input() => {
                page.frame.api_problems(&error, &[]);
            }
            Err(error) => return staff.failed(&error),
        }
        return staff.ctx.page(&page);
    }
    if let Some(patron_id) = staff.ctx.query("patron").filter(|id| !id.is_empty()) {
        match patron_view(&staff, &patron_id, &page.branches).await {
            Ok(Some(patron)) => {
                page.frame.title = format!("Desk: {}", patron.name);
                page.patron = Some(patron);
            }
            Ok(None) => return staff.not_found("There is no patron with this number"),
            Err(error) if matches!(error.code(), "VALIDATION" | "NOT_FOUND") => {
                return staff.not_found("There is no patron with this number");
            }
            Err(error) => return staff.failed(&error),
        }
    }
    staff.ctx.page(&page)
}

#[derive(Debug, Deserialize)]
struct FoundPatron {
    id: String,
    name: String,
    cards: Vec<String>,
}

/// The patrons a scanned card (or typed name) finds; the one whose card it is when a
/// card matches exactly.
async fn find_patron(staff: &Staff, card: &str) -> Result<Vec<FoundPatron>, PageError> {
    #[derive(Deserialize)]
    struct Page {
        patrons: Vec<FoundPatron>,
    }
    #[derive(Deserialize)]
    struct Data {
        patrons: Page,
    }
    let found = staff.run::<Data>(DESK_FIND_PATRON, json!({ "query": card })).await?;
    let mut patrons = found.patrons.patrons;
    if let Some(exact) = patrons.iter().position(|patron| patron.cards.iter().any(|c| c == card)) {
        let patron = patrons.swap_remove(exact);
        patrons = vec![patron];
    }
    Ok(patrons)
}

async fn patron_view(
    staff: &Staff,
    patron_id: &str,
    branches: &[BranchChoice],
) -> Result<Option<PatronView>, PageError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Block {
        reason: String,
        created_at: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Patron {
        id: String,
        name: String,
        status: String,
        expires_on: Option<String>,
        cards: Vec<String>,
        blocks: Vec<Block>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Loans {
        loans: Vec<LoanData>,
        has_next_page: bool,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Account {
        balance: i64,
        balance_text: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        patron: Option<Patron>,
        loans: Loans,
        holds: Vec<HoldData>,
        patron_account: Account,
    }
    let data = staff.run::<Data>(DESK, json!({ "patronId": patron_id })).await?;
    let Some(patron) = data.patron else { return Ok(None) };
    let mut warnings: Vec<String> = patron
        .blocks
        .iter()
        .map(|block| format!("Blocked since {}: {}", at(&block.created_at), block.reason))
        .collect();
    match patron.status.as_str() {
        "PROVISIONAL" => warnings.push(
            "Registered online and not yet confirmed: check their proof of address".to_string(),
        ),
        "INACTIVE" => warnings.push("No longer a member".to_string()),
        _ => {}
    }
    if let Some(expires) = &patron.expires_on {
        let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
        if *expires < today {
            warnings.push(format!("Their card expired on {}", day(expires)));
        }
    }
    let loans: Vec<LoanRow> = data.loans.loans.into_iter().map(LoanRow::from).collect();
    let overdue = loans.iter().filter(|loan| loan.overdue).count();
    Ok(Some(PatronView {
        id: patron.id,
        name: patron.name,
        cards: patron.cards.join(", "),
        warnings,
        balance: if data.patron_account.balance > 0 {
            data.patron_account.balance_text
        } else {
            String::new()
        },
        loans,
        more_loans: data.loans.has_next_page,
        overdue,
        holds: data
            .holds
            .into_iter()
            .map(|hold| HoldRow::new(hold, |id| circulation::branch_name(branches, id)))
            .collect(),
    }))
}

/// A desk form: its staff, its fields, and where its answer goes.
struct DeskPost {
    staff: Staff,
    posted: Posted,
}

impl DeskPost {
    async fn read(
        request: HttpRequest,
        web: web::Data<Web>,
        slug: &str,
        body: &[u8],
    ) -> Result<DeskPost, HttpResponse> {
        let staff = Staff::of(request, web, slug).await?;
        let posted = staff.form(body)?;
        Ok(DeskPost { staff, posted })
    }

    /// The 303 back to the desk (the same branch, patron and mode) with `outcome`.
    fn answer(&self, outcome: &Outcome, checkin: bool) -> HttpResponse {
        let sealed = outcome.seal(&self.staff.ctx.web);
        let link = address(
            &self.staff.address("desk"),
            &[
                ("branch", self.posted.get("branch")),
                ("patron", if checkin { "" } else { self.posted.get("patron") }),
                ("mode", if checkin { "checkin" } else { "" }),
                ("done", &sealed),
            ],
        );
        self.staff.ctx.redirect(&link)
    }

    /// The outcome for an error the API answered about the input, or the error page.
    fn problem(&self, error: &PageError, field: &str) -> Result<Outcome, HttpResponse> {
        if error.is_about_input() || error.code() == "NOT_FOUND" {
            let reasons = error.problems.iter().map(|problem| problem.message.clone()).collect();
            Ok(Outcome {
                field: field.to_string(),
                ..Outcome::refused("Nothing was changed", reasons)
            })
        } else {
            Err(self.staff.failed(error))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReasonData {
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecisionData {
    #[serde(default)]
    overridable: bool,
    due_note: Option<String>,
    reasons: Vec<ReasonData>,
}

impl DecisionData {
    fn reasons(&self) -> Vec<String> {
        self.reasons.iter().map(|reason| reason.message.clone()).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LentData {
    title: Option<String>,
    item_barcode: String,
    due_at: String,
}

impl LentData {
    fn named(&self) -> String {
        match &self.title {
            Some(title) => format!("{title} ({})", self.item_barcode),
            None => self.item_barcode.clone(),
        }
    }
}

async fn checkout(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Result {
        loan: Option<LentData>,
        filled_hold: bool,
        decision: DecisionData,
    }
    #[derive(Deserialize)]
    struct Data {
        checkout: Result,
    }
    let post = match DeskPost::read(request, web, &slug, &body).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let barcode = post.posted.get("itemBarcode");
    let overriding = post.posted.get("override") == "1";
    let reason = post.posted.get("overrideReason");
    if barcode.is_empty() {
        return post
            .answer(&Outcome::problem("itemBarcode", "Scan or type the copy's barcode"), false);
    }
    if overriding && reason.is_empty() {
        let outcome = Outcome {
            override_barcode: barcode.to_string(),
            ..Outcome::problem("overrideReason", "Enter why you are lending it anyway")
        };
        return post.answer(&outcome, false);
    }
    let input = json!({
        "patronId": post.posted.get("patron"),
        "itemBarcode": barcode,
        "branchId": post.posted.get("branch"),
        "overrideReason": if overriding { json!(reason) } else { Value::Null },
    });
    let outcome = match post.staff.run::<Data>(CHECKOUT, json!({ "input": input })).await {
        Ok(Data { checkout: Result { loan: Some(loan), filled_hold, decision } }) => {
            let mut details = Vec::new();
            if filled_hold {
                details.push("This filled their hold.".to_string());
            }
            details.extend(decision.due_note);
            Outcome {
                headline: format!("Lent: {}, due {}", loan.named(), at(&loan.due_at)),
                details,
                ..Outcome::default()
            }
        }
        Ok(Data { checkout: Result { loan: None, decision, .. } }) => Outcome {
            override_barcode: if decision.overridable {
                barcode.to_string()
            } else {
                String::new()
            },
            ..Outcome::refused(format!("Not lent: {barcode}"), decision.reasons())
        },
        Err(error) => match post.problem(&error, "itemBarcode") {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    post.answer(&outcome, false)
}

async fn checkin(
    request: HttpRequest,
    web: web::Data<Web>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Routing {
        instruction: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Loan {
        due_at: String,
        overdue: bool,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Result {
        item_barcode: String,
        title: Option<String>,
        fine_text: Option<String>,
        loan: Option<Loan>,
        routing: Routing,
    }
    #[derive(Deserialize)]
    struct Data {
        checkin: Result,
    }
    let post = match DeskPost::read(request, web, &slug, &body).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let barcode = post.posted.get("itemBarcode");
    if barcode.is_empty() {
        return post
            .answer(&Outcome::problem("itemBarcode", "Scan or type the copy's barcode"), true);
    }
    let input = json!({ "itemBarcode": barcode, "branchId": post.posted.get("branch") });
    let outcome = match post.staff.run::<Data>(CHECKIN, json!({ "input": input })).await {
        Ok(Data { checkin: result }) => {
            let named = match &result.title {
                Some(title) => format!("{title} ({})", result.item_barcode),
                None => result.item_barcode.clone(),
            };
            let mut details = Vec::new();
            match &result.loan {
                Some(loan) if loan.overdue => {
                    details.push(format!("It was overdue: due {}.", at(&loan.due_at)));
                }
                Some(_) => {}
                None => details.push("It was not on loan.".to_string()),
            }
            if let Some(fine) = result.fine_text.filter(|fine| !fine.is_empty()) {
                details.push(format!("Fine charged: {fine}"));
            }
            Outcome {
                headline: format!("Returned: {named}"),
                instruction: result.routing.instruction,
                details,
                ..Outcome::default()
            }
        }
        Err(error) => match post.problem(&error, "itemBarcode") {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    post.answer(&outcome, true)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RenewData {
    renewed: bool,
    loan: LentData,
    decision: DecisionData,
}

impl RenewData {
    fn outcome(&self) -> Outcome {
        if self.renewed {
            Outcome {
                headline: format!(
                    "Renewed: {}, now due {}",
                    self.loan.named(),
                    at(&self.loan.due_at)
                ),
                ..Outcome::default()
            }
        } else {
            Outcome::refused(format!("Not renewed: {}", self.loan.named()), self.decision.reasons())
        }
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
    let post = match DeskPost::read(request, web, &slug, &body).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let input = json!({ "loanId": post.posted.get("loanId") });
    let outcome = match post.staff.run::<Data>(RENEW_LOAN, json!({ "input": input })).await {
        Ok(data) => data.renew_loan.outcome(),
        Err(error) => match post.problem(&error, "") {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    post.answer(&outcome, false)
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
    let post = match DeskPost::read(request, web, &slug, &body).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let variables = json!({ "patronId": post.posted.get("patron") });
    let outcome = match post.staff.run::<Data>(RENEW_ALL_LOANS, variables).await {
        Ok(Data { renew_all_loans: result }) => {
            let results: Vec<(String, bool, Vec<String>)> = result
                .results
                .iter()
                .map(|one| (one.loan.named(), one.renewed, one.decision.reasons()))
                .collect();
            circulation::renewed_all(result.renewed, &results)
        }
        Err(error) => match post.problem(&error, "") {
            Ok(outcome) => outcome,
            Err(response) => return response,
        },
    };
    post.answer(&outcome, false)
}
