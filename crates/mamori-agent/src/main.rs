//! `mamori-agent`: enrol this machine, report its posture, run as a service.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use mamori_agent::buffer::DiskBuffer;
use mamori_agent::client::Client;
use mamori_agent::logs::{self, LogChoice};
use mamori_agent::posture::{self, Linux, System};
use mamori_agent::ship;
use mamori_agent::state::State;

/// Where the agent keeps its enrolment unless told otherwise.
const STATE_DIR: &str = "/var/lib/mamori-agent";
/// How long to wait before trying again after the server could not be reached.
const RETRY: Duration = Duration::from_secs(60);

#[derive(Parser)]
#[command(name = "mamori-agent", version, about = "mamori's endpoint agent")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enrol this machine with an organisation's enrolment token.
    Enroll {
        /// The mamori server's address (https://…).
        #[arg(long)]
        server: String,
        /// The enrolment token the organisation made.
        #[arg(long)]
        token: String,
        /// `pc` or `server`; a machine that starts a desktop is a pc unless told otherwise.
        #[arg(long)]
        kind: Option<String>,
        /// Where to keep the enrolment.
        #[arg(long, default_value = STATE_DIR)]
        state_dir: PathBuf,
    },
    /// Send heartbeats with posture reports, and ship logs, until stopped.
    Run {
        /// Where the enrolment (and the log buffer) is kept.
        #[arg(long, default_value = STATE_DIR)]
        state_dir: PathBuf,
        /// Send one heartbeat and stop (exit status 1 when it failed); ships no logs.
        #[arg(long)]
        once: bool,
        /// The log to ship: `auto` (the systemd journal, else /var/log/auth.log or
        /// /var/log/secure), `journal`, `auth-log` (the latter two), a file's path, or `off`.
        #[arg(long, default_value = "auto")]
        logs: LogChoice,
        /// The most log lines kept while the server cannot be reached, in MB; beyond it the
        /// oldest lines are dropped and counted.
        #[arg(long, default_value_t = 64)]
        buffer_mb: u64,
    },
    /// Print this machine's posture report as JSON, without sending it.
    Posture,
    /// Install the systemd unit that runs the agent (then: systemctl enable --now mamori-agent).
    InstallService {
        /// Where unit files go.
        #[arg(long, default_value = "/etc/systemd/system")]
        unit_dir: PathBuf,
        /// Where the enrolment is kept.
        #[arg(long, default_value = STATE_DIR)]
        state_dir: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Enroll {
            server,
            token,
            kind,
            state_dir,
        } => enroll(&server, &token, kind, &state_dir),
        Command::Run {
            state_dir,
            once,
            logs,
            buffer_mb,
        } => run(&state_dir, once, &logs, buffer_mb),
        Command::Posture => {
            let report = posture::collect(&Linux, mamori_agent::REPORTER);
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::InstallService {
            unit_dir,
            state_dir,
        } => install_service(&unit_dir, &state_dir),
    }
}

fn enroll(
    server: &str,
    token: &str,
    kind: Option<String>,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let kind = match kind.as_deref() {
        Some(k @ ("pc" | "server")) => k.to_owned(),
        Some(other) => bail!("--kind must be pc or server, not {other}"),
        None => {
            let target = Linux.run("systemctl", &["get-default"]).unwrap_or_default();
            if target.trim() == "graphical.target" {
                "pc"
            } else {
                "server"
            }
            .to_owned()
        }
    };
    let hostname = posture::hostname(&Linux);
    let (os, version) = posture::release(&Linux);
    let enrolled = Client::new(server)
        .enrol(token, &hostname, (&os, &version), &kind)
        .context("enrolment failed")?;
    let path = State {
        server: server.to_owned(),
        agent_id: enrolled.agent_id.clone(),
        token: enrolled.token,
    }
    .save(dir)?;
    println!(
        "enrolled {hostname} as agent {} (heartbeat every {} s); enrolment kept in {}",
        enrolled.agent_id,
        enrolled.heartbeat_secs,
        path.display()
    );
    Ok(())
}

fn run(dir: &std::path::Path, once: bool, logs: &LogChoice, buffer_mb: u64) -> anyhow::Result<()> {
    let state = State::load(dir).context("not enrolled yet: run `mamori-agent enroll` first")?;
    let client = Client::new(&state.server);
    let shipping = Arc::new(ship::Status::default());
    if !once {
        start_shipping(dir, logs, buffer_mb, &state, &shipping)?;
    }
    loop {
        let report = posture::collect(&Linux, mamori_agent::REPORTER);
        // A one-off heartbeat ships no logs, so it leaves the service's shipping figures be.
        let logs = (!once).then(|| shipping.snapshot());
        let wait = match client.heartbeat(&state.token, &report, logs.as_ref()) {
            Ok(next) => Duration::from_secs(next.max(10)),
            Err(e) if once => return Err(e).context("heartbeat failed"),
            Err(e) => {
                eprintln!(
                    "heartbeat failed, trying again in {} s: {e}",
                    RETRY.as_secs()
                );
                RETRY
            }
        };
        if once {
            println!("heartbeat sent: {} checks", report.checks.len());
            return Ok(());
        }
        std::thread::sleep(wait);
    }
}

/// Starts shipping the chosen log on a thread of its own. A failing buffer or feed stops the
/// agent (with the reason) so that systemd starts it again.
fn start_shipping(
    dir: &std::path::Path,
    choice: &LogChoice,
    buffer_mb: u64,
    state: &State,
    status: &Arc<ship::Status>,
) -> anyhow::Result<()> {
    let Some(feed) = logs::open(choice, dir).context("cannot follow the log")? else {
        if *choice == LogChoice::Auto {
            eprintln!("no journal or auth log found: sending heartbeats only");
        }
        return Ok(());
    };
    let (buffer, note) = DiskBuffer::open(&dir.join("buffer"), buffer_mb.saturating_mul(1 << 20))
        .context("cannot open the log buffer")?;
    if let Some(note) = note {
        eprintln!("{note}");
    }
    eprintln!("shipping {}", feed.name());
    status.follow(feed.name());
    let client = Client::new(&state.server);
    let token = state.token.clone();
    let status = Arc::clone(status);
    std::thread::spawn(move || {
        if let Err(e) = ship::run(feed, buffer, &client, &token, &status) {
            eprintln!("log shipping stopped: {e}");
            std::process::exit(1);
        }
    });
    Ok(())
}

fn install_service(unit_dir: &std::path::Path, state_dir: &std::path::Path) -> anyhow::Result<()> {
    let binary = std::env::current_exe().context("cannot tell where this binary is")?;
    let unit = include_str!("../mamori-agent.service")
        .replace("@BIN@", &binary.display().to_string())
        .replace("@STATE@", &state_dir.display().to_string());
    let path = unit_dir.join("mamori-agent.service");
    std::fs::write(&path, unit).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {}; start it with: systemctl enable --now mamori-agent",
        path.display()
    );
    Ok(())
}
