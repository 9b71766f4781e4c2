//! Windows events as the shippers providers run would send them, made from the EVTX reader's
//! JSON of the same event (`{"Event": {"System": …, "EventData": …}}`, as the Sigma project's
//! regression data holds it): Winlogbeat's ECS document, NXLog's `to_json()` record and Fluent
//! Bit's `winevtlog` record with `Render_Event_As_XML`. Tests use them to check that what
//! mamori reads from each shipper fires the same rules as the EVTX file, and to send such
//! events through the real ingest paths.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value, json};

/// Japan's time, in which NXLog writes a Japanese machine's local time.
const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("nine hours is a valid offset"),
};

/// A shipper whose JSON these helpers make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shipper {
    /// Winlogbeat 8 (ECS).
    Winlogbeat,
    /// NXLog `im_msvistalog` with `to_json()`.
    Nxlog,
    /// Fluent Bit `winevtlog` with `Render_Event_As_XML`.
    FluentBit,
}

impl Shipper {
    /// Every shipper.
    pub const ALL: [Shipper; 3] = [Shipper::Winlogbeat, Shipper::Nxlog, Shipper::FluentBit];

    /// The shipper's name, as the `windows` parser records it.
    pub fn name(self) -> &'static str {
        match self {
            Shipper::Winlogbeat => "winlogbeat",
            Shipper::Nxlog => "nxlog",
            Shipper::FluentBit => "fluent-bit",
        }
    }

    /// `event` (the EVTX reader's JSON) as this shipper would send it; `None` when it is not
    /// a Windows event.
    pub fn render(self, event: &Value) -> Option<Value> {
        let parts = Parts::of(event)?;
        Some(match self {
            Shipper::Winlogbeat => winlogbeat_of(&parts),
            Shipper::Nxlog => nxlog_of(&parts),
            Shipper::FluentBit => fluent_bit_of(&parts),
        })
    }
}

/// A value as a shipper writes event data: text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(map) if map.contains_key("#text") => text(&map["#text"]),
        other => other.to_string(),
    }
}

/// The parts of an EVTX-form event a shipper reads.
struct Parts<'a> {
    system: &'a Map<String, Value>,
    data: Vec<(String, String)>,
    user: Option<(String, Vec<(String, String)>)>,
}

impl<'a> Parts<'a> {
    fn of(event: &'a Value) -> Option<Parts<'a>> {
        let event = event.get("Event")?;
        let system = event.get("System")?.as_object()?;
        let data = match event.get("EventData") {
            Some(Value::Object(map)) => map
                .iter()
                .filter(|(k, _)| *k != "#attributes")
                .map(|(k, v)| (k.clone(), text(v)))
                .collect(),
            _ => Vec::new(),
        };
        let user = event
            .get("UserData")
            .and_then(Value::as_object)
            .and_then(|u| u.iter().next())
            .map(|(name, fields)| {
                let fields = fields
                    .as_object()
                    .map(|f| {
                        f.iter()
                            .filter(|(k, _)| *k != "#attributes")
                            .map(|(k, v)| (k.clone(), text(v)))
                            .collect()
                    })
                    .unwrap_or_default();
                (name.clone(), fields)
            });
        Some(Parts { system, data, user })
    }

    fn sys(&self, key: &str) -> Option<&Value> {
        self.system.get(key)
    }

    fn attr(&self, element: &str, name: &str) -> Option<&Value> {
        self.sys(element)?.get("#attributes")?.get(name)
    }

    fn event_id(&self) -> u64 {
        let id = self.sys("EventID").map(text).unwrap_or_default();
        id.parse().unwrap_or(0)
    }

    fn time(&self) -> String {
        self.attr("TimeCreated", "SystemTime")
            .map(text)
            .unwrap_or_default()
    }
}

/// What Winlogbeat 8 sends: ECS with the event under `winlog`, ids and data as text.
fn winlogbeat_of(parts: &Parts<'_>) -> Value {
    let mut winlog = json!({
        "channel": parts.sys("Channel").map(text),
        "event_id": parts.event_id().to_string(),
        "provider_name": parts.attr("Provider", "Name").map(text),
        "provider_guid": parts.attr("Provider", "Guid").map(|g| format!("{{{}}}", text(g))),
        "computer_name": parts.sys("Computer").map(text),
        "record_id": parts.sys("EventRecordID"),
        "process": {"pid": parts.attr("Execution", "ProcessID"),
                    "thread": {"id": parts.attr("Execution", "ThreadID")}},
        "user": {"identifier": parts.attr("Security", "UserID")},
        "event_data": parts.data.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect::<Map<String, Value>>(),
    });
    if let Some((name, fields)) = &parts.user {
        let mut user: Map<String, Value> = fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        user.insert("xml_name".into(), Value::from(name.clone()));
        winlog["user_data"] = Value::Object(user);
    }
    json!({
        "@timestamp": parts.time(),
        "event": {"code": parts.event_id().to_string(), "kind": "event"},
        "host": {"name": parts.sys("Computer").map(text)},
        "winlog": winlog,
    })
}

/// What NXLog's `to_json()` sends: the system part under NXLog's names, each data field as
/// a key of its own, the time in Japan's local time without a zone.
fn nxlog_of(parts: &Parts<'_>) -> Value {
    let mut record: Map<String, Value> = parts
        .user
        .iter()
        .flat_map(|(_, fields)| fields.iter())
        .chain(parts.data.iter())
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    let local = DateTime::parse_from_rfc3339(&parts.time())
        .map(|t| {
            t.with_timezone(&JST)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    for (key, value) in [
        ("EventTime", Value::from(local.clone())),
        ("EventReceivedTime", Value::from(local)),
        (
            "Hostname",
            parts.sys("Computer").cloned().unwrap_or_default(),
        ),
        ("EventID", Value::from(parts.event_id())),
        (
            "SourceName",
            parts.attr("Provider", "Name").cloned().unwrap_or_default(),
        ),
        ("Channel", parts.sys("Channel").cloned().unwrap_or_default()),
        (
            "RecordNumber",
            parts.sys("EventRecordID").cloned().unwrap_or_default(),
        ),
        (
            "ProcessID",
            parts
                .attr("Execution", "ProcessID")
                .cloned()
                .unwrap_or_default(),
        ),
        ("SeverityValue", Value::from(2)),
        ("Severity", Value::from("INFO")),
        ("SourceModuleName", Value::from("eventlog")),
        ("SourceModuleType", Value::from("im_msvistalog")),
    ] {
        record.insert(key.to_owned(), value);
    }
    Value::Object(record)
}

/// XML text with its five special characters escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// One element of the system part as Windows renders it in XML.
fn xml_element(out: &mut String, name: &str, value: &Value) {
    let _ = write!(out, "<{name}");
    if let Some(Value::Object(attrs)) = value.get("#attributes") {
        for (k, v) in attrs {
            let _ = write!(out, " {k}='{}'", escape(&text(v)));
        }
    }
    match value {
        Value::Object(map) if map.contains_key("#text") => {
            let _ = write!(out, ">{}</{name}>", escape(&text(&map["#text"])));
        }
        Value::Object(_) | Value::Null => out.push_str("/>"),
        other => {
            let _ = write!(out, ">{}</{name}>", escape(&text(other)));
        }
    }
}

/// What Fluent Bit's `winevtlog` sends with `Render_Event_As_XML`: the event as XML in
/// `System`, the message and the data values unnamed.
fn fluent_bit_of(parts: &Parts<'_>) -> Value {
    let mut xml = String::from(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
    );
    for (name, value) in parts.system {
        xml_element(&mut xml, name, value);
    }
    xml.push_str("</System>");
    if !parts.data.is_empty() {
        xml.push_str("<EventData>");
        for (k, v) in &parts.data {
            let _ = write!(xml, "<Data Name='{}'>{}</Data>", escape(k), escape(v));
        }
        xml.push_str("</EventData>");
    }
    if let Some((name, fields)) = &parts.user {
        let _ = write!(xml, "<UserData><{name}>");
        for (k, v) in fields {
            let _ = write!(xml, "<{k}>{}</{k}>", escape(v));
        }
        let _ = write!(xml, "</{name}></UserData>");
    }
    xml.push_str("</Event>");
    let inserts: Vec<Value> = parts
        .data
        .iter()
        .map(|(_, v)| Value::from(v.clone()))
        .collect();
    json!({"System": xml, "Message": "", "StringInserts": inserts})
}
