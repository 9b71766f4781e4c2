//! Windows event logs as the shippers SMEs' providers already run deliver them, one JSON
//! object per line:
//!
//! - **Winlogbeat** (Elastic Common Schema): the event under `winlog` (`channel`, `event_id`,
//!   `provider_name`, `computer_name`, `event_data`, `user_data`, …), its time in `@timestamp`;
//! - **NXLog** (`im_msvistalog` with `to_json()`): flat, the system part under NXLog's own
//!   names (`EventID`, `SourceName`, `Channel`, `Hostname`, `EventTime`, …) and each event
//!   data field as a key of its own;
//! - **Fluent Bit** (`winevtlog`): with `Render_Event_As_XML` the whole event as XML in
//!   `System`; without it only the system part flat (`ProviderName`, `EventID`, `Computer`,
//!   …) and the data values unnamed in `StringInserts`, which no rule can name;
//! - and the event as an EVTX reader renders it (`{"Event": {"System": …, "EventData": …}}`),
//!   which is what `mamori scan` reads.
//!
//! Whatever the shape, the event is rebuilt in that last form and kept in the event's
//! `fields.Event`, so detection reads it exactly as it reads an EVTX file: the same Sigma
//! field names (`EventID`, `Channel`, `Provider_Name`, `Image`, `TargetUserName` …) and the
//! same rules fire. The shape read is recorded in `fields.shipper`.

use chrono::{DateTime, SubsecRound, Utc};
use mamori_model::{Action, Category, Event, Severity};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::syslog::Envelope;
use super::{Format, ParseError};
use crate::normalise::{LOCAL_OFFSET, json_object, parse_datetime, parse_ip, put, text};

envelope_parser!(
    /// Windows events from Winlogbeat, NXLog, Fluent Bit or an EVTX reader.
    WindowsParser,
    Format::Windows,
    parse_envelope
);

/// Whether a JSON body is a Windows event in one of the shapes read here; used by
/// auto-detection.
pub fn looks_like(body: &str) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(body.as_bytes(), needle).is_some();
    body.starts_with('{')
        && (has(b"\"winlog\"") || has(b"\"EventID\"") || (has(b"\"System\"") && has(b"<EventID>")))
}

/// Which shipper's shape a line had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shipper {
    Winlogbeat,
    Nxlog,
    FluentBit,
    Evtx,
}

impl Shipper {
    fn as_str(self) -> &'static str {
        match self {
            Shipper::Winlogbeat => "winlogbeat",
            Shipper::Nxlog => "nxlog",
            Shipper::FluentBit => "fluent-bit",
            Shipper::Evtx => "evtx",
        }
    }
}

/// An event rebuilt in the EVTX form, with the shape it came in and its message text.
struct Rebuilt {
    shipper: Shipper,
    event: Map<String, Value>,
    message: Option<String>,
    /// The event's time when it was read from a shipper's own field (already written into
    /// the EVTX form as text): kept so that it is not read back from that text.
    time: Option<DateTime<Utc>>,
}

/// The text under `key`, owned.
fn owned_text(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Reads a Windows event from an already split line.
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let body = envelope.msg();
    let rebuilt = match winlogbeat_direct(body) {
        Some(rebuilt) => rebuilt,
        None => rebuild(json_object(Format::Windows, body)?)?,
    };
    let mut event = envelope.event(Format::Windows);
    normalise(&mut event, &rebuilt.event, rebuilt.time);
    event.message = rebuilt.message.as_deref().and_then(text);
    event
        .fields
        .insert("shipper".into(), Value::from(rebuilt.shipper.as_str()));
    event
        .fields
        .insert("Event".into(), Value::Object(rebuilt.event));
    Ok(event)
}

/// The event in the EVTX reader's form (`System`, `EventData`, `UserData`), with the
/// shipper's shape and its message text.
fn rebuild(mut object: Map<String, Value>) -> Result<Rebuilt, ParseError> {
    if let Some(Value::Object(event)) = object.get("Event")
        && event.get("System").is_some_and(Value::is_object)
    {
        let message = owned_text(&object, "Message");
        if let Some(Value::Object(event)) = object.remove("Event") {
            return Ok(Rebuilt {
                shipper: Shipper::Evtx,
                event,
                message,
                time: None,
            });
        }
    }
    if object.get("winlog").is_some_and(Value::is_object) {
        let document = serde_json::from_value(Value::Object(object)).map_err(|e| {
            ParseError::new(Format::Windows, format!("unreadable Winlogbeat event: {e}"))
        })?;
        return Ok(winlogbeat(document));
    }
    if let Some(Value::String(xml)) = object.get("System") {
        return Ok(Rebuilt {
            shipper: Shipper::FluentBit,
            event: from_xml(xml)?,
            message: owned_text(&object, "Message"),
            time: None,
        });
    }
    if object.contains_key("EventID") && object.contains_key("ProviderName") {
        return Ok(fluent_bit_flat(object));
    }
    if object.contains_key("EventID") && object.contains_key("SourceName") {
        return Ok(nxlog(object));
    }
    Err(ParseError::new(
        Format::Windows,
        "not a Windows event: expected Winlogbeat's \"winlog\", NXLog's \"EventID\" and \
         \"SourceName\", Fluent Bit's \"ProviderName\" or XML \"System\", or an EVTX \"Event\"",
    ))
}

/// The system part of an event, from whichever names a shipper used.
#[derive(Default)]
struct SystemParts {
    provider: Option<Value>,
    guid: Option<Value>,
    event_id: Option<Value>,
    version: Option<Value>,
    level: Option<Value>,
    task: Option<Value>,
    opcode: Option<Value>,
    keywords: Option<Value>,
    /// To the microsecond, as the EVTX form writes it.
    time: Option<DateTime<Utc>>,
    record_id: Option<Value>,
    process_id: Option<Value>,
    thread_id: Option<Value>,
    channel: Option<Value>,
    computer: Option<Value>,
    user_id: Option<Value>,
}

/// `"4624"` → `4624`: event ids and other counters are numbers in the EVTX form, and some
/// shippers write them as text.
fn number(value: Value) -> Value {
    match &value {
        Value::String(s) => s.trim().parse::<u64>().map_or(value, Value::from),
        _ => value,
    }
}

/// An object of one member `key`. Built by hand: `json!` serialises its values again.
fn single(key: &str, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key.to_owned(), value);
    Value::Object(object)
}

/// `{"#attributes": {…}}` with the attributes given, when any is.
fn attributes<const N: usize>(pairs: [(&str, Option<Value>); N]) -> Option<Value> {
    let mut map = Map::new();
    for (key, value) in pairs {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    }
    (!map.is_empty()).then(|| single("#attributes", Value::Object(map)))
}

impl SystemParts {
    fn into_json(self) -> Map<String, Value> {
        let mut system = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                system.insert(key.to_owned(), value);
            }
        };
        put(
            "Provider",
            attributes([("Name", self.provider), ("Guid", self.guid)]),
        );
        put("EventID", self.event_id.map(number));
        put("Version", self.version.map(number));
        put("Level", self.level.map(number));
        put("Task", self.task.map(number));
        put("Opcode", self.opcode.map(number));
        put("Keywords", self.keywords);
        put(
            "TimeCreated",
            attributes([(
                "SystemTime",
                self.time
                    .map(|t| Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))),
            )]),
        );
        put("EventRecordID", self.record_id.map(number));
        put(
            "Execution",
            attributes([
                ("ProcessID", self.process_id.map(number)),
                ("ThreadID", self.thread_id.map(number)),
            ]),
        );
        put("Channel", self.channel);
        put("Computer", self.computer);
        put("Security", attributes([("UserID", self.user_id)]));
        system
    }
}

/// Assembles the EVTX form from its parts.
fn event_of(
    system: SystemParts,
    data: Map<String, Value>,
    user: Option<Value>,
) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("System".into(), Value::Object(system.into_json()));
    if !data.is_empty() {
        event.insert("EventData".into(), Value::Object(data));
    }
    if let Some(user) = user {
        event.insert("UserData".into(), user);
    }
    event
}

/// A time read from a shipper's text (assumed Japan time when it has no zone, as NXLog
/// writes the machine's local time), to the microsecond as the EVTX form keeps it.
fn utc_time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let text = value?.as_str()?;
    let at = parse_datetime(text, LOCAL_OFFSET).or_else(|| {
        DateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S %z")
            .ok()
            .map(|t| t.to_utc())
    })?;
    Some(at.trunc_subsecs(6))
}

/// The parts of Winlogbeat's ECS document that are read; the rest (`agent`, `ecs`,
/// `host`, `log` …) is skipped while parsing, without being built.
#[derive(Deserialize)]
struct Winlogbeat {
    #[serde(rename = "@timestamp", default)]
    timestamp: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    winlog: Winlog,
    /// Present when the line is an EVTX reader's event: that shape is read first.
    #[serde(rename = "Event", default)]
    evtx: Option<serde::de::IgnoredAny>,
}

/// Winlogbeat's `winlog` object. A member present with `null` stays `Some(Null)`, as the
/// general reading keeps it.
#[derive(Deserialize)]
struct Winlog {
    #[serde(default, deserialize_with = "present")]
    provider_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    provider_guid: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    event_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    version: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    record_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    channel: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    computer_name: Option<Value>,
    #[serde(default)]
    process: Option<Value>,
    #[serde(default)]
    user: Option<Value>,
    #[serde(default)]
    event_data: Option<Value>,
    #[serde(default)]
    user_data: Option<Value>,
}

/// A member that is present, `null` included.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// A Winlogbeat line read straight into its parts, or `None` when the line is not one
/// (or is one the general reading must decide on, such as a repeated key): most Windows
/// events arrive this way, and building every member of the document as a map first took
/// most of the parsing time.
fn winlogbeat_direct(body: &str) -> Option<Rebuilt> {
    memchr::memmem::find(body.as_bytes(), b"\"winlog\"")?;
    let document: Winlogbeat = serde_json::from_str(body.trim()).ok()?;
    document.evtx.is_none().then(|| winlogbeat(document))
}

/// Winlogbeat's ECS document.
fn winlogbeat(document: Winlogbeat) -> Rebuilt {
    let time = utc_time(document.timestamp.as_ref());
    let message = match document.message {
        Some(Value::String(message)) => Some(message),
        _ => None,
    };
    let winlog = document.winlog;
    let process = winlog.process.as_ref();
    let system = SystemParts {
        provider: winlog.provider_name,
        guid: winlog.provider_guid,
        event_id: winlog.event_id,
        version: winlog.version,
        level: None,
        task: None,
        opcode: None,
        keywords: None,
        time,
        record_id: winlog.record_id,
        process_id: process.and_then(|p| p.get("pid")).cloned(),
        thread_id: process
            .and_then(|p| p.get("thread"))
            .and_then(|t| t.get("id"))
            .cloned(),
        channel: winlog.channel,
        computer: winlog.computer_name,
        user_id: winlog
            .user
            .as_ref()
            .and_then(|u| u.get("identifier"))
            .cloned(),
    };
    let data = match winlog.event_data {
        Some(Value::Object(data)) => data,
        _ => Map::new(),
    };
    // Winlogbeat names the user data's element in `xml_name`.
    let user_data = match winlog.user_data {
        Some(Value::Object(mut fields)) => {
            let name = match fields.remove("xml_name") {
                Some(Value::String(name)) => name,
                _ => "UserData".to_owned(),
            };
            Some(single(&name, Value::Object(fields)))
        }
        _ => None,
    };
    Rebuilt {
        shipper: Shipper::Winlogbeat,
        time: system.time,
        event: event_of(system, data, user_data),
        message,
    }
}

/// NXLog's names for the system part; every other key is event data.
const NXLOG_SYSTEM: [&str; 30] = [
    "EventTime",
    "EventTimeWritten",
    "Hostname",
    "Keywords",
    "EventType",
    "SeverityValue",
    "Severity",
    "EventID",
    "SourceName",
    "ProviderGuid",
    "Version",
    "Task",
    "OpcodeValue",
    "RecordNumber",
    "ActivityID",
    "RelatedActivityID",
    "ProcessID",
    "ThreadID",
    "Channel",
    "Domain",
    "AccountName",
    "UserID",
    "AccountType",
    "Category",
    "Opcode",
    "Message",
    "EventReceivedTime",
    "SourceModuleName",
    "SourceModuleType",
    "Level",
];

/// Where a flat shipper record keeps each part of the system part.
struct FlatNames {
    time: &'static str,
    provider: &'static str,
    opcode: &'static str,
    record_id: &'static str,
    computer: &'static str,
}

/// NXLog's names.
const NXLOG_NAMES: FlatNames = FlatNames {
    time: "EventTime",
    provider: "SourceName",
    opcode: "OpcodeValue",
    record_id: "RecordNumber",
    computer: "Hostname",
};

/// Fluent Bit's names (without `Render_Event_As_XML`).
const FLUENT_BIT_NAMES: FlatNames = FlatNames {
    time: "TimeCreated",
    provider: "ProviderName",
    opcode: "Opcode",
    record_id: "EventRecordID",
    computer: "Computer",
};

/// The system part of a flat record, taken out of it under `names` (the names both
/// shippers share are taken as they are); what is left is the record's own.
fn take_system(object: &mut Map<String, Value>, names: &FlatNames) -> SystemParts {
    let time = utc_time(object.get(names.time));
    let mut take = |key: &str| object.remove(key);
    SystemParts {
        provider: take(names.provider),
        guid: take("ProviderGuid"),
        event_id: take("EventID"),
        version: take("Version"),
        level: take("Level"),
        task: take("Task"),
        opcode: take(names.opcode),
        keywords: take("Keywords"),
        time,
        record_id: take(names.record_id),
        process_id: take("ProcessID"),
        thread_id: take("ThreadID"),
        channel: take("Channel"),
        computer: take(names.computer),
        user_id: take("UserID"),
    }
}

/// NXLog's flat record: every key that is not NXLog's own is event data.
fn nxlog(mut object: Map<String, Value>) -> Rebuilt {
    let message = owned_text(&object, "Message");
    let system = take_system(&mut object, &NXLOG_NAMES);
    for key in NXLOG_SYSTEM {
        object.remove(key);
    }
    Rebuilt {
        shipper: Shipper::Nxlog,
        time: system.time,
        event: event_of(system, object, None),
        message,
    }
}

/// Fluent Bit's flat record, without the event data's names.
fn fluent_bit_flat(mut object: Map<String, Value>) -> Rebuilt {
    let message = owned_text(&object, "Message");
    let system = take_system(&mut object, &FLUENT_BIT_NAMES);
    let mut data = Map::new();
    if let Some(inserts) = object.remove("StringInserts") {
        data.insert("Data".into(), inserts);
    }
    Rebuilt {
        shipper: Shipper::FluentBit,
        time: system.time,
        event: event_of(system, data, None),
        message,
    }
}

/// An event rendered as XML (`<Event><System>…</System><EventData>…</EventData></Event>`),
/// read into the EVTX form: attributes under `#attributes`, numbers as numbers in the system
/// part, each `<Data Name="…">` as a field.
fn from_xml(xml: &str) -> Result<Map<String, Value>, ParseError> {
    let document = roxmltree::Document::parse(xml).map_err(|e| {
        ParseError::new(Format::Windows, format!("the event XML is unreadable: {e}"))
    })?;
    let root = document.root_element();
    let mut event = Map::new();
    for part in root.children().filter(roxmltree::Node::is_element) {
        let name = part.tag_name().name();
        let value = match name {
            "System" => Value::Object(
                part.children()
                    .filter(roxmltree::Node::is_element)
                    .map(|e| (e.tag_name().name().to_owned(), element(e, true)))
                    .collect(),
            ),
            "EventData" => Value::Object(event_data(part)),
            _ => Value::Object(
                part.children()
                    .filter(roxmltree::Node::is_element)
                    .map(|e| (e.tag_name().name().to_owned(), element(e, false)))
                    .collect(),
            ),
        };
        event.insert(name.to_owned(), value);
    }
    if !event.get("System").is_some_and(Value::is_object) {
        return Err(ParseError::new(
            Format::Windows,
            "the event XML has no <System> part",
        ));
    }
    Ok(event)
}

/// One element as the EVTX form writes it.
fn element(node: roxmltree::Node<'_, '_>, numbers: bool) -> Value {
    let typed = |s: &str| {
        if numbers {
            number(Value::from(s))
        } else {
            Value::from(s)
        }
    };
    let attrs: Map<String, Value> = node
        .attributes()
        .filter(|a| a.namespace().is_none() && a.name() != "xmlns")
        .map(|a| (a.name().to_owned(), typed(a.value())))
        .collect();
    let children: Vec<_> = node
        .children()
        .filter(roxmltree::Node::is_element)
        .collect();
    let content = if children.is_empty() {
        node.text().map(|t| typed(t.trim()))
    } else {
        Some(Value::Object(
            children
                .into_iter()
                .map(|c| (c.tag_name().name().to_owned(), element(c, numbers)))
                .collect(),
        ))
    };
    match (attrs.is_empty(), content) {
        (true, Some(content)) => content,
        (true, None) => Value::Null,
        (false, None) => single("#attributes", Value::Object(attrs)),
        (false, Some(content)) => {
            let mut both = Map::new();
            both.insert("#attributes".into(), Value::Object(attrs));
            both.insert("#text".into(), content);
            Value::Object(both)
        }
    }
}

/// `<Data Name="Image">…</Data>` → `"Image": "…"`; unnamed values gather in `Data`.
fn event_data(node: roxmltree::Node<'_, '_>) -> Map<String, Value> {
    let mut data = Map::new();
    let mut unnamed = Vec::new();
    for item in node.children().filter(roxmltree::Node::is_element) {
        let value = Value::from(item.text().unwrap_or(""));
        match item.attribute("Name") {
            Some(name) => {
                data.insert(name.to_owned(), value);
            }
            None => unnamed.push(value),
        }
    }
    if !unnamed.is_empty() {
        data.insert("Data".into(), Value::Array(unnamed));
    }
    data
}

/// Sets the normalised fields a person reads on the event list: time, machine, account,
/// address, and for sign-ins what happened.
fn normalise(event: &mut Event, windows: &Map<String, Value>, time: Option<DateTime<Utc>>) {
    let system = windows.get("System");
    let data = windows.get("EventData");
    let sys = |key: &str| system.and_then(|s| s.get(key));
    let field = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
    if let Some(at) = time.or_else(|| {
        sys("TimeCreated")
            .and_then(|t| t.get("#attributes"))
            .and_then(|a| a.get("SystemTime"))
            .and_then(Value::as_str)
            .and_then(|t| parse_datetime(t, LOCAL_OFFSET))
    }) {
        event.timestamp = at;
    }
    if let Some(host) = sys("Computer").and_then(Value::as_str).and_then(text) {
        event.host = Some(host);
    }
    event.user = ["TargetUserName", "SubjectUserName", "User"]
        .into_iter()
        .filter_map(field)
        .find(|u| !u.is_empty() && *u != "-")
        .map(str::to_owned);
    event.src_ip = ["IpAddress", "SourceIp", "SourceAddress"]
        .into_iter()
        .filter_map(field)
        .find_map(parse_ip);
    let id = sys("EventID").and_then(|v| v.get("#text").unwrap_or(v).as_u64());
    let channel = sys("Channel").and_then(Value::as_str).unwrap_or("");
    event.category = Category::System;
    if channel == "Security" {
        match id {
            Some(4624) => (event.category, event.action) = (Category::Auth, Action::Login),
            Some(4625) => (event.category, event.action) = (Category::Auth, Action::LoginFailure),
            Some(4634 | 4647) => (event.category, event.action) = (Category::Auth, Action::Logout),
            _ => {}
        }
    }
    // Windows levels: 1 critical, 2 error, 3 warning, 4 and 0 information.
    event.severity = match sys("Level").and_then(Value::as_u64) {
        Some(1) => Severity::High,
        Some(2) => Severity::Medium,
        Some(3) => Severity::Low,
        _ => Severity::Info,
    };
    if let Some(channel) = text(channel) {
        put(event, "channel", &channel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;
    use chrono::Utc;
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_532_400, 0).expect("time")
    }

    fn windows(line: &str) -> (Event, Value) {
        let event = WindowsParser.parse(line, at()).expect("parses");
        let shape = event.fields["Event"].clone();
        (event, shape)
    }

    #[test]
    fn winlogbeat_documents_become_the_evtx_form() {
        let line = r#"{"@timestamp":"2024-05-01T01:15:30.123Z","message":"An account failed to log on.","winlog":{"channel":"Security","event_id":"4625","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"PC-01.example.local","record_id":812,"process":{"pid":640,"thread":{"id":7000}},"event_data":{"TargetUserName":"taro","IpAddress":"203.0.113.5","LogonType":"3"}}}"#;
        let (event, shape) = windows(line);
        assert_eq!(shape["System"]["EventID"], 4625);
        assert_eq!(shape["System"]["Channel"], "Security");
        assert_eq!(
            shape["System"]["Provider"]["#attributes"]["Name"],
            "Microsoft-Windows-Security-Auditing"
        );
        assert_eq!(
            shape["System"]["Execution"]["#attributes"]["ProcessID"],
            640
        );
        assert_eq!(shape["EventData"]["LogonType"], "3");
        assert_eq!(event.fields["shipper"], "winlogbeat");
        assert_eq!(event.action, Action::LoginFailure);
        assert_eq!(event.user.as_deref(), Some("taro"));
        assert_eq!(event.host.as_deref(), Some("PC-01.example.local"));
        assert_eq!(event.timestamp.timestamp(), 1_714_526_130);
        assert_eq!(
            event.message.as_deref(),
            Some("An account failed to log on.")
        );
    }

    #[test]
    fn the_event_time_is_kept_to_the_microsecond_as_the_evtx_form_writes_it() {
        let line = r#"{"@timestamp":"2024-05-01T01:15:30.123456789Z","winlog":{"channel":"Security","event_id":4624}}"#;
        let (event, shape) = windows(line);
        assert_eq!(
            shape["System"]["TimeCreated"]["#attributes"]["SystemTime"],
            "2024-05-01T01:15:30.123456Z"
        );
        assert_eq!(event.timestamp.timestamp_subsec_nanos(), 123_456_000);
    }

    #[test]
    fn winlogbeat_read_directly_equals_the_general_reading() {
        let lines = [
            r#"{"@timestamp":"2024-05-01T01:15:30Z","agent":{"type":"winlogbeat","version":"8.13.0"},"ecs":{"version":"8.0.0"},"host":{"name":"pc"},"message":"m","winlog":{"channel":"Security","event_id":4624,"provider_guid":null,"record_id":null,"process":{"pid":null,"thread":{"id":5}},"user":{"identifier":"S-1-5-18"},"event_data":{"LogonType":"3"},"user_data":{"xml_name":"LogFileCleared","SubjectUserName":"taro"}}}"#,
            r#"{"winlog":{"channel":"System","event_id":"7045","process":"not an object","event_data":[1,2]},"message":42}"#,
            r#"{"winlog":{}}"#,
        ];
        for line in lines {
            let direct = winlogbeat_direct(line).expect("read directly");
            let general = rebuild(json_object(Format::Windows, line).expect("json")).expect("read");
            assert_eq!(direct.event, general.event, "{line}");
            assert_eq!(direct.message, general.message, "{line}");
            assert_eq!(direct.shipper, general.shipper, "{line}");
        }
        // A repeated key, and an EVTX reader's event beside `winlog`, are left to the
        // general reading, which takes the last value and the EVTX shape.
        let repeated = r#"{"winlog":{"channel":"A","channel":"Security","event_id":1}}"#;
        assert!(winlogbeat_direct(repeated).is_none());
        let (_, shape) = windows(repeated);
        assert_eq!(shape["System"]["Channel"], "Security");
        let both = r#"{"winlog":{"channel":"A"},"Event":{"System":{"EventID":1}}}"#;
        assert!(winlogbeat_direct(both).is_none());
        assert_eq!(windows(both).0.fields["shipper"], "evtx");
    }

    #[test]
    fn nxlog_records_split_system_from_data() {
        let line = r#"{"EventTime":"2024-05-01 10:15:30","Hostname":"PC-02","EventID":1,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","RecordNumber":55,"ProcessID":3000,"SeverityValue":2,"Severity":"INFO","EventReceivedTime":"2024-05-01 10:15:31","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog","Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd /c whoami","User":"EXAMPLE\\hanako"}"#;
        let (event, shape) = windows(line);
        assert_eq!(shape["System"]["EventID"], 1);
        assert_eq!(shape["System"]["Computer"], "PC-02");
        assert_eq!(shape["EventData"]["CommandLine"], "cmd /c whoami");
        assert!(shape["EventData"].get("SeverityValue").is_none());
        assert!(shape["EventData"].get("Hostname").is_none());
        assert_eq!(event.fields["shipper"], "nxlog");
        assert_eq!(
            event.timestamp.timestamp(),
            1_714_526_130,
            "read as Japan time"
        );
        assert_eq!(event.user.as_deref(), Some("EXAMPLE\\hanako"));
    }

    #[test]
    fn fluent_bit_xml_is_read_with_names_and_numbers() {
        let xml = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>3</EventID><Level>4</Level><TimeCreated SystemTime='2024-05-01T01:15:30.0000000Z'/><EventRecordID>9</EventRecordID><Correlation/><Execution ProcessID='3544' ThreadID='4272'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>pc-03</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='Image'>C:\Tools\a.exe</Data><Data Name='DestinationIp'>198.51.100.7</Data><Data Name='Empty'></Data></EventData></Event>"#;
        let line = serde_json::to_string(
            &json!({"System": xml, "Message": "Network connection detected"}),
        )
        .expect("json");
        let (event, shape) = windows(&line);
        assert_eq!(shape["System"]["EventID"], 3);
        assert_eq!(
            shape["System"]["Execution"]["#attributes"]["ThreadID"],
            4272
        );
        assert_eq!(shape["System"]["Correlation"], Value::Null);
        assert_eq!(shape["EventData"]["Image"], "C:\\Tools\\a.exe");
        assert_eq!(shape["EventData"]["Empty"], "");
        assert_eq!(event.fields["shipper"], "fluent-bit");
        assert_eq!(event.host.as_deref(), Some("pc-03"));
        assert_eq!(
            event.message.as_deref(),
            Some("Network connection detected")
        );
    }

    #[test]
    fn fluent_bit_without_xml_keeps_what_it_has() {
        let line = r#"{"ProviderName":"Service Control Manager","EventID":7045,"Level":4,"Channel":"System","Computer":"pc-04","TimeCreated":"2024-05-01 10:15:30 +0900","Message":"A service was installed","StringInserts":["evil","C:\\evil.exe"]}"#;
        let (event, shape) = windows(line);
        assert_eq!(shape["System"]["EventID"], 7045);
        assert_eq!(shape["EventData"]["Data"][1], "C:\\evil.exe");
        assert_eq!(event.timestamp.timestamp(), 1_714_526_130);
    }

    #[test]
    fn other_json_is_refused_with_the_shapes_expected() {
        let err = WindowsParser
            .parse(r#"{"message":"hello"}"#, at())
            .expect_err("not windows");
        assert!(err.reason.contains("winlog"), "{err}");
        let err = WindowsParser
            .parse(r#"{"System":"<Event><Sys"}"#, at())
            .expect_err("broken xml");
        assert!(err.reason.contains("XML"), "{err}");
    }
}
