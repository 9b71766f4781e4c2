//! Plain JSON objects, one per line, from sources without a format of their own (cloud
//! services, scripts, log shippers). A [`JsonMapping`] says which keys hold the normalised
//! fields; the default knows the common spellings, including Elastic Common Schema paths.

use chrono::{DateTime, Utc};
use mamori_model::{Action, Category, Event};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::syslog::Envelope;
use super::{Format, ParseError, Parser};
use crate::normalise::{
    LOCAL_OFFSET, from_epoch, json_object, parse_datetime, parse_ip, port_at, protocol_name,
    str_at, text, value_at,
};

/// Which keys of a JSON object hold each normalised field. Each field lists candidate keys,
/// tried in order; a key may be a dotted path into nested objects (`source.ip`). Read from
/// configuration, so every field has a default and may be left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JsonMapping {
    /// Time of the event: RFC 3339 text or a Unix epoch number (s, ms, µs or ns).
    pub timestamp: Vec<String>,
    /// Category, by mamori's names (`auth`, `network`, …).
    pub category: Vec<String>,
    /// Action, by mamori's names (`deny`, `login_failure`, …).
    pub action: Vec<String>,
    /// Severity as a word (`high`, `warning`, …).
    pub severity: Vec<String>,
    /// Source address.
    pub src_ip: Vec<String>,
    /// Source port.
    pub src_port: Vec<String>,
    /// Destination address.
    pub dst_ip: Vec<String>,
    /// Destination port.
    pub dst_port: Vec<String>,
    /// Protocol.
    pub protocol: Vec<String>,
    /// Account name.
    pub user: Vec<String>,
    /// Host or device name.
    pub host: Vec<String>,
    /// Rule or signature name.
    pub signature: Vec<String>,
    /// Human-readable message.
    pub message: Vec<String>,
}

/// Turns a list of literals into the owned key lists of a mapping.
fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| (*k).to_owned()).collect()
}

impl Default for JsonMapping {
    fn default() -> Self {
        Self {
            timestamp: keys(&["timestamp", "@timestamp", "time", "ts"]),
            category: keys(&["category", "event.category"]),
            action: keys(&["action", "event.action"]),
            severity: keys(&["severity", "level", "log.level"]),
            src_ip: keys(&["src_ip", "source.ip", "srcip", "client_ip"]),
            src_port: keys(&["src_port", "source.port", "srcport"]),
            dst_ip: keys(&["dst_ip", "dest_ip", "destination.ip", "dstip"]),
            dst_port: keys(&["dst_port", "dest_port", "destination.port", "dstport"]),
            protocol: keys(&["protocol", "proto", "network.transport"]),
            user: keys(&["user", "username", "user.name"]),
            host: keys(&["host", "hostname", "host.name"]),
            signature: keys(&["signature", "rule", "rule.name"]),
            message: keys(&["message", "msg"]),
        }
    }
}

/// Plain JSON lines read through a [`JsonMapping`].
#[derive(Debug, Clone, Default)]
pub struct JsonParser {
    /// Where each normalised field is found.
    mapping: JsonMapping,
}

impl JsonParser {
    /// A parser using `mapping`.
    pub fn new(mapping: JsonMapping) -> Self {
        Self { mapping }
    }
}

impl Parser for JsonParser {
    fn format(&self) -> Format {
        Format::Json
    }

    fn parse(&self, line: &str, received_at: DateTime<Utc>) -> Result<Event, ParseError> {
        self.parse_envelope(&Envelope::read(Format::Json, line, received_at)?)
    }
}

impl JsonParser {
    /// Reads a JSON object from an already split line.
    pub(crate) fn parse_envelope(&self, envelope: &Envelope<'_>) -> Result<Event, ParseError> {
        let object = json_object(Format::Json, envelope.msg())?;
        let m = &self.mapping;
        let first = |paths: &[String]| paths.iter().find_map(|p| value_at(&object, p));
        let first_str = |paths: &[String]| paths.iter().find_map(|p| str_at(&object, p));
        let first_port = |paths: &[String]| paths.iter().find_map(|p| port_at(&object, p));

        let mut event = envelope.event(Format::Json);
        let at = first(&m.timestamp).and_then(|v| match v {
            Value::String(s) => parse_datetime(s, LOCAL_OFFSET),
            Value::Number(n) => n.as_i64().and_then(from_epoch),
            _ => None,
        });
        if let Some(at) = at {
            event.timestamp = at;
        }
        let lower = |paths: &[String]| first_str(paths).map(str::to_ascii_lowercase);
        event.category = lower(&m.category)
            .and_then(|c| c.parse().ok())
            .unwrap_or(Category::Other);
        event.action = lower(&m.action)
            .and_then(|a| a.parse().ok())
            .unwrap_or(Action::Info);
        if let Some(severity) = first_str(&m.severity).and_then(crate::severity::word) {
            event.severity = severity;
        }
        event.src_ip = first_str(&m.src_ip).and_then(parse_ip);
        event.src_port = first_port(&m.src_port);
        event.dst_ip = first_str(&m.dst_ip).and_then(parse_ip);
        event.dst_port = first_port(&m.dst_port);
        event.protocol = first_str(&m.protocol).and_then(protocol_name);
        event.user = first_str(&m.user).and_then(text);
        if let Some(host) = first_str(&m.host).and_then(text) {
            event.host = Some(host);
        }
        event.signature = first_str(&m.signature).and_then(text);
        event.message = first_str(&m.message).and_then(text);
        event.fields.extend(object);
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_mapping_and_nested_paths() {
        let mapping = JsonMapping {
            user: keys(&["actor.login"]),
            ..JsonMapping::default()
        };
        let e = JsonParser::new(mapping)
            .parse(
                r#"{"@timestamp":1714526130,"actor":{"login":"taro"},"source":{"ip":"192.0.2.7"},"action":"LOGIN_FAILURE","level":"warning"}"#,
                Utc::now(),
            )
            .expect("parses");
        assert_eq!(e.timestamp.to_rfc3339(), "2024-05-01T01:15:30+00:00");
        assert_eq!(
            (e.user.as_deref(), e.src_ip),
            (Some("taro"), "192.0.2.7".parse().ok())
        );
        assert_eq!(e.action, Action::LoginFailure);
        assert_eq!(e.severity, mamori_model::Severity::Medium);
    }

    #[test]
    fn arrays_are_not_objects() {
        let err = JsonParser::default()
            .parse("[1,2]", Utc::now())
            .expect_err("array");
        assert!(err.reason.starts_with("not a JSON object"));
    }
}
