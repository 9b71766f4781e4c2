//! Event views: how the detector reads fields from the events it is given, without copying
//! them. [`JsonView`] reads JSON events — Windows events as EVTX parsers and the agent render
//! them (`Event.System` / `Event.EventData`), or flat objects — and [`ModelView`] reads
//! mamori's normalised [`mamori_model::Event`]. Both try the mapping's field aliases when
//! the event lacks a field a rule names.

use std::borrow::Cow;

use mamori_model::Event as ModelEvent;
use rsigma_eval::event::{Event, EventValue};
use serde_json::{Map, Value};

use crate::mapping::Mapping;

/// How deep nested JSON is walked for keyword searches.
const MAX_DEPTH: usize = 32;

/// How deep nested JSON is walked for the strings of fields: as deep as `serde_json`
/// parses, so every value a field look-up can reach in a parsed event is seen.
pub(crate) const MAX_FIELD_DEPTH: usize = 128;

/// Receives an event's strings with the keys they sit under (see [`Leaves`]).
pub(crate) trait LeafVisitor {
    /// Whether the strings under `key` are wanted; asked before each string.
    fn wants(&mut self, key: &str) -> bool;
    /// A string under the key last asked about and wanted.
    fn string(&mut self, s: &str);
    /// A number under the key last asked about and wanted.
    fn number(&mut self, value: f64);
}

/// Event views that can offer every string a field look-up may return.
pub(crate) trait Leaves: Event {
    /// Offers `visitor` every string and number that `get_field` can return, alone or in an
    /// array, for any name, each under its key: the last dot-separated part of the object key
    /// holding it (a `#text` member counts as its parent). The index relies on this: a
    /// name (or one of its aliases) reaches only strings under its own last part or under
    /// the last part of what follows its first `_`.
    fn visit_leaves(&self, visitor: &mut dyn LeafVisitor);
}

/// Whether a key holds a space (some providers name fields with spaces; rules drop them).
/// A plain loop: keys are short, and `contains` calls out to `memchr` for each.
pub(crate) fn has_space(key: &str) -> bool {
    key.bytes().any(|b| b == b' ')
}

/// The last dot-separated part of a field name or key.
pub(crate) fn last_part(name: &str) -> &str {
    // A plain loop: names are short, and `rfind` calls out to `memrchr` for each of the
    // event's keys, which cost more than the search itself.
    name.bytes()
        .rposition(|b| b == b'.')
        .map_or(name, |at| &name[at + 1..])
}

/// Offers `visitor` the strings in `value`, which sits under `key`.
fn leaves(value: &Value, key: &str, depth: usize, visitor: &mut dyn LeafVisitor) {
    match value {
        Value::String(s) if visitor.wants(key) => visitor.string(s),
        Value::Number(n) if visitor.wants(key) => {
            if let Some(n) = n.as_f64() {
                visitor.number(n);
            }
        }
        Value::Array(items) if depth > 0 => {
            for item in items {
                leaves(item, key, depth - 1, visitor);
            }
        }
        Value::Object(map) if depth > 0 => {
            for (name, item) in map {
                let key = if name == "#text" {
                    key
                } else {
                    last_part(name)
                };
                leaves(item, key, depth - 1, visitor);
            }
        }
        _ => {}
    }
}

/// Where a JSON event keeps its fields.
#[derive(Debug, Clone, Copy)]
enum Layout<'a> {
    /// A Windows event: `EventData` (and `UserData`) first, then `System`.
    Windows {
        system: &'a Map<String, Value>,
        data: Option<&'a Map<String, Value>>,
        user: Option<&'a Map<String, Value>>,
        /// Some providers (Defender) name data fields with spaces; rules drop them.
        spaced: bool,
    },
    /// Anything else: top-level keys and dotted paths.
    Flat,
}

/// A read-only view of a JSON event for rule evaluation.
#[derive(Debug, Clone, Copy)]
pub struct JsonView<'a> {
    root: &'a Value,
    layout: Layout<'a>,
    mapping: &'a Mapping,
}

impl<'a> JsonView<'a> {
    /// A view of `root`, recognising the Windows event layout when present.
    pub fn new(root: &'a Value, mapping: &'a Mapping) -> Self {
        // A normalised Windows event rendered as JSON keeps the EVTX form in `fields.Event`.
        let event = root
            .get("Event")
            .or_else(|| root.get("fields").and_then(|f| f.get("Event")))
            .unwrap_or(root);
        let layout = match event.get("System").and_then(Value::as_object) {
            Some(system) => {
                let data = event.get("EventData").and_then(Value::as_object);
                Layout::Windows {
                    system,
                    spaced: data.is_some_and(|d| d.keys().any(|k| has_space(k))),
                    data,
                    user: event
                        .get("UserData")
                        .and_then(Value::as_object)
                        .and_then(|user| user.values().find_map(Value::as_object)),
                }
            }
            None => Layout::Flat,
        };
        Self {
            root,
            layout,
            mapping,
        }
    }

    /// The event itself.
    pub fn root(&self) -> &'a Value {
        self.root
    }

    fn lookup(&self, name: &str) -> Option<&'a Value> {
        match self.layout {
            Layout::Windows {
                system,
                data,
                user,
                spaced,
            } => data
                .and_then(|d| d.get(name))
                .or_else(|| {
                    data.filter(|_| spaced)
                        .and_then(|d| without_spaces(d, name))
                })
                .or_else(|| user.and_then(|u| u.get(name)))
                .or_else(|| system_field(system, name))
                .or_else(|| dotted(self.root, name))
                .or_else(|| self.root.get(name)),
            Layout::Flat => self.root.get(name).or_else(|| dotted(self.root, name)),
        }
    }
}

/// The data field whose name, without spaces, is `name` (`Source Name` for `SourceName`).
fn without_spaces<'a>(data: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    data.iter()
        .find(|(key, _)| has_space(key) && key.chars().filter(|c| *c != ' ').eq(name.chars()))
        .map(|(_, value)| value)
}

/// A `System` field by its Sigma name: `EventID`, `Channel`, or `Provider_Name` for the
/// `Name` attribute of `Provider`.
fn system_field<'a>(system: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = system.get(name) {
        return Some(value);
    }
    let (element, attribute) = name.split_once('_')?;
    system.get(element)?.get("#attributes")?.get(attribute)
}

/// A dotted path (`fields.dns.rrname`) walked through objects.
fn dotted<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if !path.contains('.') {
        return None;
    }
    path.split('.').try_fold(root, |node, key| node.get(key))
}

/// A JSON value as the evaluator sees it; XML-rendered elements keep their text in `#text`.
fn event_value(value: &Value) -> EventValue<'_> {
    match value.get("#text") {
        Some(text) => EventValue::from(text),
        None => EventValue::from(value),
    }
}

/// Calls `visit` with every string in `value` until it returns `true`.
fn any_string(value: &Value, depth: usize, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Value::String(s) => visit(s),
        Value::Array(items) if depth > 0 => items.iter().any(|v| any_string(v, depth - 1, visit)),
        Value::Object(map) if depth > 0 => map.values().any(|v| any_string(v, depth - 1, visit)),
        _ => false,
    }
}

/// Collects every string in `value`, borrowed.
fn strings<'a>(value: &'a Value, depth: usize, out: &mut Vec<Cow<'a, str>>) {
    match value {
        Value::String(s) => out.push(Cow::Borrowed(s)),
        Value::Array(items) if depth > 0 => items.iter().for_each(|v| strings(v, depth - 1, out)),
        Value::Object(map) if depth > 0 => map.values().for_each(|v| strings(v, depth - 1, out)),
        _ => {}
    }
}

impl<'a> JsonView<'a> {
    /// A field by a rule's name: the event's own, else under one of the mapping's aliases,
    /// else made from Windows' own auditing fields (see `audit_fields`).
    fn field(&self, path: &str) -> Option<EventValue<'a>> {
        let view: JsonView<'a> = *self;
        let field = move |name: &str| -> Option<&'a Value> { view.lookup(name) };
        if crate::audit_fields::made_first(path, &field) {
            return crate::audit_fields::derived(path, &field);
        }
        self.lookup(path)
            .or_else(|| {
                self.mapping
                    .aliases(path)
                    .iter()
                    .find_map(|alias| self.lookup(alias))
            })
            .map(event_value)
            .or_else(|| crate::audit_fields::derived(path, &field))
    }
}

impl<'a> Event for JsonView<'a> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        self.field(path)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        any_string(self.root, MAX_DEPTH, &mut |s| pred(s))
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        strings(self.root, MAX_DEPTH, &mut out);
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        any_string(self.root, MAX_DEPTH, &mut |s| {
            visit(s);
            false
        });
    }

    fn to_json(&self) -> Value {
        self.root.clone()
    }
}

impl Leaves for JsonView<'_> {
    fn visit_leaves(&self, visitor: &mut dyn LeafVisitor) {
        leaves(self.root, "", MAX_FIELD_DEPTH, visitor);
    }
}

/// A read-only view of a normalised [`mamori_model::Event`]: the named fields by their JSON
/// names, `fields.*` and bare names from the line's own fields, then the mapping's aliases.
/// A Windows event (its EVTX form in `fields.Event`, as the `windows` parser keeps it) is
/// read by any other name, and searched for keywords, exactly as [`JsonView`] reads an EVTX
/// file, so the same rules fire on events shipped live as on a file given to `mamori scan`.
#[derive(Debug, Clone, Copy)]
pub struct ModelView<'a> {
    event: &'a ModelEvent,
    mapping: &'a Mapping,
    windows: Option<JsonView<'a>>,
}

impl<'a> ModelView<'a> {
    /// A view of `event`.
    pub fn new(event: &'a ModelEvent, mapping: &'a Mapping) -> Self {
        let windows = event
            .fields
            .get("Event")
            .filter(|e| e.get("System").is_some_and(Value::is_object))
            .map(|e| JsonView::new(e, mapping));
        Self {
            event,
            mapping,
            windows,
        }
    }

    /// The Windows event's view, for a name that is neither a normalised field nor a path
    /// into `fields`.
    fn windows_for(&self, name: &str) -> Option<&JsonView<'a>> {
        self.windows
            .as_ref()
            .filter(|_| !name.starts_with("fields.") && self.named(name).is_none())
    }

    /// The event itself.
    pub(crate) fn event(&self) -> &'a ModelEvent {
        self.event
    }

    fn lookup(&self, name: &str) -> Option<EventValue<'a>> {
        if let Some(value) = self.named(name) {
            return value;
        }
        let e = self.event;
        let found = match name.strip_prefix("fields.") {
            Some(rest) => e.fields.get(rest).or_else(|| {
                let (head, tail) = rest.split_once('.')?;
                dotted_in(e.fields.get(head)?, tail)
            }),
            None => e.fields.get(name),
        };
        found.map(event_value)
    }

    /// A normalised field by its JSON name: `Some` with its value (unset or not) when `name`
    /// is one, `None` when it names none.
    fn named(&self, name: &str) -> Option<Option<EventValue<'a>>> {
        let e = self.event;
        let text = |s: &'a Option<String>| s.as_deref().map(|s| EventValue::Str(s.into()));
        let owned = |s: Option<String>| s.map(|s| EventValue::Str(Cow::Owned(s)));
        let port = |p: Option<u16>| p.map(|p| EventValue::Int(i64::from(p)));
        Some(match name {
            "timestamp" => Some(EventValue::Str(e.timestamp.to_rfc3339().into())),
            "category" => Some(EventValue::Str(e.category.as_str().into())),
            "action" => Some(EventValue::Str(e.action.as_str().into())),
            "severity" => Some(EventValue::Str(e.severity.as_str().into())),
            "src_ip" => owned(e.src_ip.map(|ip| ip.to_string())),
            "dst_ip" => owned(e.dst_ip.map(|ip| ip.to_string())),
            "src_port" => port(e.src_port),
            "dst_port" => port(e.dst_port),
            "protocol" => text(&e.protocol),
            "user" => text(&e.user),
            "host" => text(&e.host),
            "signature" => text(&e.signature),
            "message" => text(&e.message),
            "format" => Some(EventValue::Str(e.format.as_str().into())),
            "org_id" => text(&e.org_id),
            "source_id" => text(&e.source_id),
            "device_kind" => text(&e.device_kind),
            "raw" => Some(EventValue::Str(e.raw.as_str().into())),
            _ => return None,
        })
    }

    /// A field as [`JsonView`] reads it from this event's JSON rendering
    /// (`serde_json::to_value`), the reading correlations group and count by whichever view
    /// fed them. It differs from [`Event::get_field`] here: times read as serde writes them
    /// (`…Z`), `received_at` is present, the line's own fields are reached only through
    /// `fields.` and a path of object keys, and `fields` itself is an object.
    pub(crate) fn rendered_field(&self, name: &str) -> Option<EventValue<'a>> {
        if let Some(windows) = self.windows_for(name)
            && !matches!(name, "received_at" | "fields")
        {
            return windows.field(name);
        }
        self.rendered_lookup(name).or_else(|| {
            self.mapping
                .aliases(name)
                .iter()
                .find_map(|alias| self.rendered_lookup(alias))
        })
    }

    fn rendered_lookup(&self, name: &str) -> Option<EventValue<'a>> {
        let e = self.event;
        let time = |t: chrono::DateTime<chrono::Utc>| match serde_json::to_value(t) {
            Ok(Value::String(s)) => Some(EventValue::Str(Cow::Owned(s))),
            _ => None,
        };
        match name {
            "timestamp" => time(e.timestamp),
            "received_at" => e.received_at.and_then(time),
            "fields" => Some(
                e.fields
                    .get("#text")
                    .map_or(EventValue::Map(Vec::new()), EventValue::from),
            ),
            _ => match name.strip_prefix("fields.") {
                Some(rest) => {
                    let mut keys = rest.split('.');
                    let first = e.fields.get(keys.next()?)?;
                    keys.try_fold(first, |node, key| node.get(key))
                        .map(event_value)
                }
                None => self.named(name).flatten(),
            },
        }
    }
}

fn dotted_in<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |node, key| node.get(key))
}

impl Event for ModelView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if let Some(windows) = self.windows_for(path) {
            return windows.field(path);
        }
        self.lookup(path).or_else(|| {
            self.mapping
                .aliases(path)
                .iter()
                .find_map(|alias| self.lookup(alias))
        })
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.visit_string_values(&mut |s| found = found || pred(s));
        found
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        self.visit_string_values(&mut |s| out.push(Cow::Owned(s.to_owned())));
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        // A Windows event's words are its EVTX form's, as `mamori scan` sees them: the raw
        // line would repeat them (escaped) and cost a second scan.
        if let Some(windows) = &self.windows {
            return windows.visit_string_values(visit);
        }
        let e = self.event;
        for s in [e.category.as_str(), e.action.as_str(), e.severity.as_str()] {
            visit(s);
        }
        let mut text = String::new();
        for ip in [e.src_ip, e.dst_ip].into_iter().flatten() {
            ip_text(ip, &mut text);
            visit(&text);
        }
        for s in [
            &e.protocol,
            &e.user,
            &e.host,
            &e.signature,
            &e.message,
            &e.org_id,
            &e.source_id,
            &e.device_kind,
        ]
        .into_iter()
        .flatten()
        {
            visit(s);
        }
        visit(&e.format);
        visit(&e.raw);
        for value in e.fields.values() {
            any_string(value, MAX_DEPTH, &mut |s| {
                visit(s);
                false
            });
        }
    }

    fn to_json(&self) -> Value {
        self.event.to_json()
    }
}

/// Writes `ip` into `out`, reusing its allocation.
fn ip_text(ip: std::net::IpAddr, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    // Writing into a String cannot fail.
    let _ = write!(out, "{ip}");
}

impl Leaves for ModelView<'_> {
    fn visit_leaves(&self, visitor: &mut dyn LeafVisitor) {
        if let Some(windows) = &self.windows {
            return windows.visit_leaves(visitor);
        }
        let e = self.event;
        let mut named = |key: &str, s: &str| {
            if visitor.wants(key) {
                visitor.string(s);
            }
        };
        named("category", e.category.as_str());
        named("action", e.action.as_str());
        named("severity", e.severity.as_str());
        named("format", e.format.as_str());
        named("raw", &e.raw);
        for (key, value) in [
            ("protocol", &e.protocol),
            ("user", &e.user),
            ("host", &e.host),
            ("signature", &e.signature),
            ("message", &e.message),
            ("org_id", &e.org_id),
            ("source_id", &e.source_id),
            ("device_kind", &e.device_kind),
        ] {
            if let Some(s) = value {
                named(key, s);
            }
        }
        let mut text = String::new();
        for (key, ip) in [("src_ip", e.src_ip), ("dst_ip", e.dst_ip)] {
            if let Some(ip) = ip.filter(|_| visitor.wants(key)) {
                ip_text(ip, &mut text);
                visitor.string(&text);
            }
        }
        if visitor.wants("timestamp") {
            visitor.string(&e.timestamp.to_rfc3339());
        }
        for (key, port) in [("src_port", e.src_port), ("dst_port", e.dst_port)] {
            if let Some(port) = port.filter(|_| visitor.wants(key)) {
                visitor.number(f64::from(port));
            }
        }
        for (name, value) in &e.fields {
            leaves(value, last_part(name), MAX_FIELD_DEPTH, visitor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rendered_fields_read_as_the_json_rendering_does() {
        let mapping = Mapping::builtin();
        let at = chrono::DateTime::from_timestamp(1_767_225_600, 500_000_000).expect("time");
        let mut event = ModelEvent::new("rtx", "raw line", at);
        event.src_ip = Some(std::net::IpAddr::from([192, 0, 2, 1]));
        event.dst_port = Some(22);
        event.user = Some("root".into());
        event.received_at = Some(at);
        event.fields.insert("Port".into(), json!(2222));
        event.fields.insert("a.b".into(), json!("dotted key"));
        event
            .fields
            .insert("nest".into(), json!({"x": "nested", "#text": "t"}));
        let json = serde_json::to_value(&event).expect("event renders");
        let rendered = JsonView::new(&json, &mapping);
        let model = ModelView::new(&event, &mapping);
        let text = |v: Option<EventValue<'_>>| v.map(|v| v.as_str().map(Cow::into_owned));
        for name in [
            "timestamp",
            "received_at",
            "src_ip",
            "SourceIp",
            "dst_port",
            "user",
            "format",
            "category",
            "raw",
            "fields",
            "Port",
            "fields.Port",
            "a.b",
            "fields.a.b",
            "fields.nest",
            "fields.nest.x",
            "nest.x",
            "src_ip.x",
            "absent",
        ] {
            assert_eq!(
                text(model.rendered_field(name)),
                text(rendered.get_field(name)),
                "{name}"
            );
        }
        // What the view itself reads differently, and correlations must not see.
        assert_ne!(
            model.get_field("timestamp"),
            rendered.get_field("timestamp")
        );
        assert_ne!(model.get_field("Port"), rendered.get_field("Port"));
    }

    #[test]
    fn windows_layout_reads_eventdata_system_and_attributes() {
        let mapping = Mapping::builtin();
        let event = json!({"Event": {
            "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                       "EventID": {"#text": 4688, "#attributes": {"Qualifiers": 0}},
                       "Channel": "Security"},
            "EventData": {"Image": "C:\\x.exe"},
            "UserData": {"LogFileCleared": {"SubjectUserName": "bob"}}}});
        let view = JsonView::new(&event, &mapping);
        assert_eq!(
            view.get_field("Image"),
            Some(EventValue::Str("C:\\x.exe".into()))
        );
        assert_eq!(view.get_field("EventID"), Some(EventValue::Int(4688)));
        assert_eq!(
            view.get_field("Provider_Name"),
            Some(EventValue::Str("Microsoft-Windows-Sysmon".into()))
        );
        assert_eq!(
            view.get_field("SubjectUserName"),
            Some(EventValue::Str("bob".into()))
        );
        assert_eq!(
            view.get_field("Event.System.Channel"),
            Some(EventValue::Str("Security".into()))
        );
        assert_eq!(view.get_field("Missing"), None);
    }

    #[test]
    fn aliases_fill_in_missing_fields() {
        let mapping = Mapping::builtin();
        let event = json!({"src_ip": "192.0.2.1"});
        let view = JsonView::new(&event, &mapping);
        assert_eq!(
            view.get_field("SourceIp"),
            Some(EventValue::Str("192.0.2.1".into()))
        );
    }

    #[test]
    fn model_view_reads_named_and_line_fields() {
        let mapping = Mapping::builtin();
        let mut event = ModelEvent::new("rtx", "raw line", chrono::DateTime::UNIX_EPOCH);
        event.src_ip = "192.0.2.7".parse().ok();
        event.dst_port = Some(22);
        event
            .fields
            .insert("dns".into(), json!({"rrname": "evil.example"}));
        let view = ModelView::new(&event, &mapping);
        assert_eq!(
            view.get_field("SourceIp"),
            Some(EventValue::Str("192.0.2.7".into()))
        );
        assert_eq!(view.get_field("dst_port"), Some(EventValue::Int(22)));
        assert_eq!(
            view.get_field("fields.dns.rrname"),
            Some(EventValue::Str("evil.example".into()))
        );
        assert!(view.any_string_value(&|s| s == "raw line"));
        assert_eq!(view.to_json()["format"], "rtx");
    }
}
