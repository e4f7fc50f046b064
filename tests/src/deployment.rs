//! A whole Athenaeum deployment on a fresh database: one process running every service
//! (all-in-one, the embedded default) or the identity service and the gateway as two
//! processes (split, as in production), plus the people a scenario needs — an operator
//! made with the command line, libraries onboarded over GraphQL, members who accepted
//! the invitation they were mailed.

use std::path::PathBuf;
use std::time::Duration;

use athenaeum_testkit::{Backend, TestDatabases, prepare_databases};
use serde_json::{Value, json};

use crate::graphql::{SESSION_FIELDS, Session, data, graphql_with};
use crate::mail::{Mail, token_of, wait_for_mail};
use crate::process::{Environment, Process, athenaeum_command, free_port};

/// The operator every deployment's [`Deployment::create_operator`] makes.
pub const OPERATOR_EMAIL: &str = "olive.operator@platform.test";
/// The password every person in these tests chooses.
pub const PASSWORD: &str = "correct horse battery staple";
/// How long mail may take to arrive.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

/// A database URL the gateway gets in split mode: it must never open a database, and if
/// it tried, this one would fail its start.
const NO_DATABASE: &str = "postgres://the-gateway-has-no-database@127.0.0.1:1/none";

/// How the services are spread over processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// `athenaeum serve`: every service in one process.
    AllInOne,
    /// `serve --service identity`, `serve --service library`, `serve --service search`
    /// and `serve --service gateway`, calling each other over HTTP; they share the data
    /// folder only for the token keys (search signs its own requests to the library).
    Split,
}

/// Settings for a deployment before it starts.
#[derive(Debug, Clone)]
pub struct DeploymentBuilder {
    topology: Topology,
    backend: Backend,
    settings: Environment,
}

impl DeploymentBuilder {
    /// Adds a setting for every process, e.g. `("ATHENAEUM__GRAPHQL__DEPTH", "3")`.
    pub fn setting(mut self, name: &str, value: &str) -> DeploymentBuilder {
        self.settings.insert(name.to_string(), value.to_string());
        self
    }

    /// Creates a fresh database and data folder and starts the processes; returns once
    /// every process answers `/readyz` with 200.
    pub async fn start(self) -> Deployment {
        // No migrations here: `serve` applies them itself, as it does in production.
        let databases = prepare_databases(self.backend, &[]).await;
        let scratch = tempfile::Builder::new().prefix("athenaeum-e2e-").tempdir().unwrap();
        let mut common = Environment::new();
        common.insert("ATHENAEUM__SERVER__LISTEN".into(), "127.0.0.1:0".into());
        common.insert("ATHENAEUM__SERVER__WORKERS".into(), "1".into());
        common.insert("ATHENAEUM__DATA__DIR".into(), databases.data_path().display().to_string());
        common.insert("ATHENAEUM__MAIL__POLL_INTERVAL_MS".into(), "100".into());
        common.extend(self.settings);
        let mut with_database = common.clone();
        with_database.insert("ATHENAEUM__DATABASE__URL".into(), databases.config.url.clone());

        let (gateway, identity, library, search) = match self.topology {
            Topology::AllInOne => (
                Process::start("athenaeum", &with_database, &[], scratch.path()).await,
                None,
                None,
                None,
            ),
            Topology::Split => start_split(&common, &with_database, scratch.path()).await,
        };
        Deployment {
            gateway,
            identity,
            library,
            search,
            topology: self.topology,
            backend: self.backend,
            http: reqwest::Client::new(),
            databases,
            scratch,
        }
    }
}

/// Starts identity, the library service and the search service, each serving its
/// internal routes on an internal listener of its own, then the gateway pointed at those.
/// The gateway's port is chosen first because identity must know the public address its
/// emailed links point at; should another process take that port meanwhile, they start
/// again on another.
async fn start_split(
    common: &Environment,
    with_database: &Environment,
    log_dir: &std::path::Path,
) -> (Process, Option<Process>, Option<Process>, Option<Process>) {
    let mut last_failure = String::new();
    for _ in 0..3 {
        let gateway_port = free_port();
        // Each service process calls and is called on its internal listener.
        let mut internal = with_database.clone();
        internal.insert("ATHENAEUM__SERVER__INTERNAL_LISTEN".into(), "127.0.0.1:0".into());
        let mut identity_environment = internal.clone();
        identity_environment.insert(
            "ATHENAEUM__SERVER__PUBLIC_URL".into(),
            format!("http://127.0.0.1:{gateway_port}"),
        );
        let identity =
            Process::start("identity", &identity_environment, &["identity"], log_dir).await;
        // The library and search verify tokens with the key identity wrote into the data
        // folder, and follow identity's revocation facts.
        internal
            .insert("ATHENAEUM__SERVICES__IDENTITY_URL".into(), identity.service_url().to_string());
        let library = Process::start("library", &internal, &["library"], log_dir).await;
        // Search opens no database: it reads the catalogue through the library service.
        let mut search_environment = common.clone();
        search_environment
            .insert("ATHENAEUM__SERVER__INTERNAL_LISTEN".into(), "127.0.0.1:0".into());
        search_environment
            .insert("ATHENAEUM__SERVICES__LIBRARY_URL".into(), library.service_url().to_string());
        search_environment
            .insert("ATHENAEUM__SERVICES__IDENTITY_URL".into(), identity.service_url().to_string());
        search_environment.insert("ATHENAEUM__DATABASE__URL".into(), NO_DATABASE.into());
        let search = Process::start("search", &search_environment, &["search"], log_dir).await;
        let mut gateway_environment = common.clone();
        gateway_environment
            .insert("ATHENAEUM__SERVER__LISTEN".into(), format!("127.0.0.1:{gateway_port}"));
        gateway_environment
            .insert("ATHENAEUM__SERVICES__IDENTITY_URL".into(), identity.service_url().to_string());
        gateway_environment
            .insert("ATHENAEUM__SERVICES__LIBRARY_URL".into(), library.service_url().to_string());
        gateway_environment
            .insert("ATHENAEUM__SERVICES__SEARCH_URL".into(), search.service_url().to_string());
        gateway_environment.insert("ATHENAEUM__DATABASE__URL".into(), NO_DATABASE.into());
        match Process::try_start("gateway", &gateway_environment, &["gateway"], log_dir).await {
            Ok(gateway) => return (gateway, Some(identity), Some(library), Some(search)),
            Err(failure) if failure.contains("listening on") => last_failure = failure,
            Err(failure) => panic!("{failure}"),
        }
    }
    panic!("the gateway found no free port: {last_failure}");
}

/// A running deployment on its own database and data folder; dropping it kills the
/// processes and removes both.
pub struct Deployment {
    // Fields drop in this order: processes before the database they use.
    gateway: Process,
    identity: Option<Process>,
    library: Option<Process>,
    search: Option<Process>,
    topology: Topology,
    backend: Backend,
    http: reqwest::Client,
    databases: TestDatabases,
    scratch: tempfile::TempDir,
}

/// A library authority onboarded by the operator, with its administrator signed in.
#[derive(Debug, Clone)]
pub struct Library {
    /// Its slug, used at sign-in.
    pub slug: String,
    /// Its tenant id.
    pub tenant_id: String,
    /// The administrator's session (the administrator accepted the mailed invitation).
    pub admin: Session,
}

impl Deployment {
    /// Prepares a deployment with the given topology and backend.
    pub fn builder(topology: Topology, backend: Backend) -> DeploymentBuilder {
        DeploymentBuilder { topology, backend, settings: Environment::new() }
    }

    /// Starts every service in one process.
    pub async fn all_in_one(backend: Backend) -> Deployment {
        Deployment::builder(Topology::AllInOne, backend).start().await
    }

    /// Starts identity and the gateway as two processes.
    pub async fn split(backend: Backend) -> Deployment {
        Deployment::builder(Topology::Split, backend).start().await
    }

    /// Returns the topology.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// Returns the backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns the public base URL (the gateway's), e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        self.gateway.url()
    }

    /// Returns the GraphQL endpoint.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.url())
    }

    /// Returns an HTTP client for requests of one's own making.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Returns the process that serves the public API.
    pub fn gateway(&mut self) -> &mut Process {
        &mut self.gateway
    }

    /// Returns the process that runs identity (the only process when all-in-one).
    pub fn identity(&mut self) -> &mut Process {
        self.identity.as_mut().unwrap_or(&mut self.gateway)
    }

    /// Returns the data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.databases.data_path()
    }

    /// Returns the folder the file mail transport writes into.
    pub fn mail_folder(&self) -> PathBuf {
        self.data_dir().join("mail")
    }

    /// Returns the folder holding the processes' logs.
    pub fn log_dir(&self) -> PathBuf {
        self.scratch.path().to_path_buf()
    }

    /// Posts a GraphQL request to the gateway and returns the JSON answer.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        graphql_with(&self.http, &self.graphql_url(), query, variables, token).await
    }

    /// Returns the library process of a split deployment.
    pub fn library(&mut self) -> &mut Process {
        self.library.as_mut().unwrap_or(&mut self.gateway)
    }

    /// Returns the search process of a split deployment (the only process when
    /// all-in-one).
    pub fn search(&mut self) -> &mut Process {
        self.search.as_mut().unwrap_or(&mut self.gateway)
    }

    /// Runs an `athenaeum` command with the identity process's configuration (as an
    /// operator on that machine would) and returns its standard output.
    ///
    /// Panics with its output when it fails.
    pub async fn cli(&self, arguments: &[&str], stdin: Option<&str>) -> String {
        let identity = self.identity.as_ref().unwrap_or(&self.gateway);
        let mut environment = identity.environment().clone();
        // Links the command mails point at the running server.
        environment
            .insert("ATHENAEUM__SERVER__LISTEN".into(), format!("127.0.0.1:{}", identity.port()));
        let mut command = tokio::process::Command::from(athenaeum_command(&environment));
        command
            .args(arguments)
            .current_dir(self.scratch.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        {
            use tokio::io::AsyncWriteExt;
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(format!("{text}\n").as_bytes()).await.unwrap();
            }
        }
        let output = child.wait_with_output().await.unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "athenaeum {} failed with {}:\n{stdout}\n{}",
            arguments.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Creates the platform operator with `athenaeum user create --password-stdin` and
    /// signs in as them.
    pub async fn create_operator(&self) -> Session {
        self.cli(
            &[
                "user",
                "create",
                "--tenant",
                "platform",
                "--email",
                OPERATOR_EMAIL,
                "--name",
                "Olive Operator",
                "--role",
                "operator",
                "--password-stdin",
            ],
            Some(PASSWORD),
        )
        .await;
        Session::from_answer(&self.sign_in("platform", OPERATOR_EMAIL, PASSWORD).await, "signIn")
    }

    /// Calls `signIn` and returns the answer.
    pub async fn sign_in(&self, tenant: &str, email: &str, password: &str) -> Value {
        self.graphql(
            &format!(
                "mutation($input: SignIn!) {{ signIn(input: $input) {{ {SESSION_FIELDS} }} }}"
            ),
            json!({ "input": { "tenant": tenant, "email": email, "password": password } }),
            None,
        )
        .await
    }

    /// Calls `onboardTenant` as `operator` for a library `slug` whose administrator is
    /// `admin@<slug>.test`, and returns the answer.
    pub async fn onboard(&self, operator: &Session, slug: &str) -> Value {
        self.graphql(
            "mutation($input: OnboardTenant!) {
               onboardTenant(input: $input) { tenant { id slug name } admin { id email status } }
             }",
            json!({ "input": {
                "slug": slug,
                "name": format!("{slug} libraries"),
                "timeZone": "Europe/London",
                "contactEmail": format!("libraries@{slug}.test"),
                "adminEmail": admin_email(slug),
                "adminDisplayName": format!("{slug} administrator"),
            }}),
            operator.token(),
        )
        .await
    }

    /// Onboards a library and has its administrator accept the mailed invitation.
    pub async fn onboard_library(&self, operator: &Session, slug: &str) -> Library {
        let onboarded = self.onboard(operator, slug).await;
        let tenant_id = data(&onboarded)["onboardTenant"]["tenant"]["id"].as_str().unwrap();
        let admin = self.accept_invitation_mailed_to(&admin_email(slug)).await;
        Library { slug: slug.to_string(), tenant_id: tenant_id.to_string(), admin }
    }

    /// Calls `createAccount` as `admin` and returns the answer.
    pub async fn invite(&self, admin: &Session, email: &str, roles: &[&str]) -> Value {
        self.graphql(
            "mutation($input: CreateAccount!) { createAccount(input: $input) { id email roles status } }",
            json!({ "input": { "email": email, "displayName": email, "roles": roles } }),
            admin.token(),
        )
        .await
    }

    /// Creates an account with `roles` as `admin`, and has the person accept the mailed
    /// invitation.
    pub async fn add_member(&self, admin: &Session, email: &str, roles: &[&str]) -> Session {
        data(&self.invite(admin, email, roles).await);
        self.accept_invitation_mailed_to(email).await
    }

    /// Waits for the invitation mailed to `email` and returns it.
    pub async fn invitation_to(&self, email: &str) -> Mail {
        wait_for_mail(&self.mail_folder(), MAIL_TIMEOUT, |mail| {
            mail.is_to(email) && mail.link("/accept-invitation?token=").is_some()
        })
        .await
    }

    /// Accepts the invitation mailed to `email` with [`PASSWORD`], through GraphQL as the
    /// invitation page does, and returns the session.
    pub async fn accept_invitation_mailed_to(&self, email: &str) -> Session {
        let link = self.invitation_to(email).await.link("/accept-invitation?token=").unwrap();
        let accepted = self.accept_invitation(&token_of(&link)).await;
        Session::from_answer(&accepted, "acceptInvitation")
    }

    /// Calls `acceptInvitation` with `token` and [`PASSWORD`] and returns the answer.
    pub async fn accept_invitation(&self, token: &str) -> Value {
        self.graphql(
            &format!(
                "mutation($token: String!, $password: String!) {{
                   acceptInvitation(token: $token, password: $password) {{ {SESSION_FIELDS} }}
                 }}"
            ),
            json!({ "token": token, "password": PASSWORD }),
            None,
        )
        .await
    }

    /// Runs `sql` directly on the identity service's database, behind the processes'
    /// backs: for tests that break the database on purpose.
    pub fn run_sql_on_identity_database(&self, sql: &str) {
        use diesel::Connection as _;
        use diesel::connection::SimpleConnection as _;
        match self.backend {
            Backend::Sqlite => {
                let path = self.data_dir().join("identity.db");
                let mut connection =
                    diesel::SqliteConnection::establish(&path.display().to_string()).unwrap();
                connection.batch_execute(sql).unwrap();
            }
            Backend::Postgres => {
                let mut connection =
                    diesel::PgConnection::establish(&self.databases.config.url).unwrap();
                connection.batch_execute(&format!("SET search_path TO identity; {sql}")).unwrap();
            }
        }
    }

    /// Kills every process with SIGKILL, as a power cut would.
    pub fn kill(&mut self) {
        self.gateway.kill();
        if let Some(identity) = &mut self.identity {
            identity.kill();
        }
        if let Some(library) = &mut self.library {
            library.kill();
        }
        if let Some(search) = &mut self.search {
            search.kill();
        }
    }

    /// Starts every process again on its old port, with `changes` to its settings, and
    /// returns once all are ready. Kills any still running first.
    pub async fn restart(&mut self, changes: &[(&str, &str)]) {
        self.kill();
        if let Some(identity) = &mut self.identity {
            identity.restart(changes).await;
        }
        if let Some(library) = &mut self.library {
            library.restart(changes).await;
        }
        if let Some(search) = &mut self.search {
            search.restart(changes).await;
        }
        self.gateway.restart(changes).await;
    }
}

impl Drop for Deployment {
    /// When a test fails, shows what the processes logged: the first thing one wants.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let mut processes = vec![&self.gateway];
        processes.extend(self.identity.as_ref());
        processes.extend(self.library.as_ref());
        processes.extend(self.search.as_ref());
        for process in processes {
            let log = process.log();
            let lines: Vec<&str> = log.lines().collect();
            let shown = &lines[lines.len().saturating_sub(80)..];
            eprintln!(
                "--- last {} lines of the log of {} ({}) ---\n{}",
                shown.len(),
                process.name(),
                process.url(),
                shown.join("\n")
            );
        }
    }
}

/// Returns the address of the first administrator of the library `slug`.
pub fn admin_email(slug: &str) -> String {
    format!("admin@{slug}.test")
}
