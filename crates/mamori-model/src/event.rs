//! The normalised event: what every log line from a monitored source becomes after parsing,
//! whatever device sent it. Detection rules, storage and reports only ever see this shape, so
//! a rule written for "login failures" works for a Yamaha router, a FortiGate and a Linux
//! server alike.
//!
//! In JSON every optional field that a line lacks is left out rather than written as `null`,
//! which keeps stored events and API answers small.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::net::IpAddr;

use crate::vocabulary::vocabulary;

vocabulary! {
    /// What kind of activity an event records. Rules and reports group events by it.
    Category as "category" {
        /// Packets and sessions: firewall passes and blocks, NAT, flows.
        Network => "network",
        /// Logins, logouts and privilege use.
        Auth => "auth",
        /// Intrusion detection or prevention findings.
        Ids => "ids",
        /// Device health and state: interfaces, services, generic syslog.
        System => "system",
        /// Web access and web filtering.
        Web => "web",
        /// Files seen on the wire or on a host.
        File => "file",
        /// Name resolution.
        Dns => "dns",
        /// TLS handshakes and certificates.
        Tls => "tls",
        /// Configuration changes and administrative commands.
        Config => "config",
        /// Viruses and other malicious software.
        Malware => "malware",
        /// Anything the parser could read but not place.
        Other => "other",
    }
}

vocabulary! {
    /// What happened, in one verb. `deny` means a device refused something by policy;
    /// `drop` means it discarded traffic it judged broken or hostile (IPS drops, invalid
    /// packets).
    Action as "action" {
        /// Traffic or access was let through.
        Allow => "allow",
        /// Traffic or access was refused by policy.
        Deny => "deny",
        /// Traffic was silently discarded as broken or hostile.
        Drop => "drop",
        /// A detection fired without blocking anything.
        Alert => "alert",
        /// Someone signed in.
        Login => "login",
        /// Someone signed out or a session closed.
        Logout => "logout",
        /// A sign-in attempt failed.
        LoginFailure => "login_failure",
        /// The configuration was changed or saved.
        ConfigChange => "config_change",
        /// A command was run with privileges (sudo, router console).
        Execute => "execute",
        /// An interface, line or tunnel came up.
        LinkUp => "link_up",
        /// An interface, line or tunnel went down.
        LinkDown => "link_down",
        /// Nothing more specific: a record of state or activity.
        Info => "info",
    }
}

vocabulary! {
    /// How urgent an event is, on the same five words the product shows users (see
    /// WRITING.md "Severity words"). Declared from least to most urgent so that `Ord`
    /// compares urgency: `Severity::High > Severity::Low`.
    Severity as "severity" {
        /// Context only.
        Info => "info",
        /// For the record; no action unless it repeats.
        Low => "low",
        /// Look this week.
        Medium => "medium",
        /// Act today.
        High => "high",
        /// Act now.
        Critical => "critical",
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// One normalised event. Fields taken from the line come first; `org_id`, `source_id`,
/// `device_kind` and `received_at` are set by ingest from what it knows about the sender,
/// not from the line. `raw` and `fields` keep everything the line said, so nothing is lost
/// by normalising.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the event happened: the line's own time, or the receive time when the line has
    /// none. Serialised as RFC 3339 in UTC.
    pub timestamp: DateTime<Utc>,
    /// What kind of activity this is.
    pub category: Category,
    /// What happened.
    pub action: Action,
    /// How urgent it is.
    pub severity: Severity,
    /// Where the traffic or attempt came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<IpAddr>,
    /// Source port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// Where the traffic was going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_ip: Option<IpAddr>,
    /// Destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_port: Option<u16>,
    /// Transport or application protocol in lower case (`tcp`, `udp`, `icmp`, `ssh`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The account involved (who logged in, who ran the command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The device or host that wrote the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The rule, signature, virus or filter that produced the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// A short human-readable summary, usually the device's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Which parser read the line (`rtx`, `fortigate`, `eve`, …).
    pub format: String,
    /// The organisation the sending source belongs to; set by ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// The registered monitored source that sent the line; set by ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The kind of device registered for the source (`rtx`, `fortigate`, …); set by ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_kind: Option<String>,
    /// When mamori received the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// The original line, unchanged.
    pub raw: String,
    /// The line's own fields by their own names, for rules that need more than the
    /// normalised ones.
    #[serde(default)]
    pub fields: Map<String, Value>,
}

impl Event {
    /// A bare event for `raw` read by parser `format`: category `other`, action `info`,
    /// severity `info` and no optional fields. Parsers fill in the rest.
    pub fn new(format: &str, raw: &str, timestamp: DateTime<Utc>) -> Self {
        Self {
            timestamp,
            category: Category::Other,
            action: Action::Info,
            severity: Severity::Info,
            src_ip: None,
            src_port: None,
            dst_ip: None,
            dst_port: None,
            protocol: None,
            user: None,
            host: None,
            signature: None,
            message: None,
            format: format.to_owned(),
            org_id: None,
            source_id: None,
            device_kind: None,
            received_at: None,
            raw: raw.to_owned(),
            fields: Map::new(),
        }
    }

    /// This event as JSON, equal to what `serde_json::to_value` makes of it, in about half
    /// the time: the line's own fields are cloned instead of serialised (serialising JSON
    /// into JSON rebuilds every member through the serializer), and rendering the event of
    /// each detection was the largest cost of matching malicious Windows events. The event
    /// is taken apart without `..`, so a field added to `Event` must be added here too.
    pub fn to_json(&self) -> Value {
        let Event {
            timestamp,
            category,
            action,
            severity,
            src_ip,
            src_port,
            dst_ip,
            dst_port,
            protocol,
            user,
            host,
            signature,
            message,
            format,
            org_id,
            source_id,
            device_kind,
            received_at,
            raw,
            fields,
        } = self;
        let mut map = Map::new();
        map.insert("timestamp".into(), scalar(timestamp));
        map.insert("category".into(), scalar(category));
        map.insert("action".into(), scalar(action));
        map.insert("severity".into(), scalar(severity));
        let optional = [
            ("src_ip", src_ip.as_ref().map(scalar)),
            ("src_port", src_port.map(Value::from)),
            ("dst_ip", dst_ip.as_ref().map(scalar)),
            ("dst_port", dst_port.map(Value::from)),
            ("protocol", protocol.as_deref().map(Value::from)),
            ("user", user.as_deref().map(Value::from)),
            ("host", host.as_deref().map(Value::from)),
            ("signature", signature.as_deref().map(Value::from)),
            ("message", message.as_deref().map(Value::from)),
            ("org_id", org_id.as_deref().map(Value::from)),
            ("source_id", source_id.as_deref().map(Value::from)),
            ("device_kind", device_kind.as_deref().map(Value::from)),
            ("received_at", received_at.as_ref().map(scalar)),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                map.insert(key.into(), value);
            }
        }
        map.insert("format".into(), Value::from(format.as_str()));
        map.insert("raw".into(), Value::from(raw.as_str()));
        map.insert("fields".into(), Value::Object(fields.clone()));
        Value::Object(map)
    }
}

/// A small value (time, address, name) as serde writes it; these cannot fail to serialise.
fn scalar(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn to_json_equals_what_serde_writes() {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 1, 15, 30).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let bare = Event::new("rtx", "line", at);
        let mut full = Event::new("windows", "{\"a\": 1}", at);
        full.category = Category::Auth;
        full.action = Action::LoginFailure;
        full.severity = Severity::High;
        full.src_ip = Some("203.0.113.5".parse().unwrap());
        full.dst_ip = Some("2001:db8::1".parse().unwrap());
        full.src_port = Some(50000);
        full.dst_port = Some(3389);
        for text in [
            &mut full.protocol,
            &mut full.user,
            &mut full.host,
            &mut full.signature,
            &mut full.message,
            &mut full.org_id,
            &mut full.source_id,
            &mut full.device_kind,
        ] {
            *text = Some("見積書 text".into());
        }
        full.received_at = Some(at);
        full.fields.insert(
            "Event".into(),
            serde_json::json!({"System": {"EventID": 4625}, "EventData": {"A": [1, "b", null]}}),
        );
        for event in [bare, full] {
            assert_eq!(event.to_json(), serde_json::to_value(&event).unwrap());
        }
    }

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().ok(), Some(*c));
        }
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().ok(), Some(*a));
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().ok(), Some(*s));
        }
        assert!("nope".parse::<Action>().is_err());
    }

    #[test]
    fn severity_orders_by_urgency() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
    }

    #[test]
    fn json_leaves_out_what_the_line_lacks() {
        let at = Utc
            .with_ymd_and_hms(2020, 1, 23, 5, 12, 42)
            .single()
            .expect("valid date");
        let mut e = Event::new("rtx", "line", at);
        e.action = Action::LoginFailure;
        e.src_ip = "2001:db8::1".parse().ok();
        let json = serde_json::to_string(&e).expect("serialises");
        assert_eq!(
            json,
            r#"{"timestamp":"2020-01-23T05:12:42Z","category":"other","action":"login_failure","severity":"info","src_ip":"2001:db8::1","format":"rtx","raw":"line","fields":{}}"#
        );
        let back: Event = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, e);
    }
}
