//! Delivers one notice (an alert, a test, a digest, or a warning that a channel keeps failing)
//! through one channel, and reports exactly what happened. The durable queue, retries and
//! alert storage live with the caller; this crate only renders and sends.
//!
//! Channels: e-mail through the configured SMTP server (plain text plus HTML, Japanese by
//! default), a generic JSON webhook (optionally signed), Slack and Microsoft Teams.
//!
//! # Generic webhook format
//!
//! `POST` with `Content-Type: application/json`, `User-Agent: mamori/<version>` and
//! `X-Mamori-Event: <type>`. The body:
//!
//! ```json
//! {
//!   "type": "alert",                     // "alert" | "test" | "digest" | "channel_failing" | "resolved" | "reminder"
//!   "sent_at": "2026-11-22T05:05:00Z",   // RFC 3339, UTC
//!   "lang": "ja",                        // language of the text fields
//!   "text": "【重要度: 高】… — 株式会社サンプル", // one-line summary for chat tools
//!   "organisation": "株式会社サンプル",
//!   "provider": "サンプル運用株式会社",
//!   "alert": {
//!     "id": "…", "severity": "high", "title": "…", "seen": "…", "what_to_do": "…",
//!     "rule_id": "…", "count": 3,
//!     "first_seen": "2026-11-22T04:55:00Z", "last_seen": "2026-11-22T05:04:00Z",
//!     "source": "本社UTM", "link": "https://portal.example.jp/alerts/…"
//!   },
//!   "items": [                           // digest only; empty otherwise
//!     {"severity": "medium", "title": "…", "count": 2, "last_seen": "…", "link": "…"}
//!   ]
//! }
//! ```
//!
//! Absent values are `null`. `alert` is always present; for a test or digest it carries the
//! notice's own title and severity. `seen` is what was seen in one sentence (for `resolved`:
//! what changed); `resolved` is sent when mamori closes an alert of its own (a silent source
//! sends again), with the alert's id, and `last_seen` is then the time it was resolved.
//! `reminder` asks for something before it is too late (a device's end date: `source` names
//! the device and `seen` says what ends on which day; the handbook waiting to be read), and
//! `alert.id` is null.
//!
//! When the channel has a secret, two more headers are sent:
//! `X-Mamori-Timestamp: <unix seconds>` and
//! `X-Mamori-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`.
//! Receivers check it with [`verify`] (or the same computation) and should reject timestamps
//! more than a few minutes old.
//!
//! Any 2xx answer counts as delivered; redirects are not followed, and the answer's body is
//! never read.
//!
//! # Where webhooks may go
//!
//! Only to public addresses, unless the provider's administrator opens internal networks
//! with [`DestinationPolicy`]: loopback, private, link-local, unique-local, multicast and
//! other reserved addresses are refused, IPv4 and IPv6 alike, checked on the resolved
//! address that is actually connected to.

mod channel;
mod destination;
mod error;
mod notice;
mod notifier;
pub mod render;
mod signature;
mod smtp;

pub use channel::{Channel, parse_address};
pub use destination::{DestinationPolicy, is_internal};
pub use error::NotifyError;
pub use notice::{DigestItem, Lang, Notice, NoticeKind};
pub use notifier::{Mail, MailAttachment, Notifier, Receipt};
pub use render::email::escape as escape_html;
pub use signature::{sign, verify};
pub use smtp::{SmtpSettings, SmtpTls};
