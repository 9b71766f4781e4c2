//! What every request handler shares.

use std::sync::Arc;

use mamori_store::{LoginLimits, Store};

use crate::read_limit::ReadLimiter;
use crate::render::Templates;

/// Settings of the web layer that come from configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Send cookies with `Secure` (turn on behind HTTPS).
    pub secure_cookies: bool,
    /// How long a browser session lasts, in seconds.
    pub session_lifetime_secs: i64,
    /// How long an invitation or reset link stays valid, in seconds.
    pub link_lifetime_secs: i64,
    /// Sign-in rate limits.
    pub login_limits: LoginLimits,
    /// The address people reach mamori at (`https://mamori.example.jp`), used in links shown
    /// to administrators; when unset, the request's own host is used.
    pub public_url: Option<String>,
    /// The syslog ports this server listens on, for the device setup guides.
    pub syslog_ports: SyslogPorts,
}

/// Ports of the running syslog listeners; `None` when that listener is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyslogPorts {
    /// UDP.
    pub udp: Option<u16>,
    /// TCP.
    pub tcp: Option<u16>,
    /// TLS.
    pub tls: Option<u16>,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            session_lifetime_secs: 12 * 3600,
            link_lifetime_secs: 7 * 24 * 3600,
            login_limits: LoginLimits::default(),
            public_url: None,
            syslog_ports: SyslogPorts::default(),
        }
    }
}

/// Shared state: the store, settings and compiled templates.
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Store,
    /// Web settings.
    pub settings: Arc<WebSettings>,
    pub(crate) templates: Arc<Templates>,
    /// Expensive reads running per organisation.
    pub(crate) reads: Arc<ReadLimiter>,
    /// Log ingestion, when this server runs it (HTTP ingest needs it).
    pub ingest: Option<mamori_ingest::IngestHandle>,
    /// The notifier and alerting settings, for the alert-route test.
    pub alerting: Option<Alerting>,
    /// Makes monthly reports on request, when this server has the PDF renderer.
    pub reports: Option<mamori_reports::Reporter>,
}

/// What the alert-route test needs: the notifier (with the provider's mail server) and the
/// alerting settings.
#[derive(Clone)]
pub struct Alerting {
    /// Sends notices.
    pub notifier: Arc<mamori_notify::Notifier>,
    /// Time limits and links.
    pub settings: Arc<mamori_alerts::AlertSettings>,
}

impl AppState {
    /// Prepares the state; fails only if a built-in template is broken.
    pub fn new(store: Store, settings: WebSettings) -> Result<Self, minijinja::Error> {
        let templates = Arc::new(Templates::load(store.zone())?);
        Ok(AppState {
            store,
            settings: Arc::new(settings),
            templates,
            reads: Arc::new(ReadLimiter::default()),
            ingest: None,
            alerting: None,
            reports: None,
        })
    }

    /// A slot for one expensive read (a list of events, detections or alerts) of
    /// organisation `org_id`, held while the read runs; a busy organisation gets 429.
    pub(crate) fn start_read(
        &self,
        lang: crate::i18n::Lang,
        org_id: &str,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, crate::error::ApiError> {
        self.reads
            .try_start(org_id)
            .ok_or_else(|| crate::error::ApiError::busy(lang))
    }

    /// Where webhooks may go: the notifier's rule, or public addresses only when this
    /// server sends no notifications. New channels are checked against it.
    pub fn webhook_destinations(&self) -> mamori_notify::DestinationPolicy {
        self.alerting
            .as_ref()
            .map(|a| a.notifier.destinations().clone())
            .unwrap_or_default()
    }

    /// The same state with notifications attached, for the alert-route test.
    pub fn with_alerting(self, alerting: Alerting) -> Self {
        AppState {
            alerting: Some(alerting),
            ..self
        }
    }

    /// The same state with monthly reports attached (the "make a report" button).
    pub fn with_reports(self, reporter: mamori_reports::Reporter) -> Self {
        AppState {
            reports: Some(reporter),
            ..self
        }
    }

    /// The same state with log ingestion attached, for `POST /api/v1/ingest`.
    pub fn with_ingest(self, ingest: mamori_ingest::IngestHandle) -> Self {
        AppState {
            ingest: Some(ingest),
            ..self
        }
    }
}
