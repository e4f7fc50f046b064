//! The circulation desk's benchmark: checkouts and checkins over GraphQL against the
//! running server, beside the raw ceiling of the same database measured in the same run.
//!
//! For each backend (SQLite, the embedded default, always; PostgreSQL when
//! `ATHENAEUM_TEST_POSTGRES_URL` or `--postgres URL` names a server, in a scratch database
//! created there and dropped afterwards) it starts the whole application in process on a
//! loopback port, onboards one library and, over GraphQL as its staff, sets it up: a
//! branch, a patron group, a loan rule (no loan limit, no fines), the circulation
//! settings (online registration into that group), a record with [`COPIES_PER_DESK`]
//! copies for every desk (`createRecord`, `createItem`), and a patron with a card for
//! every desk (`savePatron`). Then it measures:
//!
//! 1. the desk: at 1, 8 and 75 concurrent desks, each on its own keep-alive connection
//!    with its own patron and copies, each desk looping `checkout` (by card) then
//!    `checkin` of its next copy for the measured time. It prints each operation's
//!    throughput and p50/p95/p99, and the desk transaction (either operation; each is one
//!    database transaction): checkouts+checkins per second;
//! 2. the raw ceiling of the same database at the same concurrency: a bare transaction of
//!    one select, one update and one insert (on two scratch tables of its own) run
//!    through athenaeum-db's `Database::write` on the library database the server uses,
//!    with the server's pool size, while the server stands idle;
//! 3. kept loan history: two patrons registered online (`registerAsPatron`), one of whom
//!    keeps their history (`setKeepLoanHistory(keep: true)`) and is given
//!    [`HISTORY_LOANS`] loans in it by as many `checkout`/`checkin` cycles over GraphQL
//!    (several at once, each on a copy of its own); then one desk alternates a checkout
//!    and checkin for the new patron with one for the kept-history patron, and prints
//!    both patrons' checkout latency.
//!
//! At the end it prints the goals and says plainly which were not met: checkout p99
//! under 15 ms at 8 desks; a desk transaction's p95 under 25 ms at 75 desks; at least
//! 1,000 checkouts+checkins per second on SQLite (at the best of the desk counts); the
//! kept-history patron's checkout p50 within 1.5 times the new patron's.
//!
//! A benchmark, not a test: it never judges the figures beyond saying which goals were not
//! met, and fails only when it cannot be set up. Run it with
//! `cargo bench -p athenaeum --bench desk [-- --quick | --seconds N] [--postgres URL]`
//! (`--quick`: 2 s per measurement; the default is 5 s).
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark program: it reports on standard output and stops loudly when it \
              cannot be set up"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use athenaeum::Config;
use athenaeum_auth::{Role, SigningKey, TokenIssuer};
use athenaeum_db::{Backend, Database, DbConnection, DbError};
use athenaeum_identity::IdentityApi;
use athenaeum_kernel::new_id;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use futures_util::StreamExt;
use serde_json::{Value, json};

use support::app::{RunningApp, TENANT_SLUG, config_on, identity, library};
use support::data::scratch_folder;
use support::figures::{
    self, Labelled, Measurement, Tally, Window, find, print_errors, print_machine,
};
use support::http::{graphql, http_client};
use support::options::{Arguments, warm_up};
use support::{POSTGRES_URL_VARIABLE, postgres_url};

mod support;

const USAGE: &str =
    "usage: cargo bench -p athenaeum --bench desk [-- --quick | --seconds N] [--postgres URL]";
/// Measured seconds per measurement by default, and with `--quick`.
const DEFAULT_SECONDS: f64 = 5.0;
const QUICK_SECONDS: f64 = 2.0;
/// Concurrent desks of each run.
const DESK_COUNTS: [usize; 3] = [1, 8, 75];
/// The copies each desk lends in turn.
const COPIES_PER_DESK: usize = 4;
/// Loans in the kept-history patron's history before their checkouts are measured.
const HISTORY_LOANS: usize = 2_000;
/// Cycles building that history at once, each on a copy of its own.
const HISTORY_WORKERS: usize = 8;
/// Requests at once while setting up.
const SETUP_CONCURRENCY: usize = 8;
/// How long a request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The goals: checkout p99 under this at [`CHECKOUT_GOAL_DESKS`] desks …
const CHECKOUT_P99_GOAL_MS: f64 = 15.0;
const CHECKOUT_GOAL_DESKS: usize = 8;
/// … a desk transaction's p95 under this at [`TRANSACTION_GOAL_DESKS`] desks …
const TRANSACTION_P95_GOAL_MS: f64 = 25.0;
const TRANSACTION_GOAL_DESKS: usize = 75;
/// … at least this many checkouts+checkins per second on SQLite …
const THROUGHPUT_GOAL: f64 = 1_000.0;
/// … and the kept-history patron's checkout p50 within this many times a new patron's.
const HISTORY_RATIO_GOAL: f64 = 1.5;

const CHECKOUT: &str = "mutation($input: Checkout!) { checkout(input: $input) { \
     loan { id } decision { allowed reasons { code message } } } }";
const CHECKIN: &str =
    "mutation($input: Checkin!) { checkin(input: $input) { loan { id } routing { kind } } }";

/// What the command line asked for.
#[derive(Debug, Clone)]
struct Options {
    seconds: f64,
    /// The PostgreSQL server's maintenance database, when one is to be measured.
    postgres: Option<String>,
}

impl Options {
    fn from_command_line() -> Options {
        let mut postgres = None;
        let mut rest = Vec::new();
        let mut arguments = std::env::args().skip(1);
        while let Some(argument) = arguments.next() {
            if argument == "--postgres" {
                let Some(url) = arguments.next() else {
                    eprintln!("--postgres needs a URL; {USAGE}");
                    std::process::exit(2);
                };
                postgres = Some(url);
            } else {
                rest.push(argument);
            }
        }
        let arguments = match Arguments::parse(rest.into_iter(), USAGE) {
            Ok(arguments) => arguments,
            Err(problem) => {
                eprintln!("{problem}");
                std::process::exit(2);
            }
        };
        Options {
            seconds: arguments.seconds_or(DEFAULT_SECONDS, QUICK_SECONDS),
            postgres: postgres.or_else(postgres_url),
        }
    }

    fn measured(&self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }

    fn warm_up(&self) -> Duration {
        warm_up(self.seconds)
    }
}

/// What a row of the tables measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    /// `checkout` by card, over GraphQL.
    Checkout,
    /// `checkin`, over GraphQL.
    Checkin,
    /// Either of them: a desk transaction.
    Transaction,
    /// One select, one update and one insert through `Database::write`.
    Bare,
    /// A new patron's checkout, by id.
    NewPatron,
    /// The kept-history patron's checkout, by id.
    KeptHistory,
}

impl Labelled for Operation {
    fn label(self) -> &'static str {
        match self {
            Operation::Checkout => "checkout",
            Operation::Checkin => "checkin",
            Operation::Transaction => "desk transaction (either)",
            Operation::Bare => "bare transaction (ceiling)",
            Operation::NewPatron => "checkout, new patron",
            Operation::KeptHistory => "checkout, 2,000 loans kept",
        }
    }
}

// ----- the databases -----

/// Where one backend's figures are measured: a scratch data folder and, on PostgreSQL, a
/// scratch database dropped with it.
struct Scratch {
    backend: Backend,
    /// The database URL to configure: empty for SQLite.
    url: String,
    data_dir: tempfile::TempDir,
    /// The maintenance database's URL and the scratch database's name.
    postgres: Option<(String, String)>,
}

impl Scratch {
    fn sqlite() -> Scratch {
        Scratch {
            backend: Backend::Sqlite,
            url: String::new(),
            data_dir: scratch_folder(),
            postgres: None,
        }
    }

    /// Creates an empty scratch database on the server whose maintenance database is
    /// `admin_url`; the application migrates it when it starts.
    fn postgres(admin_url: &str) -> Scratch {
        use diesel::Connection;
        let name = format!("athenaeum_desk_bench_{}", new_id().replace('-', ""));
        let mut admin =
            diesel::PgConnection::establish(admin_url).expect("the PostgreSQL server answers");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("a scratch database is created");
        let mut url = url::Url::parse(admin_url).expect("the PostgreSQL URL parses");
        url.set_path(&format!("/{name}"));
        Scratch {
            backend: Backend::Postgres,
            url: url.to_string(),
            data_dir: scratch_folder(),
            postgres: Some((admin_url.to_string(), name)),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        use diesel::Connection;
        let Some((admin_url, name)) = self.postgres.take() else { return };
        let dropped = diesel::PgConnection::establish(&admin_url)
            .map_err(|error| error.to_string())
            .and_then(|mut admin| {
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .map_err(|error| error.to_string())
            });
        if let Err(problem) = dropped {
            eprintln!("the scratch database {name} was not dropped: {problem}");
        }
    }
}

// ----- the library, set up over GraphQL -----

/// A desk's own patron and copies.
#[derive(Debug, Clone)]
struct DeskPlan {
    card: String,
    copies: Vec<String>,
}

/// What the desks need to know about the library set up for them.
#[derive(Debug)]
struct World {
    base: Arc<str>,
    /// A member of staff's (and administrator's) access token.
    staff: Arc<str>,
    branch_id: Arc<str>,
    desks: Vec<DeskPlan>,
    /// The patron registered online who keeps no history, and their copies.
    new_patron: String,
    new_copies: Vec<String>,
    /// The patron registered online who keeps their history, and their copies.
    kept_patron: String,
    kept_copies: Vec<String>,
    /// How long building the kept history took, and how many cycles succeeded.
    history_built: (Duration, usize),
}

/// Posts `document` with `variables` and returns the string at `path` in the answer.
async fn ask(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    document: &str,
    variables: Value,
    path: &[&str],
) -> String {
    let data = graphql(http, base, document, variables, Some(token))
        .await
        .unwrap_or_else(|problem| panic!("{document}: {problem}"));
    let found = path.iter().fold(&data, |inner, key| &inner[key]);
    found.as_str().map(str::to_string).unwrap_or_else(|| panic!("no {} in {data}", path.join(".")))
}

/// Creates a record with `barcodes` as its copies at `branch_id`.
async fn create_copies(
    http: &reqwest::Client,
    base: &str,
    staff: &str,
    branch_id: &str,
    title: String,
    barcodes: &[String],
) {
    let record_id = ask(
        http,
        base,
        staff,
        "mutation($form: RecordForm!) { createRecord(form: $form) { id } }",
        json!({ "form": { "title": title, "author": "Bench, Desk", "year": 2026 } }),
        &["createRecord", "id"],
    )
    .await;
    for barcode in barcodes {
        ask(
            http,
            base,
            staff,
            "mutation($recordId: ID!, $input: ItemInput!) { \
             createItem(recordId: $recordId, input: $input) { id } }",
            json!({ "recordId": record_id, "input": { "barcode": barcode, "branchId": branch_id } }),
            &["createItem", "id"],
        )
        .await;
    }
}

/// Registers a new account of the library as a patron online; returns the patron's id
/// and the account's token.
async fn register_patron(
    http: &reqwest::Client,
    base: &str,
    issuer: &TokenIssuer,
    tenant_id: &str,
    name: &str,
    branch_id: &str,
) -> (String, String) {
    let token = issuer
        .issue(&new_id(), tenant_id, TENANT_SLUG, &[Role::Patron])
        .expect("a patron's token is signed")
        .token;
    let id = ask(
        http,
        base,
        &token,
        "mutation($input: RegisterPatron!) { registerAsPatron(input: $input) { id } }",
        json!({ "input": { "name": name, "homeBranchId": branch_id } }),
        &["registerAsPatron", "id"],
    )
    .await;
    (id, token)
}

/// Onboards the library, then sets it up over GraphQL as its staff; gives the
/// kept-history patron their history.
async fn set_up_world(app: &RunningApp) -> World {
    let config = &app.config;
    let (identity, _worker) = identity(config, &app.base).await;
    let call = identity.command_line_call().expect("the command line gets a token");
    let onboarded =
        identity.onboard_tenant(&call, library()).await.expect("the library is onboarded");
    let tenant_id = onboarded.tenant.id;
    let key = SigningKey::load(&config.auth, &config.data.dir).expect("the signing key");
    let issuer = TokenIssuer::new(key, &config.auth);
    let staff = issuer
        .issue(&new_id(), &tenant_id, TENANT_SLUG, &[Role::Staff, Role::Admin])
        .expect("a staff token is signed")
        .token;
    let http = http_client(REQUEST_TIMEOUT);
    let base = app.base.as_str();
    let started = Instant::now();

    let branch_id = ask(
        &http,
        base,
        &staff,
        "mutation($input: SaveBranch!) { saveBranch(input: $input) { id } }",
        json!({ "input": { "code": "CEN", "name": "Central Library" } }),
        &["saveBranch", "id"],
    )
    .await;
    let group_id = ask(
        &http,
        base,
        &staff,
        "mutation($input: SavePatronGroup!) { savePatronGroup(input: $input) { id } }",
        json!({ "input": { "code": "ADULT", "name": "Adults" } }),
        &["savePatronGroup", "id"],
    )
    .await;
    ask(
        &http,
        base,
        &staff,
        "mutation($input: SaveLoanRule!) { saveLoanRule(input: $input) { id } }",
        json!({ "input": {
            "name": "Adults, three weeks", "patronGroupId": group_id,
            "terms": {
                "loanDays": 21, "renewalsAllowed": 2, "renewWhenOthersWait": false,
                "holdsAllowed": true, "finePerDay": 0, "fineGraceDays": 0,
                "processingFee": 0, "holdPickupDays": 7, "overridable": true
            }
        }}),
        &["saveLoanRule", "id"],
    )
    .await;
    ask(
        &http,
        base,
        &staff,
        "mutation($input: SaveCirculationSettings!) { \
         saveCirculationSettings(input: $input) { timeZone } }",
        json!({ "input": {
            "timeZone": "Europe/London", "currency": "GBP", "courtesyNoticeDays": 0,
            "refundLostFeeOnReturn": false, "confirmRegistrations": true,
            "registrationGroupId": group_id
        }}),
        &["saveCirculationSettings", "timeZone"],
    )
    .await;

    let desk_count = DESK_COUNTS.iter().copied().max().unwrap_or(1);
    let desks: Vec<DeskPlan> = (0..desk_count)
        .map(|desk| DeskPlan {
            card: format!("P{desk:05}"),
            copies: (0..COPIES_PER_DESK).map(|copy| format!("D{desk:03}-{copy}")).collect(),
        })
        .collect();
    let new_copies: Vec<String> = (0..COPIES_PER_DESK).map(|copy| format!("N-{copy}")).collect();
    let kept_copies: Vec<String> =
        (0..HISTORY_WORKERS.max(COPIES_PER_DESK)).map(|copy| format!("H-{copy}")).collect();
    let mut records: Vec<(String, Vec<String>)> = desks
        .iter()
        .enumerate()
        .map(|(desk, plan)| (format!("Desk benchmark title {desk}"), plan.copies.clone()))
        .collect();
    records.push(("Desk benchmark: the new patron's title".to_string(), new_copies.clone()));
    records.push(("Desk benchmark: the kept history's title".to_string(), kept_copies.clone()));
    let copies: usize = records.iter().map(|(_, barcodes)| barcodes.len()).sum();
    futures_util::stream::iter(records.iter())
        .for_each_concurrent(SETUP_CONCURRENCY, |(title, barcodes)| {
            create_copies(&http, base, &staff, &branch_id, title.clone(), barcodes)
        })
        .await;
    futures_util::stream::iter(desks.iter().enumerate())
        .for_each_concurrent(SETUP_CONCURRENCY, |(desk, plan)| {
            let (http, staff, branch_id, group_id) = (&http, &staff, &branch_id, &group_id);
            async move {
                ask(
                    http,
                    base,
                    staff,
                    "mutation($input: SavePatron!) { savePatron(input: $input) { id } }",
                    json!({ "input": {
                        "name": format!("Desk Patron {desk}"), "homeBranchId": branch_id,
                        "patronGroupId": group_id, "cards": [plan.card]
                    }}),
                    &["savePatron", "id"],
                )
                .await;
            }
        })
        .await;
    let (new_patron, _) =
        register_patron(&http, base, &issuer, &tenant_id, "Nia New", &branch_id).await;
    let (kept_patron, kept_token) =
        register_patron(&http, base, &issuer, &tenant_id, "Kit Keeper", &branch_id).await;
    let keeps = graphql(
        &http,
        base,
        "mutation { setKeepLoanHistory(keep: true) { keepHistory } }",
        json!({}),
        Some(kept_token.as_str()),
    )
    .await
    .expect("the patron keeps their loan history");
    assert_eq!(keeps["setKeepLoanHistory"]["keepHistory"], true, "{keeps}");
    println!(
        "set up over GraphQL in {:.1} s: a branch, a patron group, a loan rule, {} records with \
         {copies} copies, {desk_count} desk patrons with cards, 2 patrons registered online",
        started.elapsed().as_secs_f64(),
        records.len(),
    );

    let world = World {
        base: Arc::from(base),
        staff: Arc::from(staff.as_str()),
        branch_id: Arc::from(branch_id.as_str()),
        desks,
        new_patron,
        new_copies,
        kept_patron,
        kept_copies,
        history_built: (Duration::ZERO, 0),
    };
    let history_built = build_history(&world).await;
    println!(
        "kept history: {} checkout+checkin cycles of the patron who keeps it, {HISTORY_WORKERS} \
         at once over GraphQL, in {:.1} s",
        history_built.1,
        history_built.0.as_secs_f64()
    );
    assert_eq!(history_built.1, HISTORY_LOANS, "every cycle of the kept history succeeds");
    World { history_built, ..world }
}

/// Gives the kept-history patron [`HISTORY_LOANS`] loans in their history; returns how
/// long it took and how many cycles succeeded.
async fn build_history(world: &World) -> (Duration, usize) {
    let started = Instant::now();
    let per_worker = HISTORY_LOANS.div_ceil(HISTORY_WORKERS);
    let workers = (0..HISTORY_WORKERS).map(|worker| {
        let copy = world.kept_copies[worker % world.kept_copies.len()].clone();
        let cycles = per_worker.min(HISTORY_LOANS.saturating_sub(worker * per_worker));
        let http = http_client(REQUEST_TIMEOUT);
        async move {
            let mut done = 0;
            for _ in 0..cycles {
                let lent = checkout(&http, world, Borrower::Id(&world.kept_patron), &copy).await;
                let returned = checkin(&http, world, &copy).await;
                match lent.and(returned) {
                    Ok(()) => done += 1,
                    Err(problem) => eprintln!("a kept-history cycle failed: {problem}"),
                }
            }
            done
        }
    });
    let done: usize = futures_util::future::join_all(workers).await.into_iter().sum();
    (started.elapsed(), done)
}

// ----- the desk -----

/// Who borrows: a card scanned at the desk, or a patron named by id.
#[derive(Debug, Clone, Copy)]
enum Borrower<'a> {
    Card(&'a str),
    Id(&'a str),
}

async fn checkout(
    http: &reqwest::Client,
    world: &World,
    borrower: Borrower<'_>,
    barcode: &str,
) -> Result<(), String> {
    let mut input = json!({ "itemBarcode": barcode, "branchId": &*world.branch_id });
    match borrower {
        Borrower::Card(card) => input["patronCard"] = json!(card),
        Borrower::Id(id) => input["patronId"] = json!(id),
    }
    let data = graphql(http, &world.base, CHECKOUT, json!({ "input": input }), Some(&*world.staff))
        .await?;
    if data["checkout"]["loan"]["id"].is_string() {
        Ok(())
    } else {
        Err(format!("checkout of {barcode} refused: {}", data["checkout"]["decision"]["reasons"]))
    }
}

async fn checkin(http: &reqwest::Client, world: &World, barcode: &str) -> Result<(), String> {
    let input = json!({ "itemBarcode": barcode, "branchId": &*world.branch_id });
    let data =
        graphql(http, &world.base, CHECKIN, json!({ "input": input }), Some(&*world.staff)).await?;
    if data["checkin"]["loan"]["id"].is_string() {
        Ok(())
    } else {
        Err(format!("checkin of {barcode} closed no loan: {}", data["checkin"]))
    }
}

/// What one desk saw: its checkouts and its checkins.
#[derive(Debug, Default)]
struct DeskTally {
    checkouts: Tally,
    checkins: Tally,
}

/// Runs `desks` desks, each looping checkout then checkin of its own copies in turn,
/// while the window is open; returns the checkout, checkin and either-operation rows.
async fn measure_desks(
    world: &Arc<World>,
    desks: usize,
    options: &Options,
) -> [Measurement<Operation>; 3] {
    let window = Arc::new(Window::new(options.warm_up(), options.measured(), 0));
    let running: Vec<_> = world.desks[..desks]
        .iter()
        .cloned()
        .map(|plan| {
            let (world, window) = (Arc::clone(world), Arc::clone(&window));
            tokio::spawn(async move {
                let http = http_client(REQUEST_TIMEOUT);
                let mut tally = DeskTally::default();
                let mut next = 0;
                while let Some(started) = window.next_start() {
                    let copy = &plan.copies[next % plan.copies.len()];
                    next += 1;
                    let lent = checkout(&http, &world, Borrower::Card(&plan.card), copy).await;
                    window.record(&mut tally.checkouts, started, lent);
                    let started = Instant::now();
                    let returned = checkin(&http, &world, copy).await;
                    window.record(&mut tally.checkins, started, returned);
                }
                tally
            })
        })
        .collect();
    let (mut checkouts, mut checkins) = (Tally::default(), Tally::default());
    for desk in running {
        let desk = desk.await.expect("a desk ran to the end");
        checkouts.absorb(desk.checkouts);
        checkins.absorb(desk.checkins);
    }
    let either = Tally {
        latencies: checkouts.latencies.iter().chain(&checkins.latencies).copied().collect(),
        requests: checkouts.requests + checkins.requests,
        errors: checkouts.errors + checkins.errors,
        first_error: checkouts.first_error.clone().or_else(|| checkins.first_error.clone()),
        finished: checkouts.finished.max(checkins.finished),
    };
    let measured = window.measured(&either);
    [
        Measurement::new(Operation::Checkout, desks, measured, checkouts),
        Measurement::new(Operation::Checkin, desks, measured, checkins),
        Measurement::new(Operation::Transaction, desks, measured, either),
    ]
}

/// One desk alternating a checkout and checkin for the new patron with one for the
/// kept-history patron while the window is open; returns both patrons' checkout rows.
async fn measure_history(world: &World, options: &Options) -> [Measurement<Operation>; 2] {
    let window = Window::new(options.warm_up(), options.measured(), 0);
    let http = http_client(REQUEST_TIMEOUT);
    let (mut new, mut kept) = (Tally::default(), Tally::default());
    let mut next = 0;
    while window.next_start().is_some() {
        let turn = [
            (&world.new_patron, &world.new_copies, &mut new),
            (&world.kept_patron, &world.kept_copies, &mut kept),
        ];
        for (patron, copies, tally) in turn {
            let copy = &copies[next % copies.len()];
            let started = Instant::now();
            let lent = checkout(&http, world, Borrower::Id(patron), copy).await;
            window.record(tally, started, lent);
            if let Err(problem) = checkin(&http, world, copy).await {
                tally.first_error.get_or_insert(problem);
            }
        }
        next += 1;
    }
    let measured = window.measured(&new).max(window.measured(&kept));
    [
        Measurement::new(Operation::NewPatron, 1, measured, new),
        Measurement::new(Operation::KeptHistory, 1, measured, kept),
    ]
}

// ----- the raw ceiling -----

#[derive(diesel::QueryableByName)]
struct CopyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
}

/// Opens the library database the server uses, with the server's settings (pool size
/// among them), and makes the bare transaction's two tables in it, a row a desk.
async fn open_bare(config: &Config) -> Database {
    let (database_config, data_dir) = (config.database.clone(), config.data.dir.clone());
    let database = tokio::task::spawn_blocking(move || {
        Database::open(&database_config, &data_dir, &athenaeum_library::MIGRATIONS)
    })
    .await
    .expect("opening the database")
    .expect("the library database opens");
    let desks = DESK_COUNTS.iter().copied().max().unwrap_or(1);
    let rows: Vec<String> = (0..desks).map(|desk| format!("({desk}, 'available', 0, 0)")).collect();
    let setup = format!(
        "DROP TABLE IF EXISTS bench_desk_events; DROP TABLE IF EXISTS bench_desk_copies; \
         CREATE TABLE bench_desk_copies (id BIGINT PRIMARY KEY, status TEXT NOT NULL, \
         changes BIGINT NOT NULL, changed_at BIGINT NOT NULL); \
         CREATE TABLE bench_desk_events (id TEXT PRIMARY KEY, copy_id BIGINT NOT NULL, \
         status TEXT NOT NULL, at BIGINT NOT NULL); \
         INSERT INTO bench_desk_copies (id, status, changes, changed_at) VALUES {};",
        rows.join(", ")
    );
    database
        .write(move |connection| connection.batch_execute(&setup).map_err(DbError::Query))
        .await
        .expect("the bare transaction's tables are made");
    database
}

/// The bare transaction on desk `desk`'s row: read its status, flip it, log the change.
fn bare_transaction(connection: &mut DbConnection, desk: usize) -> Result<(), DbError> {
    let now = chrono::Utc::now().timestamp_micros();
    let row: CopyRow =
        diesel::sql_query(format!("SELECT status FROM bench_desk_copies WHERE id = {desk}"))
            .get_result(connection)
            .map_err(DbError::Query)?;
    let next = if row.status == "available" { "on_loan" } else { "available" };
    diesel::sql_query(format!(
        "UPDATE bench_desk_copies SET status = '{next}', changes = changes + 1, \
         changed_at = {now} WHERE id = {desk}"
    ))
    .execute(connection)
    .map_err(DbError::Query)?;
    diesel::sql_query(format!(
        "INSERT INTO bench_desk_events (id, copy_id, status, at) VALUES ('{}', {desk}, \
         '{next}', {now})",
        new_id()
    ))
    .execute(connection)
    .map_err(DbError::Query)?;
    Ok(())
}

/// Runs `desks` loops of the bare transaction on `database` while the window is open.
async fn measure_bare(
    database: &Database,
    desks: usize,
    options: &Options,
) -> Measurement<Operation> {
    let window = Arc::new(Window::new(options.warm_up(), options.measured(), 0));
    let running: Vec<_> = (0..desks)
        .map(|desk| {
            let (database, window) = (database.clone(), Arc::clone(&window));
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while let Some(started) = window.next_start() {
                    let outcome = database
                        .write(move |connection| bare_transaction(connection, desk))
                        .await
                        .map_err(|error: DbError| error.to_string());
                    window.record(&mut tally, started, outcome);
                }
                tally
            })
        })
        .collect();
    let mut tally = Tally::default();
    for desk in running {
        tally.absorb(desk.await.expect("a bare loop ran to the end"));
    }
    Measurement::new(Operation::Bare, desks, window.measured(&tally), tally)
}

/// Returns a line naming the backend and the settings its figures depend on.
async fn describe(config: &Config, database: &Database) -> String {
    let settings = &config.database;
    match settings.backend() {
        Backend::Sqlite => format!(
            "SQLite (embedded default): WAL, synchronous={}, pool of {} connections, data in {}",
            format!("{:?}", settings.sqlite_synchronous).to_lowercase(),
            settings.pool_size,
            config.data.dir.display()
        ),
        Backend::Postgres => {
            #[derive(diesel::QueryableByName)]
            struct Settings {
                #[diesel(sql_type = diesel::sql_types::Text)]
                settings: String,
            }
            let found = database
                .read(|connection| {
                    diesel::sql_query(
                        "SELECT current_setting('server_version') || ': fsync=' || \
                         current_setting('fsync') || ', synchronous_commit=' || \
                         current_setting('synchronous_commit') AS settings",
                    )
                    .get_result::<Settings>(connection)
                    .map_err(DbError::Query)
                })
                .await
                .map_or_else(|error| format!("(settings unread: {error})"), |found| found.settings);
            format!(
                "PostgreSQL {found}, pool of {} connections, scratch database",
                settings.pool_size
            )
        }
    }
}

// ----- one backend -----

/// One backend's figures.
struct Figures {
    backend: Backend,
    measurements: Vec<Measurement<Operation>>,
}

const TABLE: figures::Table = figures::Table {
    indent: "  ",
    workload_width: 28,
    requests: "requests",
    rate: ("per s", 9),
    latency_width: 8,
    decimals: 2,
    extra: Some(("vs bare", 8)),
};

async fn benchmark_backend(scratch: Scratch, options: &Options) -> Figures {
    let backend = scratch.backend;
    // Long-lived tokens, so that `--seconds` of any length measures the work, not expiry.
    let settings = [("ATHENAEUM__AUTH__ACCESS_TOKEN_TTL_SECONDS", "86400")];
    let config = config_on(&scratch.url, scratch.data_dir.path(), &settings);
    let app = RunningApp::start(&config).await;
    let bare = open_bare(&app.config).await;
    println!("\n=== {} ===", backend.name());
    println!("{}", describe(&app.config, &bare).await);
    let world = Arc::new(set_up_world(&app).await);

    let mut measurements = Vec::new();
    for desks in DESK_COUNTS {
        eprintln!("{backend}: measuring {desks} desks");
        measurements.extend(measure_desks(&world, desks, options).await);
    }
    eprintln!("{backend}: measuring the kept-history patron");
    measurements.extend(measure_history(&world, options).await);
    // The server stands idle from here: the bare transactions have the database alone.
    for desks in DESK_COUNTS {
        eprintln!("{backend}: measuring the bare transaction at {desks}");
        measurements.push(measure_bare(&bare, desks, options).await);
    }

    println!(
        "\ndesks over GraphQL beside the bare transaction through Database::write, same \
         concurrency (per s: successful operations a second; for a desk transaction, \
         checkouts+checkins a second; vs bare: that over the bare transactions a second)"
    );
    println!("{}", TABLE.header().replace("workload", "operation"));
    for desks in DESK_COUNTS {
        let bare_rate = find(&measurements, Operation::Bare, desks).map(Measurement::throughput);
        for operation in
            [Operation::Checkout, Operation::Checkin, Operation::Transaction, Operation::Bare]
        {
            if let Some(measurement) = find(&measurements, operation, desks) {
                let extra = (operation == Operation::Transaction)
                    .then_some(bare_rate)
                    .flatten()
                    .map(|bare| format!("{:.1}%", measurement.throughput() / bare * 100.0));
                println!("{}", TABLE.row(measurement, extra));
            }
        }
    }
    println!(
        "\ncheckout latency, new patron vs one with {} loans kept ({:.1} s to build), one desk \
         alternating them",
        HISTORY_LOANS,
        world.history_built.0.as_secs_f64()
    );
    println!("{}", TABLE.header().replace("workload", "operation"));
    for operation in [Operation::NewPatron, Operation::KeptHistory] {
        if let Some(measurement) = find(&measurements, operation, 1) {
            println!("{}", TABLE.row(measurement, None));
        }
    }
    print_errors(&measurements, "  ");
    drop(bare);
    app.stop().await;
    drop(scratch);
    Figures { backend, measurements }
}

// ----- the goals -----

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn ms(measurement: Option<&Measurement<Operation>>, percent: usize) -> Option<f64> {
    measurement.and_then(|m| m.percentile(percent)).map(|latency| latency.as_secs_f64() * 1e3)
}

fn shown(value: Option<f64>, unit: &str) -> String {
    value.map_or_else(|| "no figure".to_string(), |value| format!("{value:.2}{unit}"))
}

/// Prints every goal on every backend and says which were not met.
fn print_goals(all: &[Figures]) {
    println!("\n=== goals ===");
    let mut missed = Vec::new();
    let mut goal = |name: String, figure: String, met: bool| {
        println!("  {name}: {figure}: {}", verdict(met));
        if !met {
            missed.push(name);
        }
    };
    for figures in all {
        let backend = figures.backend.name();
        let measurements = &figures.measurements;
        let checkout_p99 = ms(find(measurements, Operation::Checkout, CHECKOUT_GOAL_DESKS), 99);
        goal(
            format!(
                "{backend}: checkout p99 < {CHECKOUT_P99_GOAL_MS:.0} ms at {CHECKOUT_GOAL_DESKS} desks"
            ),
            shown(checkout_p99, " ms"),
            checkout_p99.is_some_and(|value| value < CHECKOUT_P99_GOAL_MS),
        );
        let transaction_p95 =
            ms(find(measurements, Operation::Transaction, TRANSACTION_GOAL_DESKS), 95);
        goal(
            format!(
                "{backend}: desk transaction p95 < {TRANSACTION_P95_GOAL_MS:.0} ms at \
                 {TRANSACTION_GOAL_DESKS} desks"
            ),
            shown(transaction_p95, " ms"),
            transaction_p95.is_some_and(|value| value < TRANSACTION_P95_GOAL_MS),
        );
        let best = DESK_COUNTS
            .iter()
            .filter_map(|&desks| {
                find(measurements, Operation::Transaction, desks).map(|m| (m.throughput(), desks))
            })
            .max_by(|left, right| left.0.total_cmp(&right.0));
        let throughput = best.map_or_else(
            || "no figure".to_string(),
            |(rate, desks)| format!("{rate:.1}/s at best, at {desks} desks"),
        );
        if figures.backend == Backend::Sqlite {
            goal(
                format!("{backend}: >= {THROUGHPUT_GOAL:.0} checkouts+checkins/s"),
                throughput,
                best.is_some_and(|(rate, _)| rate >= THROUGHPUT_GOAL),
            );
        } else {
            println!(
                "  {backend}: checkouts+checkins/s (the goal of {THROUGHPUT_GOAL:.0}/s is \
                 SQLite's): {throughput}"
            );
        }
        let new = ms(find(measurements, Operation::NewPatron, 1), 50);
        let kept = ms(find(measurements, Operation::KeptHistory, 1), 50);
        let ratio = new.zip(kept).map(|(new, kept)| kept / new);
        let p95_ratio = ms(find(measurements, Operation::NewPatron, 1), 95)
            .zip(ms(find(measurements, Operation::KeptHistory, 1), 95))
            .map_or_else(|| "-".to_string(), |(new, kept)| format!("{:.2}x", kept / new));
        goal(
            format!(
                "{backend}: checkout p50 with {HISTORY_LOANS} loans kept within \
                 {HISTORY_RATIO_GOAL}x a new patron's"
            ),
            format!(
                "{} vs {}, {} (p95 {p95_ratio})",
                shown(kept, " ms"),
                shown(new, " ms"),
                shown(ratio, "x")
            ),
            ratio.is_some_and(|ratio| ratio <= HISTORY_RATIO_GOAL),
        );
    }
    if missed.is_empty() {
        println!("  every goal met");
    } else {
        println!("  goals NOT met: {}", missed.join("; "));
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = Options::from_command_line();
    println!("Athenaeum desk benchmark: checkout and checkin over loopback GraphQL");
    print_machine("the desks and the bare loops share");
    println!(
        "each measurement: {:.1} s warm-up (not recorded), then {} s measured, at {:?} \
         concurrent desks, each on its own keep-alive connection with its own patron and {} \
         copies; latency: nearest-rank percentiles of successful operations",
        options.warm_up().as_secs_f64(),
        options.seconds,
        DESK_COUNTS,
        COPIES_PER_DESK
    );
    if options.postgres.is_none() {
        println!(
            "PostgreSQL: not measured; set {POSTGRES_URL_VARIABLE} or pass --postgres URL \
             (a server's maintenance database, e.g. the one ./scripts/test starts)"
        );
    }
    let mut all = vec![benchmark_backend(Scratch::sqlite(), &options).await];
    if let Some(admin_url) = options.postgres.clone() {
        let scratch = tokio::task::spawn_blocking(move || Scratch::postgres(&admin_url))
            .await
            .expect("creating the scratch database");
        all.push(benchmark_backend(scratch, &options).await);
    }
    print_goals(&all);
}
