//! Alerting settings of `mamori serve` and the notification commands: the provider's mail
//! server (`--smtp-*` flags or `[smtp]`), grouping and retry settings (`[alerts]`),
//! `admin add-channel` and `admin test-notify`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveTime;
use clap::Args;
use mamori_alerts::AlertingRules;
use mamori_alerts::{AlertSettings, test_route};
use mamori_model::{Scope, Zone};
use mamori_notify::{DestinationPolicy, Notifier, SmtpSettings};
use mamori_store::Actor;
use mamori_web::{ChannelInput, Lang};
use serde::Deserialize;

use crate::config::{FileConfig, StorageArgs};

/// The provider's outgoing mail server, from flags (or `MAMORI_SMTP_*`) and `[smtp]`.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpArgs {
    /// Mail server: smtp://[user:pass@]host[:port] (STARTTLS when offered; ?tls=required or
    /// ?tls=none), or smtps://host[:465] for TLS from the start.
    #[arg(long = "smtp-url", env = "MAMORI_SMTP_URL")]
    #[serde(rename = "url")]
    pub(crate) url: Option<String>,
    /// Sender address of notifications, e.g. "mamori <alerts@provider.example>".
    #[arg(long = "smtp-from", env = "MAMORI_SMTP_FROM")]
    #[serde(rename = "from")]
    pub(crate) from: Option<String>,
    /// User name, when not in the URL.
    #[arg(long = "smtp-user", env = "MAMORI_SMTP_USER")]
    #[serde(rename = "user")]
    pub(crate) user: Option<String>,
    /// Password, when not in the URL.
    #[arg(long = "smtp-password", env = "MAMORI_SMTP_PASSWORD")]
    #[serde(rename = "password")]
    pub(crate) password: Option<String>,
    /// Extra CA certificate (PEM) to trust, for a mail server with a private certificate.
    #[arg(long = "smtp-ca", env = "MAMORI_SMTP_CA")]
    #[serde(rename = "ca_file")]
    pub(crate) ca_file: Option<PathBuf>,
}

impl SmtpArgs {
    /// These settings, with anything not given taken from the file's `[smtp]`.
    pub fn or_file(self, file: SmtpArgs) -> SmtpArgs {
        SmtpArgs {
            url: self.url.or(file.url),
            from: self.from.or(file.from),
            user: self.user.or(file.user),
            password: self.password.or(file.password),
            ca_file: self.ca_file.or(file.ca_file),
        }
    }

    /// The mail server settings, or `None` when no server is configured (e-mail channels
    /// then fail with a clear "no mail server" error, shown on the console).
    pub fn settings(&self) -> anyhow::Result<Option<SmtpSettings>> {
        let Some(url) = self.url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let from = self
            .from
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .context("--smtp-from (or from = … in [smtp]) is needed with a mail server")?;
        let mut settings = SmtpSettings::from_url(url, from)?;
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            settings = settings.with_credentials(user.clone(), password.clone());
        }
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA certificate {}", path.display()))?;
            settings = settings.with_root_certificate(&pem)?;
        }
        Ok(Some(settings))
    }

    /// A notifier with these mail settings, sending webhooks where `destinations` allows.
    pub fn notifier(&self, destinations: DestinationPolicy) -> anyhow::Result<Arc<Notifier>> {
        let smtp = self.settings()?;
        match &smtp {
            Some(s) => {
                tracing::info!(server = %s.describe(), "notifications by e-mail go through this server")
            }
            None => tracing::warn!(
                "no mail server configured (--smtp-url): e-mail channels will report the error"
            ),
        }
        if !destinations.allowed().is_empty() {
            let nets: Vec<String> = destinations
                .allowed()
                .iter()
                .map(|n| n.to_string())
                .collect();
            tracing::warn!(
                networks = %nets.join(", "),
                "webhooks may reach these internal networks (notify.allow_private)"
            );
        }
        Ok(Arc::new(Notifier::new(smtp, destinations)?))
    }
}

/// Where webhooks may go, from `--notify-allow-private` and `[notify]`. Webhook URLs are
/// chosen by client companies, so by default they reach only public addresses; the
/// provider's administrator can open listed internal networks.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyArgs {
    /// Internal networks webhooks may reach besides the internet, e.g. 10.0.5.0/24
    /// (comma-separated). Loopback and private addresses are refused otherwise.
    #[arg(
        long = "notify-allow-private",
        env = "MAMORI_NOTIFY_ALLOW_PRIVATE",
        value_delimiter = ','
    )]
    pub(crate) allow_private: Vec<String>,
}

impl NotifyArgs {
    /// These settings, or the file's `[notify]` when no flag was given.
    pub fn or_file(self, file: NotifyArgs) -> NotifyArgs {
        if self.allow_private.is_empty() {
            file
        } else {
            self
        }
    }

    /// The destination policy, naming a bad entry.
    pub fn policy(&self) -> anyhow::Result<DestinationPolicy> {
        Ok(DestinationPolicy::from_list(&self.allow_private)?)
    }
}

/// How alerts are grouped, retried and timed, from flags and `[alerts]`.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertArgs {
    /// Repeats of the same rule and group within this many minutes count on one alert
    /// [default: 60].
    #[arg(long = "alert-group-minutes", env = "MAMORI_ALERT_GROUP_MINUTES")]
    pub(crate) group_minutes: Option<i64>,
    /// Waits between attempts of a failing notification, in seconds
    /// [default: 10,30,120,600,1800,3600].
    #[arg(
        long = "notify-retry-seconds",
        env = "MAMORI_NOTIFY_RETRY_SECONDS",
        value_delimiter = ','
    )]
    pub(crate) retry_seconds: Vec<u64>,
    /// When the daily digest goes out, HH:MM [default: 08:00].
    #[arg(long = "digest-time", env = "MAMORI_DIGEST_TIME")]
    pub(crate) digest_time: Option<String>,
}

impl AlertArgs {
    /// These settings, with anything not given taken from the file's `[alerts]`.
    pub fn or_file(self, file: AlertArgs) -> AlertArgs {
        AlertArgs {
            group_minutes: self.group_minutes.or(file.group_minutes),
            retry_seconds: if self.retry_seconds.is_empty() {
                file.retry_seconds
            } else {
                self.retry_seconds
            },
            digest_time: self.digest_time.or(file.digest_time),
        }
    }

    /// The alerting settings, with links to `public_url` and the clock of the site's `zone`.
    pub fn settings(
        &self,
        public_url: Option<String>,
        zone: Zone,
    ) -> anyhow::Result<AlertSettings> {
        let defaults = AlertSettings::default();
        let digest_time = match &self.digest_time {
            Some(text) => NaiveTime::parse_from_str(text, "%H:%M")
                .with_context(|| format!("--digest-time {text:?} is not a time like 08:00"))?,
            None => defaults.digest_time,
        };
        if self.group_minutes.is_some_and(|m| m < 0) {
            bail!("--alert-group-minutes cannot be negative");
        }
        Ok(AlertSettings {
            rules: AlertingRules {
                group_window_secs: self
                    .group_minutes
                    .map(|m| m * 60)
                    .unwrap_or(defaults.rules.group_window_secs),
            },
            retry_delays: if self.retry_seconds.is_empty() {
                defaults.retry_delays
            } else {
                self.retry_seconds
                    .iter()
                    .copied()
                    .map(Duration::from_secs)
                    .collect()
            },
            zone,
            digest_time,
            public_url,
            ..defaults
        })
    }
}

/// Options of `admin add-channel`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("owner").required(true).args(["org", "provider"])))]
pub struct AddChannelArgs {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(flatten)]
    notify: NotifyArgs,
    /// The organisation whose alerts it receives.
    #[arg(long)]
    org: Option<String>,
    /// A provider channel: it receives the alerts of every organisation (at or above
    /// --min-severity) and the warnings about failing channels.
    #[arg(long)]
    provider: bool,
    /// email, webhook, slack or teams.
    #[arg(long)]
    kind: String,
    /// For email: addresses, separated by commas.
    #[arg(long)]
    to: Option<String>,
    /// For webhook, slack and teams: the URL.
    #[arg(long)]
    url: Option<String>,
    /// For webhook: the secret that signs each request (X-Mamori-Signature).
    #[arg(long)]
    secret: Option<String>,
    /// Lowest severity sent: critical, high, medium, low or info.
    #[arg(long, default_value = "medium")]
    min_severity: String,
    /// Quiet hours start (HH:MM); critical alerts still go.
    #[arg(long, requires = "quiet_end")]
    quiet_start: Option<String>,
    /// Quiet hours end (HH:MM).
    #[arg(long, requires = "quiet_start")]
    quiet_end: Option<String>,
    /// Send low and info alerts once a day in a summary.
    #[arg(long)]
    digest: bool,
    /// Message language: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

/// Adds the channel and prints its id.
pub async fn add_channel(args: AddChannelArgs) -> anyhow::Result<()> {
    let input = ChannelInput {
        kind: args.kind,
        to: args.to,
        url: args.url,
        secret: args.secret,
        min_severity: Some(args.min_severity),
        quiet_start: args.quiet_start,
        quiet_end: args.quiet_end,
        digest: Some(args.digest),
        lang: Some(args.lang),
    };
    let file = FileConfig::load(args.storage.config.as_deref())?;
    let destinations = args.notify.or_file(file.notify).policy()?;
    let new = input
        .to_new(args.org.clone(), Lang::En, &destinations)
        .map_err(anyhow::Error::msg)?;
    let store = args.storage.open().await?;
    let owner = args.org.as_deref().unwrap_or("the provider");
    let channel = store
        .create_channel(&Actor::cli(), &Scope::AllOrganisations, new)
        .await
        .with_context(|| {
            format!("cannot add the channel to {owner} (is the organisation id right?)")
        })?;
    println!("{}", channel.id);
    Ok(())
}

/// Options of `admin test-notify`.
#[derive(Args)]
pub struct TestNotifyArgs {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(flatten)]
    smtp: SmtpArgs,
    #[command(flatten)]
    notify: NotifyArgs,
    /// The organisation whose channels are tested.
    #[arg(long)]
    org: String,
}

/// Sends a test through every channel of the organisation and prints each result; fails
/// when a channel did not deliver or there is none.
pub async fn test_notify(args: TestNotifyArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(args.storage.config.as_deref())?;
    let store = args.storage.open().await?;
    let notifier = args
        .smtp
        .or_file(file.smtp)
        .notifier(args.notify.or_file(file.notify).policy()?)?;
    let settings = AlertArgs::default()
        .or_file(file.alerts)
        .settings(file.public_url.clone(), store.zone())?;
    let org = store
        .org(&Scope::AllOrganisations, &args.org)
        .await?
        .with_context(|| format!("no organisation with id {}", args.org))?;
    eprintln!("Sending a test through every channel of {} …", org.name);
    let checks = test_route(
        &store,
        &notifier,
        &settings,
        &Scope::AllOrganisations,
        &org.id,
    )
    .await?;
    if checks.is_empty() {
        bail!(
            "{} has no notification channel: its alerts reach nobody. Add one with `mamori admin add-channel`.",
            org.name
        );
    }
    for check in &checks {
        let verdict = if check.delivered {
            "delivered"
        } else {
            "FAILED"
        };
        println!(
            "{:<8} {:<40} {verdict}: {}",
            check.kind, check.destination, check.response
        );
    }
    let failed = checks.iter().filter(|c| !c.delivered).count();
    if failed > 0 {
        bail!(
            "{failed} of {} channels did not deliver the test",
            checks.len()
        );
    }
    Ok(())
}
