//! FortiGate logs (traffic, UTM and event logs), bare or behind a syslog header, in the three
//! shapes FortiOS writes:
//!
//! - `key=value` with spaces, whatever the first key: `date=2024-05-01 time=10:15:30
//!   devname="FG60F" eventtime=1714526130123456789 tz="+0900" logid="0000000013"
//!   type="traffic" subtype="forward" level="notice" srcip=192.168.1.10 …`
//! - the same with commas, as the log export writes it: `date=2024-05-01,time=10:15:30,…`
//! - CEF: `CEF:0|Fortinet|Fortigate|v7.2.4|00013|traffic:forward close|3|src=… FTNTFGTlevel=notice …`,
//!   whose standard keys are read as FortiGate's own (`src` as `srcip`, `FTNTFGTlevel` as
//!   `level`).
//!
//! Every pair is kept in `fields` (values as strings, exactly as written); the normalised
//! fields are read from them. A user written as `N/A` is no user.

use chrono::{DateTime, Utc};
use mamori_model::{Action, Category, Event, Severity};
use serde_json::{Map, Value};

use super::syslog::Envelope;
use super::{Format, ParseError, cef, severity};
use crate::normalise::{
    KvPairs, LOCAL_OFFSET, from_epoch, parse_datetime, parse_ip, parse_port, parse_zone,
    protocol_name, text,
};

envelope_parser!(
    /// FortiGate logs.
    FortigateParser,
    Format::Fortigate,
    parse_envelope
);

/// Whether `content` looks like a FortiGate log; used by auto-detection: CEF from Fortinet,
/// or `key=value` pairs (any first key) with FortiGate's `logid` and `type`.
pub fn looks_like(content: &str) -> bool {
    if content.starts_with("CEF:") {
        return content
            .get(..40)
            .unwrap_or(content)
            .contains("|Fortinet|Fortigate|");
    }
    let first_key = content.split_once('=').is_some_and(|(key, _)| {
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    first_key
        && (content.starts_with("logid=")
            || content.contains(" logid=")
            || content.contains(",logid="))
        && (content.starts_with("type=")
            || content.contains(" type=")
            || content.contains(",type="))
}

/// FortiGate's own names for CEF's standard keys.
const CEF_KEYS: [(&str, &str); 15] = [
    ("src", "srcip"),
    ("dst", "dstip"),
    ("spt", "srcport"),
    ("dpt", "dstport"),
    ("proto", "proto"),
    ("act", "action"),
    ("duser", "user"),
    ("suser", "srcuser"),
    ("dvchost", "devname"),
    ("deviceExternalId", "devid"),
    ("msg", "msg"),
    ("fname", "filename"),
    ("request", "url"),
    ("deviceInboundInterface", "srcintf"),
    ("deviceOutboundInterface", "dstintf"),
];

/// The pairs of a FortiGate line in any of its shapes, under FortiGate's names.
fn pairs_of(content: &str) -> Map<String, Value> {
    let Some(record) = cef::read(content) else {
        // Collecting sorts once and builds the map in bulk, faster than inserting pair by pair.
        return KvPairs::detect(content)
            .filter_map(|(key, value)| Some((key.to_owned(), Value::String(value?.into_owned()))))
            .collect();
    };
    let mut pairs = Map::new();
    for (key, value) in record.extension {
        let name = match key.strip_prefix("FTNTFGT") {
            Some(own) => own,
            None => CEF_KEYS
                .iter()
                .find(|(cef, _)| *cef == key)
                .map_or(key, |(_, own)| own),
        };
        pairs
            .entry(name.to_owned())
            .or_insert(Value::String(value.into_owned()));
    }
    // `cat=traffic:forward` names the type and subtype when FortiGate's own keys do not.
    if let Some((kind, subtype)) = pairs
        .get("cat")
        .and_then(Value::as_str)
        .and_then(|c| c.split_once(':'))
        .map(|(k, s)| (k.to_owned(), s.to_owned()))
    {
        pairs.entry("type").or_insert(Value::String(kind));
        pairs.entry("subtype").or_insert(Value::String(subtype));
    }
    pairs.insert("cef_name".into(), Value::String(record.name.into_owned()));
    pairs.insert(
        "cef_severity".into(),
        Value::String(record.severity.into_owned()),
    );
    pairs
}

/// Reads a FortiGate log from an already split line.
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let mut event = envelope.event(Format::Fortigate);
    // The header's fields join the line's own.
    let mut pairs = pairs_of(envelope.content());
    pairs.append(&mut event.fields);
    let get = |key: &str| {
        pairs
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(kind) = get("type") else {
        return Err(ParseError::new(
            Format::Fortigate,
            "no type= field: not a FortiGate key=value log",
        ));
    };
    let subtype = get("subtype").unwrap_or("");
    // FortiOS 5 wrote UTM logs with the UTM kind as type; newer versions use type="utm".
    let utm_kind = match kind {
        "utm" => Some(subtype),
        "virus" | "ips" | "webfilter" | "app-ctrl" | "anomaly" | "dlp" | "emailfilter" | "dns" => {
            Some(kind)
        }
        _ => None,
    };

    if let Some(at) = timestamp(&get) {
        event.timestamp = at;
    }
    if let Some(host) = get("devname") {
        event.host = text(host);
    }
    event.src_ip = get("srcip").or(get("remip")).and_then(parse_ip);
    event.src_port = get("srcport").or(get("remport")).and_then(parse_port);
    event.dst_ip = get("dstip").or(get("locip")).and_then(parse_ip);
    event.dst_port = get("dstport").or(get("locport")).and_then(parse_port);
    event.protocol = get("proto").and_then(protocol_name);
    // FortiGate writes `N/A` where no user is known.
    let known = |u: &&str| !u.eq_ignore_ascii_case("N/A");
    event.user = get("user")
        .filter(known)
        .or(get("srcuser").filter(known))
        .or(get("unauthuser").filter(known))
        .and_then(text);
    event.message = get("msg").or(get("logdesc")).and_then(text);
    // A CEF line without FortiGate's own level falls back to the header's 0-10.
    let level = get("level")
        .and_then(severity::fortigate)
        .or_else(|| get("cef_severity").and_then(severity::cef));
    let action = get("action").unwrap_or("").to_ascii_lowercase();

    match (kind, utm_kind) {
        ("traffic", _) => {
            event.category = Category::Network;
            event.action = match action.as_str() {
                "deny" | "block" => Action::Deny,
                "ip-conn" | "dropped" | "drop" => Action::Drop,
                _ => Action::Allow,
            };
            event.severity = if event.action == Action::Allow {
                Severity::Info
            } else {
                Severity::Low
            };
            event.signature = get("policyname").or(get("policyid")).and_then(text);
        }
        (_, Some(utm)) => {
            let (category, signature) = match utm {
                "virus" => (Category::Malware, get("virus")),
                "ips" | "anomaly" => (Category::Ids, get("attack")),
                "webfilter" => (Category::Web, get("catdesc")),
                "app-ctrl" => (Category::Network, get("app")),
                "dns" => (Category::Dns, get("qname")),
                "ssl" => (Category::Tls, get("msg")),
                "file-filter" | "dlp" => (Category::File, get("filename")),
                _ => (Category::Other, None),
            };
            event.category = category;
            event.signature = signature.and_then(text);
            let detection = matches!(category, Category::Malware | Category::Ids);
            event.action = match action.as_str() {
                "blocked" | "block" | "deny" | "reset" => Action::Deny,
                "dropped" | "drop" | "clear_session" => Action::Drop,
                _ if detection => Action::Alert,
                _ => Action::Allow,
            };
            let stated = get("severity")
                .or(get("crlevel"))
                .and_then(severity::fortigate);
            let floor = if category == Category::Malware {
                Severity::High
            } else {
                Severity::Info
            };
            event.severity = stated.or(level).unwrap_or(Severity::Info).max(floor);
        }
        _ => {
            event_log(&mut event, subtype, &action, &get, level);
        }
    }
    event.fields = pairs;
    Ok(event)
}

/// Classifies an `type="event"` log (system, vpn, user, …) by its description and status.
fn event_log<'a>(
    event: &mut Event,
    subtype: &str,
    action: &str,
    get: &impl Fn(&str) -> Option<&'a str>,
    level: Option<Severity>,
) {
    let desc = get("logdesc").unwrap_or("").to_ascii_lowercase();
    let status = get("status").unwrap_or("");
    let failed = status.starts_with("fail") || desc.contains("fail");
    let login = action.starts_with("login") || desc.contains("login");
    (event.category, event.action) = if login && failed {
        (Category::Auth, Action::LoginFailure)
    } else if login {
        (Category::Auth, Action::Login)
    } else if action.starts_with("logout") || desc.contains("logout") {
        (Category::Auth, Action::Logout)
    } else if action == "tunnel-up" || desc.contains("tunnel up") {
        (Category::Network, Action::LinkUp)
    } else if action == "tunnel-down" || desc.contains("tunnel down") || desc.contains("link down")
    {
        (Category::Network, Action::LinkDown)
    } else if get("cfgpath").is_some() || desc.contains("configured") || desc.contains("config") {
        (Category::Config, Action::ConfigChange)
    } else if subtype == "user" {
        (Category::Auth, Action::Info)
    } else {
        (Category::System, Action::Info)
    };
    event.signature = get("logdesc").and_then(text);
    // FortiGate logs a single failed admin login at level "alert"; one failure is worth a
    // record, not a call at night, so logins stay low and repeated failures are left to
    // detection rules.
    event.severity = match event.action {
        Action::LoginFailure => Severity::Low,
        Action::Login | Action::Logout => Severity::Info,
        _ => level.unwrap_or(Severity::Info),
    };
}

/// The log's time: `eventtime` or FortiOS 7's `timestamp` (epoch in s, ms, µs or ns) when
/// present, else `date` and `time` in the `tz` offset (JST when absent).
fn timestamp<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Option<DateTime<Utc>> {
    if let Some(at) = get("eventtime")
        .or(get("timestamp"))
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(from_epoch)
    {
        return Some(at);
    }
    let zone = get("tz").and_then(parse_zone).unwrap_or(LOCAL_OFFSET);
    parse_datetime(&format!("{} {}", get("date")?, get("time")?), zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;

    fn parse(line: &str) -> Event {
        FortigateParser.parse(line, Utc::now()).expect("parses")
    }

    #[test]
    fn quoted_values_with_spaces_and_tz() {
        let e = parse(
            r#"date=2024-05-01 time=10:15:30 devname="FG 60F" tz="+0900" type="event" subtype="system" level="alert" logdesc="Admin login failed" user="admin" srcip=203.0.113.50 msg="Administrator admin login failed from https(203.0.113.50) because of invalid password""#,
        );
        assert_eq!(e.timestamp.to_rfc3339(), "2024-05-01T01:15:30+00:00");
        assert_eq!(e.host.as_deref(), Some("FG 60F"));
        assert_eq!(
            (e.category, e.action),
            (Category::Auth, Action::LoginFailure)
        );
        assert_eq!(e.user.as_deref(), Some("admin"));
        assert!(
            e.message
                .as_deref()
                .is_some_and(|m| m.ends_with("invalid password"))
        );
    }

    #[test]
    fn lines_without_type_fail() {
        let err = FortigateParser
            .parse("hello world", Utc::now())
            .expect_err("not fortigate");
        assert!(err.reason.contains("type="));
    }
}
