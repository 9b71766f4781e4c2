//! What to say: the language-neutral content of one notice. The caller fills it in (titles and
//! advice already in the reader's language); the renderers turn it into e-mail or JSON.

use chrono::{DateTime, Utc};
use mamori_model::Zone;
use serde::{Deserialize, Serialize};

/// Why the notice is sent; decides the wording and the `type` in webhook JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// One alert (or a group of repeats) that needs attention.
    Alert,
    /// A test sent from the settings page to check the route works.
    Test,
    /// A summary of several alerts.
    Digest,
    /// Another channel of the same organisation keeps failing.
    ChannelFailing,
    /// An alert mamori raised about the monitoring itself has cleared (a silent source is
    /// sending again); `seen` says what changed.
    Resolved,
    /// Something needs doing before it is too late: a device's licence, OS support or
    /// support contract ends soon (`source` names the device), or the handbook waits to be
    /// read; `seen` says what and by when.
    Reminder,
}

impl NoticeKind {
    /// The snake_case name used as the webhook `type` and `X-Mamori-Event`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Alert => "alert",
            NoticeKind::Test => "test",
            NoticeKind::Digest => "digest",
            NoticeKind::ChannelFailing => "channel_failing",
            NoticeKind::Resolved => "resolved",
            NoticeKind::Reminder => "reminder",
        }
    }
}

pub use mamori_model::Lang;

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestItem {
    /// "critical" | "high" | "medium" | "low" | "info".
    pub severity: String,
    /// Alert title in the reader's language.
    pub title: String,
    /// How many times it was seen.
    pub count: i64,
    /// When it was last seen.
    #[serde(default)]
    pub last_seen: Option<DateTime<Utc>>,
    /// Absolute portal URL of the alert.
    #[serde(default)]
    pub link: Option<String>,
}

/// Everything one notice says, independent of the channel it goes through.
///
/// For [`NoticeKind::ChannelFailing`], `title` names the failing channel (e.g. its
/// [`crate::Channel::describe`]) and `what_to_do` carries the latest error in the reader's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// Why it is sent.
    pub kind: NoticeKind,
    /// The reader's language.
    #[serde(default)]
    pub lang: Lang,
    /// The site's time zone, whose clock every time in the notice is read on.
    #[serde(default)]
    pub zone: Zone,
    /// The client organisation the notice is about.
    pub org_name: String,
    /// The provider running mamori for that organisation (who is watching).
    pub provider_name: String,
    /// The alert's id, when there is one.
    #[serde(default)]
    pub alert_id: Option<String>,
    /// "critical" | "high" | "medium" | "low" | "info".
    pub severity: String,
    /// Already in the reader's language.
    pub title: String,
    /// What was seen, on which device, from where and how often, in one sentence in the
    /// reader's language; may be empty.
    #[serde(default)]
    pub seen: String,
    /// Already in the reader's language; may be empty.
    #[serde(default)]
    pub what_to_do: String,
    /// How to reach the provider's consultation desk, in the reader's language; may be empty.
    #[serde(default)]
    pub contact: String,
    /// The detection rule that raised the alert.
    #[serde(default)]
    pub rule_id: Option<String>,
    /// How many times it was seen (for a digest: how many alerts).
    #[serde(default)]
    pub count: i64,
    /// First time seen.
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
    /// Last time seen.
    #[serde(default)]
    pub last_seen: Option<DateTime<Utc>>,
    /// Monitored source (device) name.
    #[serde(default)]
    pub source: Option<String>,
    /// Absolute URL of the alert (or page) in the portal.
    #[serde(default)]
    pub link: Option<String>,
    /// Digest only: one line per alert.
    #[serde(default)]
    pub items: Vec<DigestItem>,
}
