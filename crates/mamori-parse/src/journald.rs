//! systemd's journal in its JSON export (`journalctl -o json`), one entry per line, as the
//! endpoint agent ships it:
//!
//! `{"__REALTIME_TIMESTAMP":"1714529730000000","_HOSTNAME":"pc-01","SYSLOG_IDENTIFIER":"sshd",
//! "_PID":"812","PRIORITY":"6","MESSAGE":"Failed password for root from 203.0.113.5 …"}`
//!
//! The entry's identifier, host, process id and priority stand in for a syslog header, and
//! the message is read as the Linux parser reads the same program's line, so sshd, sudo,
//! PAM and kernel firewall entries become the same events as when rsyslog forwards them. An
//! entry with no identifier (nor command name) has its message read as a whole syslog line,
//! timed by its own header when it has one: that is how the agent forwards a plain auth log
//! on machines without a journal.

use mamori_model::{Action, Category, Event, Severity};
use serde_json::{Map, Value};

use super::syslog::{Envelope, Header, HeaderKind};
use super::{Format, ParseError, linux};
use crate::normalise::{from_epoch, json_object, put, str_at};

envelope_parser!(
    /// journald JSON export entries.
    JournaldParser,
    Format::Journald,
    parse_envelope
);

/// Whether a JSON body is a journal entry; used by auto-detection.
pub fn looks_like(body: &str) -> bool {
    body.starts_with('{')
        && memchr::memmem::find(body.as_bytes(), b"\"__REALTIME_TIMESTAMP\"").is_some()
}

/// The entry's message: journald writes a message that is not valid UTF-8 as an array of
/// byte values, read here with replacement characters.
fn message(entry: &Map<String, Value>) -> Option<String> {
    match entry.get("MESSAGE")? {
        Value::String(text) => Some(text.clone()),
        Value::Array(bytes) => {
            let bytes: Vec<u8> = bytes
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    }
}

/// A journal field holding a number written as text (`"6"`, `"1714529730000000"`).
fn number(entry: &Map<String, Value>, key: &str) -> Option<i64> {
    str_at(entry, key).and_then(|n| n.trim().parse().ok())
}

/// Reads a journal entry from an already split line (the agent sends it bare; a relay may
/// have put a syslog header in front).
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let entry = json_object(Format::Journald, envelope.msg())?;
    let Some(message) = message(&entry) else {
        return Err(ParseError::new(
            Format::Journald,
            "no \"MESSAGE\": not a journal entry",
        ));
    };
    let timestamp = number(&entry, "__REALTIME_TIMESTAMP").and_then(from_epoch);
    let app = str_at(&entry, "SYSLOG_IDENTIFIER").or_else(|| str_at(&entry, "_COMM"));
    let mut event = match app {
        Some(app) => {
            let priority = number(&entry, "PRIORITY").and_then(|p| u8::try_from(p).ok());
            let facility = number(&entry, "SYSLOG_FACILITY").and_then(|f| u8::try_from(f).ok());
            let pri = match (facility, priority) {
                (Some(f), Some(p)) if f < 24 && p < 8 => Some(f * 8 + p),
                (None, Some(p)) if p < 8 => Some(p),
                _ => None,
            };
            let header = Header {
                kind: HeaderKind::Rfc3164,
                pri,
                timestamp,
                host: str_at(&entry, "_HOSTNAME"),
                app: Some(app),
                procid: str_at(&entry, "SYSLOG_PID").or_else(|| str_at(&entry, "_PID")),
                msgid: None,
                structured_data: None,
                content: &message,
                msg: &message,
            };
            let inner = Envelope {
                line: envelope.line,
                header: Some(header),
                received_at: envelope.received_at,
            };
            let mut event = linux::parse_envelope(&inner)?;
            if event.category == Category::System
                && event.action == Action::Info
                && event.severity == Severity::Info
                && let Some(pri) = pri
            {
                event.severity = crate::severity::from_pri(pri);
            }
            event
        }
        None => {
            let inner = Envelope::read(Format::Journald, &message, envelope.received_at)?;
            let mut event = linux::parse_envelope(&inner)?;
            event.raw = envelope.line.to_owned();
            let stamped = inner.header.as_ref().and_then(|h| h.timestamp).is_some();
            if let (false, Some(at)) = (stamped, timestamp) {
                event.timestamp = at;
            }
            if event.host.is_none() {
                event.host = str_at(&entry, "_HOSTNAME").map(str::to_owned);
            }
            event
        }
    };
    event.format = Format::Journald.as_str().to_owned();
    for (key, field) in [
        ("systemd_unit", "_SYSTEMD_UNIT"),
        ("journal_transport", "_TRANSPORT"),
    ] {
        if let Some(value) = str_at(&entry, field) {
            put(&mut event, key, value);
        }
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;
    use chrono::{DateTime, Utc};

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_532_400, 0).expect("time")
    }

    #[test]
    fn sshd_entries_read_as_the_auth_log_reads_them() {
        let line = r#"{"__REALTIME_TIMESTAMP":"1714529732000000","_HOSTNAME":"pc-01","SYSLOG_IDENTIFIER":"sshd","_PID":"814","PRIORITY":"6","SYSLOG_FACILITY":"4","_SYSTEMD_UNIT":"ssh.service","MESSAGE":"Failed password for root from 203.0.113.5 port 4444 ssh2"}"#;
        let event = JournaldParser.parse(line, at()).expect("parses");
        assert_eq!(event.format, "journald");
        assert_eq!(event.action, Action::LoginFailure);
        assert_eq!(event.user.as_deref(), Some("root"));
        assert_eq!(
            event.src_ip.map(|ip| ip.to_string()).as_deref(),
            Some("203.0.113.5")
        );
        assert_eq!(event.host.as_deref(), Some("pc-01"));
        assert_eq!(event.timestamp.timestamp(), 1_714_529_732);
        assert_eq!(event.fields["syslog_app"], "sshd");
        assert_eq!(event.fields["syslog_pri"], 38);
        assert_eq!(event.fields["systemd_unit"], "ssh.service");
        assert_eq!(event.raw, line);
    }

    #[test]
    fn entries_without_an_identifier_carry_a_syslog_line() {
        let line = r#"{"MESSAGE":"May  1 10:15:32 web01 sshd[814]: Failed password for root from 203.0.113.5 port 4444 ssh2"}"#;
        let event = JournaldParser.parse(line, at()).expect("parses");
        assert_eq!(event.action, Action::LoginFailure);
        assert_eq!(event.host.as_deref(), Some("web01"));
        assert_eq!(event.raw, line);
        assert_eq!(event.format, "journald");
    }

    #[test]
    fn other_programs_keep_their_priority_and_bytes_are_decoded() {
        let line = r#"{"__REALTIME_TIMESTAMP":"1714529732000000","SYSLOG_IDENTIFIER":"kernel","PRIORITY":"3","MESSAGE":[100,105,115,107,32,255]}"#;
        let event = JournaldParser.parse(line, at()).expect("parses");
        assert_eq!(event.category, Category::System);
        assert_eq!(event.message.as_deref(), Some("disk \u{fffd}"));
        assert_eq!(event.severity, crate::severity::from_pri(3));
    }

    #[test]
    fn objects_without_a_message_are_refused() {
        let err = JournaldParser
            .parse(r#"{"SYSLOG_IDENTIFIER":"sshd"}"#, at())
            .expect_err("no message");
        assert!(err.reason.contains("MESSAGE"), "{err}");
        assert!(JournaldParser.parse("not json", at()).is_err());
    }
}
