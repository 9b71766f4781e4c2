//! `mamori serve`'s cluster options: which parts this node runs (`--role`) and the NATS
//! JetStream server the nodes of a cluster share (`--nats-url`). Without `--nats-url` one
//! node runs everything, as always; see `docs/scale-out.md`.

use anyhow::bail;
use clap::{Args, ValueEnum};
use mamori_store::Backend;
use serde::Deserialize;

/// A part of mamori a node can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The pages and the API (HTTP ingest included).
    Web,
    /// The syslog listeners.
    Ingest,
    /// Parsing, detection and storage of the lines ingest nodes accepted.
    Detect,
    /// Turning detections into alerts and sending notifications.
    Alerts,
    /// The monthly report schedule.
    Reports,
}

/// Every role: what a node runs when none is named.
const ALL: [Role; 5] = [
    Role::Web,
    Role::Ingest,
    Role::Detect,
    Role::Alerts,
    Role::Reports,
];

/// The cluster flags, also read from the configuration file's `[cluster]` table.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterArgs {
    /// NATS server with JetStream shared by the nodes of a cluster, e.g.
    /// nats://10.0.0.5:4222; needs a PostgreSQL --database-url. Without it this node runs
    /// everything on its own.
    #[arg(long, env = "MAMORI_NATS_URL")]
    pub(crate) nats_url: Option<String>,
    /// The JetStream stream the cluster's nodes share, so that several clusters can use one
    /// NATS server [default: MAMORI_LINES].
    #[arg(long, env = "MAMORI_NATS_STREAM")]
    pub(crate) nats_stream: Option<String>,
    /// Seconds a detect node may hold a batch of lines before another node is given it
    /// (when the first has died); set when the stream is first made [default: 60].
    #[arg(long, env = "MAMORI_NATS_ACK_WAIT")]
    pub(crate) nats_ack_wait: Option<u64>,
    /// What this node runs, comma-separated (web,ingest,detect,alerts,reports); only with
    /// --nats-url [default: all of them].
    #[arg(long, env = "MAMORI_ROLE", value_delimiter = ',')]
    #[serde(default)]
    pub(crate) role: Vec<Role>,
}

/// What this node runs, checked.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The shared stream, in a cluster.
    pub bus: Option<mamori_cluster::BusConfig>,
    roles: Vec<Role>,
}

impl Plan {
    /// Whether this node runs `role`.
    pub fn runs(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl ClusterArgs {
    /// These settings, with anything not given taken from the configuration file's.
    pub fn or_file(self, file: ClusterArgs) -> ClusterArgs {
        ClusterArgs {
            nats_url: self.nats_url.or(file.nats_url),
            nats_stream: self.nats_stream.or(file.nats_stream),
            nats_ack_wait: self.nats_ack_wait.or(file.nats_ack_wait),
            role: if self.role.is_empty() {
                file.role
            } else {
                self.role
            },
        }
    }

    /// The checked plan for a node on a database of `backend`.
    pub fn plan(self, backend: Backend) -> anyhow::Result<Plan> {
        let nats_url = self.nats_url.filter(|u| !u.is_empty());
        if nats_url.is_none() && !self.role.is_empty() {
            bail!(
                "--role needs --nats-url: without a shared NATS stream a single node runs \
                 every part itself"
            );
        }
        if nats_url.is_some() && backend != Backend::Postgres {
            bail!(
                "--nats-url needs --database-url postgres://…: the nodes of a cluster share \
                 one PostgreSQL database"
            );
        }
        let roles = if self.role.is_empty() {
            ALL.to_vec()
        } else {
            self.role
        };
        let stream = self.nats_stream.filter(|s| !s.is_empty());
        if let Some(stream) = &stream
            && !stream
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!("--nats-stream {stream:?}: use letters, digits, '_' and '-' only");
        }
        let bus = nats_url.map(|url| {
            let mut bus = mamori_cluster::BusConfig::new(url);
            if let Some(stream) = stream {
                bus.stream = stream;
            }
            if let Some(secs) = self.nats_ack_wait.filter(|&s| s > 0) {
                bus.ack_wait = std::time::Duration::from_secs(secs);
            }
            bus
        });
        Ok(Plan { bus, roles })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(nats: Option<&str>, roles: &[Role]) -> ClusterArgs {
        ClusterArgs {
            nats_url: nats.map(str::to_owned),
            nats_stream: None,
            nats_ack_wait: None,
            role: roles.to_vec(),
        }
    }

    #[test]
    fn a_single_node_runs_everything_and_takes_no_roles() {
        let plan = args(None, &[]).plan(Backend::Sqlite).expect("plan");
        assert!(ALL.iter().all(|&r| plan.runs(r)));
        assert!(plan.bus.is_none());
        let error = args(None, &[Role::Detect]).plan(Backend::Postgres);
        assert!(error.is_err_and(|e| e.to_string().contains("--nats-url")));
    }

    #[test]
    fn a_cluster_node_needs_postgresql_and_runs_its_roles() {
        let error = args(Some("nats://127.0.0.1:4222"), &[]).plan(Backend::Sqlite);
        assert!(error.is_err_and(|e| e.to_string().contains("PostgreSQL")));
        let plan = args(Some("nats://127.0.0.1:4222"), &[Role::Ingest, Role::Web])
            .plan(Backend::Postgres)
            .expect("plan");
        assert!(plan.runs(Role::Web) && plan.runs(Role::Ingest));
        assert!(!plan.runs(Role::Detect) && !plan.runs(Role::Alerts));
        let file = args(None, &[Role::Detect]);
        let merged = args(Some("nats://n:4222"), &[]).or_file(file);
        assert_eq!(merged.role, [Role::Detect]);
    }
}
