//! `mamori admin …`: administration without a browser, for scripts and first installs. Uses
//! the same storage options as `serve`; passwords are read from standard input.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mamori_model::{EmployeeBand, Industry, Role, Scope};
use mamori_store::{Actor, NewOrganisation, NewUser};

use crate::config::StorageArgs;

/// The administration commands.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// First-time setup: create the provider and its first administrator (password on stdin).
    Setup(SetupArgs),
    /// Add a client organisation; prints its id.
    CreateOrg(CreateOrgArgs),
    /// Add a user (password on stdin).
    CreateUser(CreateUserArgs),
    /// Create an API token for a user; prints the token.
    CreateToken(CreateTokenArgs),
    /// Make an enrolment token for an organisation's machines; prints the token and the
    /// command that enrols a machine with it.
    CreateEnrolmentToken(CreateEnrolmentTokenArgs),
    /// Register a monitored source (UTM, router, server) for an organisation; prints its id,
    /// and its HTTP ingest token with --token.
    AddSource(crate::sources::AddSourceArgs),
    /// Add a notification channel (e-mail, webhook, Slack, Teams) to an organisation;
    /// prints its id.
    AddChannel(crate::alerting::AddChannelArgs),
    /// Send a test alert through every channel of an organisation and report, per channel,
    /// delivered or the exact error (exit status 1 if any failed or there is none).
    TestNotify(crate::alerting::TestNotifyArgs),
}

/// Options of `admin setup`.
#[derive(Args)]
pub struct SetupArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The provider's company name.
    #[arg(long)]
    provider: String,
    /// The first administrator's e-mail address.
    #[arg(long)]
    email: String,
    /// The administrator's display name.
    #[arg(long, default_value = "")]
    name: String,
}

/// Options of `admin create-org`.
#[derive(Args)]
pub struct CreateOrgArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Company name.
    #[arg(long)]
    name: String,
    /// JSIC division letter, A-T (e.g. E for manufacturing).
    #[arg(long)]
    industry: Industry,
    /// Employee band: 1-5, 6-20, 21-50, 51-100, 101-300 or 301+.
    #[arg(long)]
    employees: EmployeeBand,
    /// Contact e-mail address at the company.
    #[arg(long, default_value = "")]
    contact_email: String,
}

/// Options of `admin create-user`.
#[derive(Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The organisation of an owner or staff member.
    #[arg(
        long,
        conflicts_with = "provider",
        required_unless_present = "provider"
    )]
    org: Option<String>,
    /// Create a provider user (admin or analyst) instead.
    #[arg(long)]
    provider: bool,
    /// admin or analyst (with --provider); owner or staff (with --org).
    #[arg(long)]
    role: Role,
    /// E-mail address.
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long, default_value = "")]
    name: String,
}

/// Options of `admin create-token`.
#[derive(Args)]
pub struct CreateTokenArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
    /// What the token is for.
    #[arg(long, default_value = "cli")]
    name: String,
}

/// Options of `admin create-enrolment-token`.
#[derive(Args)]
pub struct CreateEnrolmentTokenArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The organisation's id.
    #[arg(long)]
    org: String,
    /// How many days the token works (1-90).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=90))]
    days: i64,
    /// The address machines reach this server at, for the printed command.
    #[arg(long)]
    server: Option<String>,
}

/// Reads a password: a hidden prompt on a terminal, otherwise the first line of stdin.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        bail!("no password given: write it on standard input");
    }
    Ok(password)
}

/// Runs one administration command.
pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    let cli = Actor::cli();
    match command {
        AdminCommand::Setup(args) => {
            let password = read_password("Password for the administrator: ")?;
            let store = args.storage.open().await?;
            let admin = NewUser {
                email: args.email,
                display_name: args.name,
                role: Role::Admin,
                org_id: None,
                password: Some(password),
            };
            let (provider, user) = store.setup(&cli, &args.provider, admin).await?;
            eprintln!(
                "Setup complete: provider '{}', administrator {}",
                provider.name, user.email
            );
        }
        AdminCommand::CreateOrg(args) => {
            let store = args.storage.open().await?;
            let new = NewOrganisation {
                name: args.name,
                industry: args.industry,
                employees: args.employees,
                contact_email: args.contact_email,
            };
            let org = store.create_org(&cli, new).await?;
            println!("{}", org.id);
        }
        AdminCommand::CreateUser(args) => {
            if args.provider != args.role.is_provider() {
                bail!(
                    "role {} does not fit: use admin|analyst with --provider, owner|staff with --org",
                    args.role
                );
            }
            let password = read_password("Password for the new user: ")?;
            let store = args.storage.open().await?;
            let new = NewUser {
                email: args.email,
                display_name: args.name,
                role: args.role,
                org_id: args.org,
                password: Some(password),
            };
            let user = store.create_user(&cli, new).await?;
            println!("{}", user.id);
        }
        AdminCommand::CreateToken(args) => {
            let store = args.storage.open().await?;
            let user = store
                .user_by_email(&args.email)
                .await?
                .with_context(|| format!("no user with e-mail address {}", args.email))?;
            let (_, secret) = store.create_token(&cli, &user, &args.name).await?;
            println!("{secret}");
        }
        AdminCommand::CreateEnrolmentToken(args) => {
            let store = args.storage.open().await?;
            let org = store
                .org_store(&Scope::AllOrganisations, &args.org)
                .await
                .with_context(|| format!("no organisation with id {}", args.org))?;
            let (token, _) = org.create_enrolment_token(&cli, args.days * 86_400).await?;
            println!("{token}");
            let server = args.server.as_deref().unwrap_or("URL");
            eprintln!(
                "enrol a machine of {} (valid {} days):\n  mamori-agent enroll --server {server} --token {token}",
                org.org().name,
                args.days,
            );
            if args.server.is_none() {
                eprintln!("  (URL: the address the machines reach this server at)");
            }
        }
        AdminCommand::AddSource(args) => crate::sources::add_source(args).await?,
        AdminCommand::AddChannel(args) => crate::alerting::add_channel(args).await?,
        AdminCommand::TestNotify(args) => crate::alerting::test_notify(args).await?,
    }
    Ok(())
}
