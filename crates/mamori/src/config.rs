//! Configuration: built-in defaults, then an optional TOML file, then `MAMORI_*` environment
//! variables, then command-line flags (clap reads flags and variables together, flags first).
//! `mamori serve` with no file at all works.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

use mamori_model::Zone;

use crate::logging::LogFormat;

/// Where the data lives; shared by `serve` and every `admin` command.
#[derive(Args, Clone, Debug, Default)]
pub struct StorageArgs {
    /// Directory for the embedded database and other data [default: ./mamori-data].
    #[arg(long, env = "MAMORI_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Use this database instead of the embedded one, e.g. postgres://user:pass@host/db.
    #[arg(long, env = "MAMORI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// TOML configuration file.
    #[arg(long, env = "MAMORI_CONFIG")]
    pub config: Option<PathBuf>,
    /// The site's time zone, an IANA name: calendar days, report months, quiet hours, the
    /// digest and every time shown follow it. Set it before data arrives [default: Asia/Tokyo].
    #[arg(long, env = "MAMORI_TIMEZONE")]
    pub timezone: Option<String>,
}

/// The configuration file's contents; every key is optional.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address and port to listen on.
    pub listen: Option<SocketAddr>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Database URL.
    pub database_url: Option<String>,
    /// The site's time zone (an IANA name such as `Asia/Tokyo`).
    pub timezone: Option<String>,
    /// Log format.
    pub log_format: Option<LogFormat>,
    /// Public address of this server, used in links shown to administrators.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: Option<bool>,
    /// Session length in hours.
    pub session_hours: Option<i64>,
    /// Validity of invitation and reset links in days.
    pub link_days: Option<i64>,
    /// `[ingest]`: syslog listeners and the durable queue, keys named like the flags
    /// (`syslog_tcp = "0.0.0.0:5514"`, `queue_fsync = "100"` …).
    #[serde(default)]
    pub ingest: crate::ingest::IngestArgs,
    /// `[detect]`: extra rule folders, mapping and indicator lists, named like the flags.
    #[serde(default)]
    pub detect: crate::detection::DetectArgs,
    /// `[smtp]`: the provider's mail server (`url`, `from`, `user`, `password`, `ca_file`).
    #[serde(default)]
    pub smtp: crate::alerting::SmtpArgs,
    /// `[notify]`: internal networks webhooks may reach (`allow_private = ["10.0.5.0/24"]`).
    #[serde(default)]
    pub notify: crate::alerting::NotifyArgs,
    /// `[alerts]`: grouping, retries and the digest (`group_minutes`, `retry_seconds`,
    /// `digest_time`).
    #[serde(default)]
    pub alerts: crate::alerting::AlertArgs,
    /// `[reports]`: when monthly reports go out (`day`, `time`, `link_days`).
    #[serde(default)]
    pub reports: crate::reports::ReportArgs,
    /// `[cluster]`: the shared NATS server and this node's roles (`nats_url`,
    /// `role = ["ingest", "web"]`).
    #[serde(default)]
    pub cluster: crate::cluster::ClusterArgs,
}

impl FileConfig {
    /// Reads the file named by `--config`, or returns an empty configuration.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("configuration file {} is not valid", path.display()))
    }
}

impl StorageArgs {
    /// The data directory from flags, environment and file (also where the ingest queue
    /// lives when the database is PostgreSQL).
    pub fn data_dir(&self, file: &FileConfig) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("mamori-data"))
    }

    /// Resolves the database URL from flags, environment and file; for the embedded default
    /// the data directory is created.
    pub fn database_url(&self, file: &FileConfig) -> anyhow::Result<String> {
        let data_dir = self.data_dir(file);
        match self
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
        {
            Some(url) if !url.trim().is_empty() => Ok(url),
            _ => {
                std::fs::create_dir_all(&data_dir).with_context(|| {
                    format!("cannot create data directory {}", data_dir.display())
                })?;
                Ok(mamori_store::sqlite_url(&data_dir))
            }
        }
    }

    /// The site's time zone from flags, environment and file.
    pub fn zone(&self, file: &FileConfig) -> anyhow::Result<Zone> {
        match self.timezone.as_ref().or(file.timezone.as_ref()) {
            Some(name) => name.parse().context("--timezone"),
            None => Ok(Zone::default()),
        }
    }

    /// Connects to the resolved database, applying migrations, in the site's time zone.
    pub async fn open(&self) -> anyhow::Result<mamori_store::Store> {
        let file = FileConfig::load(self.config.as_deref())?;
        self.open_with(&file).await
    }

    /// Like [`StorageArgs::open`] with the configuration file already read.
    pub async fn open_with(&self, file: &FileConfig) -> anyhow::Result<mamori_store::Store> {
        let zone = self.zone(file)?;
        let store = mamori_store::Store::connect(&self.database_url(file)?)
            .await
            .context("cannot open the database")?;
        Ok(store.with_zone(zone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file: FileConfig = toml::from_str(&format!(
            "data_dir = '{}'\nlisten = '0.0.0.0:9000'\n",
            dir.path().display()
        ))
        .unwrap();
        let from_file = StorageArgs::default().database_url(&file).unwrap();
        assert!(from_file.starts_with(&format!("sqlite://{}", dir.path().display())));
        let flags = StorageArgs {
            database_url: Some("postgres://u@h/db".into()),
            ..Default::default()
        };
        assert_eq!(flags.database_url(&file).unwrap(), "postgres://u@h/db");
        assert!(toml::from_str::<FileConfig>("typo = 1").is_err());
        let file: FileConfig = toml::from_str(
            "[ingest]\nsyslog_tcp = '0.0.0.0:5514'\nqueue_max_mb = 64\n[detect]\nrules = ['/etc/mamori/rules']\n",
        )
        .unwrap();
        assert_eq!(file.ingest.syslog_tcp, "0.0.0.0:5514".parse().ok());
        assert_eq!(file.detect.rules, vec![PathBuf::from("/etc/mamori/rules")]);
        assert!(toml::from_str::<FileConfig>("[ingest]\nsyslog_tpc = '0.0.0.0:1'\n").is_err());
        let file: FileConfig = toml::from_str(
            "[smtp]\nurl = 'smtp://mail.example:25'\nfrom = 'alerts@example.jp'\n[alerts]\ngroup_minutes = 30\nretry_seconds = [1, 2]\n",
        )
        .unwrap();
        assert_eq!(file.smtp.url.as_deref(), Some("smtp://mail.example:25"));
        assert_eq!(file.alerts.retry_seconds, vec![1, 2]);
        assert!(toml::from_str::<FileConfig>("[smtp]\nhost = 'x'\n").is_err());
        let file: FileConfig =
            toml::from_str("[notify]\nallow_private = ['10.0.5.0/24', '192.168.1.20']\n").unwrap();
        let policy = file.notify.policy().unwrap();
        assert!(policy.permits("10.0.5.9".parse().unwrap()));
        assert!(policy.permits("192.168.1.20".parse().unwrap()));
        assert!(!policy.permits("127.0.0.1".parse().unwrap()));
        let bad: FileConfig = toml::from_str("[notify]\nallow_private = ['intranet']\n").unwrap();
        assert!(
            bad.notify
                .policy()
                .unwrap_err()
                .to_string()
                .contains("intranet")
        );
        let default = FileConfig::default().notify.policy().unwrap();
        assert!(!default.permits("10.0.5.9".parse().unwrap()));
    }

    #[test]
    fn one_time_zone_from_flag_or_file_and_a_clear_error() {
        let none = StorageArgs::default();
        assert!(none.zone(&FileConfig::default()).unwrap().is_japan());
        let file: FileConfig = toml::from_str("timezone = 'Europe/London'\n").unwrap();
        assert_eq!(none.zone(&file).unwrap().to_string(), "Europe/London");
        let flag = StorageArgs {
            timezone: Some("Mars/Olympus".into()),
            ..Default::default()
        };
        let error = format!("{:#}", flag.zone(&file).unwrap_err());
        assert!(
            error.contains("Mars/Olympus") && error.contains("Asia/Tokyo"),
            "{error}"
        );
        assert!(toml::from_str::<FileConfig>("[alerts]\nutc_offset = '+09:00'\n").is_err());
    }
}
