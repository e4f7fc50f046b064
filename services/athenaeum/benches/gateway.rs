//! The foundation's benchmark: the gateway and identity, measured over real HTTP.
//!
//! For each backend (SQLite always; PostgreSQL when `ATHENAEUM_TEST_POSTGRES_URL` names a
//! server) it starts the whole application in process on port 0, sets up a platform
//! operator and a library with an administrator and a patron, then drives five workloads
//! at 1 and at 16 concurrent clients over loopback, each client on its own keep-alive
//! connection. It prints throughput and latency percentiles beside a `GET /healthz`
//! baseline measured in the same run, so the figures read against what this machine does
//! at that moment rather than against numbers from another day. Then it prints what the
//! revocation check adds to each token verification (with no facts and with the facts of
//! a busy deployment) beside a signed-in request's median, and how long reading the
//! revocation facts takes.
//!
//! A benchmark, not a test: it never judges the figures, and fails only when the
//! application cannot be set up. Run it with
//! `cargo bench -p athenaeum --bench gateway [-- --quick | --seconds N]`.
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark program: it reports on standard output and stops loudly when the \
              application cannot be set up"
)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use athenaeum_identity::api::{AccountRole, CreateAccount};
use athenaeum_identity::{IdentityApi, IdentityConfig};
use athenaeum_testkit::{Backend, prepare_databases};
use athenaeum_transport::Call;
use serde_json::{Value, json};

use support::app::{ADMIN_EMAIL, RunningApp, TENANT_SLUG, bench_config, identity, library};
use support::figures::{self, Labelled, Measurement, Window, drive_clients};
use support::http::{graphql, http_client};
use support::options::{Arguments, warm_up};
use support::revocation;
use support::{POSTGRES_URL_VARIABLE, postgres_url};

mod support;

const USAGE: &str = "usage: cargo bench -p athenaeum --bench gateway [-- --quick | --seconds N]";
/// Measured seconds per workload by default, and with `--quick`.
const DEFAULT_SECONDS: f64 = 5.0;
const QUICK_SECONDS: f64 = 1.0;
/// Concurrent clients of each run.
const CLIENT_COUNTS: [usize; 2] = [1, 16];
/// How long a request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const OPERATOR_EMAIL: &str = "operator@platform.example";
const PATRON_EMAIL: &str = "patron@northshire.example";
const PASSWORD: &str = "a long benchmark passphrase";

const VERSION_QUERY: &str = "{ version }";
const ME_QUERY: &str = "{ me { account { email } tenant { name } } }";
const REFRESH_MUTATION: &str = "mutation($refreshToken: String!) { \
     refreshSession(refreshToken: $refreshToken) { accessToken refreshToken } }";
const SIGN_IN_MUTATION: &str =
    "mutation($input: SignIn!) { signIn(input: $input) { accessToken refreshToken } }";

/// How long each workload runs, from the command line.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// Measured time of every workload but sign-in.
    seconds: f64,
}

impl Options {
    fn from_command_line() -> Options {
        let arguments = Arguments::from_command_line(USAGE);
        Options { seconds: arguments.seconds_or(DEFAULT_SECONDS, QUICK_SECONDS) }
    }

    /// Returns how long `workload` is measured: sign-in runs shorter, as each request
    /// spends tens of milliseconds hashing on purpose.
    fn measured(self, workload: Workload) -> Duration {
        let seconds = if workload == Workload::SignIn {
            (self.seconds * 0.6).max(1.0).min(self.seconds)
        } else {
            self.seconds
        };
        Duration::from_secs_f64(seconds)
    }

    /// Returns the unrecorded warm-up before each measurement: connections open, caches
    /// and pools fill.
    fn warm_up(self) -> Duration {
        warm_up(self.seconds)
    }
}

/// What the clients ask, one request at a time each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    /// `GET /healthz`: the HTTP stack and middleware alone, the baseline.
    Health,
    /// `{ version }`: GraphQL parsing, validation and execution; no token, no database.
    Version,
    /// `{ me { … } }` with the patron's token: verification and two database reads.
    Me,
    /// `refreshSession`: a write transaction rotating a refresh token; each client
    /// follows its own session chain.
    RefreshSession,
    /// `signIn`: dominated by argon2id at its default cost.
    SignIn,
}

impl Labelled for Workload {
    fn label(self) -> &'static str {
        match self {
            Workload::Health => "GET /healthz (baseline)",
            Workload::Version => "graphql { version }",
            Workload::Me => "graphql { me } + bearer",
            Workload::RefreshSession => "graphql refreshSession",
            Workload::SignIn => "graphql signIn",
        }
    }
}

impl Workload {
    const ALL: [Workload; 5] = [
        Workload::Health,
        Workload::Version,
        Workload::Me,
        Workload::RefreshSession,
        Workload::SignIn,
    ];
}

/// What the clients need to know about the world set up for them.
#[derive(Debug)]
struct Target {
    base: String,
    patron_access_token: String,
}

#[tokio::main]
async fn main() {
    let options = Options::from_command_line();
    let postgres_url = postgres_url();
    print_preamble(options, postgres_url.is_some());
    benchmark_backend(Backend::Sqlite, options).await;
    if postgres_url.is_some() {
        benchmark_backend(Backend::Postgres, options).await;
    }
}

fn print_preamble(options: Options, postgres: bool) {
    println!("Athenaeum foundation benchmark: gateway + identity over loopback HTTP");
    figures::print_machine("the load generator shares");
    println!(
        "each workload: {:.1} s warm-up (not recorded), then {} s measured ({} s for signIn), \
         at {} concurrent clients, each on its own keep-alive connection",
        options.warm_up().as_secs_f64(),
        options.seconds,
        options.measured(Workload::SignIn).as_secs_f64(),
        CLIENT_COUNTS.map(|count| count.to_string()).join(" and ")
    );
    println!(
        "latency: nearest-rank percentiles of every successful request; req/s counts \
         successful requests only"
    );
    if !postgres {
        println!(
            "PostgreSQL: not measured, {POSTGRES_URL_VARIABLE} is not set (point it at a \
             server's maintenance database, as ./scripts/test does)"
        );
    }
}

/// Starts the application on `backend`, sets up the world, runs every workload and
/// prints the table.
async fn benchmark_backend(backend: Backend, options: Options) {
    let databases = prepare_databases(backend, &athenaeum::app::all_migrations()).await;
    // The per-address limit on sign-in attempts would measure the limit, not the work.
    let unlimited = [("ATHENAEUM__IDENTITY__ATTEMPTS_PER_ADDRESS", "1000000000")];
    let app = RunningApp::start(&bench_config(&databases, &unlimited)).await;
    println!();
    println!("{}", describe_backend(&app).await);
    let target = Arc::new(set_up_world(&app).await);
    println!("{}", TABLE.header());
    let mut measurements = Vec::new();
    for workload in Workload::ALL {
        for clients in CLIENT_COUNTS {
            let measurement = measure(workload, clients, &target, options).await;
            println!("{}", TABLE.row(&measurement, None));
            measurements.push(measurement);
        }
    }
    figures::print_errors(&measurements, "");
    print_overhead(&measurements);
    print_sign_in_note(&app.config.identity);
    let me_p50 = figures::find(&measurements, Workload::Me, 1).and_then(|me| me.percentile(50));
    let config = &app.config;
    revocation::print_check_cost(
        &config.auth,
        &config.data.dir,
        &target.patron_access_token,
        me_p50,
    )
    .await;
    let (identity, _worker) = identity(config, &app.base).await;
    revocation::print_refresh_cost(&identity, config.auth.revocation_refresh()).await;
    app.stop().await;
    drop(databases);
}

/// Says why sign-in is slow, and which of its defaults this run changes.
fn print_sign_in_note(identity: &IdentityConfig) {
    let argon2 = &identity.argon2;
    let defaults = IdentityConfig::default();
    println!(
        "signIn's cost is deliberate: argon2id at its default cost (m={} KiB, t={}, p={}) makes \
         guessing passwords expensive; the per-address limit on sign-in attempts ({} per {} s by \
         default) is raised for this run so that it measures the work, not the limit",
        argon2.memory_kib,
        argon2.iterations,
        argon2.parallelism,
        defaults.attempts_per_address,
        defaults.address_window_seconds
    );
}

/// Returns a line naming the backend and the settings its figures depend on.
async fn describe_backend(app: &RunningApp) -> String {
    let database = &app.config.database;
    match database.backend() {
        Backend::Sqlite => format!(
            "SQLite (embedded default): WAL, synchronous={}, pool of {} connections, data in {}",
            format!("{:?}", database.sqlite_synchronous).to_lowercase(),
            database.pool_size,
            app.config.data.dir.display()
        ),
        Backend::Postgres => {
            let url = database.url.clone();
            let settings = tokio::task::spawn_blocking(move || postgres_settings(&url))
                .await
                .expect("reading PostgreSQL's settings");
            format!("PostgreSQL {settings}, pool of {} connections", database.pool_size)
        }
    }
}

/// Returns the server's version and durability settings, which decide what a commit costs.
fn postgres_settings(url: &str) -> String {
    use diesel::{Connection, RunQueryDsl};

    #[derive(diesel::QueryableByName)]
    struct Settings {
        #[diesel(sql_type = diesel::sql_types::Text)]
        settings: String,
    }
    let mut connection = diesel::PgConnection::establish(url).expect("PostgreSQL answers");
    let found: Settings = diesel::sql_query(
        "SELECT current_setting('server_version') || ': fsync=' || current_setting('fsync') \
         || ', synchronous_commit=' || current_setting('synchronous_commit') AS settings",
    )
    .get_result(&mut connection)
    .expect("PostgreSQL shows its settings");
    found.settings
}

/// Sets up a platform operator and a library with an administrator and a patron, the way
/// people would: the command line creates the operator, who onboards the library over
/// GraphQL; the administrator accepts the emailed invitation and creates the patron with
/// a password. Returns what the clients need, the patron's access token among it.
async fn set_up_world(app: &RunningApp) -> Target {
    let http = http_client(REQUEST_TIMEOUT);
    let (identity, _worker) = identity(&app.config, &app.base).await;
    let command_line = identity.command_line_call().expect("the command line gets a token");
    let operator = CreateAccount {
        email: OPERATOR_EMAIL.into(),
        display_name: "Olive Operator".into(),
        roles: vec![AccountRole::Operator],
        tenant_id: Some(athenaeum_identity::PLATFORM_TENANT_ID.into()),
        password: Some(PASSWORD.into()),
    };
    identity.create_account(&command_line, operator).await.expect("the operator is created");
    let operator = sign_in(&http, &app.base, "platform", OPERATOR_EMAIL).await.expect("operator");
    onboard_library(&http, &app.base, &operator.access_token).await;
    let admin_token = accept_invitation(&http, app).await;
    let patron = CreateAccount {
        email: PATRON_EMAIL.into(),
        display_name: "Pat Patron".into(),
        roles: vec![AccountRole::Patron],
        tenant_id: None,
        password: Some(PASSWORD.into()),
    };
    let admin = Call::anonymous().with_token(admin_token);
    identity.create_account(&admin, patron).await.expect("the administrator creates the patron");
    let patron = sign_in(&http, &app.base, TENANT_SLUG, PATRON_EMAIL).await.expect("patron");
    Target { base: app.base.clone(), patron_access_token: patron.access_token }
}

/// Onboards the library as the operator; its administrator is invited by email.
async fn onboard_library(http: &reqwest::Client, base: &str, operator_token: &str) {
    let onboarded = graphql(
        http,
        base,
        "mutation($input: OnboardTenant!) { onboardTenant(input: $input) { admin { status } } }",
        onboard_variables(),
        Some(operator_token),
    )
    .await
    .expect("the operator onboards the library");
    assert_eq!(onboarded["onboardTenant"]["admin"]["status"], "INVITED", "{onboarded}");
}

/// Returns the variables of `onboardTenant` for the library the benchmarks onboard.
fn onboard_variables() -> Value {
    let library = library();
    json!({ "input": {
        "slug": library.slug, "name": library.name, "timeZone": library.time_zone,
        "contactEmail": library.contact_email,
        "adminEmail": library.admin_email, "adminDisplayName": library.admin_display_name
    }})
}

/// Has the administrator accept the emailed invitation with [`PASSWORD`]; returns their
/// access token.
async fn accept_invitation(http: &reqwest::Client, app: &RunningApp) -> String {
    let invitation = invitation_token(&app.config.data.dir.join("mail"), ADMIN_EMAIL).await;
    let accepted = graphql(
        http,
        &app.base,
        "mutation($token: String!, $password: String!) { \
         acceptInvitation(token: $token, password: $password) { accessToken } }",
        json!({ "token": invitation, "password": PASSWORD }),
        None,
    )
    .await
    .expect("the administrator accepts the invitation");
    text_at(&accepted, &["acceptInvitation", "accessToken"]).expect("an administrator's token")
}

/// Waits for the invitation mailed to `recipient` (the embedded transport writes `.eml`
/// files) and returns the one-time token its link carries.
async fn invitation_token(mail_folder: &Path, recipient: &str) -> String {
    let addressed = format!("To: {recipient}");
    for _ in 0..200 {
        for entry in std::fs::read_dir(mail_folder).into_iter().flatten().flatten() {
            let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
            // Undo quoted-printable's soft line breaks and escaped `=`.
            let text = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
            let token = text.split("token=").nth(1).and_then(|rest| rest.split_whitespace().next());
            if let Some(token) = token.filter(|_| text.contains(&addressed)) {
                return token.to_string();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no invitation reached {recipient} in {}", mail_folder.display());
}

/// A signed-in session's tokens.
struct Session {
    access_token: String,
    refresh_token: String,
}

async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    tenant: &str,
    email: &str,
) -> Result<Session, String> {
    let variables = json!({ "input": { "tenant": tenant, "email": email, "password": PASSWORD } });
    let data = graphql(http, base, SIGN_IN_MUTATION, variables, None).await?;
    Ok(Session {
        access_token: text_at(&data, &["signIn", "accessToken"])?,
        refresh_token: text_at(&data, &["signIn", "refreshToken"])?,
    })
}

/// Returns the string at `path` in `value`, or says what was there instead.
fn text_at(value: &Value, path: &[&str]) -> Result<String, String> {
    let found = path.iter().fold(value, |inner, key| &inner[key]);
    found.as_str().map(str::to_string).ok_or_else(|| format!("no {} in {value}", path.join(".")))
}

/// One simulated client: its own connection, and for `refreshSession` its own session.
struct Client {
    http: reqwest::Client,
    refresh_token: Option<String>,
    workload: Workload,
    target: Arc<Target>,
}

impl Client {
    /// Makes a client; for `refreshSession` it signs in first to start its own chain.
    async fn new(workload: Workload, target: &Arc<Target>) -> Client {
        let mut client = Client {
            http: http_client(REQUEST_TIMEOUT),
            refresh_token: None,
            workload,
            target: Arc::clone(target),
        };
        if workload == Workload::RefreshSession {
            client.start_session().await.expect("a client signs in to start its chain");
        }
        client
    }

    async fn start_session(&mut self) -> Result<(), String> {
        let session = sign_in(&self.http, &self.target.base, TENANT_SLUG, PATRON_EMAIL).await?;
        self.refresh_token = Some(session.refresh_token);
        Ok(())
    }

    /// Sends one request of the client's workload and checks its answer.
    async fn send(&mut self) -> Result<(), String> {
        let base = &self.target.base;
        match self.workload {
            Workload::Health => {
                let response = self
                    .http
                    .get(format!("{base}/healthz"))
                    .send()
                    .await
                    .map_err(|error| error.to_string())?;
                let status = response.status();
                response.bytes().await.map_err(|error| error.to_string())?;
                if status.is_success() { Ok(()) } else { Err(format!("healthz answered {status}")) }
            }
            Workload::Version => {
                let data = graphql(&self.http, base, VERSION_QUERY, json!({}), None).await?;
                text_at(&data, &["version"]).map(drop)
            }
            Workload::Me => {
                let token = Some(self.target.patron_access_token.as_str());
                let data = graphql(&self.http, base, ME_QUERY, json!({}), token).await?;
                let email = text_at(&data, &["me", "account", "email"])?;
                if email == PATRON_EMAIL { Ok(()) } else { Err(format!("me answered {email}")) }
            }
            Workload::RefreshSession => {
                let rotated = self.refresh().await;
                if rotated.is_err() {
                    // The chain may be broken: start a new one, outside the figures.
                    let _ = self.start_session().await;
                }
                rotated
            }
            Workload::SignIn => {
                sign_in(&self.http, base, TENANT_SLUG, PATRON_EMAIL).await.map(drop)
            }
        }
    }

    async fn refresh(&mut self) -> Result<(), String> {
        let token = self.refresh_token.take().ok_or("the client has no session")?;
        let variables = json!({ "refreshToken": token });
        let data =
            graphql(&self.http, &self.target.base, REFRESH_MUTATION, variables, None).await?;
        self.refresh_token = Some(text_at(&data, &["refreshSession", "refreshToken"])?);
        Ok(())
    }
}

impl figures::Client for Client {
    fn request(&mut self) -> impl Future<Output = Result<(), String>> + Send {
        self.send()
    }
}

/// Runs `workload` with `clients` concurrent clients: all warm up together, then every
/// request that starts within the measured window is recorded.
async fn measure(
    workload: Workload,
    clients: usize,
    target: &Arc<Target>,
    options: Options,
) -> Measurement<Workload> {
    let mut prepared = Vec::with_capacity(clients);
    for _ in 0..clients {
        prepared.push(Client::new(workload, target).await);
    }
    let measured = options.measured(workload);
    let window = Arc::new(Window::new(options.warm_up(), measured, 0));
    let tally = drive_clients(prepared, &window).await;
    Measurement::new(workload, clients, measured, tally)
}

/// The table of each backend's figures.
const TABLE: figures::Table = figures::Table {
    indent: "",
    workload_width: 26,
    requests: "requests",
    rate: ("req/s", 10),
    latency_width: 8,
    decimals: 3,
    extra: None,
};

/// Prints how much slower than the baseline's median the GraphQL workloads' medians are,
/// at each concurrency.
fn print_overhead(measurements: &[Measurement<Workload>]) {
    let median = |workload: Workload, clients: usize| {
        figures::find(measurements, workload, clients).and_then(|found| found.percentile(50))
    };
    println!("GraphQL overhead: p50 / baseline p50 at the same number of clients");
    for workload in [Workload::Version, Workload::Me] {
        let ratios: Vec<String> = CLIENT_COUNTS
            .iter()
            .map(|&clients| {
                let ratio =
                    median(workload, clients).zip(median(Workload::Health, clients)).map_or_else(
                        || "-".to_string(),
                        |(own, baseline)| {
                            format!("{:.1}x", own.as_secs_f64() / baseline.as_secs_f64())
                        },
                    );
                format!("{ratio} at {clients}")
            })
            .collect();
        println!("  {:<24} {}", workload.label(), ratios.join(", "));
    }
}
