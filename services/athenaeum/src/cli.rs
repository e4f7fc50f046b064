//! The command line: `serve`, `migrate`, `tenant create`, `user create`, `config`,
//! `schema`, `import-marc`, `export-marc`. Every flag is documented in `--help`.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use athenaeum_identity::api::{AccountRole, CreateAccount, OnboardTenant};
use athenaeum_identity::{IdentityApi, PLATFORM_TENANT_SLUG};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::Config;
use crate::app::{self, Application, ServiceName, all_migrations};
use crate::output::{api_failure, write_out};

/// Athenaeum: one shared platform for public libraries — catalogue, circulation,
/// discovery and community — with every library authority a tenant.
#[derive(Debug, Parser)]
#[command(name = "athenaeum", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// A TOML configuration file. Settings come from built-in defaults, then this file,
    /// then ATHENAEUM__SECTION__KEY environment variables (e.g. ATHENAEUM__DATABASE__URL).
    #[arg(long, global = true, value_name = "FILE", env = "ATHENAEUM_CONFIG")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs Athenaeum: every service in this process, or only those named with --service.
    /// With no configuration it uses ./data/ (SQLite, mail files, a generated signing key)
    /// and listens on 127.0.0.1:8080.
    Serve(ServeArgs),
    /// Applies every service's pending database migrations and exits.
    Migrate,
    /// Manages tenants (library authorities).
    Tenant {
        /// The tenant command.
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manages accounts.
    User {
        /// The account command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Prints the effective configuration as TOML, with secrets masked.
    Config(ConfigArgs),
    /// Prints the public GraphQL schema (SDL), as kept in schema/athenaeum.graphql.
    Schema,
    /// Imports MARC files (ISO 2709 or MARCXML) into a tenant's catalogue, with items from
    /// embedded holdings fields. Bad records are reported and the rest imported; run it
    /// again on the same file to resume an import that was stopped.
    ImportMarc(crate::marc::ImportArgs),
    /// Exports a tenant's records as MARCXML, ISO 2709 or MARC-in-JSON.
    ExportMarc(crate::marc::ExportArgs),
    /// Rebuilds the search index from the catalogue (one tenant's records with --tenant).
    /// A running server keeps answering from the old index and swaps when done.
    Reindex(crate::search::ReindexArgs),
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Run only this service (repeat for several), for split deployments; services not
    /// run here are reached at services.<name>_url. Default: all services.
    #[arg(long = "service", value_enum, value_name = "NAME")]
    pub services: Vec<ServiceName>,
}

/// Flags of `config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print the built-in defaults instead of the effective configuration.
    #[arg(long)]
    pub defaults: bool,
}

/// Tenant subcommands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Onboards a library authority: creates the tenant and its first administrator, and
    /// emails the administrator a one-time link to choose a password.
    Create(TenantCreateArgs),
}

/// Flags of `tenant create`.
#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    /// Short name used at sign-in: lowercase letters, digits and hyphens (e.g. north-yorkshire).
    #[arg(long)]
    pub slug: String,
    /// Full name (e.g. "North Yorkshire Libraries").
    #[arg(long)]
    pub name: String,
    /// IANA time zone in which due dates are reckoned.
    #[arg(long, default_value = "Europe/London")]
    pub time_zone: String,
    /// The authority's contact address.
    #[arg(long)]
    pub contact_email: String,
    /// The first administrator's email address; the invitation goes there.
    #[arg(long)]
    pub admin_email: String,
    /// The first administrator's name.
    #[arg(long)]
    pub admin_name: String,
}

/// Account subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates an account. Without --password-stdin the person is emailed an invitation;
    /// with it the account is active at once (and sent an email verification link). The
    /// first platform operator is made with `--tenant platform --role operator`.
    Create(UserCreateArgs),
}

/// Roles the command line can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Borrows and manages their own account.
    Patron,
    /// Works the desk and the catalogue.
    Staff,
    /// Administers the library.
    Admin,
    /// Runs the platform (tenant `platform` only).
    Operator,
}

/// Flags of `user create`.
#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// The tenant's slug (`platform` for operators).
    #[arg(long)]
    pub tenant: String,
    /// Email address.
    #[arg(long)]
    pub email: String,
    /// Name shown to others.
    #[arg(long)]
    pub name: String,
    /// A role to give (repeat for several).
    #[arg(long = "role", value_enum, required = true)]
    pub roles: Vec<RoleArg>,
    /// Read the password from standard input (first line) instead of sending an invitation.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Runs a parsed command line with the given configuration.
pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(config, &args.services).await,
        Command::Migrate => migrate(&config).await,
        Command::Tenant { command: TenantCommand::Create(args) } => {
            create_tenant(&config, args).await
        }
        Command::User { command: UserCommand::Create(args) } => create_user(&config, args).await,
        Command::Config(args) => {
            let shown = if args.defaults { Config::default() } else { config };
            write_out(&shown.to_masked_toml()?)
        }
        Command::Schema => write_out(&athenaeum_gateway::sdl()),
        Command::ImportMarc(args) => crate::marc::import(&config, args).await,
        Command::ExportMarc(args) => crate::marc::export(&config, args).await,
        Command::Reindex(args) => crate::search::reindex(&config, args).await,
    }
}

async fn serve(config: Config, services: &[ServiceName]) -> anyhow::Result<()> {
    let application = Application::build(config.clone(), services).await?;
    let base = format!(
        "http://{}",
        config
            .server
            .listen
            .rsplit_once(':')
            .map_or("127.0.0.1".to_string(), |(host, _)| host.to_string())
    );
    let base = format!("{base}:{}", application.port());
    let names: Vec<String> =
        application.services().iter().map(|name| format!("{name:?}").to_lowercase()).collect();
    let mut lines = format!(
        "Athenaeum {} is running ({}), data in {}\n",
        env!("CARGO_PKG_VERSION"),
        names.join(", "),
        config.data.dir.display()
    );
    if application.services().contains(&ServiceName::Gateway) {
        lines.push_str(&format!(
            "  GraphQL API   {base}/graphql\n  GraphiQL      {base}/graphql (open in a browser)\n"
        ));
    }
    if let Some(internal_port) = application.internal_port() {
        let host = config
            .server
            .internal_listen
            .rsplit_once(':')
            .map_or("127.0.0.1".to_string(), |(host, _)| host.to_string());
        let paths: Vec<&str> = application
            .services()
            .iter()
            .filter_map(|name| match name {
                ServiceName::Identity => Some("/internal/identity"),
                ServiceName::Library => Some("/internal/catalogue /internal/circulation"),
                ServiceName::Search => Some("/internal/search"),
                ServiceName::Gateway => None,
            })
            .collect();
        lines.push_str(&format!(
            "  internal      http://{host}:{internal_port}  {} (for the other processes only: keep it private)\n",
            paths.join(" ")
        ));
    }
    lines.push_str(&format!(
        "  health        {base}/healthz  {base}/readyz  {base}/metrics\nPress Ctrl-C to stop.\n"
    ));
    write_out(&lines)?;
    application.run_until_stopped(app::shutdown_signal()).await
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data.dir)
        .with_context(|| format!("creating {}", config.data.dir.display()))?;
    for migrations in all_migrations() {
        let database = athenaeum_db::Database::open_and_migrate(
            &config.database,
            &config.data.dir,
            migrations,
        )
        .await
        .with_context(|| format!("opening the {} database", migrations.service))?;
        write_out(&format!("{}: up to date on {}", migrations.service, database.backend()))?;
    }
    Ok(())
}

async fn create_tenant(config: &Config, args: TenantCreateArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data.dir)?;
    let (identity, worker) = athenaeum_identity::build(
        &config.process_context(),
        &config.identity,
        &config.mail,
        &config.command_line_public_url()?,
    )
    .await?;
    let call = identity.command_line_call().map_err(|error| anyhow::anyhow!(error.message))?;
    let onboarded = identity
        .onboard_tenant(
            &call,
            OnboardTenant {
                slug: args.slug,
                name: args.name,
                time_zone: args.time_zone,
                contact_email: args.contact_email,
                admin_email: args.admin_email,
                admin_display_name: args.admin_name,
            },
        )
        .await
        .map_err(api_failure)?;
    write_out(&format!(
        "created tenant {} ({}) with id {}\ninvited administrator {} (account {})",
        onboarded.tenant.slug,
        onboarded.tenant.name,
        onboarded.tenant.id,
        onboarded.admin.email,
        onboarded.admin.id
    ))?;
    report_mail(worker).await
}

async fn create_user(config: &Config, args: UserCreateArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data.dir)?;
    let password = if args.password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from standard input")?;
        let line = text.lines().next().unwrap_or("").to_string();
        if line.is_empty() {
            bail!("--password-stdin was given but standard input had no password");
        }
        Some(line)
    } else {
        None
    };
    let (identity, worker) = athenaeum_identity::build(
        &config.process_context(),
        &config.identity,
        &config.mail,
        &config.command_line_public_url()?,
    )
    .await?;
    let call = identity.command_line_call().map_err(|error| anyhow::anyhow!(error.message))?;
    let tenant =
        identity.find_tenant_by_slug(&args.tenant).await.map_err(api_failure)?.with_context(
            || {
                format!(
                    "no tenant has slug {:?}; create it with `athenaeum tenant create`",
                    args.tenant
                )
            },
        )?;
    let roles = args
        .roles
        .iter()
        .map(|role| match role {
            RoleArg::Patron => AccountRole::Patron,
            RoleArg::Staff => AccountRole::Staff,
            RoleArg::Admin => AccountRole::Admin,
            RoleArg::Operator => AccountRole::Operator,
        })
        .collect();
    let account = identity
        .create_account(
            &call,
            CreateAccount {
                email: args.email,
                display_name: args.name,
                roles,
                tenant_id: Some(tenant.id.clone()),
                password,
            },
        )
        .await
        .map_err(api_failure)?;
    let how = if tenant.slug == PLATFORM_TENANT_SLUG { "platform operator" } else { "account" };
    write_out(&format!(
        "created {how} {} in {} (account {}, status {:?})",
        account.email, tenant.slug, account.id, account.status
    ))?;
    report_mail(worker).await
}

/// Delivers the mail the command queued, so a one-off command on the embedded default
/// does not leave it waiting for the next `serve`.
async fn report_mail(worker: athenaeum_mail::MailWorker) -> anyhow::Result<()> {
    let round = worker.deliver_due().await?;
    if round.sent > 0 {
        write_out(&format!("mail sent: {} message(s)", round.sent))
    } else {
        write_out("mail queued: it will be retried by `athenaeum serve` (see the mailOutbox query)")
    }
}
