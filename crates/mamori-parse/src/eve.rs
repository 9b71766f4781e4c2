//! Suricata EVE JSON: one object per line with an `event_type` (alert, flow, dns, http, tls,
//! fileinfo, anomaly, …), bare or behind a syslog header. The whole object is kept as the
//! event's `fields`; event types without a mapping become category `other`.

use mamori_model::{Action, Category, Event, Severity};
use serde_json::{Map, Value};

use super::syslog::Envelope;
use super::{Format, ParseError};
use crate::normalise::{
    LOCAL_OFFSET, json_object, parse_datetime, parse_ip, port_at, protocol_name, str_at, text,
    value_at,
};

envelope_parser!(
    /// Suricata EVE JSON lines.
    EveParser,
    Format::Eve,
    parse_envelope
);

/// Whether a JSON body is an EVE record; used by auto-detection.
pub fn looks_like(body: &str) -> bool {
    body.starts_with('{') && memchr::memmem::find(body.as_bytes(), b"\"event_type\"").is_some()
}

/// Reads an EVE record from an already split line.
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let object = json_object(Format::Eve, envelope.msg())?;
    let Some(kind) = str_at(&object, "event_type") else {
        return Err(ParseError::new(
            Format::Eve,
            "no \"event_type\": not a Suricata EVE record",
        ));
    };
    let mut event = envelope.event(Format::Eve);
    if let Some(at) = str_at(&object, "timestamp").and_then(|t| parse_datetime(t, LOCAL_OFFSET)) {
        event.timestamp = at;
    }
    event.src_ip = str_at(&object, "src_ip").and_then(parse_ip);
    event.src_port = port_at(&object, "src_port");
    event.dst_ip = str_at(&object, "dest_ip").and_then(parse_ip);
    event.dst_port = port_at(&object, "dest_port");
    event.protocol = str_at(&object, "proto").and_then(protocol_name);
    if let Some(host) = str_at(&object, "host") {
        event.host = text(host);
    }

    let (category, message) = match kind {
        "alert" => {
            alert(&mut event, &object);
            (Category::Ids, str_at(&object, "alert.signature"))
        }
        "anomaly" => {
            event.severity = Severity::Low;
            event.signature = str_at(&object, "anomaly.event").and_then(text);
            (Category::Ids, str_at(&object, "anomaly.event"))
        }
        "flow" | "netflow" => (Category::Network, str_at(&object, "flow.state")),
        "dns" => (
            Category::Dns,
            str_at(&object, "dns.rrname").or_else(|| first_query(&object)),
        ),
        "http" => (Category::Web, str_at(&object, "http.hostname")),
        "tls" => (Category::Tls, str_at(&object, "tls.sni")),
        "fileinfo" => (Category::File, str_at(&object, "fileinfo.filename")),
        _ => (Category::Other, None),
    };
    event.category = category;
    event.message = match kind {
        "http" => http_summary(&object),
        _ => message.and_then(text),
    };
    event.fields.extend(object);
    Ok(event)
}

/// The first query name of a version 3 DNS record (`dns.queries[0].rrname`).
fn first_query(object: &Map<String, Value>) -> Option<&str> {
    value_at(object, "dns.queries")?
        .as_array()?
        .first()?
        .get("rrname")?
        .as_str()
}

/// `GET example.com/path` for an HTTP record.
fn http_summary(object: &Map<String, Value>) -> Option<String> {
    let host = str_at(object, "http.hostname").unwrap_or("");
    let url = str_at(object, "http.url").unwrap_or("");
    match str_at(object, "http.http_method") {
        Some(method) => Some(format!("{method} {host}{url}")),
        None => text(&format!("{host}{url}")),
    }
}

/// Fills action, severity and signature of an alert; the level follows `severity.toml`.
fn alert(event: &mut Event, object: &Map<String, Value>) {
    event.action = match str_at(object, "alert.action") {
        Some("blocked") => Action::Drop,
        _ => Action::Alert,
    };
    event.severity = value_at(object, "alert.severity")
        .and_then(Value::as_u64)
        .map_or(Severity::Info, crate::severity::suricata);
    event.signature = str_at(object, "alert.signature").and_then(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;
    use chrono::Utc;

    #[test]
    fn non_json_and_json_without_event_type_fail() {
        let now = Utc::now();
        assert!(EveParser.parse("{not json", now).is_err());
        let err = EveParser.parse(r#"{"a":1}"#, now).expect_err("no type");
        assert!(err.reason.contains("event_type"));
    }

    #[test]
    fn alert_with_compact_offset() {
        let e = EveParser
            .parse(
                r#"{"timestamp":"2024-05-01T10:15:30.123456+0900","event_type":"alert","src_ip":"2001:db8::5","src_port":4444,"dest_ip":"2001:db8::1","dest_port":22,"proto":"TCP","alert":{"action":"allowed","signature_id":2001219,"signature":"ET SCAN Potential SSH Scan","severity":2}}"#,
                Utc::now(),
            )
            .expect("parses");
        assert_eq!(e.timestamp.to_rfc3339(), "2024-05-01T01:15:30.123456+00:00");
        assert_eq!(
            (e.category, e.action, e.severity),
            (Category::Ids, Action::Alert, Severity::Medium)
        );
        assert_eq!(e.fields["alert"]["signature_id"], 2001219);
    }
}
