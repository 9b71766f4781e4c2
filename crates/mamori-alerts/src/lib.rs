//! mamori's alerting stage, between detection and the people who act: detections become
//! grouped alerts (decided here, written in one store transaction per batch), notifications go out through
//! e-mail, webhooks, Slack and Teams with retries and back-off, low-severity alerts can be
//! gathered into a daily digest, and the alert-route self-test proves each channel works.
//! mamori also watches the watchers: a silent source and a device's licence or support that
//! ends raise alerts of their own, the latter after reminders, and so does a machine whose
//! endpoint agent reports a posture check turned to fail.

mod deliver;
mod expiries;
pub mod notice;
mod posture;
mod promote;
mod route;
mod seen;
mod send;
mod service;
mod settings;
mod watch;

pub use deliver::{CHANNEL_FAILING_RULE, Outcome, deliver_one, record_attempt};
pub use expiries::{END_DATE_RULE, Reminded, watch_end_dates};
pub use posture::{POSTURE_RULE, PostureChange, posture_changed};
pub use promote::{AlertingRules, Promotion, promote_detections};
pub use route::{RouteCheck, test_route};
pub use seen::{desk_line, what_was_seen};
pub use send::OWN_FAILURE_CODES;
pub use service::{RunningAlerts, make_digests};
pub use settings::AlertSettings;
pub use watch::{SOURCE_SILENT_RULE, Watched, watch_sources};

/// What can stop the alerting stage from doing its work.
#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    /// Reading or writing the store failed.
    #[error(transparent)]
    Store(#[from] mamori_store::StoreError),
    /// A notice could not be written as JSON.
    #[error("notice not serialisable: {0}")]
    Json(#[from] serde_json::Error),
}
