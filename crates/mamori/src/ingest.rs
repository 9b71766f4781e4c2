//! Log ingestion inside `mamori serve`: the syslog listener flags, the durable queue's
//! options, starting the pipeline, and the hourly retention and roll-up work.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use mamori_ingest::listen::TlsSettings;
use mamori_ingest::queue::{FsyncPolicy, QueueConfig};
use mamori_ingest::{Drain, IngestSettings, RunningIngest};
use mamori_store::{Store, now};
use serde::Deserialize;

/// Syslog listeners and the ingest queue, from flags (or `MAMORI_*` variables) and the
/// configuration file's `[ingest]` table. Listeners are off unless set; a flag without an
/// address listens on all interfaces at the default port.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestArgs {
    /// Receive syslog over UDP, e.g. 0.0.0.0:5514 [bare flag: 0.0.0.0:5514].
    #[arg(long, env = "MAMORI_SYSLOG_UDP", num_args = 0..=1, default_missing_value = "0.0.0.0:5514")]
    pub(crate) syslog_udp: Option<SocketAddr>,
    /// Receive syslog over TCP (newline or octet-counted framing) [bare flag: 0.0.0.0:5514].
    #[arg(long, env = "MAMORI_SYSLOG_TCP", num_args = 0..=1, default_missing_value = "0.0.0.0:5514")]
    pub(crate) syslog_tcp: Option<SocketAddr>,
    /// Receive syslog over TLS (RFC 5425); needs --syslog-tls-cert and --syslog-tls-key
    /// [bare flag: 0.0.0.0:6514].
    #[arg(long, env = "MAMORI_SYSLOG_TLS", num_args = 0..=1, default_missing_value = "0.0.0.0:6514")]
    pub(crate) syslog_tls: Option<SocketAddr>,
    /// Server certificate chain for syslog TLS (PEM).
    #[arg(long, env = "MAMORI_SYSLOG_TLS_CERT")]
    pub(crate) syslog_tls_cert: Option<PathBuf>,
    /// Private key for syslog TLS (PEM).
    #[arg(long, env = "MAMORI_SYSLOG_TLS_KEY")]
    pub(crate) syslog_tls_key: Option<PathBuf>,
    /// CA certificates (PEM) whose client certificates identify sources; optional.
    #[arg(long, env = "MAMORI_SYSLOG_TLS_CLIENT_CA")]
    pub(crate) syslog_tls_client_ca: Option<PathBuf>,
    /// When queued lines are forced to disk: `always`, `never`, or every N milliseconds
    /// [default: 100].
    #[arg(long, env = "MAMORI_QUEUE_FSYNC")]
    pub(crate) queue_fsync: Option<String>,
    /// Disk space the ingest queue may use before TCP senders are slowed down, in MiB
    /// [default: 2048].
    #[arg(long, env = "MAMORI_QUEUE_MAX_MB")]
    pub(crate) queue_max_mb: Option<u64>,
    /// The longest TCP/TLS syslog message kept whole, in KiB (1 to 1024); a longer one is cut
    /// there, marked with its real length, and the rest of it skipped [default: 64].
    #[arg(long, env = "MAMORI_SYSLOG_MAX_LINE_KIB")]
    pub(crate) syslog_max_line_kib: Option<usize>,
}

/// Reads `always`, `never` or a number of milliseconds.
pub fn fsync_policy(text: &str) -> anyhow::Result<FsyncPolicy> {
    Ok(match text.trim() {
        "always" => FsyncPolicy::Always,
        "never" => FsyncPolicy::Never,
        ms => match ms.parse::<u64>() {
            Ok(ms) if ms > 0 => FsyncPolicy::Interval(Duration::from_millis(ms)),
            _ => bail!("--queue-fsync takes always, never or milliseconds, not '{ms}'"),
        },
    })
}

impl IngestArgs {
    /// These settings, with anything not given taken from the configuration file's.
    pub fn or_file(self, file: IngestArgs) -> IngestArgs {
        IngestArgs {
            syslog_udp: self.syslog_udp.or(file.syslog_udp),
            syslog_tcp: self.syslog_tcp.or(file.syslog_tcp),
            syslog_tls: self.syslog_tls.or(file.syslog_tls),
            syslog_tls_cert: self.syslog_tls_cert.or(file.syslog_tls_cert),
            syslog_tls_key: self.syslog_tls_key.or(file.syslog_tls_key),
            syslog_tls_client_ca: self.syslog_tls_client_ca.or(file.syslog_tls_client_ca),
            queue_fsync: self.queue_fsync.or(file.queue_fsync),
            queue_max_mb: self.queue_max_mb.or(file.queue_max_mb),
            syslog_max_line_kib: self.syslog_max_line_kib.or(file.syslog_max_line_kib),
        }
    }

    /// The ingest settings, with the queue under `data_dir/queue`.
    pub fn settings(&self, data_dir: &Path) -> anyhow::Result<IngestSettings> {
        let mut queue = QueueConfig::new(data_dir.join("queue"));
        if let Some(policy) = &self.queue_fsync {
            queue.fsync = fsync_policy(policy)?;
        }
        if let Some(mb) = self.queue_max_mb {
            queue.max_bytes = mb.max(1) << 20;
        }
        let tls = match (self.syslog_tls, &self.syslog_tls_cert, &self.syslog_tls_key) {
            (None, ..) => None,
            (Some(address), Some(cert), Some(key)) => Some((
                address,
                TlsSettings {
                    cert: cert.clone(),
                    key: key.clone(),
                    client_ca: self.syslog_tls_client_ca.clone(),
                },
            )),
            (Some(_), ..) => bail!("--syslog-tls needs --syslog-tls-cert and --syslog-tls-key"),
        };
        let max_message = match self.syslog_max_line_kib {
            None => mamori_ingest::listen::MAX_MESSAGE,
            Some(kib @ 1..=1024) => kib << 10,
            Some(kib) => bail!("--syslog-max-line-kib takes 1 to 1024 (KiB), not {kib}"),
        };
        Ok(IngestSettings {
            queue,
            udp: self.syslog_udp,
            tcp: self.syslog_tcp,
            tls,
            max_message,
        })
    }
}

/// Starts ingest with its queue drained by `drain` (the pipeline with detection, or a
/// cluster's forwarder), and says where it listens.
pub async fn start(
    store: &Store,
    settings: IngestSettings,
    drain: Drain,
) -> anyhow::Result<RunningIngest> {
    let queue_dir = settings.queue.dir.display().to_string();
    let running = RunningIngest::start_draining(store.clone(), settings, drain)
        .await
        .with_context(|| format!("cannot start log ingestion (queue in {queue_dir})"))?;
    for (transport, address) in [
        ("UDP", running.udp),
        ("TCP", running.tcp),
        ("TLS", running.tls),
    ] {
        if let Some(address) = address {
            tracing::info!(%address, transport, "receiving syslog");
            eprintln!("syslog {transport} listening on {address}");
        }
    }
    Ok(running)
}

/// Every hour: deletes events past retention and recomputes the daily roll-up of
/// yesterday and today (calendar days of the site's time zone).
pub async fn housekeeping(store: Store) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let at = now();
        match store.apply_retention(at).await {
            Ok(n) => tracing::debug!(deleted = n, "event retention applied"),
            Err(e) => tracing::warn!(error = %e, "event retention failed"),
        }
        let zone = store.zone();
        let today = zone.day_start(at);
        for day in [zone.day_start(today - 1), today] {
            if let Err(e) = store.roll_up_day(day).await {
                tracing::warn!(error = %e, day, "daily roll-up failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsync_policies_and_tls_flags_are_checked() {
        assert_eq!(fsync_policy("always").unwrap(), FsyncPolicy::Always);
        assert_eq!(
            fsync_policy("250").unwrap(),
            FsyncPolicy::Interval(Duration::from_millis(250))
        );
        assert!(fsync_policy("0").is_err() && fsync_policy("sometimes").is_err());
        let limited = IngestArgs {
            syslog_max_line_kib: Some(8),
            ..IngestArgs::default()
        };
        assert_eq!(
            limited.settings(Path::new("/tmp")).unwrap().max_message,
            8 << 10
        );
        let too_long = IngestArgs {
            syslog_max_line_kib: Some(4096),
            ..IngestArgs::default()
        };
        assert!(too_long.settings(Path::new("/tmp")).is_err());
        let args = IngestArgs {
            syslog_tls: "127.0.0.1:6514".parse().ok(),
            ..IngestArgs::default()
        };
        assert!(args.settings(Path::new("/tmp")).is_err());
    }
}
